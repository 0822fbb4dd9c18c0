/**
 * Options of the simulator's fake QFPay OpenAPI (ECR Cloud mode). The client key is a secret:
 * it is only ever used to verify `X-QF-SIGN` and never reaches a log, record, reply or error.
 */
import { z } from 'zod';

/** `startSimulator({ cloud })`: turns on the fake QFPay OpenAPI for ECR Cloud. */
export interface CloudOptions {
  /** The app code the POS sends in `X-QF-APPCODE`. */
  appCode: string;
  /** The `client_key` issued with the app code; signs requests (`X-QF-SIGN`). Never logged. */
  clientKey: string;
  /** The Device ID (`termid`) this simulated terminal is bound to; other termids get 1106. */
  termid: string;
  /** When set, every request must carry this `mchid`; when absent, requests must not send one (QFPay's rule for agents). */
  mchid?: string;
  /** Port of the OpenAPI listener (same host, same CA as the terminal); default 0 (ephemeral). */
  port?: number;
}

/** Cloud options with defaults applied. */
export interface ResolvedCloudOptions {
  appCode: string;
  clientKey: string;
  termid: string;
  mchid: string | undefined;
  port: number;
}

// Header values must be plain printable ASCII; termid travels in a form field but is shown masked.
const headerToken = z.string().regex(/^[\x21-\x7e]{1,128}$/, '1-128 printable ASCII characters, no spaces');

/** zod schema of {@link CloudOptions}. */
export const cloudOptionsSchema = z.object({
  appCode: headerToken,
  clientKey: z.string().min(1, 'client key must not be empty').max(256, 'client key is longer than 256 characters'),
  termid: z.string().regex(/^[\x21-\x7e]{1,64}$/, '1-64 printable ASCII characters, no spaces'),
  mchid: z.string().regex(/^[\x21-\x7e]{1,64}$/, '1-64 printable ASCII characters, no spaces').optional(),
  port: z.number().int().min(0).max(65535).optional(),
});

/** Applies defaults to already validated cloud options. */
export function resolveCloudOptions(o: z.infer<typeof cloudOptionsSchema>): ResolvedCloudOptions {
  return { appCode: o.appCode, clientKey: o.clientKey, termid: o.termid, mchid: o.mchid, port: o.port ?? 0 };
}
