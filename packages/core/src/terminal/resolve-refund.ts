/**
 * Resolution of a refund whose reply was not final. The refund has no reference of ours on the
 * wire, so the ORIGINAL payment is re-read (4001 by syssn): a lower refundable amount or a new
 * cancel flag means the refund happened. Browser-safe.
 */
import type { QueryReplyData } from '../protocol/reply-schemas.js';
import { pollTimeout, pollUntilDeadline, resolvingAnnouncer, send5001, type EngineContext } from './context.js';
import type { ValidRefund } from './requests.js';
import { KeepPolling, sleep, type InFlight } from './support.js';
import type { OutcomeCodes, TransactionOutcome } from './types.js';

/** The original payment as read just before the refund was sent. */
export interface RefundBaseline {
  refundableMinor: number | undefined;
  cancel: number;
}

/** Resolves a refund by comparing the original payment with its {@link RefundBaseline}. */
export async function resolveRefund(
  ctx: EngineContext,
  r: ValidRefund,
  localRef: string,
  tx: InFlight,
  baseline: RefundBaseline | undefined,
  mode: 'unknown' | 'cancelled',
  why: string,
): Promise<TransactionOutcome> {
  const announce = resolvingAnnouncer(ctx, 'refund', localRef);
  if (mode === 'unknown') announce(why);
  ctx.log.info({ terminal: ctx.id, outTradeNo: localRef, origSyssn: r.syssn, mode, why }, 'resolving refund by querying the original payment');
  const by = () => (tx.cancelRequested ? ('pos' as const) : ('customer' as const));
  // Without a refundable amount, only a first change of the cancel flag is visible.
  if (!baseline || (baseline.refundableMinor === undefined && baseline.cancel !== 0)) {
    return { status: 'unknown', kind: 'refund', outTradeNo: localRef, codes: {}, reason: `${why}; the terminal's book does not show enough of payment ${r.syssn} to tell whether the refund happened: check it in MMS or wait for the refund notification, never re-send blindly` };
  }
  const changed = (data: QueryReplyData): number | undefined => {
    const now = data.refundableMinor;
    if (baseline.refundableMinor !== undefined && now !== undefined && now < baseline.refundableMinor) return baseline.refundableMinor - now;
    if (data.cancel !== undefined && data.cancel !== 0 && data.cancel !== baseline.cancel) return r.amountMinor ?? baseline.refundableMinor ?? 0;
    return undefined;
  };
  const approved = (amountMinor: number, codes: OutcomeCodes): TransactionOutcome => ({
    status: 'approved',
    kind: 'refund',
    codes,
    resolvedBy: 'query',
    // The refund's own syssn is not visible from the original; the notification carries it.
    syssn: '',
    outTradeNo: localRef,
    amountMinor,
    currency: r.currency,
    origSyssn: r.syssn,
  });
  let unchanged = 0;
  const result = await pollUntilDeadline(ctx, async (deadline) => {
    const probe = await ctx.wire.probe({ orderId: r.syssn }, pollTimeout(ctx, deadline));
    if (probe.kind !== 'found') {
      const keep = new KeepPolling(probe.kind === 'error' ? `query failed: ${probe.reason}` : 'original payment not found');
      announce(keep.message);
      throw keep;
    }
    const delta = changed(probe.data);
    if (delta !== undefined) return approved(delta, probe.codes);
    if (mode === 'cancelled') return { status: 'cancelled', kind: 'refund', outTradeNo: localRef, codes: probe.codes, by: by(), resolvedBy: 'query' } satisfies TransactionOutcome;
    unchanged += 1;
    if (unchanged < ctx.cfg.resolve.notFoundGraceQueries) throw new KeepPolling('original payment unchanged so far');
    const closed = await send5001(ctx);
    if (closed.kind === 'transport-error') throw new KeepPolling(`could not send 5001 before concluding (${closed.error.code})`);
    await sleep(ctx.cfg.resolve.minIntervalMs);
    const again = await ctx.wire.probe({ orderId: r.syssn }, pollTimeout(ctx, deadline));
    if (again.kind !== 'found') throw new KeepPolling('original payment not readable after 5001');
    const after = changed(again.data);
    if (after !== undefined) return approved(after, again.codes);
    if (tx.cancelRequested) return { status: 'cancelled', kind: 'refund', outTradeNo: localRef, codes: again.codes, by: 'pos', resolvedBy: 'query' } satisfies TransactionOutcome;
    return {
      status: 'failed',
      kind: 'refund',
      outTradeNo: localRef,
      codes: again.codes,
      error: { code: 'NOT_PROCESSED', message: `the terminal shows no refund of payment ${r.syssn}; nothing was refunded`, hint: `the request did not complete (${why}); you may refund again` },
    } satisfies TransactionOutcome;
  });
  if (result.kind === 'done') return result.value;
  return {
    status: 'unknown',
    kind: 'refund',
    outTradeNo: localRef,
    codes: {},
    reason: `no final answer within ${ctx.cfg.resolve.deadlineMs} ms (${why}; last: ${result.last}); check payment ${r.syssn} with query({ syssn }) or wait for the refund notification — never re-send blindly`,
  };
}
