/**
 * Test helpers: a WooCommerce REST fake that behaves like WooCommerce on every point the adapter
 * relies on. Import from `@qfpay-ecr/woo-adapter/testing`.
 */
export { startWooFake, WOO_ORDER_STATUSES, type FakeApiKey, type FakeLineItemInput, type FakeOrderInput, type FakeRequestRecord, type WooFake, type WooFakeOptions, type WooFault } from './woo-fake.js';
