/** WooCommerce REST client and the schemas of what it reads. */
export { WooClient, WooClientOptionsSchema, type CallOptions, type ListOrdersQuery, type NewRefund, type OrderPage, type OrderUpdate, type WooClientOptions, type WooLogger } from './woo-client.js';
export { MetaEntrySchema, NoteSchema, OrderSchema, RefundSchema, type MetaEntry, type WooNote, type WooOrder, type WooRefund } from './schemas.js';
