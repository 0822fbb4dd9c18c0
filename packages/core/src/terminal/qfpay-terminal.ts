/**
 * `QFPayTerminal`: the {@link PaymentTerminal} contract over QFPay's ECR protocol, in Node. It is
 * the shared {@link TerminalEngine} (all the terminal logic and its money rules) assembled with
 * the local codec (node:crypto, the POS-KEY held here) and the undici HTTPS transport.
 */
import { TerminalEventEmitter } from './terminal-emitter.js';
import { encodeRequestBody } from '../protocol/codec.js';
import { decodeResponseBody } from '../protocol/response.js';
import { createEcrTransport, type EcrTransport } from '../transport/transport.js';
import { TerminalEngine } from './engine.js';
import { parseTerminalOptions, type QFPayTerminalOptions } from './options.js';
import type { EcrCodec } from './ports.js';
import { compact } from './support.js';
import type { CancelOptions, CancelResult, PaymentTerminal, PayRequest, QueryRequest, QueryResult, RefundRequest, TerminalEvents, TransactionOutcome } from './types.js';

/** The codec of a side that holds the POS-KEY: AES + digest with node:crypto. */
export function localEcrCodec(posKey: string): EcrCodec {
  return {
    encode: async (content) => encodeRequestBody(content, posKey),
    decode: (body) => decodeResponseBody(body, posKey),
  };
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
export class QFPayTerminal extends TerminalEventEmitter implements PaymentTerminal {
  /** Name of this terminal in logs. */
  readonly id: string;
  readonly #engine: TerminalEngine;

  /**
   * Validates options (zod) and sets up the transport. Throws `ConfigError` for bad options,
   * a POS-KEY of the wrong length, or a CA that is neither QFPay's ca3.crt nor pinned.
   */
  constructor(options: QFPayTerminalOptions) {
    super();
    const cfg = parseTerminalOptions(options);
    const raw = cfg.raw;
    const transport: EcrTransport =
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
    this.#engine = new TerminalEngine(
      compact({
        codec: localEcrCodec(raw.posKey),
        poster: transport,
        id: raw.id,
        emit: ((event: keyof TerminalEvents, ...args: unknown[]) => (this.emit as (e: keyof TerminalEvents, ...a: unknown[]) => boolean)(event, ...args)) as never,
        logger: raw.logger,
        secrets: [raw.posKey],
        requestTimeoutMs: cfg.requestTimeoutMs,
        paymentReplyGraceMs: cfg.paymentReplyGraceMs,
        defaultPaymentTimeoutSec: cfg.defaultPaymentTimeoutSec,
        cancelWaitMs: cfg.cancelWaitMs,
        resolve: cfg.resolve,
        outTradeNoFactory: raw.outTradeNoFactory,
        maxAmountMinor: raw.maxAmountMinor,
      }),
    );
    this.id = this.#engine.id;
  }

  // ---------------------------------------------------------------- PaymentTerminal (see TerminalEngine)

  /**
   * Takes a payment. Rejects (before sending anything) with `InvalidRequestError` / `AmountError`
   * for invalid input, or `TerminalClosedError`; otherwise resolves to the outcome. Aborting
   * `signal` while queued ends it as `failed` (`ABORTED`); once sent it asks the terminal to
   * cancel (like `cancel()`), and the outcome still reports what really happened.
   */
  pay(request: PayRequest): Promise<TransactionOutcome> {
    return this.#engine.pay(request);
  }

  /**
   * Refunds (part of) an earlier payment by its syssn (1002). Same discipline as {@link pay}: an
   * unanswered refund is `unknown` and is resolved by comparing the original payment's refundable
   * amount before and after. `outTradeNo` of the outcome is the refund's own when the terminal
   * gives it, else a local reference.
   */
  refund(request: RefundRequest): Promise<TransactionOutcome> {
    return this.#engine.refund(request);
  }

  /**
   * Asks the terminal to abandon the open payment/refund screen (5001), overtaking the queue, then
   * waits up to `cancelWaitMs` for that transaction's outcome. `nothing_to_cancel` when no
   * payment/refund is in flight (no 5001 is sent, unless `evenIfIdle`). Rejects with the typed
   * transport error when the 5001 could not be delivered.
   */
  cancel(options: CancelOptions = {}): Promise<CancelResult> {
    return this.#engine.cancel(options);
  }

  /**
   * Looks a transaction up in the terminal's book (4001), queued behind the open transaction.
   * Rejects with a transport error or `TerminalRequestError` when there is no usable answer.
   */
  query(request: QueryRequest): Promise<QueryResult> {
    return this.#engine.query(request);
  }

  /** Prints the receipt of a transaction on the terminal (3001). Rejects with a typed error unless the terminal answers 6000. */
  printReceipt(syssn: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#engine.printReceipt(syssn, options);
  }

  /** Prints the transaction summary on the terminal (3002). Rejects with a typed error unless the terminal answers 6000. */
  printSummary(options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#engine.printSummary(options);
  }

  /**
   * Waits for the open transaction to settle (its outcome), rejects calls still queued with
   * `TerminalClosedError`, then releases the connections. Idempotent.
   */
  close(): Promise<void> {
    return this.#engine.close();
  }
}
