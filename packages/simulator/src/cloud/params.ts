/**
 * The form parameters each ECR Cloud endpoint accepts (QFPay ECR Cloud doc, English and Chinese;
 * ecr-protocol.md §10). Every value arrives as a string. Unknown parameters are ignored (they are
 * still part of the signature); empty values count as absent. A violation is answered 1104.
 */
import { z } from 'zod';
import { CHANNELS, DEFAULT_MAX_AMOUNT_MINOR } from '@qfpay-ecr/core';
import type { CloudOperation } from './replies.js';

/** Paths of the fake OpenAPI. The query answers on both spellings (English doc / Chinese doc). */
export const CLOUD_PATHS: Readonly<Record<string, CloudOperation>> = {
  '/ecr/v1/payment/async': 'payment',
  '/ecr/v1/refund/async': 'refund',
  '/ecr/v1/cancel/async': 'cancel',
  '/ecr/v1/print_receipt/async': 'print_receipt',
  '/ecr/v1/print_summary/async': 'print_summary',
  '/ecr/v1/query': 'query',
  '/ecr/v1/query/async': 'query',
};

/** The LAN func_type each cloud operation stands for (request records carry it). */
export const CLOUD_FUNC_TYPES: Readonly<Record<CloudOperation, number>> = {
  payment: 1001,
  refund: 1002,
  print_receipt: 3001,
  print_summary: 3002,
  query: 4001,
  cancel: 5001,
};

const required = { error: 'is required' } as const;
const reference = z.string(required).max(64, 'is longer than 64 characters');
const cents = z
  .string(required)
  .regex(/^[1-9]\d*$/, 'must be a positive integer number of cents, e.g. 110 for $1.10')
  .refine((s) => s.length <= 12 && Number(s) <= DEFAULT_MAX_AMOUNT_MINOR, `must be at most ${DEFAULT_MAX_AMOUNT_MINOR} cents`)
  .transform(Number);
const flag = z.enum(['0', '1'], { error: 'must be 0 or 1' }).transform(Number);
const seconds = z
  .string()
  .regex(/^[1-9]\d{0,3}$/, 'must be a positive whole number of seconds')
  .transform(Number)
  .refine((n) => n <= 3600, 'must be at most 3600 seconds');

/** Every endpoint: the Device ID, and `mchid` for agents. */
const base = { termid: reference, mchid: reference.optional() };

/** `/ecr/v1/payment/async`: everything but camera_id and payment_timeout is mandatory (scan_type too, unlike LAN ECR). */
export const paymentParamsSchema = z.object({
  ...base,
  txamt: cents,
  channel: z.enum(CHANNELS, { error: `must be one of ${CHANNELS.join(', ')}` }),
  out_trade_no: reference,
  scan_type: z.enum(['QRCODE_PAY', 'SCAN_PAY'], { error: 'is required: QRCODE_PAY or SCAN_PAY' }),
  camera_id: flag.optional(),
  payment_timeout: seconds.optional(),
});

/**
 * `/ecr/v1/refund/async`. `txamt` (cents, a string) defaults to the refundable amount.
 * `out_trade_no` is mandatory only in the Chinese doc: accepted with or without it; when given it
 * becomes the refund's own out_trade_no (absent: `R<syssn>`, as on LAN).
 */
export const refundParamsSchema = z.object({
  ...base,
  syssn: reference,
  txamt: cents.optional(),
  allow_modify_flag: flag.optional(),
  out_trade_no: reference.optional(),
});

/** `/ecr/v1/cancel/async` and `/ecr/v1/print_summary/async`. */
export const termidOnlyParamsSchema = z.object({ ...base });

/** `/ecr/v1/print_receipt/async`. */
export const printReceiptParamsSchema = z.object({ ...base, syssn: reference, out_trade_no: reference });

/** `/ecr/v1/query` and `/ecr/v1/query/async`: syssn or out_trade_no (at least one). */
export const queryParamsSchema = z
  .object({ ...base, syssn: reference.optional(), out_trade_no: reference.optional() })
  .refine((p) => p.syssn !== undefined || p.out_trade_no !== undefined, { message: 'or out_trade_no is required', path: ['syssn'] });

export type PaymentParams = z.infer<typeof paymentParamsSchema>;
export type RefundParams = z.infer<typeof refundParamsSchema>;
export type PrintReceiptParams = z.infer<typeof printReceiptParamsSchema>;
export type QueryParams = z.infer<typeof queryParamsSchema>;

/** Outcome of parsing a form body. */
export type FormParse = { ok: true; params: Record<string, string> } | { ok: false; reason: string };

/**
 * Decodes an `application/x-www-form-urlencoded` body. A parameter given twice is refused: its
 * signed value would be ambiguous.
 */
export function parseForm(body: string): FormParse {
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of new URLSearchParams(body)) {
    if (key === '') return { ok: false, reason: 'a parameter has an empty name' };
    if (Object.prototype.hasOwnProperty.call(params, key)) return { ok: false, reason: `parameter ${key} is given more than once` };
    params[key] = value;
  }
  return { ok: true, params: { ...params } };
}

/** The parameters to validate: empty values count as absent. */
export function presentParams(params: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== ''));
}

/** One readable line from zod issues; names fields, never echoes values. */
export function describeParamIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'parameters'} ${i.message}`).join('; ');
}
