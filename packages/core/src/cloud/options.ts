/** Options of {@link QFPayCloudTerminal}, their zod schema and defaults. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, QfpayEcrError } from '../errors.js';
import type { TerminalLogger } from '../terminal/ports.js';
import { bareMessage } from '../terminal/support.js';
import { inspectCa } from '../transport/ca.js';
import { describeConfigIssues } from '../transport/transport.js';
import { CLOUD_PATHS, type CloudQueryPath } from './client.js';
import type { CloudTimings } from './context.js';
import { CLOUD_ENVIRONMENTS, CLOUD_ENVIRONMENT_NAMES, resolveCloudEndpoint, type CloudEndpoint, type CloudEnvironment } from './environments.js';
import type { CloudNotificationSource } from './notifications.js';
import type { CloudSignType } from './signing.js';

/** Options of {@link QFPayCloudTerminal}. */
export interface QFPayCloudTerminalOptions {
  /**
   * The OpenAPI environment, chosen explicitly (no default): `production` (the only one where ECR
   * Cloud runs for real), `live-test`, `sandbox`, or `custom` with `baseUrl` (e.g. a fake OpenAPI in
   * tests). Credentials belong to one environment and are never sent to another.
   */
  environment: CloudEnvironment;
  /** Only with `environment: 'custom'`: the origin, e.g. `https://127.0.0.1:8443`. */
  baseUrl?: string;
  /** Only with `environment: 'custom'`: the CA (PEM, or a file path) to trust instead of the public roots. */
  ca?: string;
  /** OpenAPI app code (`X-QF-APPCODE`). */
  appCode: string;
  /** OpenAPI client key; signs every request. Never logged, never in errors or outcomes. */
  clientKey: string;
  /** The terminal's Device ID (Haojin → My → Settings → Device ID). */
  termid: string;
  /** Merchant ID: only when QFPay issued one (agents); otherwise leave it out. */
  mchid?: string;
  /** Signature hash; default `MD5` (QFPay's default). `SHA256` sends `X-QF-SIGNTYPE: SHA256`. */
  signType?: CloudSignType;
  /** Verified, parsed notifications (successes only) that can settle a transaction before the next query. */
  notifications?: CloudNotificationSource;
  /** Query path; default `/ecr/v1/query` (the English doc); the other spelling, `/ecr/v1/query/async`, is tried on a 404. */
  queryPath?: CloudQueryPath;
  /** `scan_type` when a payment gives none (the OpenAPI requires it); default `SCAN_PAY`. */
  defaultScanType?: 'QRCODE_PAY' | 'SCAN_PAY';
  /** `payment_timeout` when a payment gives none; default 120 s (QFPay's default). Also the customer time of refunds. */
  defaultPaymentTimeoutSec?: number;
  /** Waited beyond the payment timeout for a final answer before the outcome is `unknown`; default 60000 ms. */
  resultMarginMs?: number;
  /** Query backoff while waiting for a result: first interval (doubling) and longest; defaults 1000 / 3000 ms. */
  resolve?: { minIntervalMs?: number; maxIntervalMs?: number };
  /** How long `cancel()` waits for the open transaction's outcome; default 15000 ms. */
  cancelWaitMs?: number;
  /** TCP + TLS connect timeout; default 10000 ms. */
  connectTimeoutMs?: number;
  /** Timeout of one OpenAPI call; default 15000 ms. */
  requestTimeoutMs?: number;
  /** Name in logs; default `cloud:<environment>:<termid>`. */
  id?: string;
  /** Structured logger (pino-compatible); default silent. */
  logger?: TerminalLogger;
  /** Makes a fresh `out_trade_no` (payments without one, and every refund); must return `[A-Za-z0-9_-]{1,64}`. */
  outTradeNoFactory?: () => string;
  /** Largest amount accepted, in minor units; default money's limit. */
  maxAmountMinor?: number;
}

/** Where and as whom to reach a cloud terminal: the part of the options a configuration file or CLI carries. */
export type CloudConnection = Pick<QFPayCloudTerminalOptions, 'environment' | 'baseUrl' | 'ca' | 'appCode' | 'clientKey' | 'termid' | 'mchid' | 'signType'>;

/** Defaults of the cloud terminal. */
export const CLOUD_DEFAULTS = Object.freeze({
  signType: 'MD5' as CloudSignType,
  queryPath: CLOUD_PATHS.query as CloudQueryPath,
  defaultScanType: 'SCAN_PAY' as const,
  defaultPaymentTimeoutSec: 120,
  resultMarginMs: 60_000,
  minIntervalMs: 1_000,
  maxIntervalMs: 3_000,
  cancelWaitMs: 15_000,
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
});

const ms = (name: string) => z.number({ error: `${name} must be a number of milliseconds` }).int({ message: `${name} must be whole milliseconds` }).positive({ message: `${name} must be greater than zero` });
const isFn = (v: unknown): v is (...args: never[]) => unknown => typeof v === 'function';
const secret = (name: string, what: string) => z.string({ error: `${name} must be text (${what})` }).min(1, { message: `${name} must not be empty (${what})` });

/** zod schema of {@link QFPayCloudTerminalOptions} (messages never echo a value). */
export const QFPayCloudTerminalOptionsSchema = z
  .strictObject({
    environment: z.enum(CLOUD_ENVIRONMENT_NAMES, { error: `environment must be chosen explicitly: ${CLOUD_ENVIRONMENT_NAMES.join(', ')}` }),
    baseUrl: z.string({ error: 'baseUrl must be a URL' }).optional(),
    ca: z.string({ error: 'ca must be a PEM string or a file path' }).min(1).optional(),
    appCode: secret('appCode', 'the OpenAPI app code'),
    clientKey: secret('clientKey', 'the OpenAPI client key'),
    termid: z
      .string({ error: 'termid must be text (the Device ID shown in Haojin → My → Settings → Device ID)' })
      .trim()
      .regex(/^[\x21-\x7e]{1,64}$/, { message: 'termid must be 1–64 printable characters without spaces (the Device ID shown in Haojin)' }),
    mchid: z.string().trim().regex(/^[\x21-\x7e]{1,64}$/, { message: 'mchid must be 1–64 printable characters; leave it out unless QFPay issued one' }).optional(),
    signType: z.enum(['MD5', 'SHA256'], { error: 'signType must be MD5 or SHA256' }).optional(),
    notifications: z.custom<CloudNotificationSource>((v) => typeof v === 'object' && v !== null && isFn((v as Record<string, unknown>).subscribe), { message: 'notifications must have subscribe(listener) returning an unsubscribe function' }).optional(),
    queryPath: z.enum([CLOUD_PATHS.query, CLOUD_PATHS.queryAsync], { error: `queryPath must be ${CLOUD_PATHS.query} or ${CLOUD_PATHS.queryAsync}` }).optional(),
    defaultScanType: z.enum(['QRCODE_PAY', 'SCAN_PAY'], { error: 'defaultScanType must be QRCODE_PAY or SCAN_PAY' }).optional(),
    defaultPaymentTimeoutSec: z.number().int().positive().max(3600, { message: 'defaultPaymentTimeoutSec must be at most 3600' }).optional(),
    resultMarginMs: ms('resultMarginMs').optional(),
    resolve: z.strictObject({ minIntervalMs: ms('resolve.minIntervalMs').optional(), maxIntervalMs: ms('resolve.maxIntervalMs').optional() }).optional(),
    cancelWaitMs: ms('cancelWaitMs').optional(),
    connectTimeoutMs: ms('connectTimeoutMs').optional(),
    requestTimeoutMs: ms('requestTimeoutMs').optional(),
    id: z.string().min(1).max(100).optional(),
    logger: z
      .custom<TerminalLogger>((v) => typeof v === 'object' && v !== null && ['debug', 'info', 'warn', 'error'].every((k) => isFn((v as Record<string, unknown>)[k])), {
        message: 'logger must have debug, info, warn and error functions taking (obj, msg), like pino',
      })
      .optional(),
    outTradeNoFactory: z.custom<() => string>(isFn, { message: 'outTradeNoFactory must be a function returning a string' }).optional(),
    maxAmountMinor: z.number().int().positive().optional(),
  })
  .superRefine((o, ctx) => {
    const min = o.resolve?.minIntervalMs ?? CLOUD_DEFAULTS.minIntervalMs;
    const max = o.resolve?.maxIntervalMs ?? CLOUD_DEFAULTS.maxIntervalMs;
    if (min > max) ctx.addIssue({ code: 'custom', path: ['resolve', 'minIntervalMs'], message: 'resolve.minIntervalMs must not exceed resolve.maxIntervalMs' });
  });

/** Options after parsing. */
export interface ResolvedCloudOptions {
  raw: z.output<typeof QFPayCloudTerminalOptionsSchema>;
  endpoint: CloudEndpoint;
  timings: CloudTimings;
  signType: CloudSignType;
  queryPath: CloudQueryPath;
  connectTimeoutMs: number;
  id: string;
}

/** Reads a CA given as PEM or file path and checks it is a usable CA certificate. Throws {@link ConfigError}. */
export function loadCloudCa(ca: string): string {
  let pem: string;
  if (ca.includes('-----BEGIN')) pem = ca;
  else {
    try {
      pem = readFileSync(ca, 'utf8');
    } catch (cause) {
      throw new ConfigError('CONFIG_CA_UNREADABLE', `cannot read the CA file ${JSON.stringify(ca)} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, 'check the path of ca', { cause });
    }
  }
  try {
    const info = inspectCa(pem);
    if (!info.isCa) throw new ConfigError('CONFIG_CA_NOT_CA', `the certificate given as ca (${info.subject}) is not a CA certificate`, "give the CA that issued the server's certificate, not the server's own certificate");
    const now = new Date();
    if (!(info.validFrom <= now && now < info.validTo)) throw new ConfigError('CONFIG_CA_EXPIRED', `the CA (${info.subject}) is not valid now`, "check this machine's clock, or give a current CA");
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if (err instanceof QfpayEcrError) throw new ConfigError(err.code, bareMessage(err), err.hint);
    throw err;
  }
  return pem;
}

/**
 * Validates the options. Throws {@link ConfigError}: `CONFIG_CLOUD_OPTIONS` listing the bad fields
 * (never their values), `CONFIG_CLOUD_ENVIRONMENT` for an environment problem, or a CA error.
 */
export function parseCloudOptions(options: QFPayCloudTerminalOptions): ResolvedCloudOptions {
  // The environment is checked first, on its own: its error says how to choose one.
  const env = (options as { environment?: unknown } | undefined)?.environment;
  if (typeof env !== 'string' || !(CLOUD_ENVIRONMENT_NAMES as readonly string[]).includes(env)) resolveCloudEndpoint(typeof env === 'string' ? { environment: env } : {});
  const parsed = QFPayCloudTerminalOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ConfigError('CONFIG_CLOUD_OPTIONS', `invalid QFPayCloudTerminal options: ${describeConfigIssues(parsed.error.issues)}`, 'fix the listed options');
  }
  const o = parsed.data;
  const endpoint = resolveEndpointWithCa(o.environment, o.baseUrl, o.ca);
  return {
    raw: o,
    endpoint,
    signType: o.signType ?? CLOUD_DEFAULTS.signType,
    queryPath: o.queryPath ?? CLOUD_DEFAULTS.queryPath,
    connectTimeoutMs: o.connectTimeoutMs ?? CLOUD_DEFAULTS.connectTimeoutMs,
    id: o.id ?? `cloud:${o.environment}:${o.termid}`,
    timings: {
      requestTimeoutMs: o.requestTimeoutMs ?? CLOUD_DEFAULTS.requestTimeoutMs,
      defaultPaymentTimeoutSec: o.defaultPaymentTimeoutSec ?? CLOUD_DEFAULTS.defaultPaymentTimeoutSec,
      resultMarginMs: o.resultMarginMs ?? CLOUD_DEFAULTS.resultMarginMs,
      cancelWaitMs: o.cancelWaitMs ?? CLOUD_DEFAULTS.cancelWaitMs,
      minIntervalMs: o.resolve?.minIntervalMs ?? CLOUD_DEFAULTS.minIntervalMs,
      maxIntervalMs: o.resolve?.maxIntervalMs ?? CLOUD_DEFAULTS.maxIntervalMs,
      defaultScanType: o.defaultScanType ?? CLOUD_DEFAULTS.defaultScanType,
    },
  };
}

/**
 * Resolves the endpoint, checking the environment / baseUrl / ca combination before any CA file
 * is read, then loads the CA. Throws {@link ConfigError}.
 */
export function resolveEndpointWithCa(environment: string | undefined, baseUrl: string | undefined, ca: string | undefined): CloudEndpoint {
  const endpoint = resolveCloudEndpoint({
    ...(environment !== undefined ? { environment } : {}),
    ...(baseUrl !== undefined ? { baseUrl } : {}),
    ...(ca !== undefined ? { caPem: ca } : {}),
  });
  return ca === undefined ? endpoint : { ...endpoint, caPem: loadCloudCa(ca) };
}

/** Whether an endpoint is one of QFPay's documented hosts. */
export function isDocumentedHost(endpoint: CloudEndpoint): boolean {
  return (Object.values(CLOUD_ENVIRONMENTS) as string[]).includes(endpoint.baseUrl);
}
