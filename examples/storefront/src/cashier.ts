/**
 * The cashier: turns "charge this cart on the terminal" into payment attempts, refunds and
 * cancels through `@qfpay-ecr/core`'s `PaymentTerminal`, records every step in SQLite before and
 * after the terminal is asked, links QFPay's notifications to orders, and tells the page about
 * every change. Money rules it keeps:
 *
 * - one transaction on the terminal at a time (a second Pay while one is open is refused);
 * - every attempt gets a fresh out_trade_no; an order whose last attempt is `unknown` cannot be
 *   charged again until that attempt is resolved (by the notification or a 4001 query);
 * - refunds follow QFPay's rules (see rules.ts) and are never sent twice on an unknown outcome.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { CHANNELS, formatDisplay, QfpayEcrError, type Channel, type PaymentTerminal, type ProgressStage, type QueryResult, type TransactionOutcome } from '@qfpay-ecr/core';
import type { StoredNotification } from '@qfpay-ecr/notify-server';
import { channelInfo, productById } from './catalog.js';
import { FINAL_STAGES, IN_FLIGHT_STAGES, type OrderItem, type OrderRecord, type OrderStore, type PaymentRecord, type PaymentUpdate, type RefundRecord, type RefundUpdate, type Stage } from './db.js';
import { refundPolicy, type RefundPolicy } from './rules.js';

/** Where the cashier finds QFPay's notifications (the notify server's store). */
export interface NotificationSource {
  byOutTradeNo(outTradeNo: string): Promise<StoredNotification[]>;
}

/** An error the API turns into an HTTP status with a message for the person at the till. */
export class CashierError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 422,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CashierError';
  }
}

export interface NotificationView {
  id: number;
  kind: 'payment' | 'refund' | 'other';
  notifyType: string;
  syssn?: string;
  amountMinor?: number;
  amount?: string;
  receivedAt: string;
  success: boolean;
  maskedCard?: string;
}

export interface PaymentView {
  outTradeNo: string;
  channel: Channel;
  channelLabel: string;
  amountMinor: number;
  amount: string;
  stage: Stage;
  stageLabel: string;
  final: boolean;
  syssn?: string;
  cardScheme?: string;
  maskedCard?: string;
  channelRef?: string;
  payType?: string;
  sysTime?: string;
  resolvedBy?: string;
  reason?: string;
  hint?: string;
  code?: string;
  createdAt: string;
  notification?: NotificationView;
}

export interface RefundView {
  id: number;
  amountMinor: number;
  amount: string;
  stage: Stage;
  stageLabel: string;
  syssn?: string;
  outTradeNo?: string;
  resolvedBy?: string;
  reason?: string;
  hint?: string;
  createdAt: string;
  notification?: NotificationView;
}

export type OrderStatus = 'paying' | 'resolving' | 'unknown' | 'paid' | 'partially_refunded' | 'refunded' | 'declined' | 'cancelled' | 'failed';

export interface OrderView {
  id: number;
  number: string;
  createdAt: string;
  items: Array<OrderItem & { lineMinor: number; line: string; unit: string }>;
  totalMinor: number;
  total: string;
  currency: 'HKD';
  status: OrderStatus;
  statusLabel: string;
  payment?: PaymentView;
  attempts: number;
  refunds: RefundView[];
  refundedMinor: number;
  refunded: string;
  refund: RefundPolicy & { max: string; channelRule: string };
  canCancel: boolean;
  canRetry: boolean;
  retryReason?: string;
  canCheck: boolean;
  notifications: NotificationView[];
  /**
   * When this view was taken. Views reach the page by two roads (API replies, the event stream)
   * that can overtake each other; the page keeps the one with the higher `seq` from the same
   * `instance` (a restarted demo starts a new instance).
   */
  revision: { instance: string; seq: number };
}

const STAGE_LABEL: Record<Stage, string> = {
  created: 'Sending to the terminal…',
  queued: 'Waiting for the terminal to be free…',
  sent: 'Sent to the terminal',
  waiting_customer: 'Waiting for the customer on the terminal',
  resolving: 'No clear answer — asking the terminal what happened…',
  approved: 'Approved',
  declined: 'Declined',
  cancelled: 'Cancelled',
  failed: 'Failed',
  unknown: 'Outcome unknown — do not charge again',
};

const STATUS_LABEL: Record<OrderStatus, string> = {
  paying: 'Waiting for payment',
  resolving: 'Checking with the terminal',
  unknown: 'Payment outcome unknown',
  paid: 'Paid',
  partially_refunded: 'Partially refunded',
  refunded: 'Refunded',
  declined: 'Declined',
  cancelled: 'Cancelled',
  failed: 'Payment failed',
};

type Active = { kind: 'payment'; orderId: number; outTradeNo: string } | { kind: 'refund'; orderId: number; refundId: number; ref?: string };

export interface CashierOptions {
  store: OrderStore;
  terminal: PaymentTerminal;
  notifications: NotificationSource;
  /** Identifies this run of the terminal; payments remember it. */
  terminalSession: string;
  /** The terminal is the built-in simulator (which forgets its book when restarted). */
  simulated: boolean;
  clock?: () => Date;
  /** One human line per event, for the console. */
  log?: (line: string) => void;
}

/** Orders, payments and refunds on one terminal. */
export class Cashier {
  /** `order` fires with the fresh view after every change. */
  readonly events = new EventEmitter<{ order: [OrderView] }>();
  readonly #store: OrderStore;
  readonly #terminal: PaymentTerminal;
  readonly #notifications: NotificationSource;
  readonly #session: string;
  readonly #simulated: boolean;
  readonly #now: () => Date;
  readonly #log: (line: string) => void;
  readonly #jobs = new Set<Promise<void>>();
  #active: Active | undefined;
  #emitChain: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #instance = randomBytes(6).toString('hex');
  #revision = 0;

  constructor(options: CashierOptions) {
    this.#store = options.store;
    this.#terminal = options.terminal;
    this.#notifications = options.notifications;
    this.#session = options.terminalSession;
    this.#simulated = options.simulated;
    this.#now = options.clock ?? (() => new Date());
    this.#log = options.log ?? (() => undefined);
    this.#terminal.on('progress', this.#onProgress);
  }

  /** What the terminal is busy with, if anything. */
  busy(): { kind: 'payment' | 'refund'; orderId: number } | undefined {
    return this.#active ? { kind: this.#active.kind, orderId: this.#active.orderId } : undefined;
  }

  async list(limit = 50): Promise<OrderView[]> {
    const orders = this.#store.recentOrders(limit);
    const views: OrderView[] = [];
    for (const order of orders) views.push(await this.#view(order));
    return views;
  }

  async view(orderId: number): Promise<OrderView> {
    return this.#view(this.#order(orderId));
  }

  /** Creates an order from the cart and starts its payment on the terminal. */
  async createOrder(input: { items: ReadonlyArray<{ productId: string; qty: number }>; channel: Channel }): Promise<OrderView> {
    this.#assertIdle();
    const merged = new Map<string, number>();
    for (const line of input.items) merged.set(line.productId, (merged.get(line.productId) ?? 0) + line.qty);
    const items: OrderItem[] = [];
    for (const [productId, qty] of merged) {
      const product = productById(productId);
      if (!product) throw new CashierError(400, 'unknown_product', `There is no product "${productId}".`);
      items.push({ productId, name: product.name, qty, unitMinor: product.priceMinor });
    }
    if (items.length === 0) throw new CashierError(400, 'empty_cart', 'The cart is empty.');
    const order = this.#store.createOrder(items, this.#now());
    this.#log(`#${1000 + order.id} ${formatDisplay(order.totalMinor)} created`);
    this.#startPayment(order, input.channel);
    return this.#view(order);
  }

  /** Tries again after a decline, cancel or failure (a fresh out_trade_no; never after `unknown`). */
  async pay(orderId: number, channel: Channel): Promise<OrderView> {
    const order = this.#order(orderId);
    this.#assertIdle();
    const payments = this.#store.payments(orderId);
    const latest = payments.at(-1);
    if (payments.some((p) => p.stage === 'approved')) throw new CashierError(409, 'already_paid', 'This order is already paid.');
    if (latest?.stage === 'unknown') throw new CashierError(409, 'outcome_unknown', 'The last attempt may have charged the customer. Check it before charging again.');
    if (latest && !FINAL_STAGES.has(latest.stage)) throw new CashierError(409, 'in_progress', 'A payment for this order is in progress.');
    this.#startPayment(order, channel);
    return this.#view(order);
  }

  /** Asks the terminal to abandon the open payment/refund screen of this order (5001). */
  async cancel(orderId: number): Promise<{ result: string; order: OrderView }> {
    this.#order(orderId);
    const active = this.#active;
    if (!active || active.orderId !== orderId) throw new CashierError(409, 'nothing_to_cancel', 'Nothing is waiting on the terminal for this order.');
    let result: string;
    try {
      result = (await this.#terminal.cancel()).status;
    } catch (err) {
      const e = err instanceof QfpayEcrError ? err : undefined;
      throw new CashierError(409, e?.code ?? 'cancel_failed', `The cancel did not reach the terminal: ${e?.hint ?? (err as Error).message}`);
    }
    this.#log(`#${1000 + orderId} cancel: ${result}`);
    return { result, order: await this.view(orderId) };
  }

  /** Refunds `amountMinor` (default: everything left) of the order's payment, within the rules. */
  async refund(orderId: number, amountMinor?: number): Promise<OrderView> {
    const order = this.#order(orderId);
    const payment = this.#store.payments(orderId).find((p) => p.stage === 'approved');
    const refunds = this.#store.refunds(orderId);
    const policy = refundPolicy(payment, refunds, this.#policyContext());
    if (!policy.allowed || !payment?.syssn) throw new CashierError(422, 'refund_not_allowed', policy.reason ?? 'This order cannot be refunded.');
    const amount = amountMinor ?? policy.maxMinor;
    if (!Number.isSafeInteger(amount) || amount <= 0) throw new CashierError(400, 'bad_amount', 'The refund amount must be more than HK$0.00.');
    if (amount > policy.maxMinor) throw new CashierError(422, 'refund_too_large', `At most ${formatDisplay(policy.maxMinor)} is left to refund.`);
    if (amount !== policy.maxMinor && !policy.partialAllowed) throw new CashierError(422, 'partial_not_allowed', policy.partialReason ?? 'Only a full refund is possible.');
    this.#assertIdle();
    const refund = this.#store.insertRefund({ orderId, paymentOutTradeNo: payment.outTradeNo, amountMinor: amount }, this.#now());
    this.#active = { kind: 'refund', orderId, refundId: refund.id };
    this.#log(`#${1000 + orderId} refund ${formatDisplay(amount)} sent to the terminal`);
    this.#track(this.#runRefund(order, payment, refund));
    return this.#view(order);
  }

  /** Resolves `unknown` outcomes of this order: the notification first, then a 4001 query. */
  async check(orderId: number): Promise<OrderView> {
    this.#order(orderId);
    this.#assertIdle();
    const latest = this.#store.payments(orderId).at(-1);
    if (latest?.stage === 'unknown') await this.#resolvePayment(latest);
    for (const refund of this.#store.refunds(orderId)) {
      if (refund.stage === 'unknown') await this.#resolveRefund(refund);
    }
    await this.#emit(orderId);
    return this.view(orderId);
  }

  /** A notification the notify server stored: link it, and let it settle an `unknown` outcome. */
  async onNotification(record: StoredNotification): Promise<void> {
    let payment: PaymentRecord | undefined;
    if (record.kind === 'payment' && record.outTradeNo) payment = this.#store.payment(record.outTradeNo);
    else if (record.kind === 'refund' && record.origOutTradeNo) payment = this.#store.payment(record.origOutTradeNo);
    if (!payment) return;
    this.#log(`#${1000 + payment.orderId} QFPay notification: ${record.kind} ${record.amountMinor !== undefined ? formatDisplay(record.amountMinor) : ''} (${record.syssn ?? ''})`);
    if (record.kind === 'payment' && payment.stage === 'unknown') await this.#paymentFromNotification(payment);
    if (record.kind === 'refund') {
      for (const refund of this.#store.refunds(payment.orderId)) if (refund.stage === 'unknown') await this.#refundFromNotification(refund);
    }
    await this.#emit(payment.orderId);
  }

  /**
   * At start-up: anything left on the terminal by a previous run becomes `unknown` and is then
   * resolved (notification, then query). Nothing is re-sent.
   */
  recover(): void {
    const orders = new Set<number>();
    const now = this.#now();
    for (const p of this.#store.paymentsInStages(IN_FLIGHT_STAGES)) {
      this.#store.updatePayment(p.outTradeNo, { stage: 'unknown', reason: 'The storefront stopped while this payment was on the terminal; checking what happened.' }, now);
      orders.add(p.orderId);
    }
    for (const r of this.#store.refundsInStages(IN_FLIGHT_STAGES)) {
      this.#store.updateRefund(r.id, { stage: 'unknown', reason: 'The storefront stopped while this refund was on the terminal; checking what happened.' }, now);
      orders.add(r.orderId);
    }
    if (orders.size === 0) return;
    this.#track(
      (async () => {
        for (const id of orders) {
          try {
            await this.check(id);
          } catch (err) {
            this.#log(`#${1000 + id} could not be checked yet: ${(err as Error).message}`);
          }
        }
      })(),
    );
  }

  /** Waits for running payments/refunds to settle (the terminal's own close does the rest). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#terminal.off('progress', this.#onProgress);
    await Promise.allSettled([...this.#jobs]);
    await this.#emitChain;
  }

  // ------------------------------------------------------------------ payments

  #startPayment(order: OrderRecord, channel: Channel): void {
    if (!CHANNELS.includes(channel)) throw new CashierError(400, 'bad_channel', `Unknown payment channel "${String(channel)}".`);
    const outTradeNo = `SF${1000 + order.id}-${randomBytes(4).toString('hex')}`;
    const payment = this.#store.insertPayment({ outTradeNo, orderId: order.id, channel, amountMinor: order.totalMinor, terminalSession: this.#session }, this.#now());
    this.#active = { kind: 'payment', orderId: order.id, outTradeNo };
    this.#log(`#${1000 + order.id} ${formatDisplay(order.totalMinor)} ${channelInfo(channel).label}: sent to the terminal (${outTradeNo})`);
    this.#track(this.#runPayment(payment));
  }

  async #runPayment(payment: PaymentRecord): Promise<void> {
    let outcome: TransactionOutcome;
    try {
      outcome = await this.#terminal.pay({ amountMinor: payment.amountMinor, channel: payment.channel, outTradeNo: payment.outTradeNo });
    } catch (err) {
      // Only invalid input or a closed terminal reject; nothing was sent.
      const e = err instanceof QfpayEcrError ? err : undefined;
      outcome = { status: 'failed', kind: 'payment', outTradeNo: payment.outTradeNo, codes: {}, error: { code: e?.code ?? 'ERROR', message: (err as Error).message, hint: e?.hint ?? '' } };
    }
    this.#store.updatePayment(payment.outTradeNo, paymentUpdateFor(outcome), this.#now());
    if (this.#active?.kind === 'payment' && this.#active.outTradeNo === payment.outTradeNo) this.#active = undefined;
    this.#log(`#${1000 + payment.orderId} payment ${outcome.status}${outcome.status === 'approved' ? ` (syssn ${outcome.syssn})` : ''}`);
    if (outcome.status === 'unknown') await this.#paymentFromNotification(this.#store.payment(payment.outTradeNo) as PaymentRecord);
    if (outcome.status === 'approved' && outcome.cardScheme === undefined && outcome.resolvedBy === 'notification') {
      await this.#emit(payment.orderId);
      await this.#completeFromQuery(payment.outTradeNo);
    }
    await this.#emit(payment.orderId);
  }

  /**
   * ECR Cloud: QFPay's notification settled the payment but carries no card scheme; QFPay's book
   * has it. Only fills in details: the outcome itself is already final, so a failed query changes nothing.
   */
  async #completeFromQuery(outTradeNo: string): Promise<void> {
    try {
      const result = await this.#terminal.query({ outTradeNo });
      if (!result.found || result.kind !== 'payment' || result.cardScheme === undefined) return;
      this.#store.updatePayment(outTradeNo, { cardScheme: result.cardScheme, ...(result.maskedCard !== undefined ? { maskedCard: result.maskedCard } : {}) }, this.#now());
    } catch {
      // Details only; the payment is approved either way.
    }
  }

  async #paymentFromNotification(payment: PaymentRecord): Promise<boolean> {
    const found = (await this.#notifications.byOutTradeNo(payment.outTradeNo)).find((n) => n.kind === 'payment' && n.success && n.outTradeNo === payment.outTradeNo);
    if (!found) return false;
    if (found.amountMinor !== payment.amountMinor) {
      this.#store.updatePayment(payment.outTradeNo, { reason: `QFPay notified a payment of ${formatDisplay(found.amountMinor ?? 0)} for this reference, not ${formatDisplay(payment.amountMinor)}: check with QFPay before doing anything.` }, this.#now());
      return false;
    }
    const n = found.notification;
    this.#store.updatePayment(
      payment.outTradeNo,
      { stage: 'approved', resolvedBy: 'notification', syssn: found.syssn, maskedCard: n.maskedCard, payType: n.payType, channelRef: n.channelRef, sysTime: n.sysTime, reason: undefined, hint: undefined, code: undefined },
      this.#now(),
    );
    this.#log(`#${1000 + payment.orderId} payment approved, as QFPay's notification shows`);
    return true;
  }

  async #resolvePayment(payment: PaymentRecord): Promise<void> {
    if (await this.#paymentFromNotification(payment)) return;
    this.#store.updatePayment(payment.outTradeNo, { stage: 'resolving' }, this.#now());
    await this.#emit(payment.orderId);
    let result: QueryResult;
    try {
      result = await this.#terminal.query({ outTradeNo: payment.outTradeNo });
    } catch (err) {
      const e = err instanceof QfpayEcrError ? err : undefined;
      this.#store.updatePayment(payment.outTradeNo, { stage: 'unknown', reason: `Could not ask the terminal: ${(err as Error).message}`, hint: e?.hint }, this.#now());
      return;
    }
    this.#store.updatePayment(payment.outTradeNo, paymentUpdateForQuery(result), this.#now());
  }

  // ------------------------------------------------------------------ refunds

  async #runRefund(order: OrderRecord, payment: PaymentRecord, refund: RefundRecord): Promise<void> {
    let outcome: TransactionOutcome;
    try {
      outcome = await this.#terminal.refund({ syssn: payment.syssn as string, amountMinor: refund.amountMinor });
    } catch (err) {
      const e = err instanceof QfpayEcrError ? err : undefined;
      outcome = { status: 'failed', kind: 'refund', outTradeNo: '', codes: {}, error: { code: e?.code ?? 'ERROR', message: (err as Error).message, hint: e?.hint ?? '' } };
    }
    this.#store.updateRefund(refund.id, refundUpdateFor(outcome), this.#now());
    if (this.#active?.kind === 'refund' && this.#active.refundId === refund.id) this.#active = undefined;
    this.#log(`#${1000 + order.id} refund ${outcome.status}`);
    if (outcome.status === 'unknown') await this.#refundFromNotification(this.#store.refund(refund.id) as RefundRecord);
    await this.#emit(order.id);
  }

  /** A refund notification for this payment, of this amount, not yet linked to another refund. */
  async #refundFromNotification(refund: RefundRecord): Promise<boolean> {
    const linked = new Set(this.#store.refunds(refund.orderId).map((r) => r.syssn).filter((s): s is string => s !== undefined));
    const found = (await this.#notifications.byOutTradeNo(refund.paymentOutTradeNo)).find(
      (n) => n.kind === 'refund' && n.success && n.amountMinor === refund.amountMinor && n.syssn !== undefined && !linked.has(n.syssn),
    );
    if (!found) return false;
    this.#store.updateRefund(refund.id, { stage: 'approved', resolvedBy: 'notification', syssn: found.syssn, outTradeNo: found.outTradeNo, sysTime: found.notification.sysTime, reason: undefined, hint: undefined, code: undefined }, this.#now());
    return true;
  }

  async #resolveRefund(refund: RefundRecord): Promise<void> {
    if (await this.#refundFromNotification(refund)) return;
    const payment = this.#store.payment(refund.paymentOutTradeNo);
    if (!payment?.syssn) return;
    this.#store.updateRefund(refund.id, { stage: 'resolving' }, this.#now());
    await this.#emit(refund.orderId);
    const otherRefunded = this.#store
      .refunds(refund.orderId)
      .filter((r) => r.id !== refund.id && r.stage === 'approved')
      .reduce((sum, r) => sum + r.amountMinor, 0);
    const leftWithout = payment.amountMinor - otherRefunded;
    try {
      const result = await this.#terminal.query({ syssn: payment.syssn });
      const left = result.found ? result.refundableMinor : undefined;
      if (left === leftWithout - refund.amountMinor) {
        this.#store.updateRefund(refund.id, { stage: 'approved', resolvedBy: 'query', reason: undefined }, this.#now());
      } else if (left === leftWithout) {
        this.#store.updateRefund(refund.id, { stage: 'failed', resolvedBy: 'query', reason: 'The terminal shows nothing was refunded; you may refund again.' }, this.#now());
      } else {
        this.#store.updateRefund(refund.id, { stage: 'unknown', reason: 'The terminal does not say whether this refund went through yet; check again shortly.' }, this.#now());
      }
    } catch (err) {
      this.#store.updateRefund(refund.id, { stage: 'unknown', reason: `Could not ask the terminal: ${(err as Error).message}` }, this.#now());
    }
  }

  // ------------------------------------------------------------------ events and views

  readonly #onProgress = (event: { kind: 'payment' | 'refund'; outTradeNo: string; stage: ProgressStage }): void => {
    const active = this.#active;
    if (!active || this.#closed) return;
    if (event.kind === 'payment' && active.kind === 'payment' && event.outTradeNo === active.outTradeNo) {
      const current = this.#store.payment(active.outTradeNo);
      if (!current || FINAL_STAGES.has(current.stage)) return;
      this.#store.updatePayment(active.outTradeNo, { stage: event.stage }, this.#now());
      if (event.stage === 'waiting_customer' || event.stage === 'resolving') this.#log(`#${1000 + active.orderId} ${STAGE_LABEL[event.stage].toLowerCase()}`);
      void this.#emit(active.orderId);
    } else if (event.kind === 'refund' && active.kind === 'refund') {
      active.ref ??= event.outTradeNo;
      if (event.outTradeNo !== active.ref) return;
      const current = this.#store.refund(active.refundId);
      if (!current || FINAL_STAGES.has(current.stage)) return;
      this.#store.updateRefund(active.refundId, { stage: event.stage }, this.#now());
      void this.#emit(active.orderId);
    }
  };

  #emit(orderId: number): Promise<void> {
    this.#emitChain = this.#emitChain.then(async () => {
      try {
        const order = this.#store.order(orderId);
        if (order) this.events.emit('order', await this.#view(order));
      } catch {
        // A view that cannot be built now (store closing) is rebuilt on the next change.
      }
    });
    return this.#emitChain;
  }

  #track(job: Promise<void>): void {
    const tracked = job.catch((err: unknown) => this.#log(`unexpected: ${(err as Error).message}`)).finally(() => this.#jobs.delete(tracked));
    this.#jobs.add(tracked);
  }

  #assertIdle(): void {
    if (this.#closed) throw new CashierError(409, 'closing', 'The storefront is shutting down.');
    const active = this.#active;
    if (active) throw new CashierError(409, 'terminal_busy', `The terminal is busy with ${active.kind === 'payment' ? 'the payment' : 'a refund'} of order #${1000 + active.orderId}. Finish or cancel it first.`);
  }

  #order(orderId: number): OrderRecord {
    const order = this.#store.order(orderId);
    if (!order) throw new CashierError(404, 'no_such_order', `There is no order ${orderId}.`);
    return order;
  }

  #policyContext() {
    return { now: this.#now(), busy: this.#active !== undefined, ...(this.#simulated ? { simulatorSession: this.#session } : {}) };
  }

  async #view(order: OrderRecord): Promise<OrderView> {
    // Taken before the store is read, so a higher seq never shows older state.
    const revision = { instance: this.#instance, seq: ++this.#revision };
    const payments = this.#store.payments(order.id);
    const refunds = this.#store.refunds(order.id);
    const approved = payments.find((p) => p.stage === 'approved');
    const shown = approved ?? payments.at(-1);
    const stored = shown ? await this.#notifications.byOutTradeNo(shown.outTradeNo) : [];
    const notifications = stored.filter((n) => n.outTradeNo === shown?.outTradeNo || n.origOutTradeNo === shown?.outTradeNo).map(notificationView);
    const refundedMinor = refunds.filter((r) => r.stage === 'approved').reduce((sum, r) => sum + r.amountMinor, 0);
    const policy = refundPolicy(approved, refunds, this.#policyContext());
    const active = this.#active?.orderId === order.id ? this.#active : undefined;

    let status: OrderStatus;
    if (approved) status = refundedMinor >= approved.amountMinor ? 'refunded' : refundedMinor > 0 ? 'partially_refunded' : 'paid';
    else if (!shown || ['created', 'queued', 'sent', 'waiting_customer'].includes(shown.stage)) status = 'paying';
    else status = shown.stage as OrderStatus;

    const latest = payments.at(-1);
    let retryReason: string | undefined;
    if (approved) retryReason = 'Already paid.';
    else if (latest?.stage === 'unknown') retryReason = 'The last attempt may have charged the customer: check it first.';
    else if (latest && !FINAL_STAGES.has(latest.stage)) retryReason = 'A payment is in progress.';
    else if (this.#active) retryReason = 'The terminal is busy with another transaction.';

    const paymentNotification = notifications.find((n) => n.kind === 'payment');
    const view: OrderView = {
      id: order.id,
      number: `#${1000 + order.id}`,
      createdAt: order.createdAt,
      items: order.items.map((i) => ({ ...i, lineMinor: i.qty * i.unitMinor, line: formatDisplay(i.qty * i.unitMinor), unit: formatDisplay(i.unitMinor) })),
      totalMinor: order.totalMinor,
      total: formatDisplay(order.totalMinor),
      currency: 'HKD',
      status,
      statusLabel: STATUS_LABEL[status],
      attempts: payments.length,
      refunds: refunds.map((r) => refundView(r, notifications)),
      refundedMinor,
      refunded: formatDisplay(refundedMinor),
      refund: { ...policy, max: formatDisplay(policy.maxMinor), channelRule: shown ? channelInfo(shown.channel).refundRule : '' },
      canCancel: active !== undefined && (active.kind === 'payment' ? ['created', 'queued', 'sent', 'waiting_customer'].includes(shown?.stage ?? '') : true),
      canRetry: retryReason === undefined,
      ...(retryReason !== undefined ? { retryReason } : {}),
      canCheck: !this.#active && (latest?.stage === 'unknown' || refunds.some((r) => r.stage === 'unknown')),
      notifications,
      revision,
    };
    if (shown) view.payment = paymentView(shown, shown === approved ? paymentNotification : undefined);
    return view;
  }
}

function paymentUpdateFor(outcome: TransactionOutcome): PaymentUpdate {
  const clear = { reason: undefined, hint: undefined, code: undefined };
  switch (outcome.status) {
    case 'approved':
      return {
        ...clear,
        stage: 'approved',
        syssn: outcome.syssn,
        cardScheme: outcome.cardScheme,
        maskedCard: outcome.maskedCard,
        channelRef: outcome.channelRef,
        payType: outcome.payType,
        sysTime: outcome.sysTime,
        resolvedBy: outcome.resolvedBy,
      };
    case 'declined':
      return { ...clear, stage: 'declined', reason: outcome.reason, code: outcome.codes.txnRespcd ?? outcome.codes.respcd, resolvedBy: outcome.resolvedBy };
    case 'cancelled':
      return { ...clear, stage: 'cancelled', reason: outcome.by === 'pos' ? 'Cancelled by the cashier; nothing was charged.' : 'Cancelled by the customer on the terminal; nothing was charged.', resolvedBy: outcome.resolvedBy };
    case 'failed':
      return { stage: 'failed', reason: outcome.error.message, hint: outcome.error.hint, code: outcome.error.code };
    case 'unknown':
      return { ...clear, stage: 'unknown', reason: outcome.reason };
  }
}

function refundUpdateFor(outcome: TransactionOutcome): RefundUpdate {
  const u = paymentUpdateFor(outcome);
  const update: RefundUpdate = { stage: u.stage, syssn: u.syssn, sysTime: u.sysTime, resolvedBy: u.resolvedBy, reason: u.reason, hint: u.hint, code: u.code };
  if (outcome.outTradeNo) update.outTradeNo = outcome.outTradeNo;
  return update;
}

function paymentUpdateForQuery(result: QueryResult): PaymentUpdate {
  if (!result.found) {
    return { stage: 'cancelled', resolvedBy: 'query', reason: 'The terminal has no record of this payment: nothing was charged.', hint: undefined, code: result.codes.txnRespcd };
  }
  switch (result.state) {
    case 'paid':
    case 'refunded':
    case 'partially_refunded':
      return {
        stage: 'approved',
        resolvedBy: 'query',
        syssn: result.syssn,
        cardScheme: result.cardScheme,
        maskedCard: result.maskedCard,
        channelRef: result.channelRef,
        payType: result.payType,
        sysTime: result.sysTime,
        reason: undefined,
        hint: undefined,
        code: undefined,
      };
    case 'pending':
      return { stage: 'unknown', reason: 'The terminal still shows this payment as pending; check again shortly.' };
    case 'cancelled':
      return { stage: 'cancelled', resolvedBy: 'query', reason: 'The terminal shows this payment as reversed: nothing was charged.' };
    case 'failed':
      return { stage: 'declined', resolvedBy: 'query', reason: result.codes.message ?? 'The terminal shows this payment as failed.', code: result.codes.txnRespcd };
  }
}

function notificationView(n: StoredNotification): NotificationView {
  return {
    id: n.id,
    kind: n.kind,
    notifyType: n.notifyType,
    ...(n.syssn !== undefined ? { syssn: n.syssn } : {}),
    ...(n.amountMinor !== undefined ? { amountMinor: n.amountMinor, amount: formatDisplay(n.amountMinor) } : {}),
    receivedAt: n.receivedAt,
    success: n.success,
    ...(n.notification.maskedCard !== undefined ? { maskedCard: n.notification.maskedCard } : {}),
  };
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function paymentView(p: PaymentRecord, notification?: NotificationView): PaymentView {
  return compact({
    outTradeNo: p.outTradeNo,
    channel: p.channel,
    channelLabel: channelInfo(p.channel).label,
    amountMinor: p.amountMinor,
    amount: formatDisplay(p.amountMinor),
    stage: p.stage,
    stageLabel: STAGE_LABEL[p.stage],
    final: FINAL_STAGES.has(p.stage),
    syssn: p.syssn,
    cardScheme: p.cardScheme,
    maskedCard: p.maskedCard,
    channelRef: p.channelRef,
    payType: p.payType,
    sysTime: p.sysTime,
    resolvedBy: p.resolvedBy,
    reason: p.reason,
    hint: p.hint,
    code: p.code,
    createdAt: p.createdAt,
    notification,
  });
}

const REFUND_STAGE_LABEL: Record<Stage, string> = {
  ...STAGE_LABEL,
  waiting_customer: 'Waiting for confirmation on the terminal',
  approved: 'Refunded',
  unknown: 'Outcome unknown — do not refund again',
};

function refundView(r: RefundRecord, notifications: NotificationView[]): RefundView {
  return compact({
    id: r.id,
    amountMinor: r.amountMinor,
    amount: formatDisplay(r.amountMinor),
    stage: r.stage,
    stageLabel: REFUND_STAGE_LABEL[r.stage],
    syssn: r.syssn,
    outTradeNo: r.outTradeNo,
    resolvedBy: r.resolvedBy,
    reason: r.reason,
    hint: r.hint,
    createdAt: r.createdAt,
    notification: r.syssn ? notifications.find((n) => n.kind === 'refund' && n.syssn === r.syssn) : undefined,
  });
}
