/** Queries (`/ecr/v1/query`) and prints: calls whose failure is an error, not an outcome. */
import { toQueryResult } from '../terminal/query.js';
import type { QueryResult } from '../terminal/types.js';
import { CLOUD_PATHS, type CloudExchange } from './client.js';
import { cloudFailure, cloudRequestError, CloudRequestError, httpFailure } from './codes.js';
import type { CloudContext } from './context.js';
import { CLOUD_CANCELLED_CODES } from './judge.js';

/** Looks a transaction up in QFPay's book. Rejects with a transport error or {@link CloudRequestError}. */
export async function queryCloud(ctx: CloudContext, by: { syssn: string } | { out_trade_no: string }, signal?: AbortSignal): Promise<QueryResult> {
  const probe = await ctx.client.probe(by, ctx.cfg.requestTimeoutMs, signal);
  if (probe.kind === 'error') {
    if (probe.transportError) throw probe.transportError;
    throw new CloudRequestError(probe.failure.code, probe.failure.message.startsWith('query') ? probe.failure.message : `query failed: ${probe.failure.message}`, probe.failure.hint, probe.codes.respcd ? { respcd: probe.codes.respcd } : undefined);
  }
  if (probe.kind === 'not_found') return { found: false, codes: probe.codes };
  return toQueryResult(probe.data, probe.codes, CLOUD_CANCELLED_CODES);
}

/** Throws unless a push was accepted (`0000`). */
function expectAccepted(ex: CloudExchange, what: string): void {
  if (ex.kind === 'transport-error') throw ex.error;
  if (ex.kind === 'reply' && ex.reply.respcd === '0000') return;
  if (ex.kind === 'reply') throw cloudRequestError(cloudFailure(ex.reply.respcd, ex.reply.message, what), ex.reply.respcd);
  if (ex.kind === 'http-error') throw cloudRequestError(httpFailure(ex.status, what));
  throw cloudRequestError({ code: 'CLOUD_REPLY_UNDECODABLE', message: `${what}: the OpenAPI reply could not be read`, hint: 'check the base URL' });
}

/**
 * Prints a receipt on the terminal. The push needs the transaction's out_trade_no too: when the
 * caller does not give it, QFPay's book is asked (by syssn) first.
 */
export async function printCloudReceipt(ctx: CloudContext, syssn: string, outTradeNo: string | undefined, signal?: AbortSignal): Promise<void> {
  let ref = outTradeNo;
  if (ref === undefined) {
    const found = await queryCloud(ctx, { syssn }, signal);
    if (!found.found) throw new CloudRequestError(found.codes.respcd ?? '1136', `print receipt: QFPay has no transaction ${syssn}`, 'check the syssn', found.codes.respcd ? { respcd: found.codes.respcd } : undefined);
    ref = found.outTradeNo;
  }
  const ex = await ctx.client.exchange(CLOUD_PATHS.printReceipt, { syssn, out_trade_no: ref ?? '' }, { timeoutMs: ctx.cfg.requestTimeoutMs, ...(signal ? { signal } : {}) });
  expectAccepted(ex, 'print receipt push');
}

/** Prints the transaction summary on the terminal. */
export async function printCloudSummary(ctx: CloudContext, signal?: AbortSignal): Promise<void> {
  const ex = await ctx.client.exchange(CLOUD_PATHS.printSummary, {}, { timeoutMs: ctx.cfg.requestTimeoutMs, ...(signal ? { signal } : {}) });
  expectAccepted(ex, 'print summary push');
}
