/**
 * Applying QFPay notifications (verified and normalised by `@qfpay-ecr/notify-server` or core's
 * parser) to WooCommerce.
 *
 * - `payment`: the success path, idempotent — nothing changes when `transaction_id` already
 *   equals the syssn. The order is found from our `out_trade_no` (`<prefix><orderId>-<n>-…`)
 *   and the reference must be one of the order's recorded attempts.
 * - `refund` / `cancel`: a WooCommerce refund record unless one carries that refund syssn
 *   (covers refunds made on the terminal or in QFPay's portal). The order is found from
 *   `orig_out_trade_no`, else by scanning recently paid orders for `transaction_id = orig_syssn`.
 * - Amount or currency different from the order: note + `alert` event, no change.
 */
import type { NormalizedNotification } from '@qfpay-ecr/core';
import { applyPaid, type PaymentFacts } from './apply.js';
import type { WooOrder } from './client/schemas.js';
import type { AdapterContext } from './context.js';
import { WooNotFoundError } from './errors.js';
import { isUnresolved, META_KEYS, metaText, readPaymentState } from './meta.js';
import { recordRefund, settleRefundAttempt } from './refund.js';
import { applyResolution, resolveAttempt } from './resolve.js';

/** What applying a notification did. */
export type NotificationResult =
  | { action: 'paid'; orderId: number; syssn: string }
  | { action: 'duplicate'; orderId: number; syssn: string }
  | { action: 'refund-recorded'; orderId: number; syssn: string; wooRefundId: number }
  | { action: 'review'; orderId: number; syssn: string; reason: string }
  | { action: 'ignored'; reason: string; orderId?: number };

/** Parses `<prefix><orderId>-<attempt>-…` back into the order id. */
export function orderIdFromReference(outTradeNo: string | undefined, prefix: string): number | undefined {
  if (!outTradeNo || !outTradeNo.startsWith(prefix)) return undefined;
  const match = /^(\d{1,15})-/.exec(outTradeNo.slice(prefix.length));
  const id = match ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

async function loadOrder(ctx: AdapterContext, orderId: number): Promise<WooOrder | undefined> {
  try {
    return await ctx.woo.getOrder(orderId);
  } catch (error) {
    if (error instanceof WooNotFoundError) return undefined;
    throw error;
  }
}

async function applyPaymentNotification(ctx: AdapterContext, n: NormalizedNotification & { kind: 'payment'; syssn: string }): Promise<NotificationResult> {
  const orderId = orderIdFromReference(n.outTradeNo, ctx.opts.referencePrefix);
  if (orderId === undefined) return { action: 'ignored', reason: `out_trade_no ${n.outTradeNo ?? '(none)'} is not a reference of this shop` };
  return ctx.lock.run(orderId, async () => {
    const order = await loadOrder(ctx, orderId);
    if (!order) return { action: 'ignored', reason: `order ${orderId} does not exist in WooCommerce`, orderId };
    const known = readPaymentState(order).attempts.find((a) => a.outTradeNo === n.outTradeNo);
    if (!known) return { action: 'ignored', reason: `order ${orderId} has no attempt ${n.outTradeNo ?? ''}`, orderId };
    const facts: PaymentFacts = {
      syssn: n.syssn,
      outTradeNo: known.outTradeNo,
      amountMinor: n.amountMinor,
      currency: n.currency,
      ...(known.channel ? { channel: known.channel } : {}),
      ...(n.channelRef ? { channelRef: n.channelRef } : {}),
      ...(n.payType ? { payType: n.payType } : {}),
      ...(n.maskedCard ? { maskedCard: n.maskedCard } : {}),
      ...(n.sysTime ? { sysTime: n.sysTime } : {}),
    };
    const applied = await applyPaid(ctx, order, facts, 'notification');
    if (applied.result === 'review') return { action: 'review', orderId, syssn: n.syssn, reason: applied.reason };
    return { action: applied.result === 'paid' ? 'paid' : 'duplicate', orderId, syssn: n.syssn };
  });
}

/** Finds the order paid by `origSyssn` among recently paid orders (bounded scan). */
async function findOrderByPayment(ctx: AdapterContext, origSyssn: string): Promise<number | undefined> {
  for (let page = 1; page <= ctx.opts.refundScanPages; page += 1) {
    const result = await ctx.woo.listOrders({ status: ['processing', 'completed', 'refunded'], perPage: 100, page });
    const hit = result.orders.find((o) => o.transaction_id === origSyssn || metaText(o.meta_data, META_KEYS.syssn) === origSyssn);
    if (hit) return hit.id;
    if (result.orders.length < 100 || (result.totalPages !== undefined && page >= result.totalPages)) break;
  }
  return undefined;
}

async function applyRefundNotification(ctx: AdapterContext, n: NormalizedNotification & { kind: 'refund'; syssn: string }): Promise<NotificationResult> {
  const byRef = orderIdFromReference(n.origOutTradeNo, ctx.opts.referencePrefix);
  const orderId = byRef ?? (n.origSyssn ? await findOrderByPayment(ctx, n.origSyssn) : undefined);
  if (orderId === undefined) return { action: 'ignored', reason: `refund ${n.syssn}: no order of this shop matches its original payment` };
  return ctx.lock.run(orderId, async () => {
    let order = await loadOrder(ctx, orderId);
    if (!order) return { action: 'ignored', reason: `order ${orderId} does not exist in WooCommerce`, orderId };
    // A refund of a payment WooCommerce has not recorded yet (e.g. WooCommerce was down): settle the payment first.
    if (n.origOutTradeNo) {
      const attempt = readPaymentState(order).attempts.find((a) => a.outTradeNo === n.origOutTradeNo);
      if (attempt && isUnresolved(attempt.status)) {
        const res = await resolveAttempt(ctx, order, attempt);
        order = (await applyResolution(ctx, order, attempt, res)).order;
      }
    }
    const paidSyssn = metaText(order.meta_data, META_KEYS.syssn);
    if (n.origSyssn && order.transaction_id !== n.origSyssn && paidSyssn !== n.origSyssn) {
      ctx.events.emit('alert', { code: 'REFUND_UNKNOWN_PAYMENT', message: `order ${orderId}: refund ${n.syssn} is for payment ${n.origSyssn}, which is not this order's recorded payment`, orderId, syssn: n.syssn });
      return { action: 'ignored', reason: `order ${orderId} was not paid by ${n.origSyssn}`, orderId };
    }
    const rec = await recordRefund(
      ctx,
      order,
      { syssn: n.syssn, amountMinor: n.amountMinor, currency: n.currency, ...(n.origSyssn ? { origSyssn: n.origSyssn } : {}), ...(n.outTradeNo ? { outTradeNo: n.outTradeNo } : {}) },
      `QFPay refund ${n.syssn}`,
      'notification',
    );
    if (rec.result === 'review') return { action: 'review', orderId, syssn: n.syssn, reason: rec.reason };
    await settleRefundAttempt(ctx, await ctx.woo.getOrder(orderId), { syssn: n.syssn, amountMinor: n.amountMinor, currency: n.currency }, rec.refund.id);
    if (rec.result === 'duplicate') return { action: 'duplicate', orderId, syssn: n.syssn };
    return { action: 'refund-recorded', orderId, syssn: n.syssn, wooRefundId: rec.refund.id };
  });
}

/** Applies one notification. Throws Woo errors (the caller may retry: every step is idempotent). */
export async function applyNotification(ctx: AdapterContext, n: NormalizedNotification): Promise<NotificationResult> {
  if (!n.success) return { action: 'ignored', reason: `notification ${n.notifyType} is not a success (status ${n.status ?? '?'}, respcd ${n.respcd ?? '?'})` };
  if (n.kind === 'other' || n.syssn === undefined) return { action: 'ignored', reason: `notify_type ${n.notifyType} is not handled` };
  if (n.kind === 'payment') return applyPaymentNotification(ctx, n as NormalizedNotification & { kind: 'payment'; syssn: string });
  return applyRefundNotification(ctx, n as NormalizedNotification & { kind: 'refund'; syssn: string });
}

