/**
 * Browser entry, bundled to `dist/odoo-pos.js`: one ES module with no imports at all (no bare
 * specifiers, no Node built-ins), for Odoo's asset bundle.
 *
 * ```js
 * import { installQfpay } from "./odoo-pos.js";
 * installQfpay(PaymentInterface, registry, { AlertDialog });   // Odoo 18/19
 * installQfpay(PaymentInterface, register_payment_method, { ErrorPopup }); // Odoo 17
 * ```
 */
export { installQfpay, createQfpayInterface, detectGeneration, type OdooBaseClass, type OdooRegistry, type QfpayInterfaceClass } from '../odoo/install.js';
export type { MethodContext, PaymentMethodFields, QfpayInstallOptions } from '../odoo/options.js';
export { QfpayPaymentFlow, type FlowOptions, type IntakeOutcome, type PaymentMethodInfo, type TransactionLookup } from '../lifecycle/flow.js';
export { RemoteTerminal, type RemoteTerminalOptions } from '../transport/remote-terminal.js';
export { DirectTerminal, type DirectTerminalOptions } from '../transport/direct-terminal.js';
export { bridgeSigner, odooRpcSigner, type RequestSigner } from '../transport/signer.js';
export { httpTransactionLookup, subscribeEvents } from '../transport/events.js';
export { memoryStorage, type KeyValueStorage } from '../lifecycle/resume-store.js';

/** Version of the bundle (matches the package version). */
export const QFPAY_ODOO_BUNDLE_VERSION = '0.1.0';
