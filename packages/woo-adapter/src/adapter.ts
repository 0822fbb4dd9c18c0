/**
 * `WooQfpayAdapter`: takes WooCommerce orders to paid on a QFPay terminal and keeps WooCommerce
 * and QFPay in agreement. Depends only on core's `PaymentTerminal` interface.
 */
import { CHANNELS, type CancelOptions, type CancelResult, type NormalizedNotification, type PaymentTerminal } from '@qfpay-ecr/core';
import pRetry from 'p-retry';
import { z } from 'zod';
import { WooClient, type WooClientOptions } from './client/woo-client.js';
import { describeError, type AdapterContext, type ResolvedAdapterOptions } from './context.js';
import { OrderBusyError, WooConfigError, WooUnavailableError } from './errors.js';
import { TypedEvents, type AdapterEvents } from './events.js';
import type { NotificationFeed } from './feed/types.js';
import { KeyedLock } from './lock.js';
import { applyNotification, type NotificationResult } from './notifications.js';
import { payOrder, type PayOrderOptions, type PayOrderResult } from './pay.js';
import { reconcile, type ReconcileOptions, type ReconcileReport } from './reconcile.js';
import { refundOrder, type RefundOrderOptions, type RefundOrderResult } from './refund.js';

/** Options of {@link WooQfpayAdapter}. */
export interface WooQfpayAdapterOptions {
  /** A {@link WooClient}, or options to build one (then closed by `close()`). */
  woo: WooClient | WooClientOptions;
  /** The terminal (any `PaymentTerminal`, e.g. core's `QFPayTerminal`). Not closed by the adapter. */
  terminal: PaymentTerminal;
  /** Label stored with each attempt; the reconciliation only resolves attempts of its own terminal. Default `terminal`. */
  terminalId?: string;
  /** Start of every `out_trade_no` (`<prefix><orderId>-<attempt>-<unique>`); 1–12 letters/digits. Default `wc`. */
  referencePrefix?: string;
  /** `payment_method` written on paid orders; default `qfpay_terminal`. */
  paymentMethodId?: string;
  /** `payment_method_title`; default `QFPay terminal`. */
  paymentMethodTitle?: string;
  /** Make the "payment approved" note visible to the customer. Default false. */
  customerNotes?: boolean;
  /** An attempt the terminal does not know after this long is concluded "not processed"; default 600000 ms. */
  notFoundAfterMs?: number;
  /** Statuses the reconciliation sweeps; default pending, failed, on-hold, cancelled. */
  reconcileStatuses?: readonly string[];
  /** Pages of 100 paid orders scanned to find the order of a refund notification without our reference; default 5. */
  refundScanPages?: number;
  /** Retries of WooCommerce writes after a transient failure (each retry checks first). */
  writeRetry?: { retries?: number; minTimeoutMs?: number; maxTimeoutMs?: number };
  /** Retries of a notification whose WooCommerce writes failed transiently; default `{ retries: 5, minTimeoutMs: 1000, maxTimeoutMs: 30000 }`. */
  notificationRetry?: { retries?: number; minTimeoutMs?: number; maxTimeoutMs?: number };
  /** Clock (tests). */
  now?: () => Date;
}

const retrySchema = z
  .strictObject({ retries: z.number().int().min(0).max(20).optional(), minTimeoutMs: z.number().int().min(0).optional(), maxTimeoutMs: z.number().int().min(0).optional() })
  .optional();

const OptionsSchema = z.strictObject({
  woo: z.custom<WooClient | WooClientOptions>((v) => typeof v === 'object' && v !== null, { message: 'woo must be a WooClient or its options' }),
  terminal: z.custom<PaymentTerminal>(
    (v) => typeof v === 'object' && v !== null && ['pay', 'refund', 'cancel', 'query'].every((k) => typeof (v as Record<string, unknown>)[k] === 'function'),
    { message: 'terminal must implement PaymentTerminal (pay, refund, cancel, query)' },
  ),
  terminalId: z.string().regex(/^[\w.:-]{1,64}$/, { message: 'terminalId must be 1–64 letters, digits, _ . : -' }).optional(),
  referencePrefix: z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,11}$/, { message: 'referencePrefix must be 1–12 letters/digits starting with a letter' }).optional(),
  paymentMethodId: z.string().min(1).max(100).optional(),
  paymentMethodTitle: z.string().min(1).max(200).optional(),
  customerNotes: z.boolean().optional(),
  notFoundAfterMs: z.number().int().min(0).optional(),
  reconcileStatuses: z.array(z.string().min(1)).min(1).optional(),
  refundScanPages: z.number().int().min(0).max(100).optional(),
  writeRetry: retrySchema,
  notificationRetry: retrySchema,
  now: z.custom<() => Date>((v) => typeof v === 'function').optional(),
});

/** At most this many notifications wait for WooCommerce to come back (each is small). */
const MAX_DEFERRED_NOTIFICATIONS = 1_000;

/** Options of {@link WooQfpayAdapter.listen}. */
export interface ListenOptions {
  /** Each notification's result. */
  onResult?: (result: NotificationResult, notification: NormalizedNotification) => void;
  /** A notification that could not be applied even after retries (reconcile catches payments later). */
  onError?: (error: Error, notification: NormalizedNotification) => void;
}

/** Takes WooCommerce orders to paid on a QFPay terminal and keeps both sides in agreement. */
export class WooQfpayAdapter {
  /** The WooCommerce client in use. */
  readonly woo: WooClient;
  /** The terminal in use. */
  readonly terminal: PaymentTerminal;
  readonly #ctx: AdapterContext;
  readonly #events = new TypedEvents();
  readonly #ownsWoo: boolean;
  readonly #busy = new Map<number, string>();
  readonly #notificationRetry: { retries: number; minTimeout: number; maxTimeout: number };
  /** Notifications whose writes kept failing while WooCommerce was down: applied again by `reconcile()`. */
  readonly #deferred = new Map<string, NormalizedNotification>();

  constructor(options: WooQfpayAdapterOptions) {
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success) {
      const what = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ');
      throw new WooConfigError('WOO_ADAPTER_CONFIG', `invalid WooQfpayAdapter options: ${what}`, 'fix the listed options');
    }
    const o = parsed.data;
    this.#ownsWoo = !(o.woo instanceof WooClient);
    this.woo = o.woo instanceof WooClient ? o.woo : new WooClient(o.woo);
    this.terminal = o.terminal;
    const opts: ResolvedAdapterOptions = {
      terminalId: o.terminalId ?? 'terminal',
      referencePrefix: o.referencePrefix ?? 'wc',
      paymentMethodId: o.paymentMethodId ?? 'qfpay_terminal',
      paymentMethodTitle: o.paymentMethodTitle ?? 'QFPay terminal',
      customerNotes: o.customerNotes ?? false,
      notFoundAfterMs: o.notFoundAfterMs ?? 600_000,
      reconcileStatuses: o.reconcileStatuses ?? ['pending', 'failed', 'on-hold', 'cancelled'],
      refundScanPages: o.refundScanPages ?? 5,
      writeRetry: { retries: o.writeRetry?.retries ?? 3, minTimeoutMs: o.writeRetry?.minTimeoutMs ?? 250, maxTimeoutMs: o.writeRetry?.maxTimeoutMs ?? 2_000 },
    };
    this.#notificationRetry = {
      retries: o.notificationRetry?.retries ?? 5,
      minTimeout: o.notificationRetry?.minTimeoutMs ?? 1_000,
      maxTimeout: o.notificationRetry?.maxTimeoutMs ?? 30_000,
    };
    this.#ctx = {
      woo: this.woo,
      terminal: this.terminal,
      events: this.#events,
      lock: new KeyedLock(),
      opts,
      now: o.now ?? (() => new Date()),
      neverSent: new Set(),
    };
  }

  /** Subscribes to `alert`, `order-updated` or `outcome`. */
  on<E extends keyof AdapterEvents>(event: E, listener: AdapterEvents[E]): this {
    this.#events.on(event, listener);
    return this;
  }

  off<E extends keyof AdapterEvents>(event: E, listener: AdapterEvents[E]): this {
    this.#events.off(event, listener);
    return this;
  }

  once<E extends keyof AdapterEvents>(event: E, listener: AdapterEvents[E]): this {
    this.#events.once(event, listener);
    return this;
  }

  /** Whether a payment or refund for this order is running in this adapter. */
  isBusy(orderId: number): boolean {
    return this.#busy.has(orderId);
  }

  /**
   * Charges a WooCommerce order on the terminal. Refuses ({@link OrderNotPayableError}) unless the
   * order is pending/failed/on-hold, in HKD and above zero; resolves an unresolved earlier attempt
   * first and refuses ({@link UnresolvedAttemptError}) while it stays unresolved. Resolves with the
   * terminal outcome and whether it was written to WooCommerce.
   */
  async payOrder(orderId: number, options: PayOrderOptions): Promise<PayOrderResult> {
    assertOrderId(orderId);
    if (!(CHANNELS as readonly string[]).includes(options?.channel)) {
      throw new WooConfigError('WOO_BAD_ARGUMENT', `channel must be one of ${CHANNELS.join(', ')}`, 'pass the payment method the customer chose');
    }
    return this.#exclusive(orderId, 'payment', () => payOrder(this.#ctx, orderId, options));
  }

  /**
   * Refunds part or all of a QFPay-paid order: a terminal refund (1002) against the stored syssn,
   * then a WooCommerce refund record (`api_refund: false`) carrying the refund syssn. Checks the
   * rules first ({@link RefundNotAllowedError}): amount ≤ what is left, HKD, card payments in full
   * on their Hong Kong day, no earlier refund with an unknown result.
   */
  async refundOrder(orderId: number, amountMinor: number, reason: string, options: RefundOrderOptions = {}): Promise<RefundOrderResult> {
    assertOrderId(orderId);
    return this.#exclusive(orderId, 'refund', () => refundOrder(this.#ctx, orderId, amountMinor, reason, options));
  }

  /** Asks the terminal to abandon the open payment screen; the running `payOrder` then resolves `cancelled` (or `approved` if too late). */
  async cancelPayment(options?: CancelOptions): Promise<CancelResult> {
    return this.terminal.cancel(options);
  }

  /** Applies one notification (idempotent). */
  async applyNotification(notification: NormalizedNotification): Promise<NotificationResult> {
    return applyNotification(this.#ctx, notification);
  }

  /**
   * Applies every notification from `feed`. Transient WooCommerce failures are retried (all
   * writes are idempotent); a notification that still fails is reported to `onError` and an
   * `alert` — payments are caught by the reconciliation anyway. Returns the unsubscribe function.
   */
  listen(feed: NotificationFeed, options: ListenOptions = {}): () => void {
    return feed.subscribe(async (n) => {
      try {
        const result = await pRetry(() => this.applyNotification(n), {
          ...this.#notificationRetry,
          factor: 2,
          shouldRetry: ({ error }) => error instanceof WooUnavailableError && error.code !== 'WOO_TLS',
        });
        options.onResult?.(result, n);
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        // A refund has no other way into WooCommerce once its terminal reply was lost: keep it.
        const kept = e instanceof WooUnavailableError && this.#defer(n);
        this.#events.emit('alert', {
          code: 'NOTIFICATION_NOT_APPLIED',
          message: `notification ${n.notifyType} ${n.syssn ?? ''} could not be applied (${describeError(e).code}); ${kept ? 'it is kept and applied again by the next reconcile()' : 'a payment is caught by the reconciliation, a refund needs the notification again'}`,
          ...(n.syssn ? { syssn: n.syssn } : {}),
          ...(n.outTradeNo ? { outTradeNo: n.outTradeNo } : {}),
        });
        options.onError?.(e, n);
      }
    });
  }

  /**
   * Runs the reconciliation sweep (see reconcile.ts), after applying again the notifications
   * that `listen()` could not apply while WooCommerce was down.
   */
  async reconcile(options: ReconcileOptions = {}): Promise<ReconcileReport> {
    const deferred = [...this.#deferred.entries()];
    const again = { applied: 0, failed: 0 };
    const errors: ReconcileReport['errors'] = [];
    for (const [key, n] of deferred) {
      try {
        await this.applyNotification(n);
        this.#deferred.delete(key);
        again.applied += 1;
      } catch (error) {
        again.failed += 1;
        if (!(error instanceof WooUnavailableError)) this.#deferred.delete(key);
        errors.push(describeError(error));
      }
    }
    const report = await reconcile(this.#ctx, options);
    if (deferred.length === 0) return report;
    return { ...report, errors: [...errors, ...report.errors], notifications: again };
  }

  /** Keeps a notification for the next `reconcile()`; false when there is no room (the oldest is kept). */
  #defer(n: NormalizedNotification): boolean {
    const key = `${n.kind}:${n.syssn ?? n.outTradeNo ?? ''}`;
    if (!this.#deferred.has(key) && this.#deferred.size >= MAX_DEFERRED_NOTIFICATIONS) return false;
    this.#deferred.set(key, n);
    return true;
  }

  /** Releases the WooCommerce client if the adapter created it. The terminal is the caller's. */
  async close(): Promise<void> {
    if (this.#ownsWoo) await this.woo.close();
  }

  async #exclusive<T>(orderId: number, what: string, fn: () => Promise<T>): Promise<T> {
    const running = this.#busy.get(orderId);
    if (running) throw new OrderBusyError(orderId, running);
    this.#busy.set(orderId, what);
    try {
      return await this.#ctx.lock.run(orderId, fn);
    } finally {
      this.#busy.delete(orderId);
    }
  }
}

function assertOrderId(orderId: number): void {
  if (!Number.isSafeInteger(orderId) || orderId <= 0) {
    throw new WooConfigError('WOO_BAD_ARGUMENT', `order id must be a positive integer, got ${String(orderId)}`, 'pass the WooCommerce order id (the number in WooCommerce → Orders)');
  }
}
