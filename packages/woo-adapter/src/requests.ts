/**
 * Payment requests from WooCommerce's order-pay page (WooCommerce POS's payment web view).
 *
 * The page cannot reach the terminal (it runs on the shop's server, the terminal is on the shop
 * LAN), and the bridge on the LAN only makes outbound connections. So they meet in order meta:
 *
 * 1. The gateway on the page (see examples/woocommerce/wcpos-qfpay-gateway.php) writes
 *    `_qfpay_pay_request` = `{"id":"<unique>","channel":"card_payment","at":"<ISO time>"}`;
 *    to cancel it writes `_qfpay_cancel_request` = the same id.
 * 2. The bridge polls (`GET /orders?status=pending,failed,on-hold&orderby=modified&modified_after=…`),
 *    marks a new request handled (`_qfpay_pay_request_handled` = id) *before* charging, and runs
 *    `payOrder`. A request is therefore handled at most once, even across restarts.
 * 3. The page polls the order (paid / `_qfpay_status` / `_qfpay_pay_request_error`) and submits
 *    the order-pay form once WooCommerce shows it paid.
 */
import { CHANNELS, type Channel } from '@qfpay-ecr/core';
import { z } from 'zod';
import type { WooQfpayAdapter } from './adapter.js';
import type { WooOrder } from './client/schemas.js';
import { describeError } from './context.js';
import { metaText } from './meta.js';
import type { PayOrderResult } from './pay.js';

/** Order meta keys of the order-pay handshake. */
export const REQUEST_META_KEYS = {
  request: '_qfpay_pay_request',
  handled: '_qfpay_pay_request_handled',
  cancel: '_qfpay_cancel_request',
  error: '_qfpay_pay_request_error',
} as const;

const RequestSchema = z.looseObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  channel: z.string(),
  at: z.string().optional(),
});

/** Options of {@link PaymentRequestWatcher}. */
export interface PaymentRequestWatcherOptions {
  adapter: WooQfpayAdapter;
  /** Poll interval; default 2000 ms. */
  intervalMs?: number;
  /** Requests older than this are ignored (a page left open yesterday); default 600000 ms. */
  maxAgeMs?: number;
  /** Statuses polled; default pending, failed, on-hold. */
  statuses?: readonly string[];
  /** Each finished payment. */
  onResult?: (result: PayOrderResult) => void;
  /** A request that could not be started or failed (also written to `_qfpay_pay_request_error`). */
  onError?: (error: Error, orderId?: number) => void;
  now?: () => Date;
}

/** Watches WooCommerce for payment requests from the order-pay page and runs them on the terminal. */
export class PaymentRequestWatcher {
  readonly #o: Required<Omit<PaymentRequestWatcherOptions, 'onResult' | 'onError'>> & Pick<PaymentRequestWatcherOptions, 'onResult' | 'onError'>;
  readonly #running = new Map<number, { requestId: string; cancelled: boolean; done: Promise<void> }>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<number> | undefined;
  #stopped = true;

  constructor(options: PaymentRequestWatcherOptions) {
    this.#o = {
      adapter: options.adapter,
      intervalMs: options.intervalMs ?? 2_000,
      maxAgeMs: options.maxAgeMs ?? 600_000,
      statuses: options.statuses ?? ['pending', 'failed', 'on-hold'],
      now: options.now ?? (() => new Date()),
      ...(options.onResult ? { onResult: options.onResult } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    };
  }

  /** Starts polling every `intervalMs`. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const tick = async () => {
      if (this.#stopped) return;
      await this.pollOnce().catch((error: unknown) => this.#o.onError?.(error instanceof Error ? error : new Error(String(error))));
      if (!this.#stopped) this.#timer = setTimeout(() => void tick(), this.#o.intervalMs);
    };
    void tick();
  }

  /** Stops polling and waits for running payments to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#polling?.catch(() => undefined);
    await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  /** Payments started by this watcher that have not finished. */
  get running(): number {
    return this.#running.size;
  }

  /** Waits until every payment started so far has finished. */
  async idle(): Promise<void> {
    await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  /** One poll: starts new requests and forwards cancel requests. Returns how many payments it started. */
  async pollOnce(): Promise<number> {
    this.#polling ??= this.#poll().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  async #poll(): Promise<number> {
    const { adapter } = this.#o;
    const now = this.#o.now();
    const page = await adapter.woo.listOrders({ status: this.#o.statuses, perPage: 50, orderby: 'modified', order: 'desc', modifiedAfter: new Date(now.getTime() - this.#o.maxAgeMs) });
    let started = 0;
    for (const order of page.orders) {
      const running = this.#running.get(order.id);
      if (running) {
        if (!running.cancelled && metaText(order.meta_data, REQUEST_META_KEYS.cancel) === running.requestId) {
          running.cancelled = true;
          await adapter.cancelPayment().catch((error: unknown) => this.#o.onError?.(error instanceof Error ? error : new Error(String(error)), order.id));
        }
        continue;
      }
      if (await this.#maybeStart(order, now)) started += 1;
    }
    return started;
  }

  async #maybeStart(order: WooOrder, now: Date): Promise<boolean> {
    const raw = metaText(order.meta_data, REQUEST_META_KEYS.request);
    if (!raw) return false;
    let parsed: z.output<typeof RequestSchema> | undefined;
    try {
      const r = RequestSchema.safeParse(JSON.parse(raw));
      parsed = r.success ? r.data : undefined;
    } catch {
      parsed = undefined;
    }
    if (!parsed) return false;
    if (metaText(order.meta_data, REQUEST_META_KEYS.handled) === parsed.id) return false;
    const at = parsed.at ? Date.parse(parsed.at) : Number.NaN;
    if (Number.isFinite(at) && now.getTime() - at > this.#o.maxAgeMs) return false;
    const { adapter } = this.#o;
    const requestId = parsed.id;
    // Handled first: a crash after this line never charges the same request twice.
    await adapter.woo.updateOrder(order.id, { meta_data: [{ key: REQUEST_META_KEYS.handled, value: requestId }] }, { idempotent: true });
    if (!(CHANNELS as readonly string[]).includes(parsed.channel)) {
      await this.#recordError(order.id, requestId, { code: 'WOO_BAD_ARGUMENT', message: `unknown payment method ${JSON.stringify(parsed.channel.slice(0, 40))}` });
      return false;
    }
    const channel = parsed.channel as Channel;
    const entry = { requestId, cancelled: false, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        const result = await adapter.payOrder(order.id, { channel });
        this.#o.onResult?.(result);
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        await this.#recordError(order.id, requestId, describeError(e)).catch(() => undefined);
        this.#o.onError?.(e, order.id);
      } finally {
        this.#running.delete(order.id);
      }
    })();
    this.#running.set(order.id, entry);
    return true;
  }

  async #recordError(orderId: number, requestId: string, e: { code: string; message: string }): Promise<void> {
    await this.#o.adapter.woo.updateOrder(orderId, { meta_data: [{ key: REQUEST_META_KEYS.error, value: JSON.stringify({ id: requestId, code: e.code, message: e.message }) }] }, { idempotent: true });
  }
}
