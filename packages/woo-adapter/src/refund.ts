/**
 * Refunds: `refundOrder` (terminal refund against the stored syssn, then a WooCommerce refund
 * record) and `recordRefund` (the WooCommerce side only, shared with refund notifications).
 *
 * WooCommerce refund records are created with `api_refund: false`: QFPay already returned the
 * money; `true` (WooCommerce's default) would ask a PHP gateway to refund again. Each record
 * carries the QFPay refund syssn in its meta (`_qfpay_refund_syssn`), which makes the write
 * idempotent: a refund whose syssn is already recorded is never recorded again.
 */
import { AmountError, assertValidAmountMinor, CARD_CHANNELS, CHANNELS, formatDisplay, newOutTradeNo, type Channel, type TransactionOutcome } from '@qfpay-ecr/core';
import { PAID_STATUSES } from './apply.js';
import type { WooOrder, WooRefund } from './client/schemas.js';
import { addNoteOnce, describeError, hongKongDate, writeOnce, type AdapterContext } from './context.js';
import { RefundNotAllowedError, WooError } from './errors.js';
import { META_KEYS, metaText, readRefundAttempts, REFUND_META_KEYS, refundAttemptsMeta, refundSyssnOf, type RefundAttemptRecord } from './meta.js';
import { minorToWooAmount, wooAmountToMinor } from './money.js';

/** A refund QFPay made (seen in a terminal outcome or a notification). */
export interface RefundFacts {
  /** The refund's own syssn. */
  syssn: string;
  amountMinor: number;
  currency: string;
  /** The original payment's syssn. */
  origSyssn?: string;
  /** The refund's own out_trade_no, when known. */
  outTradeNo?: string;
}

/** Result of {@link recordRefund}. */
export type RecordRefundResult =
  | { result: 'recorded'; refund: WooRefund }
  | { result: 'duplicate'; refund: WooRefund }
  | { result: 'review'; reason: string };

/** Options of `refundOrder`. */
export interface RefundOrderOptions {
  signal?: AbortSignal;
}

/** What `refundOrder` did. */
export interface RefundOrderResult {
  orderId: number;
  outcome: TransactionOutcome;
  /** WooCommerce refund id, when the refund was recorded. */
  wooRefundId?: number;
  /** Whether WooCommerce reflects the outcome. When false, the refund notification records it later. */
  recorded: boolean;
  recordError?: { code: string; message: string };
}

function refundedMinor(refunds: readonly WooRefund[], currency: string): number {
  return refunds.reduce((sum, r) => sum + (wooAmountToMinor(r.amount, currency) ?? 0), 0);
}

/**
 * Creates the WooCommerce refund record for a QFPay refund unless one carries that syssn.
 * Refuses (note + alert) when the currency differs or the amount is above what is left.
 */
export async function recordRefund(ctx: AdapterContext, order: WooOrder, f: RefundFacts, reason: string, source: 'terminal' | 'notification'): Promise<RecordRefundResult> {
  const find = async () => (await ctx.woo.listRefunds(order.id)).find((r) => refundSyssnOf(r) === f.syssn);
  const refunds = await ctx.woo.listRefunds(order.id);
  const existing = refunds.find((r) => refundSyssnOf(r) === f.syssn);
  if (existing) return { result: 'duplicate', refund: existing };
  const total = wooAmountToMinor(order.total, order.currency);
  const alert = async (code: string, why: string): Promise<RecordRefundResult> => {
    await addNoteOnce(ctx, order.id, `refund-review:${f.syssn}`, `QFPay refund ${f.syssn} needs review: ${why}. Nothing was recorded automatically.`);
    ctx.events.emit('alert', { code, message: `order ${order.id}: ${why}`, orderId: order.id, syssn: f.syssn });
    return { result: 'review', reason: why };
  };
  if (f.currency !== order.currency || total === undefined) {
    return alert('REFUND_CURRENCY_MISMATCH', `QFPay refund ${f.syssn} is in ${f.currency} but the order is in ${order.currency}`);
  }
  const remaining = total - refundedMinor(refunds, order.currency);
  if (f.amountMinor > remaining) {
    return alert('REFUND_EXCEEDS_REMAINING', `QFPay refund ${f.syssn} of ${formatDisplay(f.amountMinor)} is more than the ${formatDisplay(Math.max(0, remaining))} WooCommerce has left to refund`);
  }
  const meta = [
    { key: REFUND_META_KEYS.syssn, value: f.syssn },
    ...(f.outTradeNo ? [{ key: REFUND_META_KEYS.outTradeNo, value: f.outTradeNo }] : []),
    ...(f.origSyssn ? [{ key: REFUND_META_KEYS.origSyssn, value: f.origSyssn }] : []),
  ];
  const { value: refund } = await writeOnce(ctx, {
    checkFirst: false,
    check: find,
    write: () => ctx.woo.createRefund(order.id, { amount: minorToWooAmount(f.amountMinor), reason, api_refund: false, meta_data: meta }),
  });
  await addNoteOnce(
    ctx,
    order.id,
    `refund:${f.syssn}`,
    `QFPay refund of ${formatDisplay(f.amountMinor)} recorded (QFPay transaction ${f.syssn}${f.origSyssn ? `, payment ${f.origSyssn}` : ''}; seen in the ${source === 'terminal' ? 'terminal reply' : 'QFPay notification'}).`,
  );
  ctx.events.emit('order-updated', { orderId: order.id, change: 'refund-recorded', syssn: f.syssn });
  return { result: 'recorded', refund };
}

async function writeRefundAttempts(ctx: AdapterContext, orderId: number, records: readonly RefundAttemptRecord[]): Promise<WooOrder> {
  return ctx.woo.updateOrder(orderId, { meta_data: [refundAttemptsMeta(records)] }, { idempotent: true });
}

function replaceRecord(records: readonly RefundAttemptRecord[], record: RefundAttemptRecord): RefundAttemptRecord[] {
  const i = records.findIndex((r) => r.ref === record.ref);
  if (i < 0) return [...records, record];
  const out = [...records];
  out[i] = record;
  return out;
}

function paidChannel(order: WooOrder): Channel | undefined {
  const c = metaText(order.meta_data, META_KEYS.channel);
  return (CHANNELS as readonly string[]).includes(c ?? '') ? (c as Channel) : undefined;
}

/** Checks the refund rules; returns the original payment's syssn and the amount left. */
async function checkRefundable(ctx: AdapterContext, order: WooOrder, amountMinor: number): Promise<{ syssn: string; remaining: number; attempts: RefundAttemptRecord[] }> {
  const id = order.id;
  const syssn = metaText(order.meta_data, META_KEYS.syssn);
  if (!syssn || order.transaction_id !== syssn) {
    throw new RefundNotAllowedError('WOO_REFUND_NOT_QFPAY', id, `order ${id} was not paid through the QFPay terminal (no matching _qfpay_syssn / transaction_id)`, 'refund it with the method it was paid with');
  }
  if (!PAID_STATUSES.has(order.status)) {
    throw new RefundNotAllowedError('WOO_REFUND_NOT_PAID', id, `order ${id} is ${order.status}; only paid orders can be refunded`, 'check the order in WooCommerce');
  }
  if (order.currency !== 'HKD') {
    throw new RefundNotAllowedError('WOO_REFUND_CURRENCY', id, `order ${id} is in ${order.currency}; QFPay terminals refund HKD`, 'refund it outside the terminal');
  }
  try {
    assertValidAmountMinor(amountMinor, {}, 'refund amount');
  } catch (error) {
    if (error instanceof AmountError) throw new RefundNotAllowedError('WOO_REFUND_AMOUNT', id, `order ${id}: ${error.message}`, error.hint);
    throw error;
  }
  const total = wooAmountToMinor(order.total, order.currency) ?? 0;
  const refunds = await ctx.woo.listRefunds(id);
  const remaining = total - refundedMinor(refunds, order.currency);
  if (amountMinor > remaining) {
    throw new RefundNotAllowedError(
      'WOO_REFUND_TOO_MUCH',
      id,
      `order ${id}: refund of ${formatDisplay(amountMinor)} is more than the ${formatDisplay(Math.max(0, remaining))} left to refund`,
      `refund at most ${formatDisplay(Math.max(0, remaining))}`,
    );
  }
  const channel = paidChannel(order);
  const paidAt = metaText(order.meta_data, META_KEYS.paidAt);
  if (channel && CARD_CHANNELS.includes(channel) && paidAt && paidAt.slice(0, 10) === hongKongDate(ctx.now()) && amountMinor !== total) {
    throw new RefundNotAllowedError(
      'WOO_REFUND_CARD_SAME_DAY_PARTIAL',
      id,
      `order ${id}: a card payment can only be refunded in full on the (Hong Kong) day it was taken`,
      `refund the full ${formatDisplay(total)} today, or refund part of it from tomorrow`,
    );
  }
  const attempts = readRefundAttempts(order);
  const open = attempts.find((a) => a.status === 'pending' || a.status === 'unknown');
  if (open) {
    // The terminal's refundable amount tells whether a refund WooCommerce does not know about happened.
    let refundable: number | undefined;
    try {
      const q = await ctx.terminal.query({ syssn });
      refundable = q.found ? q.refundableMinor : undefined;
    } catch {
      refundable = undefined;
    }
    if (refundable === undefined || refundable !== remaining) {
      throw new RefundNotAllowedError(
        'WOO_REFUND_UNRESOLVED',
        id,
        `order ${id}: an earlier refund (${formatDisplay(open.amountMinor)}) has no known result, so another refund could refund twice`,
        'wait for the refund notification (it records the refund), or check the payment in QFPay’s portal, then try again',
      );
    }
    // Terminal and WooCommerce agree on what is left: the open refund did not happen (or is already recorded).
    const settled = { ...open, status: 'failed' as const, updatedAt: ctx.now().toISOString(), detail: 'terminal and WooCommerce agree nothing else was refunded' };
    const next = replaceRecord(attempts, settled);
    await writeRefundAttempts(ctx, id, next);
    return { syssn, remaining, attempts: next };
  }
  return { syssn, remaining, attempts };
}

/** The whole `refundOrder` flow (the caller holds the order's lock). */
export async function refundOrder(ctx: AdapterContext, orderId: number, amountMinor: number, reason: string, options: RefundOrderOptions = {}): Promise<RefundOrderResult> {
  const order = await ctx.woo.getOrder(orderId);
  const { syssn, attempts } = await checkRefundable(ctx, order, amountMinor);
  const record: RefundAttemptRecord = { ref: newOutTradeNo(`${ctx.opts.referencePrefix}${orderId}-r`, ctx.now().getTime()), amountMinor, status: 'pending', startedAt: ctx.now().toISOString() };
  let records = replaceRecord(attempts, record);
  await writeRefundAttempts(ctx, orderId, records);
  ctx.events.emit('order-updated', { orderId, change: 'refund-attempt' });

  let outcome: TransactionOutcome;
  try {
    outcome = await ctx.terminal.refund({ syssn, amountMinor, currency: 'HKD', ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    records = replaceRecord(records, { ...record, status: 'failed', updatedAt: ctx.now().toISOString(), detail: describeError(error).code });
    await writeRefundAttempts(ctx, orderId, records).catch(() => undefined);
    throw error;
  }
  const result: RefundOrderResult = { orderId, outcome, recorded: false };
  try {
    const status = outcome.status;
    const done: RefundAttemptRecord = {
      ...record,
      status,
      updatedAt: ctx.now().toISOString(),
      ...(status === 'approved' ? { syssn: outcome.syssn, ref: record.ref } : {}),
      ...(status === 'declined' ? { detail: outcome.reason } : status === 'failed' ? { detail: outcome.error.message } : status === 'unknown' ? { detail: outcome.reason } : {}),
    };
    const fresh = await ctx.woo.getOrder(orderId);
    if (outcome.status === 'approved') {
      const rec = await recordRefund(ctx, fresh, { syssn: outcome.syssn, amountMinor: outcome.amountMinor, currency: outcome.currency, origSyssn: syssn, outTradeNo: outcome.outTradeNo }, reason, 'terminal');
      if (rec.result !== 'review') {
        done.wooRefundId = rec.refund.id;
        result.wooRefundId = rec.refund.id;
      }
    } else if (outcome.status === 'unknown') {
      await addNoteOnce(ctx, orderId, `refund-unknown:${record.ref}`, `QFPay refund of ${formatDisplay(amountMinor)} has no known result (${outcome.reason}); it is recorded when QFPay's refund notification arrives. Do not refund again until then.`);
      ctx.events.emit('alert', { code: 'REFUND_UNKNOWN', message: `order ${orderId}: refund of ${formatDisplay(amountMinor)} has no known result`, orderId });
    } else {
      const why = outcome.status === 'declined' ? outcome.reason : outcome.status === 'failed' ? outcome.error.message : `cancelled by ${outcome.by}`;
      await addNoteOnce(ctx, orderId, `refund-${outcome.status}:${record.ref}`, `QFPay refund of ${formatDisplay(amountMinor)} ${outcome.status}: ${why}. No money was returned.`);
    }
    records = replaceRecord(readRefundAttempts(await ctx.woo.getOrder(orderId)), done);
    await writeRefundAttempts(ctx, orderId, records);
    result.recorded = true;
  } catch (error) {
    if (!(error instanceof WooError)) throw error;
    result.recordError = describeError(error);
    ctx.events.emit('alert', {
      code: 'WOO_WRITE_FAILED',
      message: `order ${orderId}: refund result ${outcome.status} could not be written to WooCommerce (${error.code}); QFPay's refund notification records an approved refund later`,
      orderId,
      ...(outcome.status === 'approved' ? { syssn: outcome.syssn } : {}),
    });
  }
  return result;
}

/** Marks a local refund attempt approved when a notification reports a refund of the same amount. */
export async function settleRefundAttempt(ctx: AdapterContext, order: WooOrder, f: RefundFacts, wooRefundId: number | undefined): Promise<void> {
  const records = readRefundAttempts(order);
  const open = records.find((r) => r.syssn === f.syssn) ?? records.find((r) => (r.status === 'pending' || r.status === 'unknown') && r.amountMinor === f.amountMinor);
  if (!open || (open.status === 'approved' && open.wooRefundId !== undefined)) return;
  const done: RefundAttemptRecord = { ...open, status: 'approved', syssn: f.syssn, updatedAt: ctx.now().toISOString(), ...(wooRefundId !== undefined ? { wooRefundId } : {}) };
  await writeRefundAttempts(ctx, order.id, replaceRecord(records, done));
}
