/** Lookups (4001) and prints (3001/3002): calls whose failure is an error, not an outcome. Browser-safe. */
import { classifyTransactionCode, isPendingTransactionCode } from '../protocol/codes.js';
import type { QueryReplyData } from '../protocol/reply-schemas.js';
import type { EngineContext } from './context.js';
import { TerminalRequestError } from './errors.js';
import { compact, describeTxn, NOT_FOUND_CODES, paidState, requestError } from './support.js';
import type { OutcomeCodes, QueryResult } from './types.js';

const NO_CODES: ReadonlySet<string> = new Set();

/** Looks a transaction up (4001). Rejects with a transport error or `TerminalRequestError` when there is no usable answer. */
export async function queryTransaction(ctx: EngineContext, by: { out_trade_no: string } | { orderId: string }, signal?: AbortSignal): Promise<QueryResult> {
  const probe = await ctx.wire.probe(by, ctx.cfg.requestTimeoutMs, signal);
  if (probe.kind === 'error') {
    if (probe.transportError) throw probe.transportError;
    throw new TerminalRequestError(probe.failure.code, `query failed: ${probe.failure.message}`, probe.failure.hint, probe.codes.respcd ? { respcd: probe.codes.respcd } : undefined);
  }
  if (probe.kind === 'not_found') return { found: false, codes: probe.codes };
  return toQueryResult(probe.data, probe.codes);
}

/**
 * A transaction of a 4001 / OpenAPI query as a {@link QueryResult}. `cancelledCodes` are the
 * transaction codes that mean "cancelled" rather than "failed" (the cloud's; none on the LAN).
 */
export function toQueryResult(data: QueryReplyData, codes: OutcomeCodes, cancelledCodes: ReadonlySet<string> = NO_CODES): QueryResult {
  const txn = data.respcd;
  const state = txn === '0000' ? paidState(data.cancel) : isPendingTransactionCode(txn) ? 'pending' : cancelledCodes.has(txn) ? 'cancelled' : 'failed';
  return compact({
    found: true as const,
    state,
    kind: data.tradetp === 'refund' ? ('refund' as const) : ('payment' as const),
    refundableMinor: data.refundableMinor,
    codes,
    syssn: data.syssn ?? '',
    outTradeNo: data.out_trade_no,
    amountMinor: data.amountMinor,
    currency: data.currency === 'HKD' ? ('HKD' as const) : undefined,
    channelRef: data.chnlsn,
    payType: data.busicd,
    cardScheme: data.cardscheme,
    maskedCard: data.cardno,
    sysTime: data.sysdtm,
    origSyssn: data.origssn,
  });
}

/** Prints a receipt (3001) or the summary (3002). Rejects with a typed error unless the terminal answers 6000 / 0000. */
export async function print(ctx: EngineContext, funcType: 3001 | 3002, content: { func_type: 3001; orderId: string } | { func_type: 3002 }, signal?: AbortSignal): Promise<void> {
  const ex = await ctx.wire.exchange(funcType, content, { timeoutMs: ctx.cfg.requestTimeoutMs, ...(signal ? { signal } : {}) });
  const what = funcType === 3001 ? 'print receipt (3001)' : 'print summary (3002)';
  if (ex.kind === 'transport-error') throw ex.error;
  if (ex.kind === 'reply' && ex.reply.respcd === '6000') {
    // Outer success; a transaction code other than 0000 (e.g. 1136 for an unknown syssn) is still a refusal.
    const raw = ex.reply.data?.respcd;
    const txn = typeof raw === 'string' || typeof raw === 'number' ? String(raw).padStart(4, '0') : undefined;
    if (txn === undefined || txn === '0000') return;
    const said = ex.reply.data?.resperr ?? ex.reply.data?.respmsg;
    throw new TerminalRequestError(
      txn,
      `${what} failed: ${describeTxn(txn, typeof said === 'string' ? said : undefined)}`,
      classifyTransactionCode(txn).hint ?? (NOT_FOUND_CODES.has(txn) ? 'check the syssn: the terminal has no such transaction' : 'check the terminal and try again'),
      { respcd: '6000' },
    );
  }
  throw requestError(ex, what);
}
