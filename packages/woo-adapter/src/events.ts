/** Typed events of the adapter (over node:events). */
import { EventEmitter } from 'node:events';
import type { TransactionOutcome } from '@qfpay-ecr/core';

/** Something a person should look at: the adapter changed nothing it was not sure about. */
export interface AlertEvent {
  /** Stable code, e.g. `AMOUNT_MISMATCH`, `DOUBLE_PAYMENT`, `PAID_BUT_ORDER_NOT_PAYABLE`, `WOO_WRITE_FAILED`. */
  code: string;
  message: string;
  orderId?: number;
  outTradeNo?: string;
  syssn?: string;
}

/** An order was changed in WooCommerce. */
export interface OrderUpdatedEvent {
  orderId: number;
  change: 'attempt-started' | 'paid' | 'declined' | 'cancelled' | 'not-processed' | 'unknown' | 'review' | 'refund-recorded' | 'refund-attempt';
  outTradeNo?: string;
  syssn?: string;
}

/** Events of {@link WooQfpayAdapter}. */
export interface AdapterEvents {
  alert: (event: AlertEvent) => void;
  'order-updated': (event: OrderUpdatedEvent) => void;
  /** A terminal outcome for an order (before it is written to WooCommerce). */
  outcome: (event: { orderId: number; outcome: TransactionOutcome }) => void;
}

/** A small typed wrapper over EventEmitter; listener errors never break the adapter. */
export class TypedEvents {
  readonly #emitter = new EventEmitter();

  on<E extends keyof AdapterEvents>(event: E, listener: AdapterEvents[E]): void {
    this.#emitter.on(event, listener);
  }

  off<E extends keyof AdapterEvents>(event: E, listener: AdapterEvents[E]): void {
    this.#emitter.off(event, listener);
  }

  once<E extends keyof AdapterEvents>(event: E, listener: AdapterEvents[E]): void {
    this.#emitter.once(event, listener);
  }

  emit<E extends keyof AdapterEvents>(event: E, payload: Parameters<AdapterEvents[E]>[0]): void {
    // rawListeners: `once` wrappers remove themselves when called.
    for (const listener of this.#emitter.rawListeners(event)) {
      try {
        (listener as (p: typeof payload) => void)(payload);
      } catch {
        // A listener's bug must not stop a payment from being recorded.
      }
    }
  }
}
