/**
 * zod schemas for the parts of WooCommerce REST replies (`/wp-json/wc/v3`) the adapter reads.
 * Objects are loose: WooCommerce and plugins add fields, and unknown fields must be ignored.
 * Field references: https://woocommerce.github.io/woocommerce-rest-api-docs/#order-properties,
 * #order-notes, #order-refunds.
 */
import { z } from 'zod';

/** Decimal amounts are strings in WooCommerce; a plugin may send a number — kept exact as text. */
const decimalText = z.union([z.string(), z.number().finite().transform((n) => String(n))]);

/** `meta_data` entry. `value` is whatever was stored: scalars come back as strings after a reload. */
export const MetaEntrySchema = z.looseObject({
  id: z.number().int().optional(),
  key: z.string(),
  value: z.unknown(),
});
export type MetaEntry = z.output<typeof MetaEntrySchema>;

/** Summary of a refund inside an order (`refunds[]`): `total` is negative, e.g. "-5.00". */
export const OrderRefundSummarySchema = z.looseObject({
  id: z.number().int(),
  reason: z.string().nullish().transform((v) => v ?? ''),
  total: decimalText,
});

/** An order, as far as the adapter relies on it. */
export const OrderSchema = z.looseObject({
  id: z.number().int().positive(),
  number: z.union([z.string(), z.number()]).optional(),
  status: z.string().min(1),
  currency: z.string().min(1),
  total: decimalText,
  transaction_id: z.string().nullish().transform((v) => v ?? ''),
  payment_method: z.string().nullish().transform((v) => v ?? ''),
  payment_method_title: z.string().nullish().transform((v) => v ?? ''),
  date_paid: z.string().nullish(),
  date_modified: z.string().nullish(),
  order_key: z.string().optional(),
  meta_data: z.array(MetaEntrySchema).default([]),
  refunds: z.array(OrderRefundSummarySchema).default([]),
  /** Present since WooCommerce 6.x (REST v2/v3); the adapter does not depend on it. */
  needs_payment: z.boolean().optional(),
});
export type WooOrder = z.output<typeof OrderSchema>;

export const OrderListSchema = z.array(OrderSchema);

/** An order note. */
export const NoteSchema = z.looseObject({
  id: z.number().int(),
  note: z.string(),
  customer_note: z.boolean().default(false),
  date_created: z.string().nullish(),
  author: z.string().optional(),
});
export type WooNote = z.output<typeof NoteSchema>;
export const NoteListSchema = z.array(NoteSchema);

/** An order refund. `amount` is a positive decimal string. */
export const RefundSchema = z.looseObject({
  id: z.number().int(),
  amount: decimalText,
  reason: z.string().nullish().transform((v) => v ?? ''),
  refunded_payment: z.boolean().optional(),
  date_created: z.string().nullish(),
  meta_data: z.array(MetaEntrySchema).default([]),
});
export type WooRefund = z.output<typeof RefundSchema>;
export const RefundListSchema = z.array(RefundSchema);

/** WooCommerce / WordPress REST error body: `{code, message, data:{status, params?}}`. */
export const ErrorBodySchema = z.looseObject({
  code: z.string(),
  message: z.string().default(''),
  data: z
    .looseObject({
      status: z.number().int().optional(),
      params: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
    })
    .nullish(),
});
export type WooErrorBody = z.output<typeof ErrorBodySchema>;
