/**
 * `TerminalEngine`: the terminal logic of QFPay's ECR protocol, independent of how bytes are
 * encoded and carried. It depends only on an {@link EcrCodec} and an {@link EcrPoster}, so it runs
 * in Node (`QFPayTerminal`: node:crypto + undici) and in a browser (a server-side signer + fetch).
 *
 * Money rules, in order of importance:
 * 1. A payment (1001) or refund (1002) is never re-sent once it may have reached the terminal.
 * 2. Anything that is not a clear answer (timeout, dropped connection, garbage, HTTP 5xx, pending
 *    or unrecognised codes, a reply that does not match the request) makes the outcome *unknown*,
 *    which is resolved by querying (4001) with backoff until final or a deadline.
 * 3. A cancel (6001) never proves that no money moved: it is confirmed by a query.
 * 4. One transaction at a time per terminal (FIFO queue); `cancel()` (5001) may overtake it.
 */
import type { AmountLimits } from '../money/index.js';
import { newOutTradeNo } from '../reference/index.js';
import { cancelOpenTransaction, type CancelHost } from './cancel.js';
import { TERMINAL_DEFAULTS } from './defaults.js';
import { TerminalClosedError } from './errors.js';
import { UsedReferences } from './references.js';
import { errInfo, logOutcome, redactingLogger, SILENT_LOGGER } from './logger.js';
import type { EcrCodec, EcrPoster, EngineTimings, ResolveOptions, TerminalLogger } from './ports.js';
import { print, queryTransaction } from './query.js';
import { TerminalQueue } from './queue.js';
import { validatePay, validateQuery, validateRefund, validateSyssn } from './requests.js';
import type { Kind } from './support.js';
import { runPayment, runRefund } from './transactions.js';
import type { CancelOptions, CancelResult, PayRequest, ProgressStage, QueryRequest, QueryResult, RefundRequest, TerminalEvents, TransactionOutcome } from './types.js';
import { TerminalWire } from './wire.js';


/** Receives the engine's events (the owner's event emitter). A throwing listener is logged, never fatal. */
export type EngineEventSink = <E extends keyof TerminalEvents>(event: E, ...args: Parameters<TerminalEvents[E]>) => void;

/** Options of {@link TerminalEngine}. */
export interface TerminalEngineOptions {
  /** Builds request bodies and reads replies. */
  codec: EcrCodec;
  /** Carries requests to the terminal. Closed by `close()` when it has `close`. */
  poster: EcrPoster;
  /** Name of this terminal in logs; default the poster's origin. */
  id?: string;
  /** Where `progress`, `outcome` and `cancel` events go. */
  emit?: EngineEventSink;
  /** Structured logger (pino-compatible); default silent. */
  logger?: TerminalLogger;
  /** Strings never to log (the POS-KEY when this side holds it). */
  secrets?: readonly string[];
  /** Timeout of queries, prints and cancels; default 15000 ms. */
  requestTimeoutMs?: number;
  /** Added to the payment timeout to get the HTTP timeout of a 1001/1002; default 30000 ms. */
  paymentReplyGraceMs?: number;
  /** Customer time allowed when a payment gives no `paymentTimeoutSec`; default 120 s. */
  defaultPaymentTimeoutSec?: number;
  /** How long `cancel()` waits for the open transaction to settle; default 10000 ms. */
  cancelWaitMs?: number;
  /** Resolution of `unknown` outcomes by querying. */
  resolve?: ResolveOptions;
  /** Makes a fresh `out_trade_no` when a payment gives none; default `newOutTradeNo()`. */
  outTradeNoFactory?: () => string;
  /** Makes the local reference of a refund; default `outTradeNoFactory`. */
  refundReferenceFactory?: () => string;
  /** Largest amount accepted, in minor units; default money's limit. */
  maxAmountMinor?: number;
  /**
   * Send a 4001 for the payment's reference before each payment; default false. For posters
   * that cannot tell "not connected" from "reply lost" (a browser's fetch): if the probe fails,
   * the payment is `failed` and was never sent; a reference the terminal knows is refused.
   */
  probeBeforePayment?: boolean;
}

/**
 * The {@link PaymentTerminal} logic without events of its own: `pay` and `refund` resolve to a
 * {@link TransactionOutcome} and never reject once their input is valid; calls queue FIFO;
 * `cancel()` overtakes the queue. Owners (`QFPayTerminal`, a browser terminal) add an event
 * emitter through `emit`. Options are trusted (validate them before).
 */
export class TerminalEngine implements CancelHost {
  /** Name of this terminal in logs. */
  readonly id: string;
  /** @internal */
  readonly log: TerminalLogger;
  /** @internal */
  readonly cfg: EngineTimings;
  /** @internal */
  readonly wire: TerminalWire;
  /** @internal */
  readonly probeBeforePayment: boolean;
  readonly #sink: EngineEventSink | undefined;
  readonly #limits: AmountLimits;
  readonly #newRef: () => string;
  readonly #newRefundRef: () => string;
  readonly #refs = new UsedReferences();
  readonly #queue: TerminalQueue;
  #closing: Promise<void> | undefined;

  constructor(options: TerminalEngineOptions) {
    const r = options.resolve ?? {};
    this.cfg = {
      paymentReplyGraceMs: options.paymentReplyGraceMs ?? TERMINAL_DEFAULTS.paymentReplyGraceMs,
      defaultPaymentTimeoutSec: options.defaultPaymentTimeoutSec ?? TERMINAL_DEFAULTS.defaultPaymentTimeoutSec,
      requestTimeoutMs: options.requestTimeoutMs ?? TERMINAL_DEFAULTS.requestTimeoutMs,
      cancelWaitMs: options.cancelWaitMs ?? TERMINAL_DEFAULTS.cancelWaitMs,
      resolve: {
        deadlineMs: r.deadlineMs ?? TERMINAL_DEFAULTS.resolve.deadlineMs,
        minIntervalMs: r.minIntervalMs ?? TERMINAL_DEFAULTS.resolve.minIntervalMs,
        maxIntervalMs: r.maxIntervalMs ?? TERMINAL_DEFAULTS.resolve.maxIntervalMs,
        notFoundGraceQueries: r.notFoundGraceQueries ?? TERMINAL_DEFAULTS.resolve.notFoundGraceQueries,
      },
    };
    this.id = options.id ?? options.poster.origin;
    this.log = redactingLogger(options.logger ?? SILENT_LOGGER, options.secrets ?? []);
    this.wire = new TerminalWire(this.id, options.codec, options.poster, this.log);
    this.#sink = options.emit;
    this.#limits = options.maxAmountMinor !== undefined ? { maxMinor: options.maxAmountMinor } : {};
    this.#newRef = options.outTradeNoFactory ?? (() => newOutTradeNo());
    this.#newRefundRef = options.refundReferenceFactory ?? this.#newRef;
    this.probeBeforePayment = options.probeBeforePayment ?? false;
    this.#queue = new TerminalQueue({
      logOutcome: (outcome) => logOutcome(this.log, this.id, outcome),
      emitOutcome: (outcome) => this.#emit('outcome', outcome),
      onQueued: (kind, outTradeNo) => this.progress(kind, outTradeNo, 'queued'),
      onLiveAbort: (kind, outTradeNo) => {
        this.log.info({ terminal: this.id, kind, outTradeNo }, 'caller aborted: asking the terminal to cancel');
        this.cancel().catch((err: unknown) => this.log.warn({ terminal: this.id, outTradeNo, err: errInfo(err) }, 'cancel after abort failed'));
      },
      onInternalError: (kind, outTradeNo, err) => this.log.error({ terminal: this.id, kind, outTradeNo, err: errInfo(err) }, 'internal error while handling a transaction'),
    });
  }

  /** @internal The payment/refund in flight. */
  get current() {
    return this.#queue.current;
  }

  /**
   * Takes a payment. Rejects (before sending anything) with `InvalidRequestError` / `AmountError`
   * for invalid input, or `TerminalClosedError`; otherwise resolves to the outcome. Aborting
   * `signal` while queued ends it as `failed` (`ABORTED`); once sent it asks the terminal to
   * cancel (like `cancel()`), and the outcome still reports what really happened.
   */
  async pay(request: PayRequest): Promise<TransactionOutcome> {
    this.#assertOpen();
    const p = validatePay(request, this.#limits);
    const outTradeNo = p.outTradeNo ?? this.#refs.fresh(this.#newRef);
    this.#refs.claim(outTradeNo);
    return this.#queue.enqueueTransaction('payment', outTradeNo, p.signal, (tx) => runPayment(this, p, outTradeNo, tx));
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
    const localRef = this.#refs.fresh(this.#newRefundRef);
    return this.#queue.enqueueTransaction('refund', localRef, r.signal, (tx) => runRefund(this, r, localRef, tx));
  }

  /**
   * Asks the terminal to abandon the open payment/refund screen (5001), overtaking the queue, then
   * waits up to `cancelWaitMs` for that transaction's outcome. `nothing_to_cancel` when no
   * payment/refund is in flight (no 5001 is sent, unless `evenIfIdle`). Rejects with the typed
   * transport error when the 5001 could not be delivered.
   */
  cancel(options: CancelOptions = {}): Promise<CancelResult> {
    return cancelOpenTransaction(this, options);
  }

  /**
   * Looks a transaction up in the terminal's book (4001), queued behind the open transaction.
   * Rejects with a transport error or `TerminalRequestError` when there is no usable answer.
   */
  async query(request: QueryRequest): Promise<QueryResult> {
    this.#assertOpen();
    const q = validateQuery(request);
    return this.#queue.enqueue(q.signal, () => queryTransaction(this, q.by, q.signal));
  }

  /** Prints the receipt of a transaction on the terminal (3001). Rejects with a typed error unless the terminal answers 6000. */
  async printReceipt(syssn: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#assertOpen();
    const orderId = validateSyssn(syssn);
    return this.#queue.enqueue(options.signal, () => print(this, 3001, { func_type: 3001, orderId }, options.signal));
  }

  /** Prints the transaction summary on the terminal (3002). Rejects with a typed error unless the terminal answers 6000. */
  async printSummary(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#assertOpen();
    return this.#queue.enqueue(options.signal, () => print(this, 3002, { func_type: 3002 }, options.signal));
  }

  /**
   * Waits for the open transaction to settle (its outcome), rejects calls still queued with
   * `TerminalClosedError`, then closes the poster. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#queue.abandonQueued(() => new TerminalClosedError('TERMINAL_CLOSED', `terminal ${this.id} was closed before this request was sent`, 'nothing was sent; open a new QFPayTerminal to continue'));
    this.#closing = (async () => {
      await this.#queue.idle();
      await this.wire.close();
      this.log.debug({ terminal: this.id }, 'terminal closed');
    })();
    return this.#closing;
  }

  /** @internal Logs and emits a cancel result. */
  cancelResult(result: CancelResult): CancelResult {
    this.log.info({ terminal: this.id, cancel: result.status }, 'cancel');
    this.#emit('cancel', result);
    return result;
  }

  /** @internal Logs and emits a progress event. */
  progress(kind: Kind, outTradeNo: string, stage: ProgressStage, detail?: string): void {
    this.log.debug({ terminal: this.id, kind, outTradeNo, stage, detail }, 'progress');
    this.#emit('progress', detail === undefined ? { kind, outTradeNo, stage } : { kind, outTradeNo, stage, detail });
  }

  #assertOpen(): void {
    if (this.#closing) throw new TerminalClosedError('TERMINAL_CLOSED', `terminal ${this.id} is closed`, 'open a new QFPayTerminal');
  }

  #emit<E extends keyof TerminalEvents>(event: E, ...args: Parameters<TerminalEvents[E]>): void {
    try {
      this.#sink?.(event, ...args);
    } catch (err) {
      this.log.error({ terminal: this.id, event, err: errInfo(err) }, 'event listener threw');
    }
  }
}
