/**
 * Signers for the direct topology: the browser never holds the POS-KEY, so every ECR request
 * is signed and encrypted by a server. A signer takes the request content and returns the
 * Base64 ciphertext the terminal expects (the HTTP body is that string as a JSON literal).
 */
import { z } from 'zod';
import type { EcrRequestContent } from '@qfpay-ecr/core/protocol';
import { SignerError } from '../errors.js';
import { errorFromAnswer, requestJson, resolveToken, type FetchLike, type TokenSource } from './http.js';

/** Signs and encrypts one request; resolves the Base64 ciphertext. Rejects with {@link SignerError}. */
export type RequestSigner = (content: EcrRequestContent, signal?: AbortSignal) => Promise<string>;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const CiphertextSchema = z.string().max(64 * 1024).regex(BASE64, { message: 'not Base64' });

function checkCiphertext(value: unknown, source: string): string {
  const r = CiphertextSchema.safeParse(value);
  if (!r.success) throw new SignerError('SIGNER_BAD_ANSWER', `${source} did not return a Base64 ciphertext`, 'check the signing endpoint (server logs); nothing was sent to the terminal');
  return r.data;
}

/** Calls a server method `(method, args) → result`, e.g. Odoo's ORM `call`. */
export type RpcCall = (method: string, args: unknown[]) => Promise<unknown>;

/**
 * Odoo's signer: `pos.payment.method.qfpay_sign_request(payload)` on the payment method record
 * (pos_qfpay's RPC in Odoo 19, and the example addon's for 17/18). `call` is the generation's
 * RPC helper (the shims pass `callPaymentMethod` / `orm.silent.call`).
 */
export function odooRpcSigner(call: RpcCall, paymentMethodId: number): RequestSigner {
  return async (content) => {
    let result: unknown;
    try {
      result = await call('qfpay_sign_request', [[paymentMethodId], content]);
    } catch (cause) {
      const detail = cause instanceof Error ? cause.message : 'the server refused';
      throw new SignerError('SIGNER_RPC_FAILED', `signing request failed: ${detail}`, 'check that this user may use the QFPay payment method and that its POS-KEY is set', { cause });
    }
    return checkCiphertext(result, 'qfpay_sign_request');
  };
}

/** Options of {@link bridgeSigner}. */
export interface BridgeSignerOptions {
  /** Origin of the notify server exposing `POST /qfpay/sign/:terminalId`. */
  baseUrl: string;
  terminalId: string;
  token: TokenSource;
  fetch?: FetchLike;
  timeoutMs?: number;
}

/** Our notify server's authenticated signing route: `POST /qfpay/sign/:terminalId` `{ content }` → `{ ciphertext }`. */
export function bridgeSigner(options: BridgeSignerOptions): RequestSigner {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/qfpay/sign/${encodeURIComponent(options.terminalId)}`;
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return async (content, signal) => {
    let answer;
    try {
      const token = await resolveToken(options.token);
      answer = await requestJson(fetchImpl, url, { method: 'POST', token, body: { content }, timeoutMs: options.timeoutMs ?? 10_000, ...(signal ? { signal } : {}) });
    } catch (cause) {
      throw new SignerError('SIGNER_UNREACHABLE', 'cannot reach the signing endpoint', 'check the notify server URL and network; nothing was sent to the terminal', { cause });
    }
    if (answer.status !== 200) {
      const err = errorFromAnswer(answer, 'signing');
      throw new SignerError(`SIGNER_${err.code}`, err.message.replace(` — ${err.hint}`, ''), err.hint);
    }
    const body = z.object({ ciphertext: z.string() }).safeParse(answer.body);
    return checkCiphertext(body.success ? body.data.ciphertext : undefined, 'the signing endpoint');
  };
}
