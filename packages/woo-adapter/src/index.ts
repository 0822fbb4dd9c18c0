/**
 * `@qfpay-ecr/woo-adapter`: take a WooCommerce order to paid on a QFPay terminal, and keep
 * WooCommerce and QFPay in agreement. Built only on core's `PaymentTerminal` interface.
 */
export { WooQfpayAdapter, type ListenOptions, type WooQfpayAdapterOptions } from './adapter.js';
export type { PayOrderOptions, PayOrderResult } from './pay.js';
export { assertPayable } from './pay.js';
export type { RefundOrderOptions, RefundOrderResult, RecordRefundResult, RefundFacts } from './refund.js';
export { orderIdFromReference, type NotificationResult } from './notifications.js';
export type { ReconcileChange, ReconcileOptions, ReconcileReport } from './reconcile.js';
export type { AdapterEvents, AlertEvent, OrderUpdatedEvent } from './events.js';
export { PAID_STATUSES, PAYABLE_STATUSES, type PaymentFacts } from './apply.js';
export {
  ATTEMPT_STATUSES,
  isUnresolved,
  META_KEYS,
  readPaymentState,
  readRefundAttempts,
  REFUND_META_KEYS,
  type AttemptRecord,
  type AttemptStatus,
  type PaymentState,
  type RefundAttemptRecord,
} from './meta.js';
export { minorToWooAmount, wooAmountToMinor } from './money.js';
export * from './client/index.js';
export * from './feed/index.js';
export * from './errors.js';
export { PaymentRequestWatcher, REQUEST_META_KEYS, type PaymentRequestWatcherOptions } from './requests.js';
export { CloudEnvSchema, ENV, loadBridgeConfig, ModeEnvSchema, TerminalEnvSchema, WooEnvSchema, type BridgeConfig, type CloudTerminalConfig } from './config.js';
export { createBridge, type Bridge, type BridgeExtras } from './bridge.js';
export { EXIT, runCli, USAGE, type CliDeps, type CliIo } from './cli-main.js';
