/**
 * zod schemas of core's terminal results (`TransactionOutcome`, `CancelResult`, `QueryResult`)
 * as they travel as JSON from the payment bridge to the browser. Unknown fields are dropped.
 */
import { z } from 'zod';
import type { CancelResult, QueryResult, TransactionOutcome } from '@qfpay-ecr/core/terminal';

const text = z.string().max(2000);
const id = z.string().max(100);
const codes = z.object({ respcd: id.optional(), txnRespcd: id.optional(), message: text.optional() });
const kind = z.enum(['payment', 'refund']);
const minor = z.number().int().nonnegative();
const currency = z.literal('HKD');
const details = {
  syssn: id,
  outTradeNo: id,
  amountMinor: minor,
  currency,
  channelRef: id.optional(),
  payType: id.optional(),
  cardScheme: id.optional(),
  maskedCard: id.optional(),
  sysTime: id.optional(),
  origSyssn: id.optional(),
};

/** `TransactionOutcome`. */
export const TransactionOutcomeSchema = z.discriminatedUnion('status', [
  // ECR Cloud settles approvals from QFPay's signed notification too (`resolvedBy: 'notification'`).
  z.object({ status: z.literal('approved'), kind, codes, resolvedBy: z.enum(['reply', 'query', 'notification']), ...details }),
  z.object({ status: z.literal('declined'), kind, outTradeNo: id, codes, reason: text, resolvedBy: z.enum(['reply', 'query']) }),
  z.object({ status: z.literal('cancelled'), kind, outTradeNo: id, codes, by: z.enum(['customer', 'pos']), resolvedBy: z.enum(['reply', 'query']) }),
  z.object({ status: z.literal('failed'), kind, outTradeNo: id, codes, error: z.object({ code: id, message: text, hint: text }) }),
  z.object({ status: z.literal('unknown'), kind, outTradeNo: id, codes, reason: text }),
]);

/** `CancelResult`. */
export const CancelResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('confirmed'), outTradeNo: id }),
  z.object({ status: z.literal('requested'), outTradeNo: id.optional() }),
  z.object({ status: z.literal('nothing_to_cancel') }),
  z.object({ status: z.literal('too_late'), outcome: TransactionOutcomeSchema }),
]);

/** `QueryResult`. */
export const QueryResultSchema = z.union([
  z.object({ found: z.literal(false), codes }),
  z.object({
    found: z.literal(true),
    state: z.enum(['pending', 'paid', 'failed', 'refunded', 'partially_refunded', 'cancelled']),
    kind,
    refundableMinor: minor.optional(),
    codes,
    syssn: z.string().max(100),
    outTradeNo: id.optional(),
    amountMinor: minor.optional(),
    currency: currency.optional(),
    channelRef: id.optional(),
    payType: id.optional(),
    cardScheme: id.optional(),
    maskedCard: id.optional(),
    sysTime: id.optional(),
    origSyssn: id.optional(),
  }),
]);

/** Drops keys whose value is undefined, so results compare equal to the terminal's own. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Parses an outcome or returns undefined. */
export function parseOutcome(value: unknown): TransactionOutcome | undefined {
  const r = TransactionOutcomeSchema.safeParse(value);
  return r.success ? (compact(r.data) as TransactionOutcome) : undefined;
}

/** Parses a cancel result or returns undefined. */
export function parseCancelResult(value: unknown): CancelResult | undefined {
  const r = CancelResultSchema.safeParse(value);
  return r.success ? (compact(r.data) as CancelResult) : undefined;
}

/** Parses a query result or returns undefined. */
export function parseQueryResult(value: unknown): QueryResult | undefined {
  const r = QueryResultSchema.safeParse(value);
  return r.success ? (compact(r.data) as QueryResult) : undefined;
}
