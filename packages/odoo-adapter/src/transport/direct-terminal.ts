/**
 * `DirectTerminal`: a browser-safe {@link PaymentTerminal} that POSTs straight to the terminal
 * (`https://<ip>:9001/api/pos/...`, as pos_qfpay does), with every body signed and encrypted by
 * a server-side {@link RequestSigner} so the POS-KEY never reaches the browser. The device must
 * trust the terminal's certificate (QFPay's `ca3.crt`); if it cannot, use the bridge topology.
 *
 * The terminal logic is core's shared `TerminalEngine` (the same as `QFPayTerminal`), over a
 * signer-backed codec (replies read as plain JSON) and a fetch-based poster. Because fetch cannot
 * tell "not connected" from "reply lost", a 4001 for its reference goes before each payment: it
 * proves the terminal is reachable (so "cannot reach" really means nothing was sent) and that the
 * reference is fresh. After that, the engine's rules hold: a payment is never re-sent, anything
 * unclear is resolved by querying, a 6001 is confirmed by a query.
 */
import { z } from 'zod';
import { newOutTradeNo } from '@qfpay-ecr/core/reference';
import {
  CHANNELS,
  TerminalEngine,
  type CancelOptions,
  type CancelResult,
  type PaymentTerminal,
  type PayRequest,
  type QueryRequest,
  type QueryResult,
  type RefundRequest,
  type ResolveOptions,
  type TransactionOutcome,
  validatePay,
  validateRefund,
} from '@qfpay-ecr/core/terminal';
import { AdapterConfigError } from '../errors.js';
import { TerminalEmitter } from './emitter.js';
import { fetchPoster } from './fetch-poster.js';
import type { FetchLike } from './http.js';
import { signerCodec } from './signer-codec.js';
import type { RequestSigner } from './signer.js';

/** Options of {@link DirectTerminal}. */
export interface DirectTerminalOptions {
  /** The terminal's IP address (its certificate is issued for it). */
  host: string;
  /** Default 9001. */
  port?: number;
  /** Default `https`; `http` only if the terminal serves plain HTTP on purpose. */
  protocol?: 'https' | 'http';
  /** Signs and encrypts each request on a server (Odoo RPC or the notify server's route). */
  signer: RequestSigner;
  fetch?: FetchLike;
  /** Timeout of queries, cancels and prints; default 15000 ms. */
  requestTimeoutMs?: number;
  /** Added to the customer's time to get the payment's HTTP timeout; default 30000 ms. */
  paymentReplyGraceMs?: number;
  /** Customer time when a payment gives none; default 120 s (the terminal's default). */
  defaultPaymentTimeoutSec?: number;
  /** How long `cancel()` waits for the open transaction to settle; default 10000 ms. */
  cancelWaitMs?: number;
  /** How an unclear payment/refund is resolved by querying (core's defaults: up to 120 s). */
  resolve?: ResolveOptions;
}


const OptionsSchema = z.object({
  host: z.string().regex(/^[A-Za-z0-9.:[\]-]{1,253}$/, { message: 'host must be the terminal IP address' }),
  port: z.number().int().min(1).max(65535).optional(),
  protocol: z.enum(['https', 'http']).optional(),
  signer: z.custom<RequestSigner>((v) => typeof v === 'function', { message: 'signer must be a function' }),
});

const ReplySchema = z.looseObject({
  respcd: z.union([z.string(), z.number()]).transform(String),
  respmsg: z.unknown().optional(),
  resperr: z.unknown().optional(),
  data: z.unknown().optional(),
});

interface Reply {
  respcd: string;
  message: string;
  data: Record<string, unknown> | null;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** Reads a terminal reply as plain JSON (`data` possibly a JSON string); undefined when it is not one. */
export function decodePlainReply(body: string): Reply | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const r = ReplySchema.safeParse(json);
  if (!r.success) return undefined;
  let data: unknown = r.data.data;
  if (typeof data === 'string') {
    if (data === '') data = null;
    else {
      try {
        data = JSON.parse(data);
      } catch {
        return undefined;
      }
    }
  }
  if (data !== undefined && data !== null && (typeof data !== 'object' || Array.isArray(data))) return undefined;
  const d = (data ?? null) as Record<string, unknown> | null;
  return { respcd: r.data.respcd, message: text(r.data.resperr) || text(r.data.respmsg) || text(d?.reserr) || text(d?.resmsg), data: d };
}

/** See the module documentation. */
export class DirectTerminal extends TerminalEmitter implements PaymentTerminal {
  readonly #origin: string;
  readonly #engine: TerminalEngine;
  /** The payment/refund in progress: one at a time, a second one is refused (not queued). */
  #current: Promise<TransactionOutcome> | undefined;
  #closed = false;

  constructor(options: DirectTerminalOptions) {
    super();
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new AdapterConfigError('CONFIG_TERMINAL', `invalid DirectTerminal options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'set the terminal IP address of the payment method');
    }
    const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
    this.#origin = `${options.protocol ?? 'https'}://${host}:${options.port ?? 9001}`;
    const requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#engine = new TerminalEngine({
      codec: signerCodec(options.signer),
      poster: fetchPoster(this.#origin, fetchImpl, requestTimeoutMs),
      emit: (event, ...args) => this.emit(event, ...args),
      requestTimeoutMs,
      paymentReplyGraceMs: options.paymentReplyGraceMs ?? 30_000,
      defaultPaymentTimeoutSec: options.defaultPaymentTimeoutSec ?? 120,
      cancelWaitMs: options.cancelWaitMs ?? 10_000,
      refundReferenceFactory: () => newOutTradeNo('rf'),
      probeBeforePayment: true,
      ...(options.resolve ? { resolve: options.resolve } : {}),
    });
  }

  /** Where requests go, e.g. `https://192.168.1.50:9001`. */
  get origin(): string {
    return this.#origin;
  }

  async pay(request: PayRequest): Promise<TransactionOutcome> {
    const outTradeNo = validatePay(request, {}).outTradeNo ?? newOutTradeNo();
    return this.#run('payment', outTradeNo, () => this.#engine.pay({ ...request, outTradeNo }));
  }

  async refund(request: RefundRequest): Promise<TransactionOutcome> {
    validateRefund(request, {});
    return this.#run('refund', newOutTradeNo('rf'), () => this.#engine.refund(request));
  }

  cancel(options: CancelOptions = {}): Promise<CancelResult> {
    return this.#engine.cancel(options);
  }

  query(request: QueryRequest): Promise<QueryResult> {
    return this.#engine.query(request);
  }

  printReceipt(syssn: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#engine.printReceipt(syssn, options);
  }

  printSummary(options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#engine.printSummary(options);
  }

  /** Waits for the open transaction (bounded by its HTTP timeout and resolution), then refuses new ones. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#current) await this.#current;
  }

  /** Refuses (as an outcome) when closed or busy, else runs the transaction on the engine. */
  async #run(kind: 'payment' | 'refund', outTradeNo: string, start: () => Promise<TransactionOutcome>): Promise<TransactionOutcome> {
    if (this.#closed) return this.#refuse({ status: 'failed', kind, outTradeNo, codes: {}, error: { code: 'TERMINAL_CLOSED', message: 'the terminal was closed', hint: 'nothing was sent' } });
    if (this.#current) {
      return this.#refuse({ status: 'failed', kind, outTradeNo, codes: {}, error: { code: 'TERMINAL_BUSY', message: 'another payment or refund is in progress on this terminal; nothing was sent', hint: 'wait for it to finish' } });
    }
    const running = start();
    this.#current = running;
    try {
      return await running;
    } finally {
      if (this.#current === running) this.#current = undefined;
    }
  }

  #refuse(outcome: TransactionOutcome): TransactionOutcome {
    this.emit('outcome', outcome);
    return outcome;
  }
}
