/** Small shared pieces of the terminal logic: reply helpers, the exchange/probe shapes, timing. Browser-safe. */
import { QfpayEcrError } from '../errors.js';
import { classifyOuterCode, classifyTransactionCode } from '../protocol/codes.js';
import type { QueryReplyData, TradeReplyData } from '../protocol/reply-schemas.js';
import type { TransportError } from '../transport/errors.js';
import { TerminalRequestError } from './errors.js';
import type { DecodedResponse } from './ports.js';
import type { OutcomeCodes, TransactionOutcome } from './types.js';

export type Kind = 'payment' | 'refund';
export type Failure = { code: string; message: string; hint: string };

/** What one HTTP exchange with the terminal produced. */
export type Exchange =
  | { kind: 'reply'; reply: DecodedResponse }
  | { kind: 'http-error'; status: number }
  | { kind: 'undecodable'; error: unknown }
  | { kind: 'transport-error'; error: TransportError };

/** A 4001 lookup's result. */
export type Probe =
  | { kind: 'found'; data: QueryReplyData; codes: OutcomeCodes }
  | { kind: 'not_found'; codes: OutcomeCodes }
  | { kind: 'error'; reason: string; failure: Failure; codes: OutcomeCodes; transportError?: TransportError };

/** The payment or refund the terminal is busy with. */
export interface InFlight {
  kind: Kind;
  outTradeNo: string;
  /** Our cancel() asked for this one to stop (a 6001 is then "by pos"). */
  cancelRequested: boolean;
  /** The 1001/1002 was handed to the transport (checked synchronously before posting). */
  posted: boolean;
  /** Resolves once the request is on the wire or its exchange is over (a 5001 sent earlier could overtake it). */
  onWire: Promise<void>;
  markOnWire: () => void;
  outcome?: TransactionOutcome;
  settled: Promise<TransactionOutcome>;
  settle: (outcome: TransactionOutcome) => void;
}

/** Thrown inside the polling loop to ask for another round. */
export class KeepPolling extends Error {}

export const NOT_FOUND_CODES = new Set(['1136', '1268']);

export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves `promise`'s value, or undefined after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Drops undefined properties (outcomes serialise cleanly). */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The fields of a QFPay transaction record an approved outcome reports; the same names in 1001/1002 replies, 4001 and the OpenAPI query. */
export interface QfpayTxnFields {
  chnlsn?: string | undefined;
  busicd?: string | undefined;
  cardscheme?: string | undefined;
  sysdtm?: string | undefined;
}

/** An approved outcome from a transaction record: QFPay's field names mapped in one place. */
export function approvedFromRecord(
  head: Omit<Extract<TransactionOutcome, { status: 'approved' }>, 'status' | 'channelRef' | 'payType' | 'cardScheme' | 'sysTime'>,
  data: QfpayTxnFields,
): TransactionOutcome {
  return compact({ status: 'approved' as const, ...head, channelRef: data.chnlsn, payType: data.busicd, cardScheme: data.cardscheme, sysTime: data.sysdtm });
}

/** The message part of a typed error, without the " — hint" suffix. */
export function bareMessage(err: QfpayEcrError): string {
  const suffix = ` — ${err.hint}`;
  return err.hint && err.message.endsWith(suffix) ? err.message.slice(0, -suffix.length) : err.message;
}

export function failureOf(err: QfpayEcrError): Failure {
  return { code: err.code, message: bareMessage(err), hint: err.hint };
}

export function replyCodes(reply: DecodedResponse, data?: { respcd?: string; resperr?: string; respmsg?: string }): OutcomeCodes {
  const message = data?.resperr || data?.respmsg || reply.resperr || reply.respmsg || undefined;
  return compact({ respcd: reply.respcd, txnRespcd: data?.respcd, message });
}

export function outerFailure(reply: DecodedResponse): Failure {
  const info = classifyOuterCode(reply.respcd);
  const said = reply.resperr || reply.respmsg;
  return {
    code: reply.respcd,
    message: `terminal answered ${reply.respcd}: ${info.meaning}${said ? ` (${said})` : ''}`,
    hint: info.hint ?? 'check the terminal (Haojin app open, ECR enabled) and try again',
  };
}

export function describeTxn(code: string, said?: string): string {
  const info = classifyTransactionCode(code);
  return `${code} ${info.meaning}${said ? ` (${said})` : ''}`;
}

/** Masked card number of a 1001 reply, when the terminal sends one (masked by the reply schema). */
export function cardOf(data: TradeReplyData): string | undefined {
  const card = (data as Record<string, unknown>).cardno;
  return typeof card === 'string' && card !== '' ? card : undefined;
}

/** QFPay's `cancel` flag → query state of a 0000 transaction. */
export function paidState(cancel: number | undefined): 'paid' | 'refunded' | 'partially_refunded' | 'cancelled' {
  switch (cancel) {
    case 1:
    case 2:
      return 'cancelled';
    case 3:
      return 'refunded';
    case 5:
      return 'partially_refunded';
    default:
      return 'paid';
  }
}

/** Failure of an exchange that produced no reply (HTTP error, undecodable body). */
export function nonReplyFailure(ex: Exclude<Exchange, { kind: 'reply' } | { kind: 'transport-error' }>): Failure {
  if (ex.kind === 'http-error') {
    return { code: `HTTP_${ex.status}`, message: `the terminal answered HTTP ${ex.status}`, hint: 'check that the address is the terminal ECR port (9001) and restart the Haojin app' };
  }
  return { code: 'REPLY_UNDECODABLE', message: 'the terminal reply could not be decoded', hint: 'check the POS-KEY and the Haojin version (min 4.34.12 for HTTPS)' };
}

/** Options of {@link poll}. */
export interface PollOptions {
  deadlineMs: number;
  minIntervalMs: number;
  maxIntervalMs: number;
  onFailedAttempt: (error: Error, attemptNumber: number) => void;
}

/**
 * Calls `attempt` until it returns, with exponential backoff (factor 2, minIntervalMs →
 * maxIntervalMs, no jitter) while it throws {@link KeepPolling}, for at most `deadlineMs`
 * (then the last KeepPolling is rethrown). Any other error is rethrown at once. Same schedule as
 * p-retry with `retries: Infinity, factor: 2, randomize: false, maxRetryTime: deadlineMs`, which
 * it replaces so that the engine has no Node-only dependency.
 */
export async function poll<T>(attempt: () => Promise<T>, options: PollOptions): Promise<T> {
  const start = performance.now();
  const remaining = () => options.deadlineMs - (performance.now() - start);
  let attemptNumber = 0;
  let retriesConsumed = 0;
  for (;;) {
    attemptNumber++;
    try {
      return await attempt();
    } catch (err) {
      const error = err instanceof Error ? err : new TypeError(`Non-error was thrown: "${String(err)}".`);
      options.onFailedAttempt(error, attemptNumber);
      if (remaining() <= 0 || !(error instanceof KeepPolling)) throw error;
      const delay = Math.min(Math.round(options.minIntervalMs * 2 ** retriesConsumed), options.maxIntervalMs);
      const finalDelay = Math.min(delay, remaining());
      if (finalDelay > 0) await sleep(finalDelay);
      retriesConsumed++;
    }
  }
}

/** A typed error for a query/print/cancel that got no usable answer. */
export function requestError(ex: Exclude<Exchange, { kind: 'transport-error' }>, what: string): TerminalRequestError {
  if (ex.kind === 'reply') {
    const f = outerFailure(ex.reply);
    return new TerminalRequestError(f.code, `${what} failed: ${f.message}`, f.hint, { respcd: ex.reply.respcd });
  }
  const f = nonReplyFailure(ex);
  return new TerminalRequestError(f.code, `${what} failed: ${f.message}`, f.hint);
}
