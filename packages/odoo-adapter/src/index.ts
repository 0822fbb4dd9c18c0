/**
 * @qfpay-ecr/odoo-adapter — a QFPay payment method for the Odoo POS (17, 18 and 19) built on
 * core's `PaymentTerminal` interface. Everything here is browser-safe; the bundle
 * `dist/odoo-pos.js` carries it into Odoo.
 */
export { installQfpay, createQfpayInterface, detectGeneration, type OdooBaseClass, type OdooRegistry, type QfpayInterfaceClass } from './odoo/install.js';
export { PaymentMethodFieldsSchema, parseMethodFields, type MethodContext, type PaymentMethodFields, type QfpayInstallOptions } from './odoo/options.js';
export { InterfaceCore, defaultTerminal, type GenerationShim } from './odoo/interface-core.js';
export { odoo17Shim, defineOdoo17Interface } from './odoo/odoo17.js';
export { odoo18Shim, defineOdoo18Interface } from './odoo/odoo18.js';
export { odoo19Shim, defineOdoo19Interface } from './odoo/odoo19.js';
export { lineHandle, toDate, type Generation, type LineSpelling, type OdooRecord } from './odoo/objects.js';

export { QfpayPaymentFlow, type FlowOptions, type IntakeOutcome, type PaymentMethodInfo, type TransactionLookup } from './lifecycle/flow.js';
export { LINE_STATUSES, OPEN_STATUSES, SILENT_LOGGER, type AdapterLogger, type ApprovalDetails, type CashierUi, type LineStatus, type OriginalPayment, type PaymentLineHandle } from './lifecycle/types.js';
export { checkRefund, hongKongDay, hongKongHour, syssnTime, withinRefundWindow, HKT_OFFSET_MS, REFUND_CUTOFF_HOUR_HKT, type RefundCheckInput, type RefundRefusal, type RefundVerdict } from './lifecycle/refund-rules.js';
export { AttemptStore, AttemptRecordSchema, attemptStorageKey, memoryStorage, type AttemptRecord, type AttemptStoreOptions, type KeyValueStorage } from './lifecycle/resume-store.js';
export { normaliseNotification, type IntakeNotification, type IntakeResult, type NotificationSource } from './lifecycle/notifications.js';
export { RESOLVE_DEFAULTS, type ResolveSettings } from './lifecycle/polling.js';
export { DIALOG_TITLE, MESSAGES } from './lifecycle/messages.js';

export { RemoteTerminal, BridgeJobSchema, type BridgeJob, type RemoteTerminalOptions } from './transport/remote-terminal.js';
export { DirectTerminal, decodePlainReply, type DirectTerminalOptions } from './transport/direct-terminal.js';
export { bridgeSigner, odooRpcSigner, type BridgeSignerOptions, type RequestSigner, type RpcCall } from './transport/signer.js';
export { httpTransactionLookup, subscribeEvents, SseParser, type SseMessage, type SubscribeEventsOptions, type TransactionLookupOptions } from './transport/events.js';
export { TransactionOutcomeSchema, CancelResultSchema, QueryResultSchema } from './transport/outcome-schemas.js';
export type { FetchLike, TokenSource } from './transport/http.js';
export { TerminalEmitter } from './transport/emitter.js';

export { lineAmountToMinor, channelLabel, displayMinor } from './amounts.js';
export { AdapterConfigError, BridgeError, LineNeedsAttentionError, SignerError } from './errors.js';
