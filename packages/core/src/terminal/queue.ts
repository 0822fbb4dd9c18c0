/**
 * One transaction at a time per terminal: a FIFO queue of calls, the in-flight payment/refund
 * (which `cancel()` may overtake), and what happens when a caller aborts. Browser-safe.
 */
import { TransportAbortedError } from '../transport/errors.js';
import { deferred, type InFlight, type Kind } from './support.js';
import type { TransactionOutcome } from './types.js';

interface Job {
  start: () => Promise<void>;
  abandon: (err: Error) => void;
}

/** What the queue asks of the engine. */
export interface QueueHooks {
  /** A transaction ended: log it (before anyone waiting on it hears of it). */
  logOutcome(outcome: TransactionOutcome): void;
  /** A transaction ended: tell listeners (after `cancel()` waiters, before the caller). */
  emitOutcome(outcome: TransactionOutcome): void;
  /** A queued transaction was accepted. */
  onQueued(kind: Kind, outTradeNo: string): void;
  /** The caller aborted a transaction already started: ask the terminal to cancel it. */
  onLiveAbort(kind: Kind, outTradeNo: string): void;
  /** The transaction's handler threw (a bug). */
  onInternalError(kind: Kind, outTradeNo: string, err: unknown): void;
}

/** The FIFO of one terminal. */
export class TerminalQueue {
  readonly #hooks: QueueHooks;
  readonly #jobs: Job[] = [];
  #active: Promise<void> | undefined;
  #current: InFlight | undefined;

  constructor(hooks: QueueHooks) {
    this.#hooks = hooks;
  }

  /** The payment or refund being handled, if any. */
  get current(): InFlight | undefined {
    return this.#current;
  }

  /** Removes the queued calls now (synchronously) and rejects them with `err`. */
  abandonQueued(err: () => Error): void {
    for (const job of this.#jobs.splice(0)) job.abandon(err());
  }

  /** Resolves once nothing runs any more. */
  async idle(): Promise<void> {
    while (this.#active) await this.#active;
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
  enqueue<T>(signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
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
  enqueueTransaction(kind: Kind, outTradeNo: string, signal: AbortSignal | undefined, run: (tx: InFlight) => Promise<TransactionOutcome>): Promise<TransactionOutcome> {
    const settled = deferred<TransactionOutcome>();
    const onWire = deferred<void>();
    const tx: InFlight = { kind, outTradeNo, cancelRequested: false, posted: false, onWire: onWire.promise, markOnWire: () => onWire.resolve(), settled: settled.promise, settle: settled.resolve };
    return new Promise<TransactionOutcome>((resolve, reject) => {
      const finish = (outcome: TransactionOutcome) => {
        tx.outcome = outcome;
        tx.markOnWire();
        this.#hooks.logOutcome(outcome);
        tx.settle(outcome);
        this.#hooks.emitOutcome(outcome);
        resolve(outcome);
      };
      const onQueuedAbort = () => {
        const i = this.#jobs.indexOf(job);
        if (i < 0) return;
        this.#jobs.splice(i, 1);
        finish({ status: 'failed', kind, outTradeNo, codes: {}, error: { code: 'ABORTED', message: `${kind} aborted while queued`, hint: 'nothing was sent to the terminal' } });
      };
      const onLiveAbort = () => this.#hooks.onLiveAbort(kind, outTradeNo);
      const job: Job = {
        start: async () => {
          signal?.removeEventListener('abort', onQueuedAbort);
          this.#current = tx;
          let outcome: TransactionOutcome;
          if (signal?.aborted) {
            outcome = { status: 'failed', kind, outTradeNo, codes: {}, error: { code: 'ABORTED', message: `${kind} aborted before it was sent`, hint: 'nothing was sent to the terminal' } };
          } else {
            signal?.addEventListener('abort', onLiveAbort, { once: true });
            try {
              outcome = await run(tx);
            } catch (err) {
              // A bug must not turn into a lost payment: after sending, the answer is unknown.
              this.#hooks.onInternalError(kind, outTradeNo, err);
              outcome = tx.posted
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
          tx.markOnWire();
          reject(err);
        },
      };
      this.#hooks.onQueued(kind, outTradeNo);
      signal?.addEventListener('abort', onQueuedAbort, { once: true });
      this.#jobs.push(job);
      this.#pump();
    });
  }
}
