/**
 * Pushes (payment, refund) and what their answer means. A push is sent at most once. Its answer
 * only says whether QFPay accepted to forward it to the terminal: `0000` = accepted (the result
 * comes later); a refusal QFPay is sure of = `failed` (nothing was forwarded); anything unclear
 * (no answer, timeout, 5xx, garbage, pending / duplicate / unknown codes) = wait for the result
 * all the same, because the terminal may have received it.
 */
import { classifyTransactionCode, isPendingTransactionCode } from '../protocol/codes.js';
import { bareMessage, failureOf, type InFlight, type Kind } from '../terminal/support.js';
import type { TransactionOutcome } from '../terminal/types.js';
import type { CloudExchange } from './client.js';
import { cloudCodes } from './client.js';
import { cloudFailure, httpFailure } from './codes.js';
import type { CloudContext } from './context.js';
import type { CloudParams } from './signing.js';

/** HTTP statuses that say the request was refused before anything was done with it. */
const REFUSED_STATUSES = new Set([400, 401, 403, 404, 405, 411, 413, 414, 415, 429]);

/** Codes that speak about an EARLIER request with the same reference: its result is queried. */
const DUPLICATE_CODES = new Set(['1102', '1260', '2011']);

/** What a push's answer means. */
export type PushStep = { done: TransactionOutcome } | { wait: 'accepted' } | { wait: 'unclear'; reason: string };

/** Sends the push of the in-flight transaction once, with its `sent` progress event. */
export async function sendPush(ctx: CloudContext, path: string, params: CloudParams, tx: InFlight): Promise<CloudExchange> {
  tx.posted = true;
  try {
    return await ctx.client.exchange(path, params, {
      timeoutMs: ctx.cfg.requestTimeoutMs,
      onSent: () => ctx.progress(tx.kind, tx.outTradeNo, 'sent'),
    });
  } finally {
    // A cancel waits for this: it must not reach QFPay before the push it is meant to cancel.
    tx.markOnWire();
  }
}

/** Judges a push's answer. */
export function interpretPush(ex: CloudExchange, kind: Kind, outTradeNo: string): PushStep {
  const what = `${kind} push`;
  switch (ex.kind) {
    case 'transport-error':
      if (!ex.error.mayHaveReachedTerminal) return { done: { status: 'failed', kind, outTradeNo, codes: {}, error: failureOf(ex.error) } };
      return { wait: 'unclear', reason: `${ex.error.code}: ${bareMessage(ex.error)}` };
    case 'http-error':
      if (REFUSED_STATUSES.has(ex.status)) return { done: { status: 'failed', kind, outTradeNo, codes: {}, error: httpFailure(ex.status, what) } };
      return { wait: 'unclear', reason: `the OpenAPI answered HTTP ${ex.status}` };
    case 'undecodable':
      return { wait: 'unclear', reason: 'the OpenAPI reply could not be read' };
    case 'reply':
      break;
  }
  const { respcd } = ex.reply;
  if (respcd === '0000') return { wait: 'accepted' };
  if (DUPLICATE_CODES.has(respcd)) return { wait: 'unclear', reason: `QFPay knows this reference already (${respcd})` };
  if (isPendingTransactionCode(respcd)) return { wait: 'unclear', reason: `QFPay answered ${respcd} (pending)` };
  if (classifyTransactionCode(respcd).kind === 'failed') {
    return { done: { status: 'failed', kind, outTradeNo, codes: cloudCodes(ex.reply), error: cloudFailure(respcd, ex.reply.message, what) } };
  }
  return { wait: 'unclear', reason: `QFPay answered ${respcd}, a code this version does not know` };
}
