/**
 * Writing payment results into WooCommerce. Every writer is idempotent on (order id, syssn /
 * out_trade_no): it reads what is there first, writes only what is missing, and its notes carry
 * a `[qfpay:…]` marker so they are never added twice.
 */
import { formatDisplay, type Channel } from '@qfpay-ecr/core';
import type { WooOrder } from './client/schemas.js';
import { addNoteOnce, writeOnce, type AdapterContext } from './context.js';
import { attemptMeta, META_KEYS, readPaymentState, withAttempt, type AttemptRecord, type AttemptStatus } from './meta.js';
import { wooAmountToMinor } from './money.js';

/** Statuses in which WooCommerce's `set_paid` acts (`needs_payment()`), plus on-hold (see {@link applyPaid}). */
export const PAYABLE_STATUSES: ReadonlySet<string> = new Set(['pending', 'failed', 'on-hold']);
/** Statuses of an order that has been paid. */
export const PAID_STATUSES: ReadonlySet<string> = new Set(['processing', 'completed', 'refunded']);

/** What the terminal (reply, query) or a notification says about a successful payment. */
export interface PaymentFacts {
  syssn: string;
  outTradeNo: string;
  amountMinor: number;
  currency: string;
  channel?: Channel;
  channelRef?: string;
  payType?: string;
  cardScheme?: string;
  maskedCard?: string;
  /** QFPay system time, Hong Kong (`YYYY-MM-DD HH:MM:SS`). */
  sysTime?: string;
}

/** Where a result came from (goes into notes). */
export type ResultSource = 'terminal' | 'query' | 'notification';

/** Result of {@link applyPaid}. */
export type ApplyPaidResult =
  | { result: 'paid'; order: WooOrder }
  | { result: 'already-paid'; order: WooOrder }
  | { result: 'review'; order: WooOrder; reason: string };

const SOURCE_TEXT: Record<ResultSource, string> = {
  terminal: 'terminal reply',
  query: 'terminal query',
  notification: 'QFPay notification',
};

function nowIso(ctx: AdapterContext): string {
  return ctx.now().toISOString();
}

/** The attempt record for a reference, or a minimal one when the order's history lacks it. */
export function attemptFor(order: WooOrder, outTradeNo: string): AttemptRecord {
  const state = readPaymentState(order);
  const found = state.attempts.find((a) => a.outTradeNo === outTradeNo);
  if (found) return found;
  const n = Math.max(0, ...state.attempts.map((a) => a.n)) + 1;
  return { n, outTradeNo, status: 'unknown' };
}

/** Writes one attempt's new status (and optional extra fields) into the order's meta. Idempotent. */
export async function writeAttempt(
  ctx: AdapterContext,
  order: WooOrder,
  record: AttemptRecord,
  extra: { status?: string; meta?: Array<{ key: string; value: string }> } = {},
): Promise<WooOrder> {
  const attempts = withAttempt(readPaymentState(order).attempts, record);
  return ctx.woo.updateOrder(
    order.id,
    { ...(extra.status ? { status: extra.status } : {}), meta_data: [...attemptMeta(attempts), ...(extra.meta ?? [])] },
    { idempotent: true },
  );
}

function updatedRecord(ctx: AdapterContext, base: AttemptRecord, status: AttemptStatus, fields: Partial<AttemptRecord> = {}): AttemptRecord {
  return { ...base, ...fields, status, updatedAt: nowIso(ctx) };
}

function describePayment(f: PaymentFacts): string {
  const parts = [`${formatDisplay(f.amountMinor)} approved`];
  if (f.channel) parts.push(`by ${f.channel}`);
  if (f.payType) parts.push(`(pay type ${f.payType})`);
  if (f.cardScheme || f.maskedCard) parts.push(`card ${[f.cardScheme, f.maskedCard].filter(Boolean).join(' ')}`);
  parts.push(`— QFPay transaction ${f.syssn}`);
  if (f.channelRef) parts.push(`channel ref ${f.channelRef}`);
  parts.push(`reference ${f.outTradeNo}`);
  return parts.join(' ');
}

async function review(ctx: AdapterContext, order: WooOrder, f: PaymentFacts, code: string, reason: string, source: ResultSource): Promise<ApplyPaidResult> {
  const base = attemptFor(order, f.outTradeNo);
  await addNoteOnce(ctx, order.id, `review:${f.syssn}`, `QFPay payment needs review (${SOURCE_TEXT[source]}): ${reason}. Nothing was changed automatically; decide whether to refund it or apply it by hand.`);
  let latest = order;
  if (base.status !== 'review' && base.status !== 'approved') {
    latest = await writeAttempt(ctx, order, updatedRecord(ctx, base, 'review', { syssn: f.syssn, detail: reason }));
  }
  ctx.events.emit('alert', { code, message: `order ${order.id}: ${reason}`, orderId: order.id, outTradeNo: f.outTradeNo, syssn: f.syssn });
  ctx.events.emit('order-updated', { orderId: order.id, change: 'review', outTradeNo: f.outTradeNo, syssn: f.syssn });
  return { result: 'review', order: latest, reason };
}

function paidMeta(f: PaymentFacts): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [{ key: META_KEYS.syssn, value: f.syssn }];
  const add = (key: string, value: string | undefined) => {
    if (value) out.push({ key, value });
  };
  add(META_KEYS.channelRef, f.channelRef);
  add(META_KEYS.payType, f.payType);
  add(META_KEYS.cardScheme, f.cardScheme);
  add(META_KEYS.maskedCard, f.maskedCard);
  add(META_KEYS.channel, f.channel);
  add(META_KEYS.paidAt, f.sysTime);
  return out;
}

function isApplied(order: WooOrder, syssn: string): boolean {
  return order.transaction_id === syssn && PAID_STATUSES.has(order.status);
}

/**
 * The success path: `set_paid` + `transaction_id` = syssn + payment method + meta + a note.
 * Idempotent: nothing is written when `transaction_id` already equals the syssn (only a missing
 * note is added). Refuses (note + alert, no payment change) when the amount or currency differ
 * from the order, when the order was paid by something else, or when it is not payable.
 *
 * WooCommerce only runs `payment_complete()` for `set_paid` when `needs_payment()` (pending or
 * failed) after the status in the same request has been applied; an on-hold order is therefore
 * sent `status: 'pending'` together with `set_paid` (WC_REST_Orders_V2_Controller::save_object).
 */
export async function applyPaid(ctx: AdapterContext, order: WooOrder, f: PaymentFacts, source: ResultSource): Promise<ApplyPaidResult> {
  const base = attemptFor(order, f.outTradeNo);
  if (isApplied(order, f.syssn)) {
    let latest = order;
    if (base.status !== 'approved') latest = await writeAttempt(ctx, order, updatedRecord(ctx, base, 'approved', { syssn: f.syssn }), { meta: paidMeta(f) });
    await addNoteOnce(ctx, order.id, `paid:${f.syssn}`, `QFPay payment ${describePayment(f)} (${SOURCE_TEXT[source]}).`, ctx.opts.customerNotes);
    return { result: 'already-paid', order: latest };
  }
  const orderMinor = wooAmountToMinor(order.total, order.currency);
  if (order.currency !== f.currency || orderMinor !== f.amountMinor) {
    const total = orderMinor === undefined ? `${order.total} ${order.currency}` : formatDisplay(orderMinor);
    return review(ctx, order, f, 'AMOUNT_MISMATCH', `QFPay reports ${f.amountMinor} minor units ${f.currency} for ${f.outTradeNo} (syssn ${f.syssn}) but the order total is ${total} ${order.currency}`, source);
  }
  if (order.transaction_id !== '' && order.transaction_id !== f.syssn && PAID_STATUSES.has(order.status)) {
    return review(ctx, order, f, 'DOUBLE_PAYMENT', `payment ${f.syssn} (${f.outTradeNo}) was approved but the order is already paid by transaction ${order.transaction_id}: refund one of them`, source);
  }
  if (!PAYABLE_STATUSES.has(order.status)) {
    return review(ctx, order, f, 'PAID_BUT_ORDER_NOT_PAYABLE', `payment ${f.syssn} (${f.outTradeNo}) was approved but the order is ${order.status}`, source);
  }
  const record = updatedRecord(ctx, base, 'approved', { syssn: f.syssn, ...(f.channel ? { channel: f.channel } : {}) });
  const attempts = withAttempt(readPaymentState(order).attempts, record);
  const { value: paid } = await writeOnce(ctx, {
    checkFirst: false,
    // A retry first looks whether the earlier PUT landed (its reply may have been lost).
    check: async () => {
      const fresh = await ctx.woo.getOrder(order.id);
      return isApplied(fresh, f.syssn) ? fresh : undefined;
    },
    write: () =>
      ctx.woo.updateOrder(order.id, {
        ...(order.status === 'on-hold' ? { status: 'pending' } : {}),
        set_paid: true,
        transaction_id: f.syssn,
        payment_method: ctx.opts.paymentMethodId,
        payment_method_title: ctx.opts.paymentMethodTitle,
        meta_data: [...attemptMeta(attempts), ...paidMeta(f)],
      }),
  });
  if (!PAID_STATUSES.has(paid.status)) {
    ctx.events.emit('alert', {
      code: 'WOO_DID_NOT_MARK_PAID',
      message: `order ${order.id}: WooCommerce stored transaction ${f.syssn} but left the order ${paid.status} (a plugin may filter payment_complete)`,
      orderId: order.id,
      syssn: f.syssn,
    });
  }
  await addNoteOnce(ctx, order.id, `paid:${f.syssn}`, `QFPay payment ${describePayment(f)} (${SOURCE_TEXT[source]}).`, ctx.opts.customerNotes);
  ctx.events.emit('order-updated', { orderId: order.id, change: 'paid', outTradeNo: f.outTradeNo, syssn: f.syssn });
  return { result: 'paid', order: paid };
}

/** A declined attempt: order → `failed` (still payable) + note. */
export async function applyDeclined(ctx: AdapterContext, order: WooOrder, outTradeNo: string, reason: string): Promise<WooOrder> {
  const base = attemptFor(order, outTradeNo);
  let latest = order;
  if (base.status !== 'declined' || order.status !== 'failed') {
    const status = PAYABLE_STATUSES.has(order.status) ? 'failed' : undefined;
    latest = await writeAttempt(ctx, order, updatedRecord(ctx, base, 'declined', { detail: reason }), status ? { status } : {});
  }
  await addNoteOnce(ctx, order.id, `declined:${outTradeNo}`, `QFPay payment declined: ${reason} (reference ${outTradeNo}). The order can be paid again.`);
  ctx.events.emit('order-updated', { orderId: order.id, change: 'declined', outTradeNo });
  return latest;
}

/** A cancelled attempt (customer or POS): note; the order stays as it was (payable). */
export async function applyCancelled(ctx: AdapterContext, order: WooOrder, outTradeNo: string, detail: string): Promise<WooOrder> {
  const base = attemptFor(order, outTradeNo);
  const latest = base.status === 'cancelled' ? order : await writeAttempt(ctx, order, updatedRecord(ctx, base, 'cancelled', { detail }));
  await addNoteOnce(ctx, order.id, `cancelled:${outTradeNo}`, `QFPay payment cancelled on the terminal (${detail}); nothing was charged (reference ${outTradeNo}).`);
  ctx.events.emit('order-updated', { orderId: order.id, change: 'cancelled', outTradeNo });
  return latest;
}

/** The terminal refused or never processed the request: nothing charged; note. */
export async function applyNotProcessed(ctx: AdapterContext, order: WooOrder, outTradeNo: string, detail: string): Promise<WooOrder> {
  const base = attemptFor(order, outTradeNo);
  const latest = base.status === 'failed' ? order : await writeAttempt(ctx, order, updatedRecord(ctx, base, 'failed', { detail }));
  await addNoteOnce(ctx, order.id, `failed:${outTradeNo}`, `QFPay payment not processed: ${detail}; nothing was charged (reference ${outTradeNo}).`);
  ctx.events.emit('order-updated', { orderId: order.id, change: 'not-processed', outTradeNo });
  return latest;
}

/** No final answer: the order stays as it is; note (once) and the attempt is marked unknown. */
export async function applyUnknown(ctx: AdapterContext, order: WooOrder, outTradeNo: string, detail: string): Promise<WooOrder> {
  const base = attemptFor(order, outTradeNo);
  const latest = base.status === 'unknown' ? order : await writeAttempt(ctx, order, updatedRecord(ctx, base, 'unknown', { detail }));
  await addNoteOnce(
    ctx,
    order.id,
    `unknown:${outTradeNo}`,
    `QFPay payment result unknown (${detail}); money may have moved. It will be resolved by the notification or the reconciliation; do not charge again until then (reference ${outTradeNo}).`,
  );
  ctx.events.emit('order-updated', { orderId: order.id, change: 'unknown', outTradeNo });
  return latest;
}
