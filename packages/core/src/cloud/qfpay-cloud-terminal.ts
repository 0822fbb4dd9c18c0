/**
 * `QFPayCloudTerminal`: a QFPay terminal reached through QFPay's OpenAPI (ECR Cloud) instead of
 * the shop LAN. The POS pushes requests to QFPay, which forwards them to the terminal named by its
 * Device ID (`termid`); results come back only asynchronously, by notification (successes) or by
 * querying QFPay's book. Same contract as the LAN `QFPayTerminal` ({@link PaymentTerminal}).
 */
import { TerminalEventEmitter } from '../terminal/terminal-emitter.js';
import type { AmountLimits } from '../money/index.js';
import type { NormalizedNotification } from '../notify/types.js';
import { newOutTradeNo } from '../reference/index.js';
import { TerminalClosedError } from '../terminal/errors.js';
import { UsedReferences } from '../terminal/references.js';
import { errInfo, logOutcome, redactingLogger, SILENT_LOGGER } from '../terminal/logger.js';
import type { TerminalLogger } from '../terminal/ports.js';
import { TerminalQueue } from '../terminal/queue.js';
import { validatePay, validateQuery, validateRefund, validateSyssn } from '../terminal/requests.js';
import type { Kind } from '../terminal/support.js';
import type { CancelOptions, CancelResult, PaymentTerminal, PayRequest, ProgressStage, QueryRequest, QueryResult, RefundRequest, TerminalEvents, TransactionOutcome } from '../terminal/types.js';
import { cancelCloudTransaction, type CloudCancelHost } from './cancel.js';
import { CloudClient } from './client.js';
import type { CloudTimings } from './context.js';
import type { CloudEndpoint } from './environments.js';
import { createCloudHttp } from './http.js';
import { printCloudReceipt, printCloudSummary, queryCloud } from './lookups.js';
import { isDocumentedHost, parseCloudOptions, type QFPayCloudTerminalOptions } from './options.js';
import { runCloudPayment, runCloudRefund, type ActiveCloudTransaction } from './transactions.js';


/**
 * A QFPay terminal reached through ECR Cloud. Implements {@link PaymentTerminal}: `pay` and
 * `refund` resolve to a {@link TransactionOutcome} and never reject once their input is valid;
 * payments, refunds and prints queue FIFO (one at a time, like the terminal's single screen);
 * `cancel()` overtakes the queue; queries go straight to QFPay's book.
 *
 * @example
 * ```ts
 * const terminal = new QFPayCloudTerminal({
 *   environment: 'production', appCode, clientKey, termid: 'DEVICE-ID',
 *   notifications: notificationSourceFromEmitter(notifyApp.events),
 * });
 * const outcome = await terminal.pay({ amountMinor: 1250, channel: 'card_payment' });
 * ```
 */
export class QFPayCloudTerminal extends TerminalEventEmitter implements PaymentTerminal, CloudCancelHost {
  /** Name of this terminal in logs. */
  readonly id: string;
  /** Where requests go (environment and origin; no secret). */
  readonly endpoint: Readonly<CloudEndpoint>;
  /** @internal */
  readonly log: TerminalLogger;
  /** @internal */
  readonly client: CloudClient;
  /** @internal */
  readonly cfg: CloudTimings;
  readonly #limits: AmountLimits;
  readonly #newRef: () => string;
  readonly #refs = new UsedReferences();
  readonly #queue: TerminalQueue;
  readonly #background = new Set<Promise<unknown>>();
  readonly #unsubscribe: (() => void) | undefined;
  #active: ActiveCloudTransaction | undefined;
  #closing: Promise<void> | undefined;

  /**
   * Validates the options (zod). Throws `ConfigError`: `CONFIG_CLOUD_ENVIRONMENT` when no or an
   * unknown environment is chosen (or `baseUrl`/`ca` given for a documented one),
   * `CONFIG_CLOUD_OPTIONS` for other bad options, or a CA error for `ca`.
   */
  constructor(options: QFPayCloudTerminalOptions) {
    super();
    const cfg = parseCloudOptions(options);
    const raw = cfg.raw;
    this.id = cfg.id;
    this.endpoint = Object.freeze({ environment: cfg.endpoint.environment, baseUrl: cfg.endpoint.baseUrl });
    this.cfg = cfg.timings;
    this.log = redactingLogger(raw.logger ?? SILENT_LOGGER, [raw.clientKey]);
    this.#limits = raw.maxAmountMinor !== undefined ? { maxMinor: raw.maxAmountMinor } : {};
    this.#newRef = raw.outTradeNoFactory ?? (() => newOutTradeNo());
    const http = createCloudHttp({
      baseUrl: cfg.endpoint.baseUrl,
      ...(cfg.endpoint.caPem !== undefined ? { caPem: cfg.endpoint.caPem } : {}),
      connectTimeoutMs: cfg.connectTimeoutMs,
      documentedHost: isDocumentedHost(cfg.endpoint),
    });
    this.client = new CloudClient({
      id: this.id,
      http,
      appCode: raw.appCode,
      clientKey: raw.clientKey,
      signType: cfg.signType,
      termid: raw.termid,
      ...(raw.mchid !== undefined ? { mchid: raw.mchid } : {}),
      queryPath: cfg.queryPath,
      log: this.log,
    });
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
    this.#unsubscribe = raw.notifications?.subscribe((n) => this.#onNotification(n));
    this.log.debug({ terminal: this.id, environment: this.endpoint.environment, baseUrl: this.endpoint.baseUrl }, 'cloud terminal ready');
  }

  // ---------------------------------------------------------------- PaymentTerminal

  /**
   * Takes a payment: pushes it to the terminal through QFPay, then waits for the result (a matching
   * notification, or QFPay's book via query) until `payment_timeout` plus `resultMarginMs`.
   * Rejects (before sending anything) with `InvalidRequestError` / `AmountError` for invalid
   * input, or `TerminalClosedError`. A push that got no clear answer is never re-sent: its result
   * is waited for the same way, and without a final answer by the deadline it is `unknown`.
   */
  async pay(request: PayRequest): Promise<TransactionOutcome> {
    this.#assertOpen();
    const p = validatePay(request, this.#limits);
    const outTradeNo = p.outTradeNo ?? this.#refs.fresh(this.#newRef);
    this.#refs.claim(outTradeNo);
    return this.#queue.enqueueTransaction('payment', outTradeNo, p.signal, (tx) => runCloudPayment(this, p, outTradeNo, tx, (a) => this.#register(a)));
  }

  /**
   * Refunds (part of) a payment by its syssn, under a fresh out_trade_no of our own (the outcome's
   * `outTradeNo`). The result is the refund's own record in QFPay's book (by that reference), a
   * refund notification, or — if QFPay does not index the refund under our reference — a lower
   * refundable amount / changed cancel flag of the original payment (the refund's syssn is then
   * `''`). Same never-re-send discipline as {@link pay}.
   */
  async refund(request: RefundRequest): Promise<TransactionOutcome> {
    this.#assertOpen();
    const r = validateRefund(request, this.#limits);
    const refundRef = this.#refs.fresh(this.#newRef);
    this.#refs.claim(refundRef);
    return this.#queue.enqueueTransaction('refund', refundRef, r.signal, (tx) => runCloudRefund(this, r, refundRef, tx, (a) => this.#register(a)));
  }

  /**
   * Asks the terminal (through QFPay) to abandon the open payment/refund screen, overtaking the
   * queue, then waits up to `cancelWaitMs` for that transaction's outcome: `confirmed`, `too_late`
   * (approved anyway) or `requested` (not settled yet). `nothing_to_cancel` when nothing is in
   * flight (nothing is pushed, unless `evenIfIdle`). Rejects with the typed transport error when
   * the cancel could not be delivered, or `CloudRequestError` when QFPay refused it.
   */
  cancel(options: CancelOptions = {}): Promise<CancelResult> {
    return cancelCloudTransaction(this, options);
  }

  /**
   * Looks a transaction up in QFPay's book (`/ecr/v1/query`). Not queued: it does not involve the
   * terminal. Rejects with a transport error or `CloudRequestError` when there is no usable answer.
   */
  async query(request: QueryRequest): Promise<QueryResult> {
    this.#assertOpen();
    const q = validateQuery(request);
    const by = 'orderId' in q.by ? { syssn: q.by.orderId } : { out_trade_no: q.by.out_trade_no };
    return queryCloud(this, by, q.signal);
  }

  /**
   * Prints a transaction's receipt on the terminal (queued). The push needs the transaction's
   * out_trade_no: give it as `options.outTradeNo`, or it is looked up by syssn first. Rejects with
   * a typed error unless QFPay accepted the push.
   */
  async printReceipt(syssn: string, options: { signal?: AbortSignal; outTradeNo?: string } = {}): Promise<void> {
    this.#assertOpen();
    const id = validateSyssn(syssn);
    const ref = options.outTradeNo === undefined ? undefined : validateQuery({ outTradeNo: options.outTradeNo }).by;
    const outTradeNo = ref && 'out_trade_no' in ref ? ref.out_trade_no : undefined;
    return this.#queue.enqueue(options.signal, () => printCloudReceipt(this, id, outTradeNo, options.signal));
  }

  /** Prints the transaction summary on the terminal (queued). Rejects with a typed error unless QFPay accepted the push. */
  async printSummary(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#assertOpen();
    return this.#queue.enqueue(options.signal, () => printCloudSummary(this, options.signal));
  }

  /**
   * Waits for the open transaction to settle, rejects calls still queued with
   * `TerminalClosedError`, stops listening to notifications, then releases connections. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#queue.abandonQueued(() => new TerminalClosedError('TERMINAL_CLOSED', `terminal ${this.id} was closed before this request was sent`, 'nothing was sent; open a new QFPayCloudTerminal to continue'));
    this.#closing = (async () => {
      await this.#queue.idle();
      try {
        this.#unsubscribe?.();
      } catch (err) {
        this.log.warn({ terminal: this.id, err: errInfo(err) }, 'unsubscribing from notifications failed');
      }
      while (this.#background.size > 0) await Promise.all([...this.#background]);
      await this.client.close();
      this.log.debug({ terminal: this.id }, 'terminal closed');
    })();
    return this.#closing;
  }

  // ---------------------------------------------------------------- parts' hooks

  /** @internal The payment/refund in flight. */
  get current() {
    return this.#queue.current;
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

  /** @internal Keeps background work so `close()` waits for it. */
  track(work: Promise<unknown>): void {
    this.#background.add(work);
    void work.finally(() => this.#background.delete(work));
  }

  #register(active: ActiveCloudTransaction): () => void {
    this.#active = active;
    return () => {
      if (this.#active === active) this.#active = undefined;
    };
  }

  #onNotification(n: NormalizedNotification): void {
    try {
      if (this.#active) this.#active.onNotification(n);
      else this.log.debug({ terminal: this.id, kind: n.kind, syssn: n.syssn, outTradeNo: n.outTradeNo }, 'notification while no transaction waits');
    } catch (err) {
      this.log.error({ terminal: this.id, err: errInfo(err) }, 'handling a notification failed');
    }
  }

  #assertOpen(): void {
    if (this.#closing) throw new TerminalClosedError('TERMINAL_CLOSED', `terminal ${this.id} is closed`, 'open a new QFPayCloudTerminal');
  }

  #emit<E extends keyof TerminalEvents>(event: E, ...args: Parameters<TerminalEvents[E]>): void {
    try {
      (this.emit as (e: keyof TerminalEvents, ...a: unknown[]) => boolean)(event, ...args);
    } catch (err) {
      this.log.error({ terminal: this.id, event, err: errInfo(err) }, 'event listener threw');
    }
  }
}
