/**
 * `payOrder`: take a WooCommerce order to paid on the terminal.
 *
 * 1. Load the order. If its latest attempt is unresolved, resolve it by querying the terminal
 *    first; if it was paid, apply that and stop (no second charge); if it stays unresolved,
 *    refuse with {@link UnresolvedAttemptError}.
 * 2. Refuse unless the order is payable: pending / failed / on-hold, HKD, total > 0.
 * 3. Write the attempt (`_qfpay_out_trade_no`, attempt number, status `pending`) into order meta
 *    and check WooCommerce stored it — only then send the payment.
 * 4. Run the terminal and write the outcome (see apply.ts). If WooCommerce cannot be written, the
 *    outcome is returned with `recorded: false`: the meta still says `pending`, so the
 *    reconciliation (or the notification) applies it later. Nothing is lost.
 */
import {
  assertValidAmountMinor,
  newOutTradeNo,
  QfpayEcrError,
  type Channel,
  type PayRequest,
  type TransactionOutcome,
} from '@qfpay-ecr/core';
import { applyCancelled, applyDeclined, applyNotProcessed, applyPaid, applyUnknown, PAID_STATUSES, PAYABLE_STATUSES, writeAttempt, type PaymentFacts } from './apply.js';
import type { WooOrder } from './client/schemas.js';
import { describeError, type AdapterContext } from './context.js';
import { OrderNotPayableError, UnresolvedAttemptError, WooError, WooResponseError } from './errors.js';
import { isUnresolved, readPaymentState, type AttemptRecord } from './meta.js';
import { wooAmountToMinor } from './money.js';
import { applyResolution, resolveAttempt } from './resolve.js';

/** Options of `payOrder`. */
export interface PayOrderOptions {
  /** Payment method on the terminal. */
  channel: Channel;
  /** Aborting asks the terminal to cancel (the outcome still reports what really happened). */
  signal?: AbortSignal;
  scanType?: PayRequest['scanType'];
  /** Longest wait for the customer, in seconds. */
  paymentTimeoutSec?: number;
}

/** What `payOrder` did. */
export interface PayOrderResult {
  orderId: number;
  /** Attempt number (1, 2, …) the outcome belongs to. */
  attempt: number;
  outTradeNo: string;
  outcome: TransactionOutcome;
  /** Whether the outcome was written to WooCommerce. When false, the reconciliation writes it later. */
  recorded: boolean;
  /** Order status after the write, when recorded. */
  orderStatus?: string;
  /** True when no new charge was made because an earlier unresolved attempt turned out paid. */
  fromEarlierAttempt?: boolean;
  /** Why the outcome could not be written (no secrets). */
  recordError?: { code: string; message: string };
}

/** Checks the order can be charged; returns the amount in minor units. Throws {@link OrderNotPayableError}. */
export function assertPayable(order: WooOrder): number {
  const id = order.id;
  if (PAID_STATUSES.has(order.status) && order.status !== 'refunded') {
    throw new OrderNotPayableError(
      'WOO_ORDER_ALREADY_PAID',
      id,
      `order ${id} is already paid (${order.status}${order.transaction_id ? `, transaction ${order.transaction_id}` : ''}); nothing was charged`,
      'there is nothing to charge; refund it or create a new order if the customer buys more',
    );
  }
  if (!PAYABLE_STATUSES.has(order.status)) {
    throw new OrderNotPayableError(
      'WOO_ORDER_NOT_PAYABLE',
      id,
      `order ${id} is ${order.status}: only pending, failed or on-hold orders can be charged; nothing was charged`,
      'set the order back to "Pending payment" in WooCommerce if the customer still wants to pay',
    );
  }
  if (order.currency !== 'HKD') {
    throw new OrderNotPayableError('WOO_ORDER_CURRENCY', id, `order ${id} is in ${order.currency}; QFPay terminals settle in HKD; nothing was charged`, 'charge only HKD orders (set the shop or order currency to HKD)');
  }
  const minor = wooAmountToMinor(order.total, order.currency);
  if (minor === undefined) {
    throw new OrderNotPayableError('WOO_ORDER_TOTAL', id, `order ${id} total ${JSON.stringify(order.total)} is not a whole number of cents`, 'check the order total in WooCommerce');
  }
  if (minor <= 0) {
    throw new OrderNotPayableError('WOO_ORDER_ZERO_TOTAL', id, `order ${id} total is ${order.total}: there is nothing to charge`, 'complete zero-total orders in WooCommerce without a card payment');
  }
  try {
    assertValidAmountMinor(minor);
  } catch (error) {
    const e = error instanceof QfpayEcrError ? error : undefined;
    throw new OrderNotPayableError('WOO_ORDER_AMOUNT', id, `order ${id}: ${e?.message ?? 'amount cannot be charged'}`, e?.hint ?? 'check the order total');
  }
  return minor;
}

function approvedOutcome(facts: PaymentFacts): TransactionOutcome {
  return {
    status: 'approved',
    kind: 'payment',
    codes: {},
    resolvedBy: 'query',
    syssn: facts.syssn,
    outTradeNo: facts.outTradeNo,
    amountMinor: facts.amountMinor,
    currency: 'HKD',
    ...(facts.channelRef ? { channelRef: facts.channelRef } : {}),
    ...(facts.payType ? { payType: facts.payType } : {}),
    ...(facts.cardScheme ? { cardScheme: facts.cardScheme } : {}),
    ...(facts.maskedCard ? { maskedCard: facts.maskedCard } : {}),
    ...(facts.sysTime ? { sysTime: facts.sysTime } : {}),
  };
}

/** Resolves an unresolved latest attempt before anything new is charged. */
async function settleEarlier(ctx: AdapterContext, order: WooOrder, current: AttemptRecord): Promise<PayOrderResult | WooOrder> {
  if (current.terminal && current.terminal !== ctx.opts.terminalId) {
    throw new UnresolvedAttemptError(order.id, current.outTradeNo, `it ran on terminal "${current.terminal}", which this bridge does not query`);
  }
  const res = await resolveAttempt(ctx, order, current);
  const applied = await applyResolution(ctx, order, current, res);
  if (res.kind === 'approved') {
    if (applied.paid?.result === 'review') {
      throw new OrderNotPayableError('WOO_ATTEMPT_NEEDS_REVIEW', order.id, `order ${order.id}: attempt ${current.outTradeNo} took money but needs review (${applied.paid.reason}); nothing new was charged`, 'resolve it in WooCommerce (see the order notes) first');
    }
    return {
      orderId: order.id,
      attempt: current.n,
      outTradeNo: current.outTradeNo,
      outcome: approvedOutcome(res.facts),
      recorded: true,
      orderStatus: applied.order.status,
      fromEarlierAttempt: true,
    };
  }
  if (res.kind === 'unresolved') throw new UnresolvedAttemptError(order.id, current.outTradeNo, res.detail);
  return applied.order;
}

/** Writes a terminal outcome for an attempt. Throws Woo errors to the caller. */
async function recordOutcome(ctx: AdapterContext, orderId: number, record: AttemptRecord, outcome: TransactionOutcome): Promise<WooOrder> {
  const order = await ctx.woo.getOrder(orderId);
  switch (outcome.status) {
    case 'approved': {
      const facts: PaymentFacts = {
        syssn: outcome.syssn,
        outTradeNo: record.outTradeNo,
        amountMinor: outcome.amountMinor,
        currency: outcome.currency,
        ...(record.channel ? { channel: record.channel } : {}),
        ...(outcome.channelRef ? { channelRef: outcome.channelRef } : {}),
        ...(outcome.payType ? { payType: outcome.payType } : {}),
        ...(outcome.cardScheme ? { cardScheme: outcome.cardScheme } : {}),
        ...(outcome.maskedCard ? { maskedCard: outcome.maskedCard } : {}),
        ...(outcome.sysTime ? { sysTime: outcome.sysTime } : {}),
      };
      // ECR Cloud approvals may come from QFPay's notification (resolvedBy 'notification').
      return (await applyPaid(ctx, order, facts, outcome.resolvedBy === 'reply' ? 'terminal' : outcome.resolvedBy)).order;
    }
    case 'declined':
      return applyDeclined(ctx, order, record.outTradeNo, outcome.reason);
    case 'cancelled':
      return applyCancelled(ctx, order, record.outTradeNo, outcome.by === 'pos' ? 'cancelled from the POS' : 'cancelled by the customer');
    case 'failed':
      return applyNotProcessed(ctx, order, record.outTradeNo, `${outcome.error.code}: ${outcome.error.message}`);
    case 'unknown':
      ctx.events.emit('alert', { code: 'PAYMENT_UNKNOWN', message: `order ${orderId}: payment ${record.outTradeNo} has no final result yet; the reconciliation will resolve it`, orderId, outTradeNo: record.outTradeNo });
      return applyUnknown(ctx, order, record.outTradeNo, outcome.reason);
  }
}

/** The whole `payOrder` flow (the caller holds the order's lock). */
export async function payOrder(ctx: AdapterContext, orderId: number, options: PayOrderOptions): Promise<PayOrderResult> {
  let order = await ctx.woo.getOrder(orderId);
  const current = readPaymentState(order).current;
  if (current?.status === 'review') {
    throw new OrderNotPayableError(
      'WOO_ATTEMPT_NEEDS_REVIEW',
      orderId,
      `order ${orderId}: attempt ${current.outTradeNo} took money but could not be applied automatically (${current.detail ?? 'see order notes'}); nothing new was charged`,
      'resolve it in WooCommerce (see the order notes): refund it or apply it by hand, then set the attempt status',
    );
  }
  if (current && isUnresolved(current.status)) {
    const settled = await settleEarlier(ctx, order, current);
    if (!('id' in settled)) return settled;
    order = settled;
  }
  const amountMinor = assertPayable(order);
  const state = readPaymentState(order);
  const n = Math.max(0, ...state.attempts.map((a) => a.n)) + 1;
  const outTradeNo = newOutTradeNo(`${ctx.opts.referencePrefix}${orderId}-${n}`, ctx.now().getTime());
  const record: AttemptRecord = {
    n,
    outTradeNo,
    channel: options.channel,
    amountMinor,
    currency: 'HKD',
    terminal: ctx.opts.terminalId,
    startedAt: ctx.now().toISOString(),
    status: 'pending',
  };
  // Until the terminal has it, this reference is known never to have been sent.
  ctx.neverSent.add(outTradeNo);
  const saved = await writeAttempt(ctx, order, record);
  if (readPaymentState(saved).current?.outTradeNo !== outTradeNo) {
    throw new WooResponseError(
      'WOO_META_NOT_SAVED',
      `WooCommerce did not store the payment attempt for order ${orderId}; nothing was charged`,
      'a plugin may block order meta updates through the REST API; check the order in WooCommerce',
      { method: 'PUT', path: `/orders/${orderId}` },
    );
  }
  ctx.events.emit('order-updated', { orderId, change: 'attempt-started', outTradeNo });

  let outcome: TransactionOutcome;
  try {
    const request: PayRequest = {
      amountMinor,
      currency: 'HKD',
      channel: options.channel,
      outTradeNo,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.scanType ? { scanType: options.scanType } : {}),
      ...(options.paymentTimeoutSec ? { paymentTimeoutSec: options.paymentTimeoutSec } : {}),
    };
    const pending = ctx.terminal.pay(request);
    // pay() validates synchronously before anything is sent; from here on it may reach the terminal.
    ctx.neverSent.delete(outTradeNo);
    outcome = await pending;
  } catch (error) {
    // pay() rejects only before sending (invalid input, closed terminal): nothing was charged.
    const e = describeError(error);
    try {
      await applyNotProcessed(ctx, await ctx.woo.getOrder(orderId), outTradeNo, `${e.code}: ${e.message}`);
    } catch {
      ctx.neverSent.add(outTradeNo);
    }
    throw error;
  }
  ctx.events.emit('outcome', { orderId, outcome });

  const result: PayOrderResult = { orderId, attempt: n, outTradeNo, outcome, recorded: false };
  try {
    const written = await recordOutcome(ctx, orderId, record, outcome);
    result.recorded = true;
    result.orderStatus = written.status;
  } catch (error) {
    if (!(error instanceof WooError)) throw error;
    result.recordError = describeError(error);
    ctx.events.emit('alert', {
      code: 'WOO_WRITE_FAILED',
      message: `order ${orderId}: terminal result ${outcome.status} for ${outTradeNo} could not be written to WooCommerce (${error.code}); nothing is lost: the reconciliation applies it once WooCommerce answers`,
      orderId,
      outTradeNo,
      ...(outcome.status === 'approved' ? { syssn: outcome.syssn } : {}),
    });
  }
  return result;
}
