/**
 * Resolution of a payment whose reply was not final: query (4001) its out_trade_no with backoff
 * until the terminal's book gives a final answer or the deadline passes. Browser-safe.
 */
import { classifyTransactionCode, isPendingTransactionCode } from '../protocol/codes.js';
import { pollTimeout, pollUntilDeadline, resolvingAnnouncer, send5001, type EngineContext } from './context.js';
import { amountMismatch } from './interpret.js';
import type { ValidPay } from './requests.js';
import { approvedFromRecord, describeTxn, KeepPolling, paidState, sleep, type InFlight, type Probe } from './support.js';
import type { TransactionOutcome } from './types.js';

/** Judges a 4001 answer about our payment: an outcome, 'not_found', or a reason to keep polling. */
function judgePaymentProbe(ctx: EngineContext, probe: Probe, p: ValidPay, outTradeNo: string, tx: InFlight, mode: 'unknown' | 'cancelled'): TransactionOutcome | 'not_found' | KeepPolling {
  if (probe.kind === 'error') return new KeepPolling(`query failed: ${probe.reason}`);
  if (probe.kind === 'not_found') return 'not_found';
  const { data, codes } = probe;
  if (data.out_trade_no !== undefined && data.out_trade_no !== outTradeNo) return new KeepPolling(`query answered for another out_trade_no (${data.out_trade_no})`);
  const by = tx.cancelRequested ? 'pos' : 'customer';
  const txn = data.respcd;
  if (txn === '0000') {
    const state = paidState(data.cancel);
    if (state === 'cancelled') return { status: 'cancelled', kind: 'payment', outTradeNo, codes, by, resolvedBy: 'query' };
    const amountMinor = data.amountMinor ?? p.amountMinor;
    if (data.amountMinor === undefined) ctx.log.warn({ terminal: ctx.id, outTradeNo }, 'query reported a payment without an amount; assuming the requested amount');
    const mismatch = amountMismatch(p.amountMinor, p.currency, amountMinor, data.currency);
    if (mismatch) {
      ctx.log.warn({ terminal: ctx.id, outTradeNo, syssn: data.syssn, requestedMinor: p.amountMinor, reportedMinor: amountMinor }, 'terminal book shows a different amount');
      return { status: 'unknown', kind: 'payment', outTradeNo, codes, reason: `amount mismatch: ${mismatch}; check syssn ${data.syssn ?? '?'} before doing anything, never re-send` };
    }
    if (!data.syssn) ctx.log.warn({ terminal: ctx.id, outTradeNo }, 'query reported a paid transaction without a syssn');
    return approvedFromRecord({ kind: 'payment', codes, resolvedBy: 'query', syssn: data.syssn ?? '', outTradeNo, amountMinor, currency: p.currency, maskedCard: data.cardno }, data);
  }
  if (isPendingTransactionCode(txn)) return new KeepPolling(`pending: ${describeTxn(txn)}`);
  if (classifyTransactionCode(txn).kind === 'failed') {
    if (mode === 'cancelled') return { status: 'cancelled', kind: 'payment', outTradeNo, codes, by, resolvedBy: 'query' };
    return { status: 'declined', kind: 'payment', outTradeNo, codes, reason: describeTxn(txn, data.resperr || data.respmsg), resolvedBy: 'query' };
  }
  return new KeepPolling(`unrecognised transaction code ${txn}`);
}

/**
 * Resolves a payment by querying its out_trade_no. `cancelled` mode is the confirmation of a
 * 6001 (not found = cancelled); `unknown` mode tolerates a few "not found" answers (the terminal
 * may not have booked it yet), then closes any open screen with 5001 and asks once more.
 */
export async function resolvePayment(ctx: EngineContext, p: ValidPay, outTradeNo: string, tx: InFlight, mode: 'unknown' | 'cancelled', why: string): Promise<TransactionOutcome> {
  const announce = resolvingAnnouncer(ctx, 'payment', outTradeNo);
  if (mode === 'unknown') announce(why);
  ctx.log.info({ terminal: ctx.id, outTradeNo, mode, why }, 'resolving payment by query');
  const by = () => (tx.cancelRequested ? ('pos' as const) : ('customer' as const));
  let notFound = 0;
  const result = await pollUntilDeadline(ctx, async (deadline) => {
    const probe = await ctx.wire.probe({ out_trade_no: outTradeNo }, pollTimeout(ctx, deadline));
    let verdict = judgePaymentProbe(ctx, probe, p, outTradeNo, tx, mode);
    if (verdict === 'not_found') {
      if (mode === 'cancelled') return { status: 'cancelled', kind: 'payment', outTradeNo, codes: probe.codes, by: by(), resolvedBy: 'query' } satisfies TransactionOutcome;
      notFound += 1;
      if (notFound < ctx.cfg.resolve.notFoundGraceQueries) throw new KeepPolling('not found yet');
      // Before concluding, close any screen still open for it, then ask once more.
      const closed = await send5001(ctx);
      if (closed.kind === 'transport-error') throw new KeepPolling(`could not send 5001 before concluding (${closed.error.code})`);
      await sleep(ctx.cfg.resolve.minIntervalMs);
      const again = await ctx.wire.probe({ out_trade_no: outTradeNo }, pollTimeout(ctx, deadline));
      verdict = judgePaymentProbe(ctx, again, p, outTradeNo, tx, mode);
      if (verdict === 'not_found') {
        if (tx.cancelRequested) return { status: 'cancelled', kind: 'payment', outTradeNo, codes: again.codes, by: 'pos', resolvedBy: 'query' } satisfies TransactionOutcome;
        return {
          status: 'failed',
          kind: 'payment',
          outTradeNo,
          codes: again.codes,
          error: { code: 'NOT_PROCESSED', message: 'the terminal has no record of this payment; nothing was charged', hint: `the request did not complete (${why}); start a new payment with a new out_trade_no` },
        } satisfies TransactionOutcome;
      }
    }
    if (verdict instanceof KeepPolling) {
      announce(verdict.message);
      throw verdict;
    }
    return verdict;
  });
  if (result.kind === 'done') return result.value;
  return {
    status: 'unknown',
    kind: 'payment',
    outTradeNo,
    codes: {},
    reason: `no final answer within ${ctx.cfg.resolve.deadlineMs} ms (${why}; last: ${result.last}); resolve later with query({ outTradeNo: '${outTradeNo}' }) or the payment notification — never retry the payment blindly`,
  };
}
