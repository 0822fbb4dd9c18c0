/** The storefront demo: a cashier page on a (simulated) QFPay terminal. */
export { startDemo, DEFAULT_DATA_DIR, DEFAULT_PORT, DEMO_TERMID, type DemoMode, type DemoOptions, type RunningDemo } from './demo.js';
export { createStorefrontApp, type StorefrontApp, type StorefrontAppOptions } from './app.js';
export { Cashier, CashierError, type CashierOptions, type NotificationSource, type OrderView, type PaymentView, type RefundView, type OrderStatus } from './cashier.js';
export { OrderStore, type OrderRecord, type PaymentRecord, type RefundRecord, type Stage } from './db.js';
export { refundPolicy, hongKongDate, inNoRefundWindow, type RefundPolicy } from './rules.js';
export { SimulatorProxy } from './sim-proxy.js';
export { PRODUCTS, CHANNEL_INFO, SHOP_NAME } from './catalog.js';
export { main } from './cli.js';
