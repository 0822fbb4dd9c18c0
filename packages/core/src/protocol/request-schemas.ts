/**
 * zod schemas of the REQUEST `content` for every func_type (ecr-protocol.md §3), and the HTTP
 * path each func_type is posted to. Strict objects: a key the terminal does not know changes the
 * digest and is almost always a typo, so it is refused here rather than sent.
 */
import { z } from 'zod';
import { WireFormatError } from '../errors.js';
import { CHANNELS } from '../terminal/types.js';
import { OUT_TRADE_NO_PATTERN } from '../reference/out-trade-no.js';
import { describeIssues } from './loose.js';

/** Merchant references and order ids: the wire notation has no escaping, so only `[A-Za-z0-9_-]{1,64}`. */
export const REFERENCE_PATTERN: RegExp = OUT_TRADE_NO_PATTERN;

const reference = (field: string) =>
  z.string().regex(REFERENCE_PATTERN, { message: `${field} must be 1–64 characters of A-Z a-z 0-9 _ -` });

const flag = (field: string) =>
  z.union([z.literal(0), z.literal(1)], { error: `${field} must be the integer 0 or 1` });

const seconds = (field: string) =>
  z.number({ error: `${field} must be a number of seconds` }).int({ message: `${field} must be a whole number of seconds` }).positive({ message: `${field} must be greater than zero` });

// Dollars with at most two decimals, as money/toWireAmount produces them ("12.5", "0.3", "100").
const MAJOR_NUMBER = /^\d+(\.\d{1,2})?$/;

/** 1001 payment, `POST /api/pos/trade`. `amt` is in major units (dollars), not cents. */
export const TradeRequestContentSchema = z.strictObject({
  func_type: z.literal(1001),
  amt: z
    .number({ error: 'amt must be a number of dollars' })
    .positive({ message: 'amt must be greater than zero' })
    .refine((n) => MAJOR_NUMBER.test(String(n)), { message: 'amt must be dollars with at most 2 decimals (use money/toWireAmount)' }),
  channel: z.enum(CHANNELS, { error: `channel must be one of ${CHANNELS.join(', ')}` }),
  out_trade_no: reference('out_trade_no').optional(),
  camera_id: flag('camera_id').optional(),
  payment_timeout: seconds('payment_timeout').optional(),
  wait_card_timeout: seconds('wait_card_timeout').optional(),
  scan_type: z.enum(['QRCODE_PAY', 'SCAN_PAY'], { error: 'scan_type must be QRCODE_PAY or SCAN_PAY' }).optional(),
  moveToBack: flag('moveToBack').optional(),
});

/** 1002 refund, `POST /api/pos/cancel`. `refund_amount` is a dollar string ("12.50"); absent = everything refundable. */
export const RefundRequestContentSchema = z.strictObject({
  func_type: z.literal(1002),
  orderId: reference('orderId'),
  refund_amount: z
    .string()
    .regex(/^\d+(\.\d{1,2})?$/, { message: 'refund_amount must be a dollar string like "12.50" (use money/toWireRefundAmount)' })
    .refine((s) => /[1-9]/.test(s), { message: 'refund_amount must be greater than zero' })
    .optional(),
  allow_modify_flag: flag('allow_modify_flag').optional(),
  moveToBack: flag('moveToBack').optional(),
});

/** 3001 print receipt, `POST /api/pos/print_receipt`. */
export const PrintReceiptRequestContentSchema = z.strictObject({
  func_type: z.literal(3001),
  orderId: reference('orderId'),
});

/** 3002 print transaction summary, `POST /api/pos/transaction_info`. */
export const PrintSummaryRequestContentSchema = z.strictObject({
  func_type: z.literal(3002),
});

/** 4001 transaction inquiry, `POST /api/pos/query_transaction`: by `orderId` (syssn) or `out_trade_no`, exactly one. */
export const QueryRequestContentSchema = z
  .strictObject({
    func_type: z.literal(4001),
    orderId: reference('orderId').optional(),
    out_trade_no: reference('out_trade_no').optional(),
  })
  .superRefine((value, ctx) => {
    if ((value.orderId === undefined) === (value.out_trade_no === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a 4001 query needs exactly one of orderId (syssn) or out_trade_no', path: [] });
    }
  });

/** 5001 cancel the open trade/refund, `POST /api/pos/cancel_request`. */
export const CancelRequestContentSchema = z.strictObject({
  func_type: z.literal(5001),
});

/** Any request content, told apart by `func_type` (an integer on the wire, never a string). */
export const EcrRequestContentSchema = z.discriminatedUnion('func_type', [
  TradeRequestContentSchema,
  RefundRequestContentSchema,
  PrintReceiptRequestContentSchema,
  PrintSummaryRequestContentSchema,
  QueryRequestContentSchema,
  CancelRequestContentSchema,
]);

export type TradeRequestContent = z.infer<typeof TradeRequestContentSchema>;
export type RefundRequestContent = z.infer<typeof RefundRequestContentSchema>;
export type PrintReceiptRequestContent = z.infer<typeof PrintReceiptRequestContentSchema>;
export type PrintSummaryRequestContent = z.infer<typeof PrintSummaryRequestContentSchema>;
export type QueryRequestContent = z.infer<typeof QueryRequestContentSchema>;
export type CancelRequestContent = z.infer<typeof CancelRequestContentSchema>;
export type EcrRequestContent = z.infer<typeof EcrRequestContentSchema>;

/** The six ECR instruction codes. */
export const FUNC_TYPES = [1001, 1002, 3001, 3002, 4001, 5001] as const;
export type EcrFuncType = (typeof FUNC_TYPES)[number];

/** HTTP path (under `https://<ip>:9001`) each func_type is posted to. 1002 goes to `cancel`: it means refund. */
export const ECR_PATHS = {
  1001: '/api/pos/trade',
  1002: '/api/pos/cancel',
  3001: '/api/pos/print_receipt',
  3002: '/api/pos/transaction_info',
  4001: '/api/pos/query_transaction',
  5001: '/api/pos/cancel_request',
} as const satisfies Readonly<Record<EcrFuncType, string>>;
export type EcrPath = (typeof ECR_PATHS)[EcrFuncType];

/** Whether `value` is one of the six func_types. */
export function isEcrFuncType(value: unknown): value is EcrFuncType {
  return typeof value === 'number' && (FUNC_TYPES as readonly number[]).includes(value);
}

/**
 * Validates request content before it is sent (or, in the simulator, after it is received).
 * Throws {@link WireFormatError} `WIRE_BAD_REQUEST` naming every offending field.
 */
export function parseRequestContent(content: unknown): EcrRequestContent {
  const result = EcrRequestContentSchema.safeParse(content);
  if (!result.success) {
    throw new WireFormatError('WIRE_BAD_REQUEST', `request content is invalid: ${describeIssues(result.error.issues)}`, 'build requests with the documented fields and types (func_type and flags as integers, amounts via money/)');
  }
  return result.data;
}
