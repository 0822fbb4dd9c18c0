/**
 * Tolerant zod schemas for the `data` of terminal replies (ecr-protocol.md §5.3–§5.5).
 *
 * The docs give names but rarely types, so every field accepts a string or a number, `""` and
 * `null` read as absent, unknown fields are kept, and only `respcd` (the transaction status every
 * decision hangs on) is required. Each schema adds normalised fields next to the raw ones:
 *
 * - **1001 trade / 1002 refund:** `txamt` (and 1002's `originTxamt`) are in **major units**
 *   (dollars, like the request's `amt`), number or string (`12.5`, `"12.50"`). `amountMinor`
 *   (and `originAmountMinor`) give them in integer cents.
 * - **4001 query:** `txamt` and `allow_refund_amt` are **integer cents** (number or string, e.g.
 *   `511` = HK$5.11), following the cloud query sample; `amountMinor` / `refundableMinor` carry
 *   them. A decimal there is refused, never reinterpreted.
 *
 * `currency` is `txcurrcd` in ISO letters (`"344"` → `"HKD"`). Card-number fields are masked
 * if a full PAN ever arrives.
 */
import { z } from 'zod';
import { DecodeError, QfpayEcrError } from '../errors.js';
import { fromWireMajor, fromWireMinor } from '../money/index.js';
import { codeText, describeIssues, looseAmount, looseId, looseInt, looseText, normaliseCurrency } from './loose.js';
import { maskCardFields } from './pan.js';
import { isEcrFuncType, type EcrFuncType } from './request-schemas.js';

/** Fields every reply `data` may carry: the transaction status and its message in both spellings. */
const replyBase = {
  respcd: codeText,
  resmsg: looseText,
  reserr: looseText,
  respmsg: looseText,
  resperr: looseText,
  txcurrcd: looseText,
  sysdtm: looseText,
  paydtm: looseText,
  syssn: looseId,
  out_trade_no: looseId,
  chnlsn: looseText,
  cardscheme: looseText,
  busicd: looseText,
  clisn: looseText,
};

type AmountUnit = 'major' | 'minor';

/** Converts one wire amount, reporting a zod issue (not an AmountError) when it is malformed. */
function toMinor(value: number | string | undefined, unit: AmountUnit, field: string, ctx: z.RefinementCtx): number | undefined {
  if (value === undefined) return undefined;
  try {
    return unit === 'major' ? fromWireMajor(value) : fromWireMinor(value);
  } catch (error) {
    if (!(error instanceof QfpayEcrError)) throw error;
    const expected = unit === 'major' ? 'a dollar amount with at most 2 decimals' : 'a whole number of cents';
    ctx.addIssue({ code: 'custom', path: [field], message: `${field} must be ${expected}` });
    return undefined;
  }
}

function currencyOf(txcurrcd: string | undefined): string | undefined {
  return txcurrcd === undefined ? undefined : normaliseCurrency(txcurrcd);
}

/** `data` of a 1001 trade reply. `txamt` is in dollars; `amountMinor` is the same in cents. */
export const TradeReplyDataSchema = z
  .looseObject({
    ...replyBase,
    txamt: looseAmount,
    mchntnm: looseText,
    userid: looseText,
    udid: looseText,
  })
  .transform((data, ctx) => ({
    ...maskCardFields(data),
    amountMinor: toMinor(data.txamt, 'major', 'txamt', ctx),
    currency: currencyOf(data.txcurrcd),
  }));

/** `data` of a 1002 refund reply. `txamt` (refunded) and `originTxamt` (original) are in dollars. */
export const RefundReplyDataSchema = z
  .looseObject({
    ...replyBase,
    txamt: looseAmount,
    originTxamt: looseAmount,
    txdtm: looseText,
    orig_syssn: looseId,
  })
  .transform((data, ctx) => ({
    ...maskCardFields(data),
    amountMinor: toMinor(data.txamt, 'major', 'txamt', ctx),
    originAmountMinor: toMinor(data.originTxamt, 'major', 'originTxamt', ctx),
    currency: currencyOf(data.txcurrcd),
  }));

/**
 * `data` of a 4001 query reply. `txamt` and `allow_refund_amt` are integer cents; `cancel` is
 * QFPay's 0–5 reversal/refund flag (§5.7); `tradetp` is `payment` or `refund`.
 */
export const QueryReplyDataSchema = z
  .looseObject({
    ...replyBase,
    txamt: looseAmount,
    allow_refund_amt: looseAmount,
    cancel: looseInt,
    tradetp: looseText,
    origssn: looseId,
    server_time: looseText,
    opuid: looseText,
    opuser: looseText,
    nickname: looseText,
    customer_source: looseText,
    desc: looseText,
    origbusicd: looseText,
    cardno: looseText,
    cardtype: looseText,
    batchno: looseText,
    refno: looseText,
  })
  .transform((data, ctx) => ({
    ...maskCardFields(data),
    amountMinor: toMinor(data.txamt, 'minor', 'txamt', ctx),
    refundableMinor: toMinor(data.allow_refund_amt, 'minor', 'allow_refund_amt', ctx),
    currency: currencyOf(data.txcurrcd),
  }));

/** Replies to 3001/3002/5001 carry no documented data; whatever comes is kept as is. */
export const OtherReplyDataSchema = z.record(z.string(), z.unknown());

export type TradeReplyData = z.output<typeof TradeReplyDataSchema>;
export type RefundReplyData = z.output<typeof RefundReplyDataSchema>;
export type QueryReplyData = z.output<typeof QueryReplyDataSchema>;
export type OtherReplyData = z.output<typeof OtherReplyDataSchema>;

/** The parsed `data` type for each func_type. */
export interface ReplyDataByFuncType {
  1001: TradeReplyData;
  1002: RefundReplyData;
  3001: OtherReplyData;
  3002: OtherReplyData;
  4001: QueryReplyData;
  5001: OtherReplyData;
}

const REPLY_SCHEMAS: { readonly [F in EcrFuncType]: z.ZodType<ReplyDataByFuncType[F]> } = {
  1001: TradeReplyDataSchema,
  1002: RefundReplyDataSchema,
  3001: OtherReplyDataSchema,
  3002: OtherReplyDataSchema,
  4001: QueryReplyDataSchema,
  5001: OtherReplyDataSchema,
};

/**
 * Parses the `data` of a reply (as returned by `decodeResponseBody`) for the func_type that was
 * sent. Throws {@link DecodeError} `DECODE_REPLY_DATA` naming the fields that do not fit (never
 * their values); a missing `data` is the caller's case to handle before calling this.
 */
export function parseReplyData<F extends EcrFuncType>(funcType: F, data: unknown): ReplyDataByFuncType[F] {
  if (!isEcrFuncType(funcType)) {
    throw new DecodeError('DECODE_REPLY_DATA', `func_type ${String(funcType)} is not an ECR instruction`, 'use one of 1001, 1002, 3001, 3002, 4001, 5001');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new DecodeError('DECODE_REPLY_DATA', `reply data for func_type ${funcType} is missing or not an object`, 'check for a null data before parsing; query the transaction if the outcome matters');
  }
  const schema = REPLY_SCHEMAS[funcType];
  const result = schema.safeParse(data);
  if (!result.success) {
    throw new DecodeError('DECODE_REPLY_DATA', `reply data for func_type ${funcType} does not fit: ${describeIssues(result.error.issues)}`, 'check the terminal firmware version; query the transaction before acting on this reply');
  }
  return result.data;
}
