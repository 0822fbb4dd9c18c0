/**
 * Typed errors of the WooCommerce adapter. Every message says what to fix; none ever contains the
 * consumer key/secret, the POS-KEY or a bearer token (the client scrubs them from anything it
 * quotes back from WooCommerce).
 */
import { QfpayEcrError } from '@qfpay-ecr/core';

/** Facts about a failed WooCommerce REST call (no credentials, no query string). */
export interface WooCallInfo {
  /** HTTP method. */
  method: string;
  /** Path below `/wp-json/wc/v3`, without query string, e.g. `/orders/42`. */
  path: string;
  /** HTTP status, when a reply was received. */
  status?: number;
  /** WooCommerce's error `code`, e.g. `woocommerce_rest_shop_order_invalid_id`. */
  wooCode?: string;
}

/** Base class of errors about talking to WooCommerce. */
export class WooError extends QfpayEcrError {
  /** The call that failed. */
  readonly call: WooCallInfo;

  constructor(code: string, message: string, hint: string, call: WooCallInfo, options?: { cause?: unknown }) {
    super(code, message, hint, options);
    this.call = call;
  }
}

/** 401/403: WooCommerce refused the API key. */
export class WooAuthError extends WooError {}

/** 404: the order (or route) does not exist. */
export class WooNotFoundError extends WooError {}

/** 400 (and other 4xx): WooCommerce rejected what we sent; `params` names the rejected fields. */
export class WooRequestError extends WooError {
  /** Names of the parameters WooCommerce rejected, when it said. */
  readonly params: readonly string[];

  constructor(code: string, message: string, hint: string, call: WooCallInfo, params: readonly string[] = [], options?: { cause?: unknown }) {
    super(code, message, hint, call, options);
    this.params = params;
  }
}

/**
 * WooCommerce could not be reached or failed (connection refused, timeout, 5xx). Reads are
 * retried before this is thrown. A write that fails this way may or may not have happened.
 */
export class WooUnavailableError extends WooError {}

/** The reply did not have the shape WooCommerce documents (wrong URL, a proxy page, a plugin…). */
export class WooResponseError extends WooError {}

/** Configuration of the client, adapter, feed or CLI is unusable. */
export class WooConfigError extends QfpayEcrError {}

/** The order cannot be charged now (status, currency, total, already paid…). Nothing was sent to the terminal. */
export class OrderNotPayableError extends QfpayEcrError {
  readonly orderId: number;

  constructor(code: string, orderId: number, message: string, hint: string) {
    super(code, message, hint);
    this.orderId = orderId;
  }
}

/**
 * An earlier attempt for this order may still have taken money and could not be resolved by
 * querying the terminal. No new charge is started until it is.
 */
export class UnresolvedAttemptError extends QfpayEcrError {
  readonly orderId: number;
  readonly outTradeNo: string;

  constructor(orderId: number, outTradeNo: string, detail: string) {
    super(
      'WOO_ATTEMPT_UNRESOLVED',
      `order ${orderId} has an unresolved payment attempt ${outTradeNo} (${detail}); no new charge was started`,
      'finish or cancel it on the terminal, then run `qfpay-woo reconcile` (or wait for the payment notification) and try again',
    );
    this.orderId = orderId;
    this.outTradeNo = outTradeNo;
  }
}

/** Another payment or refund for the same order is running in this process. */
export class OrderBusyError extends QfpayEcrError {
  readonly orderId: number;

  constructor(orderId: number, what: string) {
    super('WOO_ORDER_BUSY', `order ${orderId} already has a ${what} in progress in this bridge`, 'wait for it to finish (or cancel it on the terminal) before starting another');
    this.orderId = orderId;
  }
}

/** A refund request breaks a rule (amount, currency, card same-day full refund, no QFPay payment…). Nothing was sent. */
export class RefundNotAllowedError extends QfpayEcrError {
  readonly orderId: number;

  constructor(code: string, orderId: number, message: string, hint: string) {
    super(code, message, hint);
    this.orderId = orderId;
  }
}

/** Errors of the SSE notification feed (bad token, stream not reachable, not an event stream). */
export class FeedError extends QfpayEcrError {}
