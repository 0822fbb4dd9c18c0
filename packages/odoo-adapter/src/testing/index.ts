/**
 * Test helpers: a faithful double of Odoo's POS payment screen (the three payment-interface
 * generations) to install the adapter into, for your own tests and for the chaos campaign.
 * Import from `@qfpay-ecr/odoo-adapter/testing`. Browser-safe; not part of the Odoo bundle.
 */
export {
  BASES,
  createHarness,
  reloadHarness,
  HarnessOrder,
  HarnessPos,
  HarnessRegistry,
  Line17,
  LineCamel,
  OrderLine,
  PaymentInterface17,
  PaymentInterface18,
  PaymentInterface19,
  PaymentScreen,
  type Alert,
  type Gen,
  type HarnessLine,
  type HarnessOptions,
  type PaymentMethodRecord,
  type SavedLine,
  type SavedOrder,
} from './odoo-harness.js';
