/** Validation of the arguments of `pay`, `refund`, `query` and `printReceipt` (zod, then money/). */
import { z } from 'zod';
import { type AmountLimits, assertSupportedCurrency, assertValidAmountMinor, toWireAmount, toWireRefundAmount } from '../money/index.js';
import { REFERENCE_PATTERN } from '../protocol/request-schemas.js';
import { describeIssues } from '../protocol/loose.js';
import { InvalidRequestError } from './errors.js';
import { CHANNELS, type Channel, type Currency, type PayRequest, type QueryRequest, type RefundRequest } from './types.js';

const reference = (field: string) => z.string({ error: `${field} must be a string` }).regex(REFERENCE_PATTERN, { message: `${field} must be 1–64 characters of A-Z a-z 0-9 _ -` });
const signal = z.custom<AbortSignal>((v) => v instanceof AbortSignal, { message: 'signal must be an AbortSignal' }).optional();
const currency = z.string({ error: 'currency must be a string such as "HKD"' }).optional();
/** PayMe accepts at most 120 s (ecr-protocol.md §3.1). */
const PAYME_MAX_TIMEOUT_SEC = 120;

const PayRequestSchema = z
  .object({
    amountMinor: z.number({ error: 'amountMinor must be a number of cents' }),
    currency,
    channel: z.enum(CHANNELS, { error: `channel must be one of ${CHANNELS.join(', ')}` }),
    outTradeNo: reference('outTradeNo').optional(),
    scanType: z.enum(['QRCODE_PAY', 'SCAN_PAY'], { error: 'scanType must be QRCODE_PAY or SCAN_PAY' }).optional(),
    cameraId: z.union([z.literal(0), z.literal(1)], { error: 'cameraId must be 0 (back) or 1 (front)' }).optional(),
    paymentTimeoutSec: z.number().int({ message: 'paymentTimeoutSec must be whole seconds' }).positive({ message: 'paymentTimeoutSec must be greater than zero' }).max(3600).optional(),
    moveToBack: z.boolean({ error: 'moveToBack must be true or false' }).optional(),
    signal,
  })
  .superRefine((r, ctx) => {
    if (r.channel === 'payme' && r.paymentTimeoutSec !== undefined && r.paymentTimeoutSec > PAYME_MAX_TIMEOUT_SEC) {
      ctx.addIssue({ code: 'custom', path: ['paymentTimeoutSec'], message: `PayMe allows at most ${PAYME_MAX_TIMEOUT_SEC} seconds` });
    }
  });

const RefundRequestSchema = z.object({
  syssn: reference('syssn'),
  amountMinor: z.number({ error: 'amountMinor must be a number of cents' }).optional(),
  currency,
  allowModify: z.boolean({ error: 'allowModify must be true or false' }).optional(),
  moveToBack: z.boolean({ error: 'moveToBack must be true or false' }).optional(),
  signal,
});

const QueryRequestSchema = z
  .object({ outTradeNo: reference('outTradeNo').optional(), syssn: reference('syssn').optional(), signal })
  .refine((q) => (q.outTradeNo === undefined) !== (q.syssn === undefined), { message: 'give exactly one of outTradeNo or syssn' });

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InvalidRequestError('REQUEST_INVALID', `invalid ${what}: ${describeIssues(result.error.issues)}`, 'fix the listed fields; nothing was sent to the terminal');
  }
  return result.data;
}

/** A payment ready to send. */
export interface ValidPay {
  amountMinor: number;
  currency: Currency;
  channel: Channel;
  /** Given by the caller, or undefined (a fresh one is made). */
  outTradeNo?: string;
  amt: number;
  scanType?: 'QRCODE_PAY' | 'SCAN_PAY';
  cameraId?: 0 | 1;
  paymentTimeoutSec?: number;
  moveToBack?: boolean;
  signal?: AbortSignal;
}

/** Validates a {@link PayRequest}; throws {@link InvalidRequestError} or `AmountError`. */
export function validatePay(request: PayRequest, limits: AmountLimits): ValidPay {
  const r = parse(PayRequestSchema, request, 'payment request');
  const cur = r.currency ?? 'HKD';
  assertSupportedCurrency(cur);
  assertValidAmountMinor(r.amountMinor, limits, 'amountMinor'); // name the field the caller set
  const amt = toWireAmount(r.amountMinor, cur, limits);
  return { ...r, currency: cur, amt } as ValidPay;
}

/** A refund ready to send. */
export interface ValidRefund {
  syssn: string;
  amountMinor?: number;
  currency: Currency;
  refundAmount?: string;
  allowModify?: boolean;
  moveToBack?: boolean;
  signal?: AbortSignal;
}

/** Validates a {@link RefundRequest}; throws {@link InvalidRequestError} or `AmountError`. */
export function validateRefund(request: RefundRequest, limits: AmountLimits): ValidRefund {
  const r = parse(RefundRequestSchema, request, 'refund request');
  const cur = r.currency ?? 'HKD';
  assertSupportedCurrency(cur);
  if (r.amountMinor !== undefined) assertValidAmountMinor(r.amountMinor, limits, 'amountMinor');
  const refundAmount = r.amountMinor === undefined ? undefined : toWireRefundAmount(r.amountMinor, cur, limits);
  return { ...r, currency: cur, ...(refundAmount !== undefined ? { refundAmount } : {}) } as ValidRefund;
}

/** Validates a {@link QueryRequest}; returns the 4001 lookup key. */
export function validateQuery(request: QueryRequest): { by: { out_trade_no: string } | { orderId: string }; signal?: AbortSignal } {
  const r = parse(QueryRequestSchema, request, 'query request');
  const by = r.outTradeNo !== undefined ? { out_trade_no: r.outTradeNo } : { orderId: r.syssn as string };
  return r.signal ? { by, signal: r.signal } : { by };
}

/** Validates a syssn argument (print receipt). */
export function validateSyssn(syssn: unknown): string {
  return parse(reference('syssn'), syssn, 'syssn');
}
