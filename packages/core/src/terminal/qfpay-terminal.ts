/**
 * `QFPayTerminal`: the {@link PaymentTerminal} contract over QFPay's ECR protocol.
 *
 * Money rules, in order of importance:
 * 1. A payment (1001) or refund (1002) is never re-sent once it may have reached the terminal.
 * 2. Anything that is not a clear answer (timeout, dropped connection, garbage, HTTP 5xx, pending
 *    or unrecognised codes, a reply that does not match the request) makes the outcome *unknown*,
 *    which is resolved by querying (4001) with backoff until final or a deadline.
 * 3. A cancel (6001) never proves that no money moved: it is confirmed by a query.
 * 4. One transaction at a time per terminal (FIFO queue); `cancel()` (5001) may overtake it.
 */
import { EventEmitter } from 'eventemitter3';
import pRetry from 'p-retry';
import { QfpayEcrError } from '../errors.js';
import type { AmountLimits } from '../money/index.js';
import { encodeRequestBody } from '../protocol/codec.js';
import type { WireContent } from '../protocol/format.js';
import { classifyOuterCode, classifyTransactionCode, isPendingTransactionCode } from '../protocol/codes.js';
import { parseReplyData, type QueryReplyData, type RefundReplyData, type TradeReplyData } from '../protocol/reply-schemas.js';
import { ECR_PATHS, parseRequestContent, type EcrFuncType } from '../protocol/request-schemas.js';
import { decodeResponseBody, type DecodedResponse } from '../protocol/response.js';
import { newOutTradeNo } from '../reference/index.js';
import { ConnectionLostError, TransportAbortedError, TransportError } from '../transport/errors.js';
import { createEcrTransport, type EcrTransport } from '../transport/transport.js';
import { InvalidRequestError, TerminalClosedError, TerminalRequestError } from './errors.js';
import { parseTerminalOptions, type QFPayTerminalOptions, type ResolvedTerminalOptions, type TerminalLogger } from './options.js';
import { validatePay, validateQuery, validateRefund, validateSyssn, type ValidPay, type ValidRefund } from './requests.js';
import type {
  CancelOptions,
  CancelResult,
  OutcomeCodes,
  PaymentTerminal,
  PayRequest,
  ProgressStage,
  QueryRequest,
  QueryResult,
  RefundRequest,
  TerminalEvents,
  TransactionOutcome,
} from './types.js';

type Kind = 'payment' | 'refund';
type Failure = { code: string; message: string; hint: string };

/** What one HTTP exchange with the terminal produced. */
type Exchange =
  | { kind: 'reply'; reply: DecodedResponse }
  | { kind: 'http-error'; status: number }
  | { kind: 'undecodable'; error: unknown }
  | { kind: 'transport-error'; error: TransportError };

/** A 4001 lookup's result. */
type Probe =
  | { kind: 'found'; data: QueryReplyData; codes: OutcomeCodes }
  | { kind: 'not_found'; codes: OutcomeCodes }
  | { kind: 'error'; reason: string; failure: Failure; codes: OutcomeCodes; transportError?: TransportError };

/** The payment or refund the terminal is busy with. */
interface InFlight {
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

interface Job {
  start: () => Promise<void>;
  abandon: (err: Error) => void;
}

/** Thrown inside the polling loop to ask for another round. */
class KeepPolling extends Error {}

const NOT_FOUND_CODES = new Set(['1136', '1268']);
/**
 * Replies to a 1001 that speak about an EARLIER transaction with the same out_trade_no (already
 * paid, duplicate request, serial repeats): they do not say this attempt failed, so the book is
 * asked what happened to that reference.
 */
const DUPLICATE_CODES = new Set(['1102', '1260', '2011']);
const WAITING_CUSTOMER_AFTER_MS = 300;
/** A 5001 answered "nothing open" is said once more after this long if the transaction is still running. */
const CANCEL_RETRY_AFTER_MS = 1_000;
const MAX_REMEMBERED_REFERENCES = 10_000;

const SILENT: TerminalLogger = { debug() {}, info() {}, warn() {}, error() {} };

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Drops undefined properties (outcomes serialise cleanly). */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The message part of a typed error, without the " — hint" suffix. */
function bareMessage(err: QfpayEcrError): string {
  const suffix = ` — ${err.hint}`;
  return err.hint && err.message.endsWith(suffix) ? err.message.slice(0, -suffix.length) : err.message;
}

function failureOf(err: QfpayEcrError): Failure {
  return { code: err.code, message: bareMessage(err), hint: err.hint };
}

function replyCodes(reply: DecodedResponse, data?: { respcd?: string; resperr?: string; respmsg?: string }): OutcomeCodes {
  const message = data?.resperr || data?.respmsg || reply.resperr || reply.respmsg || undefined;
  return compact({ respcd: reply.respcd, txnRespcd: data?.respcd, message });
}

function outerFailure(reply: DecodedResponse): Failure {
  const info = classifyOuterCode(reply.respcd);
  const said = reply.resperr || reply.respmsg;
  return {
    code: reply.respcd,
    message: `terminal answered ${reply.respcd}: ${info.meaning}${said ? ` (${said})` : ''}`,
    hint: info.hint ?? 'check the terminal (Haojin app open, ECR enabled) and try again',
  };
}

function describeTxn(code: string, said?: string): string {
  const info = classifyTransactionCode(code);
  return `${code} ${info.meaning}${said ? ` (${said})` : ''}`;
}

/** Masked card number of a 1001 reply, when the terminal sends one (masked by the reply schema). */
function cardOf(data: TradeReplyData): string | undefined {
  const card = (data as Record<string, unknown>).cardno;
  return typeof card === 'string' && card !== '' ? card : undefined;
}

/** QFPay's `cancel` flag → query state of a 0000 transaction. */
function paidState(cancel: number | undefined): 'paid' | 'refunded' | 'partially_refunded' | 'cancelled' {
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

/**
 * A QFPay terminal (Haojin app) reached over ECR HTTPS. Implements {@link PaymentTerminal}:
 * `pay` and `refund` resolve to a {@link TransactionOutcome} and never reject once their input
 * is valid; calls queue FIFO; `cancel()` overtakes the queue.
 *
 * @example
 * ```ts
 * const terminal = new QFPayTerminal({ host: '192.168.1.50', posKey, ca: QFPAY_CA_PATH });
 * terminal.on('progress', (e) => console.log(e.stage));
 * const outcome = await terminal.pay({ amountMinor: 1250, channel: 'card_payment' });
 * if (outcome.status === 'approved') saveForRefunds(outcome.syssn);
 * ```
 */
export class QFPayTerminal extends EventEmitter<TerminalEvents> implements PaymentTerminal {
  /** Name of this terminal in logs. */
  readonly id: string;
  readonly #posKey: string;
  readonly #transport: EcrTransport;
  readonly #cfg: ResolvedTerminalOptions;
  readonly #log: TerminalLogger;
  readonly #limits: AmountLimits;
  readonly #newRef: () => string;
  readonly #usedRefs = new Set<string>();
  readonly #jobs: Job[] = [];
  #active: Promise<void> | undefined;
  #current: InFlight | undefined;
  #closing: Promise<void> | undefined;

  /**
   * Validates options (zod) and sets up the transport. Throws `ConfigError` for bad options,
   * a POS-KEY of the wrong length, or a CA that is neither QFPay's ca3.crt nor pinned.
   */
  constructor(options: QFPayTerminalOptions) {
    super();
    const cfg = parseTerminalOptions(options);
    const raw = cfg.raw;
    this.#cfg = cfg;
    this.#posKey = raw.posKey;
    this.#transport =
      raw.transport ??
      createEcrTransport(
        compact({
          host: raw.host as string,
          port: raw.port,
          protocol: raw.protocol,
          ca: raw.ca,
          pinnedCaFingerprint256: raw.pinnedCaFingerprint256,
          connectTimeoutMs: raw.connectTimeoutMs,
          requestTimeoutMs: cfg.requestTimeoutMs,
        }),
      );
    this.id = raw.id ?? this.#transport.origin;
    this.#log = this.#redactingLogger(raw.logger ?? SILENT);
    this.#limits = raw.maxAmountMinor !== undefined ? { maxMinor: raw.maxAmountMinor } : {};
    this.#newRef = raw.outTradeNoFactory ?? (() => newOutTradeNo());
  }

  // ---------------------------------------------------------------- events (typed)

  /** Subscribes to `progress`, `outcome` or `cancel`. */
  override on<E extends keyof TerminalEvents>(event: E, listener: TerminalEvents[E]): this;
  override on<T extends keyof TerminalEvents>(event: T, fn: EventEmitter.EventListener<TerminalEvents, T>, context?: unknown): this;
  override on(event: keyof TerminalEvents, fn: (...args: never[]) => void, context?: unknown): this {
    return super.on(event, fn as never, context);
  }

  /** Subscribes for one event. */
  override once<E extends keyof TerminalEvents>(event: E, listener: TerminalEvents[E]): this;
  override once<T extends keyof TerminalEvents>(event: T, fn: EventEmitter.EventListener<TerminalEvents, T>, context?: unknown): this;
  override once(event: keyof TerminalEvents, fn: (...args: never[]) => void, context?: unknown): this {
    return super.once(event, fn as never, context);
  }

  /** Unsubscribes. */
  override off<E extends keyof TerminalEvents>(event: E, listener?: TerminalEvents[E]): this;
  override off<T extends keyof TerminalEvents>(event: T, fn?: EventEmitter.EventListener<TerminalEvents, T>, context?: unknown, once?: boolean): this;
  override off(event: keyof TerminalEvents, fn?: (...args: never[]) => void, context?: unknown, once?: boolean): this {
    return super.off(event, fn as never, context, once);
  }

  // ---------------------------------------------------------------- public API

  /**
   * Takes a payment. Rejects (before sending anything) with `InvalidRequestError` / `AmountError`
   * for invalid input, or `TerminalClosedError`; otherwise resolves to the outcome. Aborting
   * `signal` while queued ends it as `failed` (`ABORTED`); once sent it asks the terminal to
   * cancel (like `cancel()`), and the outcome still reports what really happened.
   */
  async pay(request: PayRequest): Promise<TransactionOutcome> {
    this.#assertOpen();
    const p = validatePay(request, this.#limits);
    const outTradeNo = p.outTradeNo ?? this.#freshRef();
    this.#claimRef(outTradeNo);
    return this.#enqueueTransaction('payment', outTradeNo, p.signal, (ctx) => this.#runPayment(p, outTradeNo, ctx));
  }

  /**
   * Refunds (part of) an earlier payment by its syssn (1002). Same discipline as {@link pay}: an
   * unanswered refund is `unknown` and is resolved by comparing the original payment's refundable
   * amount before and after. `outTradeNo` of the outcome is the refund's own when the terminal
   * gives it, else a local reference.
   */
  async refund(request: RefundRequest): Promise<TransactionOutcome> {
    this.#assertOpen();
    const r = validateRefund(request, this.#limits);
    const localRef = this.#freshRef();
    return this.#enqueueTransaction('refund', localRef, r.signal, (ctx) => this.#runRefund(r, localRef, ctx));
  }

  /**
   * Asks the terminal to abandon the open payment/refund screen (5001), overtaking the queue, then
   * waits up to `cancelWaitMs` for that transaction's outcome. `nothing_to_cancel` when no
   * payment/refund is in flight (no 5001 is sent, unless `evenIfIdle`). Rejects with the typed
   * transport error when the 5001 could not be delivered.
   */
  async cancel(options: CancelOptions = {}): Promise<CancelResult> {
    const ctx = this.#current;
    if (!ctx) {
      if (!options.evenIfIdle) return this.#cancelResult({ status: 'nothing_to_cancel' });
      const sent = await this.#send5001(options.signal);
      if (sent.kind === 'transport-error') throw sent.error;
      const reply = sent.kind === 'reply' ? sent.reply : undefined;
      if (reply?.respcd === '6000') {
        // The terminal may say there was nothing to cancel (transaction code 1136).
        return this.#cancelResult(this.#saysNothingOpen(reply) ? { status: 'nothing_to_cancel' } : { status: 'requested' });
      }
      throw this.#requestError(sent, 'cancel (5001)');
    }
    if (ctx.outcome) return this.#cancelResult(this.#cancelResultFor(ctx, ctx.outcome));
    const alreadyRequested = ctx.cancelRequested;
    ctx.cancelRequested = true;
    if (!ctx.posted) {
      // Not sent yet: the job sees the flag and stops before sending anything.
      const outcome = await this.#within(ctx.settled, this.#cfg.cancelWaitMs);
      return this.#cancelResult(outcome ? this.#cancelResultFor(ctx, outcome) : { status: 'requested', outTradeNo: ctx.outTradeNo });
    }
    // Make sure our 5001 cannot overtake the request it is meant to cancel.
    await ctx.onWire;
    let sent: Exchange | undefined;
    if (!ctx.outcome) {
      sent = await this.#send5001(options.signal);
      if (sent.kind === 'transport-error' && !sent.error.mayHaveReachedTerminal) {
        ctx.cancelRequested = alreadyRequested;
        throw sent.error;
      }
    }
    let outcome: TransactionOutcome | undefined = ctx.outcome;
    if (!outcome && sent?.kind === 'reply' && this.#saysNothingOpen(sent.reply)) {
      // The 5001 may have reached the terminal before the screen for our request opened: if the
      // transaction has not ended shortly after, say it once more.
      const firstWaitMs = Math.min(CANCEL_RETRY_AFTER_MS, this.#cfg.cancelWaitMs);
      outcome = await this.#within(ctx.settled, firstWaitMs);
      if (!outcome && !ctx.outcome) {
        const again = await this.#send5001(options.signal);
        if (again.kind !== 'transport-error') sent = again;
        outcome = await this.#within(ctx.settled, Math.max(0, this.#cfg.cancelWaitMs - firstWaitMs));
      }
    }
    outcome ??= ctx.outcome ?? (await this.#within(ctx.settled, this.#cfg.cancelWaitMs));
    if (outcome) return this.#cancelResult(this.#cancelResultFor(ctx, outcome));
    if (!sent || (sent.kind === 'reply' && sent.reply.respcd === '6000') || sent.kind === 'transport-error') {
      return this.#cancelResult({ status: 'requested', outTradeNo: ctx.outTradeNo });
    }
    throw this.#requestError(sent, 'cancel (5001)');
  }

  /**
   * Looks a transaction up in the terminal's book (4001), queued behind the open transaction.
   * Rejects with a transport error or `TerminalRequestError` when there is no usable answer.
   */
  async query(request: QueryRequest): Promise<QueryResult> {
    this.#assertOpen();
    const q = validateQuery(request);
    return this.#enqueue(q.signal, async () => {
      const probe = await this.#probe(q.by, this.#cfg.requestTimeoutMs, q.signal);
      if (probe.kind === 'error') {
        if (probe.transportError) throw probe.transportError;
        throw new TerminalRequestError(probe.failure.code, `query failed: ${probe.failure.message}`, probe.failure.hint, probe.codes.respcd ? { respcd: probe.codes.respcd } : undefined);
      }
      if (probe.kind === 'not_found') return { found: false, codes: probe.codes };
      return this.#queryResult(probe.data, probe.codes);
    });
  }

  /** Prints the receipt of a transaction on the terminal (3001). Rejects with a typed error unless the terminal answers 6000. */
  async printReceipt(syssn: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#assertOpen();
    const orderId = validateSyssn(syssn);
    return this.#enqueue(options.signal, () => this.#print(3001, { func_type: 3001, orderId }, options.signal));
  }

  /** Prints the transaction summary on the terminal (3002). Rejects with a typed error unless the terminal answers 6000. */
  async printSummary(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#assertOpen();
    return this.#enqueue(options.signal, () => this.#print(3002, { func_type: 3002 }, options.signal));
  }

  /**
   * Waits for the open transaction to settle (its outcome), rejects calls still queued with
   * `TerminalClosedError`, then releases the connections. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    const queued = this.#jobs.splice(0);
    for (const job of queued) job.abandon(new TerminalClosedError('TERMINAL_CLOSED', `terminal ${this.id} was closed before this request was sent`, 'nothing was sent; open a new QFPayTerminal to continue'));
    this.#closing = (async () => {
      while (this.#active) await this.#active;
      await this.#transport.close();
      this.#log.debug({ terminal: this.id }, 'terminal closed');
    })();
    return this.#closing;
  }

  // ---------------------------------------------------------------- queue

  #assertOpen(): void {
    if (this.#closing) throw new TerminalClosedError('TERMINAL_CLOSED', `terminal ${this.id} is closed`, 'open a new QFPayTerminal');
  }

  #pump(): void {
    if (this.#active) return;
    const job = this.#jobs.shift();
    if (!job) return;
    this.#active = job.start().finally(() => {
      this.#active = undefined;
      this.#pump();
    });
  }

  /** Queues a non-transaction call (query, print). */
  #enqueue<T>(signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#jobs.indexOf(job);
        if (i >= 0) {
          this.#jobs.splice(i, 1);
          reject(new TransportAbortedError('ABORTED', 'request aborted while queued', 'nothing was sent', { phase: 'connect', mayHaveReachedTerminal: false, cause: signal?.reason }));
        }
      };
      const job: Job = {
        start: async () => {
          signal?.removeEventListener('abort', onAbort);
          try {
            resolve(await run());
          } catch (err) {
            reject(err);
          }
        },
        abandon: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      if (signal?.aborted) {
        reject(new TransportAbortedError('ABORTED', 'request aborted before it was queued', 'nothing was sent', { phase: 'connect', mayHaveReachedTerminal: false, cause: signal.reason }));
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#jobs.push(job);
      this.#pump();
    });
  }

  /** Queues a payment or refund; the promise resolves to its outcome (rejects only when closed while queued). */
  #enqueueTransaction(kind: Kind, outTradeNo: string, signal: AbortSignal | undefined, run: (ctx: InFlight) => Promise<TransactionOutcome>): Promise<TransactionOutcome> {
    const settled = deferred<TransactionOutcome>();
    const onWire = deferred<void>();
    const ctx: InFlight = { kind, outTradeNo, cancelRequested: false, posted: false, onWire: onWire.promise, markOnWire: () => onWire.resolve(), settled: settled.promise, settle: settled.resolve };
    return new Promise<TransactionOutcome>((resolve, reject) => {
      const finish = (outcome: TransactionOutcome) => {
        ctx.outcome = outcome;
        ctx.markOnWire();
        this.#logOutcome(outcome);
        ctx.settle(outcome);
        this.#emit('outcome', outcome);
        resolve(outcome);
      };
      const onQueuedAbort = () => {
        const i = this.#jobs.indexOf(job);
        if (i < 0) return;
        this.#jobs.splice(i, 1);
        finish({ status: 'failed', kind, outTradeNo, codes: {}, error: { code: 'ABORTED', message: `${kind} aborted while queued`, hint: 'nothing was sent to the terminal' } });
      };
      const onLiveAbort = () => {
        this.#log.info({ terminal: this.id, kind, outTradeNo }, 'caller aborted: asking the terminal to cancel');
        this.cancel().catch((err: unknown) => this.#log.warn({ terminal: this.id, outTradeNo, err: this.#errInfo(err) }, 'cancel after abort failed'));
      };
      const job: Job = {
        start: async () => {
          signal?.removeEventListener('abort', onQueuedAbort);
          this.#current = ctx;
          let outcome: TransactionOutcome;
          if (signal?.aborted) {
            outcome = { status: 'failed', kind, outTradeNo, codes: {}, error: { code: 'ABORTED', message: `${kind} aborted before it was sent`, hint: 'nothing was sent to the terminal' } };
          } else {
            signal?.addEventListener('abort', onLiveAbort, { once: true });
            try {
              outcome = await run(ctx);
            } catch (err) {
              // A bug must not turn into a lost payment: after sending, the answer is unknown.
              this.#log.error({ terminal: this.id, kind, outTradeNo, err: this.#errInfo(err) }, 'internal error while handling a transaction');
              outcome = ctx.posted
                ? { status: 'unknown', kind, outTradeNo, codes: {}, reason: `internal error after the request was sent; resolve with query({ outTradeNo }) or the notification, never re-send` }
                : { status: 'failed', kind, outTradeNo, codes: {}, error: { code: 'INTERNAL', message: 'internal error before anything was sent', hint: 'report this; nothing was sent to the terminal' } };
            } finally {
              signal?.removeEventListener('abort', onLiveAbort);
            }
          }
          this.#current = undefined;
          finish(outcome);
        },
        abandon: (err) => {
          signal?.removeEventListener('abort', onQueuedAbort);
          ctx.markOnWire();
          reject(err);
        },
      };
      this.#progress(kind, outTradeNo, 'queued');
      signal?.addEventListener('abort', onQueuedAbort, { once: true });
      this.#jobs.push(job);
      this.#pump();
    });
  }

  // ---------------------------------------------------------------- payment

  async #runPayment(p: ValidPay, outTradeNo: string, ctx: InFlight): Promise<TransactionOutcome> {
    if (ctx.cancelRequested) return { status: 'cancelled', kind: 'payment', outTradeNo, codes: {}, by: 'pos', resolvedBy: 'reply' };
    const content = compact({
      func_type: 1001 as const,
      amt: p.amt,
      channel: p.channel,
      out_trade_no: outTradeNo,
      camera_id: p.cameraId,
      scan_type: p.scanType,
      payment_timeout: p.paymentTimeoutSec,
      moveToBack: p.moveToBack === undefined ? undefined : p.moveToBack ? 1 : 0,
    });
    const timeoutMs = (p.paymentTimeoutSec ?? this.#cfg.defaultPaymentTimeoutSec) * 1000 + this.#cfg.paymentReplyGraceMs;
    const ex = await this.#sendTransaction(1001, content, ctx, timeoutMs);
    const step = this.#interpretPayment(ex, p, outTradeNo);
    if ('done' in step) return step.done;
    return this.#resolvePayment(p, outTradeNo, ctx, step.mode, step.reason);
  }

  #interpretPayment(ex: Exchange, p: ValidPay, outTradeNo: string): { done: TransactionOutcome } | { mode: 'unknown' | 'cancelled'; reason: string } {
    const unknown = (reason: string) => ({ mode: 'unknown' as const, reason });
    switch (ex.kind) {
      case 'transport-error':
        if (!ex.error.mayHaveReachedTerminal) return { done: { status: 'failed', kind: 'payment', outTradeNo, codes: {}, error: failureOf(ex.error) } };
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
      if (info.kind === 'failed' && reply.respcd !== '4005') return { done: { status: 'failed', kind: 'payment', outTradeNo, codes: replyCodes(reply), error: outerFailure(reply) } };
      return unknown(`terminal answered ${reply.respcd} (${info.meaning})`);
    }
    if (!reply.data) return unknown('terminal answered 6000 without transaction data');
    let data: TradeReplyData;
    try {
      data = parseReplyData(1001, reply.data);
    } catch (err) {
      return unknown(`reply data unusable (${err instanceof QfpayEcrError ? err.code : 'decode error'})`);
    }
    const codes = replyCodes(reply, data);
    const txn = data.respcd;
    if (data.out_trade_no !== undefined && data.out_trade_no !== outTradeNo) return unknown(`reply names another out_trade_no (${data.out_trade_no})`);
    if (txn === '0000') {
      if (!data.syssn) return unknown('approved without a syssn');
      if (data.amountMinor === undefined) return unknown('approved without an amount');
      const mismatch = this.#amountMismatch(p.amountMinor, p.currency, data.amountMinor, data.currency);
      if (mismatch) {
        this.#log.warn({ terminal: this.id, outTradeNo, syssn: data.syssn, requestedMinor: p.amountMinor, reportedMinor: data.amountMinor, currency: data.currency }, 'terminal approved a different amount');
        return { done: { status: 'unknown', kind: 'payment', outTradeNo, codes, reason: `amount mismatch: ${mismatch}; check syssn ${data.syssn} before doing anything (refund or accept it), never re-send` } };
      }
      return {
        done: compact({
          status: 'approved' as const,
          kind: 'payment' as const,
          codes,
          resolvedBy: 'reply' as const,
          syssn: data.syssn,
          outTradeNo,
          amountMinor: data.amountMinor,
          currency: p.currency,
          channelRef: data.chnlsn,
          payType: data.busicd,
          cardScheme: data.cardscheme,
          maskedCard: cardOf(data),
          sysTime: data.sysdtm,
        }),
      };
    }
    if (isPendingTransactionCode(txn)) return unknown(`pending: ${describeTxn(txn)}`);
    if (DUPLICATE_CODES.has(txn)) return unknown(`the terminal knows this out_trade_no already: ${describeTxn(txn)}`);
    if (classifyTransactionCode(txn).kind === 'failed') {
      return { done: { status: 'declined', kind: 'payment', outTradeNo, codes, reason: describeTxn(txn, data.resperr || data.respmsg), resolvedBy: 'reply' } };
    }
    return unknown(`unrecognised transaction code ${txn}`);
  }

  #amountMismatch(requestedMinor: number, requestedCurrency: string, reportedMinor: number, reportedCurrency: string | undefined): string | undefined {
    if (reportedCurrency !== undefined && reportedCurrency !== requestedCurrency) return `requested ${requestedCurrency}, terminal reported ${reportedCurrency}`;
    if (reportedMinor !== requestedMinor) return `requested ${requestedMinor} minor units, terminal reported ${reportedMinor}`;
    return undefined;
  }

  /** Judges a 4001 answer about our payment: an outcome, 'not_found', or a reason to keep polling. */
  #judgePaymentProbe(probe: Probe, p: ValidPay, outTradeNo: string, ctx: InFlight, mode: 'unknown' | 'cancelled'): TransactionOutcome | 'not_found' | KeepPolling {
    if (probe.kind === 'error') return new KeepPolling(`query failed: ${probe.reason}`);
    if (probe.kind === 'not_found') return 'not_found';
    const { data, codes } = probe;
    if (data.out_trade_no !== undefined && data.out_trade_no !== outTradeNo) return new KeepPolling(`query answered for another out_trade_no (${data.out_trade_no})`);
    const by = ctx.cancelRequested ? 'pos' : 'customer';
    const txn = data.respcd;
    if (txn === '0000') {
      const state = paidState(data.cancel);
      if (state === 'cancelled') return { status: 'cancelled', kind: 'payment', outTradeNo, codes, by, resolvedBy: 'query' };
      const amountMinor = data.amountMinor ?? p.amountMinor;
      if (data.amountMinor === undefined) this.#log.warn({ terminal: this.id, outTradeNo }, 'query reported a payment without an amount; assuming the requested amount');
      const mismatch = this.#amountMismatch(p.amountMinor, p.currency, amountMinor, data.currency);
      if (mismatch) {
        this.#log.warn({ terminal: this.id, outTradeNo, syssn: data.syssn, requestedMinor: p.amountMinor, reportedMinor: amountMinor }, 'terminal book shows a different amount');
        return { status: 'unknown', kind: 'payment', outTradeNo, codes, reason: `amount mismatch: ${mismatch}; check syssn ${data.syssn ?? '?'} before doing anything, never re-send` };
      }
      if (!data.syssn) this.#log.warn({ terminal: this.id, outTradeNo }, 'query reported a paid transaction without a syssn');
      return compact({
        status: 'approved' as const,
        kind: 'payment' as const,
        codes,
        resolvedBy: 'query' as const,
        syssn: data.syssn ?? '',
        outTradeNo,
        amountMinor,
        currency: p.currency,
        channelRef: data.chnlsn,
        payType: data.busicd,
        cardScheme: data.cardscheme,
        maskedCard: data.cardno,
        sysTime: data.sysdtm,
      });
    }
    if (isPendingTransactionCode(txn)) return new KeepPolling(`pending: ${describeTxn(txn)}`);
    if (classifyTransactionCode(txn).kind === 'failed') {
      if (mode === 'cancelled') return { status: 'cancelled', kind: 'payment', outTradeNo, codes, by, resolvedBy: 'query' };
      return { status: 'declined', kind: 'payment', outTradeNo, codes, reason: describeTxn(txn, data.resperr || data.respmsg), resolvedBy: 'query' };
    }
    return new KeepPolling(`unrecognised transaction code ${txn}`);
  }

  /**
   * Resolves a payment by querying its out_trade_no. `cancelled` mode is the confirmation of a
   * 6001 (not found = cancelled); `unknown` mode tolerates a few "not found" answers (the terminal
   * may not have booked it yet), then closes any open screen with 5001 and asks once more.
   */
  async #resolvePayment(p: ValidPay, outTradeNo: string, ctx: InFlight, mode: 'unknown' | 'cancelled', why: string): Promise<TransactionOutcome> {
    let resolvingAnnounced = false;
    const announce = (detail: string) => {
      if (resolvingAnnounced) return;
      resolvingAnnounced = true;
      this.#progress('payment', outTradeNo, 'resolving', detail);
    };
    if (mode === 'unknown') announce(why);
    this.#log.info({ terminal: this.id, outTradeNo, mode, why }, 'resolving payment by query');
    const by = () => (ctx.cancelRequested ? ('pos' as const) : ('customer' as const));
    let notFound = 0;
    const result = await this.#poll(async (deadline) => {
      const probe = await this.#probe({ out_trade_no: outTradeNo }, this.#pollTimeout(deadline));
      let verdict = this.#judgePaymentProbe(probe, p, outTradeNo, ctx, mode);
      if (verdict === 'not_found') {
        if (mode === 'cancelled') return { status: 'cancelled', kind: 'payment', outTradeNo, codes: probe.codes, by: by(), resolvedBy: 'query' } satisfies TransactionOutcome;
        notFound += 1;
        if (notFound < this.#cfg.resolve.notFoundGraceQueries) throw new KeepPolling('not found yet');
        // Before concluding, close any screen still open for it, then ask once more.
        const closed = await this.#send5001();
        if (closed.kind === 'transport-error') throw new KeepPolling(`could not send 5001 before concluding (${closed.error.code})`);
        await sleep(this.#cfg.resolve.minIntervalMs);
        const again = await this.#probe({ out_trade_no: outTradeNo }, this.#pollTimeout(deadline));
        verdict = this.#judgePaymentProbe(again, p, outTradeNo, ctx, mode);
        if (verdict === 'not_found') {
          if (ctx.cancelRequested) return { status: 'cancelled', kind: 'payment', outTradeNo, codes: again.codes, by: 'pos', resolvedBy: 'query' } satisfies TransactionOutcome;
          return {
            status: 'failed',
            kind: 'payment',
            outTradeNo,
            codes: again.codes,
            error: { code: 'NOT_PROCESSED', message: 'the terminal has no record of this payment; nothing was charged', hint: `the request did not complete (${why}); start a new payment with a new out_trade_no` },
          } satisfies TransactionOutcome;
        }
      }
      if (verdict instanceof KeepPolling) {
        announce(verdict.message);
        throw verdict;
      }
      return verdict;
    });
    if (result.kind === 'done') return result.value;
    return {
      status: 'unknown',
      kind: 'payment',
      outTradeNo,
      codes: {},
      reason: `no final answer within ${this.#cfg.resolve.deadlineMs} ms (${why}; last: ${result.last}); resolve later with query({ outTradeNo: '${outTradeNo}' }) or the payment notification — never retry the payment blindly`,
    };
  }

  // ---------------------------------------------------------------- refund

  async #runRefund(r: ValidRefund, localRef: string, ctx: InFlight): Promise<TransactionOutcome> {
    // Read the original first, so an unanswered refund can be judged by what changed.
    const before = await this.#probe({ orderId: r.syssn }, this.#cfg.requestTimeoutMs);
    if (before.kind === 'error') {
      return {
        status: 'failed',
        kind: 'refund',
        outTradeNo: localRef,
        codes: before.codes,
        error: { code: before.failure.code, message: `could not read the original payment before refunding: ${before.failure.message}; no refund was sent`, hint: before.failure.hint },
      };
    }
    const baseline = before.kind === 'found' ? { refundableMinor: before.data.refundableMinor, cancel: before.data.cancel ?? 0 } : undefined;
    if (ctx.cancelRequested) return { status: 'cancelled', kind: 'refund', outTradeNo: localRef, codes: {}, by: 'pos', resolvedBy: 'reply' };
    const content = compact({
      func_type: 1002 as const,
      orderId: r.syssn,
      refund_amount: r.refundAmount,
      allow_modify_flag: r.allowModify === undefined ? undefined : r.allowModify ? 1 : 0,
      moveToBack: r.moveToBack === undefined ? undefined : r.moveToBack ? 1 : 0,
    });
    const timeoutMs = this.#cfg.defaultPaymentTimeoutSec * 1000 + this.#cfg.paymentReplyGraceMs;
    const ex = await this.#sendTransaction(1002, content, ctx, timeoutMs);
    const step = this.#interpretRefund(ex, r, localRef, baseline?.refundableMinor);
    if ('done' in step) return step.done;
    return this.#resolveRefund(r, localRef, ctx, baseline, step.mode, step.reason);
  }

  #interpretRefund(ex: Exchange, r: ValidRefund, localRef: string, refundableBefore: number | undefined): { done: TransactionOutcome } | { mode: 'unknown' | 'cancelled'; reason: string } {
    const unknown = (reason: string) => ({ mode: 'unknown' as const, reason });
    switch (ex.kind) {
      case 'transport-error':
        if (!ex.error.mayHaveReachedTerminal) return { done: { status: 'failed', kind: 'refund', outTradeNo: localRef, codes: {}, error: failureOf(ex.error) } };
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
      if (info.kind === 'failed' && reply.respcd !== '4005') return { done: { status: 'failed', kind: 'refund', outTradeNo: localRef, codes: replyCodes(reply), error: outerFailure(reply) } };
      return unknown(`terminal answered ${reply.respcd} (${info.meaning})`);
    }
    if (!reply.data) return unknown('terminal answered 6000 without refund data');
    let data: RefundReplyData;
    try {
      data = parseReplyData(1002, reply.data);
    } catch (err) {
      return unknown(`reply data unusable (${err instanceof QfpayEcrError ? err.code : 'decode error'})`);
    }
    const codes = replyCodes(reply, data);
    const outTradeNo = data.out_trade_no ?? localRef;
    const txn = data.respcd;
    if (txn === '0000') {
      const amountMinor = data.amountMinor ?? r.amountMinor ?? refundableBefore;
      if (r.amountMinor !== undefined && data.amountMinor !== undefined && data.amountMinor !== r.amountMinor) {
        this.#log.warn({ terminal: this.id, outTradeNo, syssn: data.syssn, requestedMinor: r.amountMinor, reportedMinor: data.amountMinor }, 'terminal refunded a different amount');
        return { done: { status: 'unknown', kind: 'refund', outTradeNo, codes, reason: `amount mismatch: requested ${r.amountMinor} minor units, terminal reported ${data.amountMinor}; check the original payment ${r.syssn}` } };
      }
      if (!data.syssn) this.#log.warn({ terminal: this.id, outTradeNo }, 'refund approved without its own syssn');
      return {
        done: compact({
          status: 'approved' as const,
          kind: 'refund' as const,
          codes,
          resolvedBy: 'reply' as const,
          syssn: data.syssn ?? '',
          outTradeNo,
          amountMinor: amountMinor ?? 0,
          currency: r.currency,
          channelRef: data.chnlsn,
          payType: data.busicd,
          cardScheme: data.cardscheme,
          sysTime: data.sysdtm,
          origSyssn: data.orig_syssn ?? r.syssn,
        }),
      };
    }
    if (isPendingTransactionCode(txn)) return unknown(`pending: ${describeTxn(txn)}`);
    if (classifyTransactionCode(txn).kind === 'failed') {
      return { done: { status: 'declined', kind: 'refund', outTradeNo, codes, reason: describeTxn(txn, data.resperr || data.respmsg), resolvedBy: 'reply' } };
    }
    return unknown(`unrecognised transaction code ${txn}`);
  }

  /**
   * Resolves a refund by re-reading the ORIGINAL payment (the refund has no reference of ours on
   * the wire): a lower refundable amount or a new cancel flag means the refund happened.
   */
  async #resolveRefund(
    r: ValidRefund,
    localRef: string,
    ctx: InFlight,
    baseline: { refundableMinor: number | undefined; cancel: number } | undefined,
    mode: 'unknown' | 'cancelled',
    why: string,
  ): Promise<TransactionOutcome> {
    let resolvingAnnounced = false;
    const announce = (detail: string) => {
      if (resolvingAnnounced) return;
      resolvingAnnounced = true;
      this.#progress('refund', localRef, 'resolving', detail);
    };
    if (mode === 'unknown') announce(why);
    this.#log.info({ terminal: this.id, outTradeNo: localRef, origSyssn: r.syssn, mode, why }, 'resolving refund by querying the original payment');
    const by = () => (ctx.cancelRequested ? ('pos' as const) : ('customer' as const));
    // Without a refundable amount, only a first change of the cancel flag is visible.
    if (!baseline || (baseline.refundableMinor === undefined && baseline.cancel !== 0)) {
      return { status: 'unknown', kind: 'refund', outTradeNo: localRef, codes: {}, reason: `${why}; the terminal's book does not show enough of payment ${r.syssn} to tell whether the refund happened: check it in MMS or wait for the refund notification, never re-send blindly` };
    }
    const changed = (data: QueryReplyData): number | undefined => {
      const now = data.refundableMinor;
      if (baseline.refundableMinor !== undefined && now !== undefined && now < baseline.refundableMinor) return baseline.refundableMinor - now;
      if (data.cancel !== undefined && data.cancel !== 0 && data.cancel !== baseline.cancel) return r.amountMinor ?? baseline.refundableMinor ?? 0;
      return undefined;
    };
    const approved = (amountMinor: number, codes: OutcomeCodes): TransactionOutcome => ({
      status: 'approved',
      kind: 'refund',
      codes,
      resolvedBy: 'query',
      // The refund's own syssn is not visible from the original; the notification carries it.
      syssn: '',
      outTradeNo: localRef,
      amountMinor,
      currency: r.currency,
      origSyssn: r.syssn,
    });
    let unchanged = 0;
    const result = await this.#poll(async (deadline) => {
      const probe = await this.#probe({ orderId: r.syssn }, this.#pollTimeout(deadline));
      if (probe.kind !== 'found') {
        const keep = new KeepPolling(probe.kind === 'error' ? `query failed: ${probe.reason}` : 'original payment not found');
        announce(keep.message);
        throw keep;
      }
      const delta = changed(probe.data);
      if (delta !== undefined) return approved(delta, probe.codes);
      if (mode === 'cancelled') return { status: 'cancelled', kind: 'refund', outTradeNo: localRef, codes: probe.codes, by: by(), resolvedBy: 'query' } satisfies TransactionOutcome;
      unchanged += 1;
      if (unchanged < this.#cfg.resolve.notFoundGraceQueries) throw new KeepPolling('original payment unchanged so far');
      const closed = await this.#send5001();
      if (closed.kind === 'transport-error') throw new KeepPolling(`could not send 5001 before concluding (${closed.error.code})`);
      await sleep(this.#cfg.resolve.minIntervalMs);
      const again = await this.#probe({ orderId: r.syssn }, this.#pollTimeout(deadline));
      if (again.kind !== 'found') throw new KeepPolling('original payment not readable after 5001');
      const after = changed(again.data);
      if (after !== undefined) return approved(after, again.codes);
      if (ctx.cancelRequested) return { status: 'cancelled', kind: 'refund', outTradeNo: localRef, codes: again.codes, by: 'pos', resolvedBy: 'query' } satisfies TransactionOutcome;
      return {
        status: 'failed',
        kind: 'refund',
        outTradeNo: localRef,
        codes: again.codes,
        error: { code: 'NOT_PROCESSED', message: `the terminal shows no refund of payment ${r.syssn}; nothing was refunded`, hint: `the request did not complete (${why}); you may refund again` },
      } satisfies TransactionOutcome;
    });
    if (result.kind === 'done') return result.value;
    return {
      status: 'unknown',
      kind: 'refund',
      outTradeNo: localRef,
      codes: {},
      reason: `no final answer within ${this.#cfg.resolve.deadlineMs} ms (${why}; last: ${result.last}); check payment ${r.syssn} with query({ syssn }) or wait for the refund notification — never re-send blindly`,
    };
  }

  // ---------------------------------------------------------------- resolution helpers

  /** Polls with exponential backoff (minIntervalMs → maxIntervalMs) until a value or the deadline. */
  async #poll<T>(attempt: (deadline: number) => Promise<T>): Promise<{ kind: 'done'; value: T } | { kind: 'deadline'; last: string }> {
    const { deadlineMs, minIntervalMs, maxIntervalMs } = this.#cfg.resolve;
    const deadline = Date.now() + deadlineMs;
    let last = 'no answer yet';
    try {
      const value = await pRetry(() => attempt(deadline), {
        retries: Number.POSITIVE_INFINITY,
        factor: 2,
        minTimeout: minIntervalMs,
        maxTimeout: maxIntervalMs,
        maxRetryTime: deadlineMs,
        randomize: false,
        shouldRetry: ({ error }) => error instanceof KeepPolling,
        onFailedAttempt: ({ error, attemptNumber }) => {
          last = error.message;
          this.#log.debug({ terminal: this.id, attempt: attemptNumber, why: error.message }, 'not final yet');
        },
      });
      return { kind: 'done', value };
    } catch (err) {
      if (err instanceof KeepPolling) return { kind: 'deadline', last };
      throw err;
    }
  }

  #pollTimeout(deadline: number): number {
    return Math.max(250, Math.min(this.#cfg.requestTimeoutMs, deadline - Date.now()));
  }

  /** One 4001 lookup. */
  async #probe(by: { out_trade_no: string } | { orderId: string }, timeoutMs: number, signal?: AbortSignal): Promise<Probe> {
    const ex = await this.#exchange(4001, { func_type: 4001, ...by }, { timeoutMs, ...(signal ? { signal } : {}) });
    if (ex.kind === 'transport-error') return { kind: 'error', reason: ex.error.code, failure: failureOf(ex.error), codes: {}, transportError: ex.error };
    if (ex.kind !== 'reply') {
      const failure = this.#nonReplyFailure(ex);
      return { kind: 'error', reason: failure.code, failure, codes: {} };
    }
    const reply = ex.reply;
    if (reply.respcd !== '6000') return { kind: 'error', reason: `terminal answered ${reply.respcd}`, failure: outerFailure(reply), codes: replyCodes(reply) };
    if (!reply.data) {
      return { kind: 'error', reason: 'no data', failure: { code: 'REPLY_NO_DATA', message: 'the terminal answered the query without transaction data', hint: 'check the Haojin version (4001 needs 4.31.1+, out_trade_no lookups 4.32.5+)' }, codes: replyCodes(reply) };
    }
    let data: QueryReplyData;
    try {
      data = parseReplyData(4001, reply.data);
    } catch (err) {
      const failure = err instanceof QfpayEcrError ? failureOf(err) : { code: 'REPLY_UNDECODABLE', message: 'query data could not be read', hint: 'check the Haojin version' };
      return { kind: 'error', reason: failure.code, failure, codes: replyCodes(reply) };
    }
    const codes = replyCodes(reply, data);
    if (NOT_FOUND_CODES.has(data.respcd)) return { kind: 'not_found', codes };
    return { kind: 'found', data, codes };
  }

  #queryResult(data: QueryReplyData, codes: OutcomeCodes): QueryResult {
    const txn = data.respcd;
    const state = txn === '0000' ? paidState(data.cancel) : isPendingTransactionCode(txn) ? 'pending' : 'failed';
    return compact({
      found: true as const,
      state,
      kind: data.tradetp === 'refund' ? ('refund' as const) : ('payment' as const),
      refundableMinor: data.refundableMinor,
      codes,
      syssn: data.syssn ?? '',
      outTradeNo: data.out_trade_no,
      amountMinor: data.amountMinor,
      currency: data.currency === 'HKD' ? ('HKD' as const) : undefined,
      channelRef: data.chnlsn,
      payType: data.busicd,
      cardScheme: data.cardscheme,
      maskedCard: data.cardno,
      sysTime: data.sysdtm,
      origSyssn: data.origssn,
    });
  }

  async #print(funcType: 3001 | 3002, content: { func_type: 3001; orderId: string } | { func_type: 3002 }, signal?: AbortSignal): Promise<void> {
    const ex = await this.#exchange(funcType, content, { timeoutMs: this.#cfg.requestTimeoutMs, ...(signal ? { signal } : {}) });
    const what = funcType === 3001 ? 'print receipt (3001)' : 'print summary (3002)';
    if (ex.kind === 'transport-error') throw ex.error;
    if (ex.kind === 'reply' && ex.reply.respcd === '6000') {
      // Outer success; a transaction code other than 0000 (e.g. 1136 for an unknown syssn) is still a refusal.
      const raw = ex.reply.data?.respcd;
      const txn = typeof raw === 'string' || typeof raw === 'number' ? String(raw).padStart(4, '0') : undefined;
      if (txn === undefined || txn === '0000') return;
      const said = ex.reply.data?.resperr ?? ex.reply.data?.respmsg;
      throw new TerminalRequestError(
        txn,
        `${what} failed: ${describeTxn(txn, typeof said === 'string' ? said : undefined)}`,
        classifyTransactionCode(txn).hint ?? (NOT_FOUND_CODES.has(txn) ? 'check the syssn: the terminal has no such transaction' : 'check the terminal and try again'),
        { respcd: '6000' },
      );
    }
    throw this.#requestError(ex, what);
  }

  #nonReplyFailure(ex: Exclude<Exchange, { kind: 'reply' } | { kind: 'transport-error' }>): Failure {
    if (ex.kind === 'http-error') {
      return { code: `HTTP_${ex.status}`, message: `the terminal answered HTTP ${ex.status}`, hint: 'check that the address is the terminal ECR port (9001) and restart the Haojin app' };
    }
    return { code: 'REPLY_UNDECODABLE', message: 'the terminal reply could not be decoded', hint: 'check the POS-KEY and the Haojin version (min 4.34.12 for HTTPS)' };
  }

  #requestError(ex: Exclude<Exchange, { kind: 'transport-error' }>, what: string): TerminalRequestError {
    if (ex.kind === 'reply') {
      const f = outerFailure(ex.reply);
      return new TerminalRequestError(f.code, `${what} failed: ${f.message}`, f.hint, { respcd: ex.reply.respcd });
    }
    const f = this.#nonReplyFailure(ex);
    return new TerminalRequestError(f.code, `${what} failed: ${f.message}`, f.hint);
  }

  // ---------------------------------------------------------------- cancel helpers

  async #send5001(signal?: AbortSignal): Promise<Exchange> {
    return this.#exchange(5001, { func_type: 5001 }, { timeoutMs: this.#cfg.requestTimeoutMs, ...(signal ? { signal } : {}) });
  }

  /** Whether a 5001 reply says no payment/refund screen was open (transaction code 1136/1268). */
  #saysNothingOpen(reply: DecodedResponse): boolean {
    const txn = reply.data?.respcd;
    return reply.respcd === '6000' && (typeof txn === 'string' || typeof txn === 'number') && NOT_FOUND_CODES.has(String(txn));
  }

  #cancelResultFor(ctx: InFlight, outcome: TransactionOutcome): CancelResult {
    switch (outcome.status) {
      case 'approved':
        return { status: 'too_late', outcome };
      case 'cancelled':
      case 'declined':
      case 'failed':
        return { status: 'confirmed', outTradeNo: ctx.outTradeNo };
      case 'unknown':
        return { status: 'requested', outTradeNo: ctx.outTradeNo };
    }
  }

  #cancelResult(result: CancelResult): CancelResult {
    this.#log.info({ terminal: this.id, cancel: result.status }, 'cancel');
    this.#emit('cancel', result);
    return result;
  }

  async #within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  // ---------------------------------------------------------------- wire

  /** Sends the 1001/1002 of the in-flight transaction, with its progress events. */
  async #sendTransaction(funcType: 1001 | 1002, content: WireContent, ctx: InFlight, timeoutMs: number): Promise<Exchange> {
    let waitingTimer: ReturnType<typeof setTimeout> | undefined;
    ctx.posted = true;
    try {
      return await this.#exchange(funcType, content, {
        timeoutMs,
        onSent: () => {
          ctx.markOnWire();
          this.#progress(ctx.kind, ctx.outTradeNo, 'sent');
          waitingTimer = setTimeout(() => this.#progress(ctx.kind, ctx.outTradeNo, 'waiting_customer'), WAITING_CUSTOMER_AFTER_MS);
        },
      });
    } finally {
      clearTimeout(waitingTimer);
      ctx.markOnWire();
    }
  }

  /** One request/reply. Never throws for terminal-side problems; returns what happened. */
  async #exchange(funcType: EcrFuncType, content: WireContent, options: { timeoutMs: number; signal?: AbortSignal; onSent?: () => void }): Promise<Exchange> {
    const checked = parseRequestContent(content);
    const body = encodeRequestBody(checked, this.#posKey);
    const path = ECR_PATHS[funcType];
    const ref = (content.out_trade_no ?? content.orderId) as string | undefined;
    this.#log.debug({ terminal: this.id, funcType, path, ref }, 'ecr request');
    let status: number;
    let text: string;
    try {
      ({ status, body: text } = await this.#transport.post(path, body, options));
    } catch (err) {
      const error =
        err instanceof TransportError
          ? err
          : new ConnectionLostError('CONNECTION_LOST', `transport failed (${err instanceof Error ? err.name : 'unknown error'})`, 'treat the request as possibly delivered: query before acting', {
              phase: 'response',
              mayHaveReachedTerminal: true,
            });
      this.#log.warn({ terminal: this.id, funcType, ref, err: this.#errInfo(error) }, 'ecr transport error');
      return { kind: 'transport-error', error };
    }
    if (status < 200 || status >= 300) {
      this.#log.warn({ terminal: this.id, funcType, ref, httpStatus: status }, 'ecr http error');
      return { kind: 'http-error', status };
    }
    try {
      const reply = decodeResponseBody(text, this.#posKey);
      const txn = reply.data?.respcd;
      this.#log.debug({ terminal: this.id, funcType, ref, respcd: reply.respcd, txnRespcd: typeof txn === 'string' ? txn : undefined, encrypted: reply.encrypted }, 'ecr reply');
      return { kind: 'reply', reply };
    } catch (error) {
      this.#log.warn({ terminal: this.id, funcType, ref, err: this.#errInfo(error), bytes: text.length }, 'ecr reply undecodable');
      return { kind: 'undecodable', error };
    }
  }

  // ---------------------------------------------------------------- misc

  #freshRef(): string {
    for (let i = 0; i < 5; i++) {
      const ref = this.#newRef();
      if (typeof ref !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(ref)) {
        throw new InvalidRequestError('REQUEST_BAD_FACTORY_REFERENCE', 'outTradeNoFactory returned something that is not 1–64 characters of A-Z a-z 0-9 _ -', 'fix outTradeNoFactory');
      }
      if (!this.#usedRefs.has(ref)) return ref;
    }
    throw new InvalidRequestError('REQUEST_BAD_FACTORY_REFERENCE', 'outTradeNoFactory keeps returning references already used', 'make outTradeNoFactory return a fresh reference every time');
  }

  #claimRef(ref: string): void {
    if (this.#usedRefs.has(ref)) {
      throw new InvalidRequestError('REQUEST_REUSED_OUT_TRADE_NO', `out_trade_no ${ref} was already used by this terminal`, 'every attempt needs a fresh out_trade_no; to learn what happened to the earlier one, query it');
    }
    this.#usedRefs.add(ref);
    if (this.#usedRefs.size > MAX_REMEMBERED_REFERENCES) {
      const oldest = this.#usedRefs.values().next().value;
      if (oldest !== undefined) this.#usedRefs.delete(oldest);
    }
  }

  #progress(kind: Kind, outTradeNo: string, stage: ProgressStage, detail?: string): void {
    this.#log.debug({ terminal: this.id, kind, outTradeNo, stage, detail }, 'progress');
    this.#emit('progress', detail === undefined ? { kind, outTradeNo, stage } : { kind, outTradeNo, stage, detail });
  }

  #emit<E extends keyof TerminalEvents>(event: E, ...args: Parameters<TerminalEvents[E]>): void {
    try {
      (this.emit as (event: E, ...a: Parameters<TerminalEvents[E]>) => boolean)(event, ...args);
    } catch (err) {
      this.#log.error({ terminal: this.id, event, err: this.#errInfo(err) }, 'event listener threw');
    }
  }

  #logOutcome(outcome: TransactionOutcome): void {
    const base = { terminal: this.id, kind: outcome.kind, status: outcome.status, outTradeNo: outcome.outTradeNo, codes: outcome.codes };
    switch (outcome.status) {
      case 'approved':
        this.#log.info({ ...base, syssn: outcome.syssn, amountMinor: outcome.amountMinor, resolvedBy: outcome.resolvedBy }, 'transaction outcome');
        break;
      case 'unknown':
        this.#log.warn({ ...base, reason: outcome.reason }, 'transaction outcome');
        break;
      case 'failed':
        this.#log.warn({ ...base, error: outcome.error }, 'transaction outcome');
        break;
      default:
        this.#log.info(base, 'transaction outcome');
    }
  }

  #errInfo(err: unknown): Record<string, unknown> {
    if (err instanceof TransportError) return { name: err.name, code: err.code, phase: err.phase, mayHaveReachedTerminal: err.mayHaveReachedTerminal, message: err.message };
    if (err instanceof QfpayEcrError) return { name: err.name, code: err.code, message: err.message };
    if (err instanceof Error) return { name: err.name, message: err.message };
    return { message: String(err) };
  }

  /** Wraps the user's logger so that, whatever happens, the POS-KEY is scrubbed from what it receives. */
  #redactingLogger(logger: TerminalLogger): TerminalLogger {
    const key = this.#posKey;
    const scrub = (value: unknown, depth = 0): unknown => {
      if (typeof value === 'string') return value.includes(key) ? value.split(key).join('[REDACTED]') : value;
      if (depth > 5 || value === null || typeof value !== 'object') return value;
      if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, depth + 1)]));
    };
    const wrap =
      (level: keyof TerminalLogger) =>
      (obj: Record<string, unknown>, msg?: string): void => {
        try {
          logger[level](scrub(compact(obj)) as Record<string, unknown>, msg === undefined ? undefined : (scrub(msg) as string));
        } catch {
          // A broken logger must not break a payment.
        }
      };
    return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
  }
}
