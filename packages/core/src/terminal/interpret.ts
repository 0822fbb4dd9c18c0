/**
 * Reply → outcome: judges the terminal's answer to a 1001 (payment) or 1002 (refund). Either a
 * final outcome, or a reason why it is not final (`unknown`, or a 6001 `cancelled` that still has
 * to be confirmed by a query). Browser-safe.
 */
import { QfpayEcrError } from '../errors.js';
import { classifyOuterCode, classifyTransactionCode, isPendingTransactionCode } from '../protocol/codes.js';
import { parseReplyData, type RefundReplyData, type TradeReplyData } from '../protocol/reply-schemas.js';
import type { TerminalLogger } from './ports.js';
import type { ValidPay, ValidRefund } from './requests.js';
import { approvedFromRecord, bareMessage, cardOf, describeTxn, failureOf, outerFailure, replyCodes, type Exchange, type Kind } from './support.js';
import type { OutcomeCodes, TransactionOutcome } from './types.js';

/** A final outcome, or why the transaction must be resolved by querying. */
export type Step = { done: TransactionOutcome } | { mode: 'unknown' | 'cancelled'; reason: string };

/** What was asked: a payment under our out_trade_no, or a refund under a local reference. */
export type Asked =
  | { kind: 'payment'; request: ValidPay; outTradeNo: string }
  | { kind: 'refund'; request: ValidRefund; outTradeNo: string; refundableBefore: number | undefined };

/** Where interpretation logs. */
export interface InterpretLog {
  id: string;
  log: TerminalLogger;
}

/**
 * Replies to a 1001 that speak about an EARLIER transaction with the same out_trade_no (already
 * paid, duplicate request, serial repeats): they do not say this attempt failed, so the book is
 * asked what happened to that reference.
 */
const DUPLICATE_CODES = new Set(['1102', '1260', '2011']);

/** Why a reported amount/currency differs from the requested one; undefined when it does not. */
export function amountMismatch(requestedMinor: number, requestedCurrency: string, reportedMinor: number, reportedCurrency: string | undefined): string | undefined {
  if (reportedCurrency !== undefined && reportedCurrency !== requestedCurrency) return `requested ${requestedCurrency}, terminal reported ${reportedCurrency}`;
  if (reportedMinor !== requestedMinor) return `requested ${requestedMinor} minor units, terminal reported ${reportedMinor}`;
  return undefined;
}

/** Judges the exchange of a 1001/1002. */
export function interpretTransaction(ex: Exchange, asked: Asked, at: InterpretLog): Step {
  const kind: Kind = asked.kind;
  const localRef = asked.outTradeNo;
  const unknown = (reason: string) => ({ mode: 'unknown' as const, reason });
  switch (ex.kind) {
    case 'transport-error':
      if (!ex.error.mayHaveReachedTerminal) return { done: { status: 'failed', kind, outTradeNo: localRef, codes: {}, error: failureOf(ex.error) } };
      return unknown(`${ex.error.code}: ${bareMessage(ex.error)}`);
    case 'http-error':
      return unknown(`terminal answered HTTP ${ex.status}`);
    case 'undecodable':
      return unknown('terminal reply could not be decoded');
    case 'reply':
      break;
  }
  const reply = ex.reply;
  if (reply.respcd === '6001') return { mode: 'cancelled', reason: 'terminal answered 6001 (cancelled)' };
  if (reply.respcd !== '6000') {
    const info = classifyOuterCode(reply.respcd);
    // 4005 "other errors" says nothing certain about money: query it.
    if (info.kind === 'failed' && reply.respcd !== '4005') return { done: { status: 'failed', kind, outTradeNo: localRef, codes: replyCodes(reply), error: outerFailure(reply) } };
    return unknown(`terminal answered ${reply.respcd} (${info.meaning})`);
  }
  if (!reply.data) return unknown(`terminal answered 6000 without ${kind === 'payment' ? 'transaction' : 'refund'} data`);
  let data: TradeReplyData | RefundReplyData;
  try {
    data = parseReplyData(kind === 'payment' ? 1001 : 1002, reply.data);
  } catch (err) {
    return unknown(`reply data unusable (${err instanceof QfpayEcrError ? err.code : 'decode error'})`);
  }
  const codes = replyCodes(reply, data);
  let outTradeNo = localRef;
  if (kind === 'payment') {
    if (data.out_trade_no !== undefined && data.out_trade_no !== localRef) return unknown(`reply names another out_trade_no (${data.out_trade_no})`);
  } else {
    // The terminal may name the refund's own reference.
    outTradeNo = data.out_trade_no ?? localRef;
  }
  const txn = data.respcd;
  if (txn === '0000') {
    return asked.kind === 'payment' ? approvedPayment(data as TradeReplyData, codes, asked.request, outTradeNo, at) : approvedRefund(data as RefundReplyData, codes, asked, outTradeNo, at);
  }
  if (isPendingTransactionCode(txn)) return unknown(`pending: ${describeTxn(txn)}`);
  if (kind === 'payment' && DUPLICATE_CODES.has(txn)) return unknown(`the terminal knows this out_trade_no already: ${describeTxn(txn)}`);
  if (classifyTransactionCode(txn).kind === 'failed') {
    return { done: { status: 'declined', kind, outTradeNo, codes, reason: describeTxn(txn, data.resperr || data.respmsg), resolvedBy: 'reply' } };
  }
  return unknown(`unrecognised transaction code ${txn}`);
}

function approvedPayment(data: TradeReplyData, codes: OutcomeCodes, p: ValidPay, outTradeNo: string, at: InterpretLog): Step {
  if (!data.syssn) return { mode: 'unknown', reason: 'approved without a syssn' };
  if (data.amountMinor === undefined) return { mode: 'unknown', reason: 'approved without an amount' };
  const mismatch = amountMismatch(p.amountMinor, p.currency, data.amountMinor, data.currency);
  if (mismatch) {
    at.log.warn({ terminal: at.id, outTradeNo, syssn: data.syssn, requestedMinor: p.amountMinor, reportedMinor: data.amountMinor, currency: data.currency }, 'terminal approved a different amount');
    return { done: { status: 'unknown', kind: 'payment', outTradeNo, codes, reason: `amount mismatch: ${mismatch}; check syssn ${data.syssn} before doing anything (refund or accept it), never re-send` } };
  }
  return {
    done: approvedFromRecord({ kind: 'payment', codes, resolvedBy: 'reply', syssn: data.syssn, outTradeNo, amountMinor: data.amountMinor, currency: p.currency, maskedCard: cardOf(data) }, data),
  };
}

function approvedRefund(data: RefundReplyData, codes: OutcomeCodes, asked: Extract<Asked, { kind: 'refund' }>, outTradeNo: string, at: InterpretLog): Step {
  const r = asked.request;
  const amountMinor = data.amountMinor ?? r.amountMinor ?? asked.refundableBefore;
  if (r.amountMinor !== undefined && data.amountMinor !== undefined && data.amountMinor !== r.amountMinor) {
    at.log.warn({ terminal: at.id, outTradeNo, syssn: data.syssn, requestedMinor: r.amountMinor, reportedMinor: data.amountMinor }, 'terminal refunded a different amount');
    return { done: { status: 'unknown', kind: 'refund', outTradeNo, codes, reason: `amount mismatch: requested ${r.amountMinor} minor units, terminal reported ${data.amountMinor}; check the original payment ${r.syssn}` } };
  }
  if (!data.syssn) at.log.warn({ terminal: at.id, outTradeNo }, 'refund approved without its own syssn');
  return {
    done: approvedFromRecord(
      { kind: 'refund', codes, resolvedBy: 'reply', syssn: data.syssn ?? '', outTradeNo, amountMinor: amountMinor ?? 0, currency: r.currency, origSyssn: data.orig_syssn ?? r.syssn },
      data,
    ),
  };
}
