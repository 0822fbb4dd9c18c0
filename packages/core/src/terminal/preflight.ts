/**
 * The optional 4001 sent before a payment (`probeBeforePayment`), for sides that cannot tell a
 * failed connection from a lost reply (a browser's fetch): an answer proves the terminal is
 * reachable, so when it fails nothing of the payment was sent; and the reference must be fresh.
 * Browser-safe.
 */
import { QfpayEcrError } from '../errors.js';
import type { EngineContext } from './context.js';
import { failureOf, NOT_FOUND_CODES, nonReplyFailure, outerFailure, replyCodes, type Failure } from './support.js';
import type { OutcomeCodes, TransactionOutcome } from './types.js';

/** Probes the payment's reference; a `failed` outcome (nothing was sent) or undefined to go on. */
export async function probeBeforePayment(ctx: EngineContext, outTradeNo: string, signal?: AbortSignal): Promise<TransactionOutcome | undefined> {
  const ex = await ctx.wire.exchange(4001, { func_type: 4001, out_trade_no: outTradeNo }, { timeoutMs: ctx.cfg.requestTimeoutMs, ...(signal ? { signal } : {}) });
  const failed = (f: Failure, codes: OutcomeCodes = {}): TransactionOutcome => ({
    status: 'failed',
    kind: 'payment',
    outTradeNo,
    codes,
    error: { code: f.code, message: `${f.message}; nothing was sent`, hint: f.hint },
  });
  switch (ex.kind) {
    case 'transport-error':
      return failed(failureOf(ex.error));
    case 'http-error':
      return failed(nonReplyFailure(ex));
    case 'undecodable':
      // The codec says why (e.g. an encrypted reply a browser cannot read).
      return failed(ex.error instanceof QfpayEcrError ? failureOf(ex.error) : nonReplyFailure(ex));
    case 'reply':
      break;
  }
  const reply = ex.reply;
  if (reply.respcd !== '6000') return failed(outerFailure(reply), replyCodes(reply));
  const txn = reply.data?.respcd;
  if (reply.data && typeof txn === 'string' && !NOT_FOUND_CODES.has(txn)) {
    return failed({ code: 'REQUEST_REUSED_OUT_TRADE_NO', message: `the terminal already has a transaction ${outTradeNo}`, hint: 'query it instead; every attempt needs a fresh reference' });
  }
  return undefined;
}
