/**
 * What a query of QFPay's book, or a notification, says about the transaction the cloud terminal
 * is waiting for: a final outcome, or a reason to keep waiting. Cloud results only arrive this way
 * (pushes are answered "pushed", never with the result). Rules:
 * - `0000` with `cancel` 0/3/4/5 = paid; `cancel` 1/2 = reversed/cancelled;
 * - pending codes (1143/1145/1295/1296/1298), "not found" (1136/1268) and codes this version
 *   does not know = keep waiting (money may still move);
 * - order cancelled/closed/expired (1263/1264/1142/1181) = cancelled; other failures = declined;
 * - an amount or currency other than the request's is never approved (unknown for a query, ignored
 *   for a notification).
 */
import { classifyTransactionCode, isPendingTransactionCode } from '../protocol/codes.js';
import type { QueryReplyData } from '../protocol/reply-schemas.js';
import type { NormalizedNotification } from '../notify/types.js';
import { amountMismatch } from '../terminal/interpret.js';
import type { ValidPay, ValidRefund } from '../terminal/requests.js';
import { approvedFromRecord, compact, describeTxn, KeepPolling, paidState, type Probe } from '../terminal/support.js';
import type { OutcomeCodes, TransactionOutcome } from '../terminal/types.js';

/** Transaction codes that mean the order ended without payment because it was cancelled, closed or expired. */
export const CLOUD_CANCELLED_CODES: ReadonlySet<string> = new Set(['1263', '1264', '1142', '1181']);

/** Who a cancellation is attributed to. */
export type CancelledBy = 'customer' | 'pos';

/** A final outcome, or why not yet; `'not_found'` when QFPay's book has no such transaction (yet). */
export type Verdict = TransactionOutcome | KeepPolling | 'not_found';

/** Judges the transaction status of a found, non-approved transaction. */
function unpaid(kind: 'payment' | 'refund', outTradeNo: string, data: QueryReplyData, codes: OutcomeCodes, by: CancelledBy): TransactionOutcome | KeepPolling {
  const txn = data.respcd;
  if (isPendingTransactionCode(txn)) return new KeepPolling(`pending: ${describeTxn(txn)}`);
  if (CLOUD_CANCELLED_CODES.has(txn)) return { status: 'cancelled', kind, outTradeNo, codes, by, resolvedBy: 'query' };
  if (classifyTransactionCode(txn).kind === 'failed') return { status: 'declined', kind, outTradeNo, codes, reason: describeTxn(txn, data.resperr || data.respmsg), resolvedBy: 'query' };
  return new KeepPolling(`unrecognised transaction code ${txn}`);
}

/** Judges a query (by out_trade_no) of our payment. */
export function judgePaymentProbe(probe: Probe, p: ValidPay, outTradeNo: string, by: CancelledBy, warn: (obj: Record<string, unknown>, msg: string) => void): Verdict {
  if (probe.kind === 'error') return new KeepPolling(`query failed: ${probe.reason}`);
  if (probe.kind === 'not_found') return 'not_found';
  const { data, codes } = probe;
  if (data.out_trade_no !== undefined && data.out_trade_no !== outTradeNo) return new KeepPolling(`query answered for another out_trade_no (${data.out_trade_no})`);
  if (data.tradetp !== undefined && data.tradetp !== 'payment') return new KeepPolling(`query answered a ${data.tradetp}, not a payment`);
  if (data.respcd !== '0000') return unpaid('payment', outTradeNo, data, codes, by);
  if (paidState(data.cancel) === 'cancelled') return { status: 'cancelled', kind: 'payment', outTradeNo, codes, by, resolvedBy: 'query' };
  if (data.amountMinor === undefined) return new KeepPolling('QFPay reported the payment without an amount');
  const mismatch = amountMismatch(p.amountMinor, p.currency, data.amountMinor, data.currency);
  if (mismatch) {
    warn({ outTradeNo, syssn: data.syssn, requestedMinor: p.amountMinor, reportedMinor: data.amountMinor, currency: data.currency }, 'QFPay reports a different amount for this payment');
    return { status: 'unknown', kind: 'payment', outTradeNo, codes, reason: `amount mismatch: ${mismatch}; check syssn ${data.syssn ?? '?'} before doing anything (refund or accept it), never re-send` };
  }
  if (!data.syssn) return new KeepPolling('QFPay reported the payment without a syssn');
  return approvedFromRecord({ kind: 'payment', codes, resolvedBy: 'query', syssn: data.syssn, outTradeNo, amountMinor: data.amountMinor, currency: p.currency, maskedCard: data.cardno }, data);
}

/** The original payment as read before the refund was pushed. */
export interface RefundBaseline {
  refundableMinor: number | undefined;
  cancel: number;
}

/** The refund being waited for. */
export interface RefundAsk {
  r: ValidRefund;
  /** Our out_trade_no of the refund (sent with the push). */
  refundRef: string;
  baseline: RefundBaseline | undefined;
}

/** Why a refunded amount is not the one asked for; undefined when it fits. */
function refundAmountProblem(ask: RefundAsk, amountMinor: number): string | undefined {
  const { r, baseline } = ask;
  if (r.allowModify) {
    // The operator may change the amount on the terminal, but never above what was refundable.
    return baseline?.refundableMinor !== undefined && amountMinor > baseline.refundableMinor ? `refunded ${amountMinor} minor units, more than the ${baseline.refundableMinor} that were refundable` : undefined;
  }
  const expected = r.amountMinor ?? baseline?.refundableMinor;
  if (expected !== undefined && amountMinor !== expected) return `requested ${expected} minor units${r.amountMinor === undefined ? ' (the whole refundable amount)' : ''}, QFPay reported ${amountMinor}`;
  return undefined;
}

/** Judges a query of the refund by its own out_trade_no. */
export function judgeRefundProbe(probe: Probe, ask: RefundAsk, by: CancelledBy, warn: (obj: Record<string, unknown>, msg: string) => void): Verdict {
  if (probe.kind === 'error') return new KeepPolling(`query failed: ${probe.reason}`);
  if (probe.kind === 'not_found') return 'not_found';
  const { data, codes } = probe;
  const ref = ask.refundRef;
  if (data.out_trade_no !== undefined && data.out_trade_no !== ref) return new KeepPolling(`query answered for another out_trade_no (${data.out_trade_no})`);
  if (data.tradetp !== undefined && data.tradetp !== 'refund') return new KeepPolling(`query answered a ${data.tradetp}, not a refund`);
  if (data.origssn !== undefined && data.origssn !== ask.r.syssn) return new KeepPolling(`query answered a refund of another payment (${data.origssn})`);
  if (data.respcd !== '0000') return unpaid('refund', ref, data, codes, by);
  if (data.amountMinor === undefined) return new KeepPolling('QFPay reported the refund without an amount');
  const problem = refundAmountProblem(ask, data.amountMinor);
  if (problem) {
    warn({ outTradeNo: ref, syssn: data.syssn, origSyssn: ask.r.syssn, reportedMinor: data.amountMinor }, 'QFPay reports a different refund amount');
    return { status: 'unknown', kind: 'refund', outTradeNo: ref, codes, reason: `amount mismatch: ${problem}; check payment ${ask.r.syssn} before doing anything` };
  }
  if (data.currency !== undefined && data.currency !== ask.r.currency) return { status: 'unknown', kind: 'refund', outTradeNo: ref, codes, reason: `currency mismatch: requested ${ask.r.currency}, QFPay reported ${data.currency}; check payment ${ask.r.syssn}` };
  return approvedFromRecord({ kind: 'refund', codes, resolvedBy: 'query', syssn: data.syssn ?? '', outTradeNo: ref, amountMinor: data.amountMinor, currency: ask.r.currency, origSyssn: ask.r.syssn }, data);
}

/**
 * Judges a query of the ORIGINAL payment while the refund's own reference is not (yet) in
 * QFPay's book: a lower refundable amount, or a cancel flag that changed, means the refund
 * happened (its own syssn is then unknown here: the notification or a later query gives it).
 * Assumption: nothing else refunds this payment meanwhile (another till would look the same).
 */
export function judgeRefundByOriginal(probe: Probe, ask: RefundAsk, warn: (obj: Record<string, unknown>, msg: string) => void): TransactionOutcome | KeepPolling {
  const base = ask.baseline;
  if (probe.kind !== 'found') return new KeepPolling(probe.kind === 'error' ? `query of the original failed: ${probe.reason}` : 'the refund is not in QFPay\'s book yet');
  if (!base) return new KeepPolling('the refund is not in QFPay\'s book yet');
  const data = probe.data;
  let delta: number | undefined;
  if (base.refundableMinor !== undefined && data.refundableMinor !== undefined && data.refundableMinor < base.refundableMinor) delta = base.refundableMinor - data.refundableMinor;
  else if (data.cancel !== undefined && data.cancel !== 0 && data.cancel !== base.cancel) delta = ask.r.amountMinor ?? base.refundableMinor;
  if (delta === undefined) return new KeepPolling('the refund is not in QFPay\'s book yet and the original payment is unchanged');
  const problem = refundAmountProblem(ask, delta);
  if (problem) {
    warn({ outTradeNo: ask.refundRef, origSyssn: ask.r.syssn, reportedMinor: delta }, 'the original payment changed by a different amount');
    return { status: 'unknown', kind: 'refund', outTradeNo: ask.refundRef, codes: probe.codes, reason: `amount mismatch: ${problem} (seen on the original payment); check payment ${ask.r.syssn}` };
  }
  return { status: 'approved', kind: 'refund', codes: probe.codes, resolvedBy: 'query', syssn: '', outTradeNo: ask.refundRef, amountMinor: delta, currency: ask.r.currency, origSyssn: ask.r.syssn };
}

/** A notification about the transaction waited for, judged. `undefined` = not about it. */
export type NotificationVerdict = { outcome: TransactionOutcome } | { ignored: string } | undefined;

function notificationCodes(n: NormalizedNotification): OutcomeCodes {
  return compact({ respcd: n.respcd ?? '0000', txnRespcd: n.respcd, message: `notification ${n.notifyType}` });
}

/** Judges a notification against our payment: only a successful payment notification for our out_trade_no with our amount and currency. */
export function judgePaymentNotification(n: NormalizedNotification, p: ValidPay, outTradeNo: string): NotificationVerdict {
  if (n.kind !== 'payment' || n.outTradeNo !== outTradeNo) return undefined;
  if (!n.success) return { ignored: `notification status ${n.status ?? '?'} / ${n.respcd ?? '?'} is not a success` };
  if (n.amountMinor === undefined || n.syssn === undefined) return { ignored: 'notification without amount or syssn' };
  const mismatch = amountMismatch(p.amountMinor, p.currency, n.amountMinor, n.currency);
  if (mismatch) return { ignored: `amount/currency mismatch: ${mismatch}` };
  return {
    outcome: compact({
      status: 'approved' as const,
      kind: 'payment' as const,
      codes: notificationCodes(n),
      resolvedBy: 'notification' as const,
      syssn: n.syssn,
      outTradeNo,
      amountMinor: n.amountMinor,
      currency: p.currency,
      channelRef: n.channelRef,
      payType: n.payType,
      maskedCard: n.maskedCard,
      sysTime: n.sysTime,
    }),
  };
}

/**
 * Judges a notification against our refund: a successful refund notification for our refund
 * reference, or — when it names no reference — for our original syssn.
 */
export function judgeRefundNotification(n: NormalizedNotification, ask: RefundAsk): NotificationVerdict {
  if (n.kind !== 'refund') return undefined;
  const ours = n.outTradeNo !== undefined ? n.outTradeNo === ask.refundRef : n.origSyssn === ask.r.syssn;
  if (!ours) return undefined;
  if (n.origSyssn !== undefined && n.origSyssn !== ask.r.syssn) return { ignored: `notification names another original payment (${n.origSyssn})` };
  if (!n.success) return { ignored: `notification status ${n.status ?? '?'} / ${n.respcd ?? '?'} is not a success` };
  if (n.amountMinor === undefined || n.syssn === undefined) return { ignored: 'notification without amount or syssn' };
  if (n.currency !== undefined && n.currency !== ask.r.currency) return { ignored: `currency mismatch: requested ${ask.r.currency}, notification says ${n.currency}` };
  const problem = refundAmountProblem(ask, n.amountMinor);
  if (problem) return { ignored: `amount mismatch: ${problem}` };
  return {
    outcome: compact({
      status: 'approved' as const,
      kind: 'refund' as const,
      codes: notificationCodes(n),
      resolvedBy: 'notification' as const,
      syssn: n.syssn,
      outTradeNo: ask.refundRef,
      amountMinor: n.amountMinor,
      currency: ask.r.currency,
      channelRef: n.channelRef,
      payType: n.payType,
      sysTime: n.sysTime,
      origSyssn: ask.r.syssn,
    }),
  };
}
