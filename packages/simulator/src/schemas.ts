/**
 * What the simulated terminal accepts in each request's content. Unknown keys are ignored (as the
 * Haojin app ignores them); documented keys must have the documented wire types. A violation is
 * answered 4006.
 */
import { z } from 'zod';
import { CHANNELS, DEFAULT_MAX_AMOUNT_MINOR, fromWireMajor } from '@qfpay-ecr/core';

/** Paths of the ECR API and the func_type each one requires. */
export const ECR_PATHS: Readonly<Record<string, number>> = {
  '/api/pos/trade': 1001,
  '/api/pos/cancel': 1002,
  '/api/pos/print_receipt': 3001,
  '/api/pos/transaction_info': 3002,
  '/api/pos/query_transaction': 4001,
  '/api/pos/cancel_request': 5001,
};

/** Dollars (number or string) → cents, or undefined when not a positive amount with ≤ 2 decimals. */
export function centsOf(value: number | string): number | undefined {
  try {
    const minor = fromWireMajor(value);
    return minor > 0 && minor <= DEFAULT_MAX_AMOUNT_MINOR ? minor : undefined;
  } catch {
    return undefined;
  }
}

const flag = z.union([z.literal(0), z.literal(1)]);
const seconds = z.number().int().positive().max(3600);
const reference = z.string().min(1).max(64);

/** 1001 payment. */
export const tradeSchema = z.looseObject({
  func_type: z.literal(1001),
  amt: z.number().refine((n) => centsOf(n) !== undefined, 'amt must be a positive amount in dollars with at most 2 decimals'),
  channel: z.enum(CHANNELS),
  out_trade_no: reference.optional(),
  camera_id: flag.optional(),
  payment_timeout: seconds.optional(),
  wait_card_timeout: seconds.optional(),
  scan_type: z.enum(['QRCODE_PAY', 'SCAN_PAY']).optional(),
  moveToBack: flag.optional(),
});

/** 1002 refund (`orderId` = the payment's syssn, or its out_trade_no as older docs say). */
export const refundSchema = z.looseObject({
  func_type: z.literal(1002),
  orderId: reference,
  refund_amount: z
    .string()
    .refine((s) => centsOf(s) !== undefined, 'refund_amount must be a positive decimal string in dollars with at most 2 decimals')
    .optional(),
  allow_modify_flag: flag.optional(),
  moveToBack: flag.optional(),
});

/** 3001 print receipt. */
export const printReceiptSchema = z.looseObject({ func_type: z.literal(3001), orderId: reference });

/** 3002 print summary. */
export const printSummarySchema = z.looseObject({ func_type: z.literal(3002) });

/** 4001 inquiry, by `orderId` (syssn, or out_trade_no) or `out_trade_no`. */
export const querySchema = z
  .looseObject({ func_type: z.literal(4001), orderId: reference.optional(), out_trade_no: reference.optional() })
  .refine((c) => c.orderId !== undefined || c.out_trade_no !== undefined, 'orderId or out_trade_no is required');

/** 5001 cancel the open request. */
export const cancelRequestSchema = z.looseObject({ func_type: z.literal(5001) });

export type TradeContent = z.infer<typeof tradeSchema>;
export type RefundContent = z.infer<typeof refundSchema>;
export type PrintReceiptContent = z.infer<typeof printReceiptSchema>;
export type QueryContent = z.infer<typeof querySchema>;

/** The schema for a func_type. */
export const SCHEMAS = {
  1001: tradeSchema,
  1002: refundSchema,
  3001: printReceiptSchema,
  3002: printSummarySchema,
  4001: querySchema,
  5001: cancelRequestSchema,
} as const;
