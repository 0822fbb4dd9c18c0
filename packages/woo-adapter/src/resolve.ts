/**
 * Resolving an attempt whose result is not known (pending/unknown in meta) by asking the
 * terminal (4001 by out_trade_no), and writing what was learned.
 */
import type { QueryResult } from '@qfpay-ecr/core';
import { applyCancelled, applyDeclined, applyNotProcessed, applyPaid, applyUnknown, type ApplyPaidResult, type PaymentFacts } from './apply.js';
import type { WooOrder } from './client/schemas.js';
import { describeError, type AdapterContext } from './context.js';
import type { AttemptRecord } from './meta.js';

/** What the terminal says about an attempt. */
export type Resolution =
  | { kind: 'approved'; facts: PaymentFacts }
  | { kind: 'declined'; detail: string }
  | { kind: 'cancelled'; detail: string }
  | { kind: 'not-processed'; detail: string }
  | { kind: 'unresolved'; detail: string };

function codesText(q: QueryResult): string {
  const c = q.codes;
  return [c.txnRespcd ?? c.respcd, c.message].filter(Boolean).join(' ') || 'no code';
}

/** Asks the terminal about `attempt` (never sends a payment). */
export async function resolveAttempt(ctx: AdapterContext, order: WooOrder, attempt: AttemptRecord): Promise<Resolution> {
  let q: QueryResult;
  try {
    q = await ctx.terminal.query({ outTradeNo: attempt.outTradeNo });
  } catch (error) {
    return { kind: 'unresolved', detail: `the terminal could not be asked (${describeError(error).code})` };
  }
  if (!q.found) {
    if (ctx.neverSent.has(attempt.outTradeNo)) return { kind: 'not-processed', detail: 'it was never sent to the terminal' };
    const started = attempt.startedAt ? Date.parse(attempt.startedAt) : Number.NaN;
    const age = Number.isFinite(started) ? ctx.now().getTime() - started : Number.POSITIVE_INFINITY;
    if (age >= ctx.opts.notFoundAfterMs) return { kind: 'not-processed', detail: 'the terminal has no record of it' };
    return { kind: 'unresolved', detail: 'the terminal has no record of it yet' };
  }
  if (q.kind !== 'payment') return { kind: 'unresolved', detail: `the terminal reports ${attempt.outTradeNo} as a ${q.kind}` };
  switch (q.state) {
    case 'paid':
    case 'refunded':
    case 'partially_refunded': {
      const amountMinor = q.amountMinor ?? attempt.amountMinor;
      if (amountMinor === undefined) return { kind: 'unresolved', detail: 'the terminal reports it paid without an amount' };
      const facts: PaymentFacts = {
        syssn: q.syssn,
        outTradeNo: attempt.outTradeNo,
        amountMinor,
        currency: q.currency ?? attempt.currency ?? 'HKD',
        ...(attempt.channel ? { channel: attempt.channel } : {}),
        ...(q.channelRef ? { channelRef: q.channelRef } : {}),
        ...(q.payType ? { payType: q.payType } : {}),
        ...(q.cardScheme ? { cardScheme: q.cardScheme } : {}),
        ...(q.maskedCard ? { maskedCard: q.maskedCard } : {}),
        ...(q.sysTime ? { sysTime: q.sysTime } : {}),
      };
      return { kind: 'approved', facts };
    }
    case 'pending':
      return { kind: 'unresolved', detail: `still pending on the terminal (${codesText(q)})` };
    case 'failed':
      return { kind: 'declined', detail: `declined (${codesText(q)})` };
    case 'cancelled':
      return { kind: 'cancelled', detail: `cancelled or reversed (${codesText(q)})` };
    default:
      return { kind: 'unresolved', detail: 'unrecognised terminal state' };
  }
}

/** Result of {@link applyResolution}. */
export interface AppliedResolution {
  order: WooOrder;
  paid?: ApplyPaidResult;
}

/** Writes a resolution into WooCommerce (idempotent). */
export async function applyResolution(ctx: AdapterContext, order: WooOrder, attempt: AttemptRecord, res: Resolution): Promise<AppliedResolution> {
  switch (res.kind) {
    case 'approved': {
      const paid = await applyPaid(ctx, order, res.facts, 'query');
      return { order: paid.order, paid };
    }
    case 'declined':
      return { order: await applyDeclined(ctx, order, attempt.outTradeNo, res.detail) };
    case 'cancelled':
      return { order: await applyCancelled(ctx, order, attempt.outTradeNo, res.detail) };
    case 'not-processed':
      return { order: await applyNotProcessed(ctx, order, attempt.outTradeNo, res.detail) };
    case 'unresolved':
      return { order: await applyUnknown(ctx, order, attempt.outTradeNo, res.detail) };
  }
}
