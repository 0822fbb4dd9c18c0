/**
 * What the terminal logic ({@link TerminalEngine}) needs from the outside world, as interfaces:
 * a codec (request content → HTTP body, HTTP body → reply) and a poster (HTTP POST to the
 * terminal). Node supplies node:crypto + undici; a browser supplies a server-side signer + fetch.
 * Browser-safe: type declarations only.
 */
import type { DecodedResponse } from '../protocol/reply-body.js';
import type { EcrRequestContent } from '../protocol/request-schemas.js';

export type { DecodedResponse };

/** Turns request content into the HTTP body, and the HTTP body of a reply into a {@link DecodedResponse}. */
export interface EcrCodec {
  /** The HTTP body of a request (already validated content). Rejects when it cannot be built; nothing is sent then. */
  encode(content: EcrRequestContent, signal?: AbortSignal): Promise<string>;
  /** Decodes a 2xx reply body. Throws when it is not a usable reply. */
  decode(body: string): DecodedResponse;
}

/** Per-request options of {@link EcrPoster.post}. */
export interface EcrPostOptions {
  /** Whole-request timeout (connect + send + reply). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called once the request is about to be written (from then on it may reach the terminal). */
  onSent?: () => void;
}

/** An HTTP reply: status and body text. */
export interface EcrPostResponse {
  status: number;
  body: string;
}

/** Sends HTTP requests to one terminal. Core's undici `EcrTransport` is one. */
export interface EcrPoster {
  /** Origin for logs and messages (contains no secret), e.g. `https://192.168.1.50:9001`. */
  readonly origin: string;
  /**
   * POSTs `body` to `path`. Resolves with any HTTP status; rejects with a `TransportError`
   * (transport/errors.ts) whose `mayHaveReachedTerminal` tells whether the terminal may have
   * received the request. Any other rejection is treated as "may have reached it".
   */
  post(path: string, body: string, options?: EcrPostOptions): Promise<EcrPostResponse>;
  /** Waits for running requests, then releases connections. */
  close?(): Promise<void>;
}

/** A structured logger with pino's `(obj, msg)` call shape. */
export interface TerminalLogger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

/** How an `unknown` transaction is resolved by polling 4001. */
export interface ResolveOptions {
  /** Give up (outcome `unknown`) after this long; default 120000 ms. */
  deadlineMs?: number;
  /** First interval between queries; default 500 ms (doubles each time). */
  minIntervalMs?: number;
  /** Longest interval between queries; default 5000 ms. */
  maxIntervalMs?: number;
  /** "Not found" answers tolerated before closing any open screen and concluding; default 3. */
  notFoundGraceQueries?: number;
}

/** Timings of the engine, all resolved. */
export interface EngineTimings {
  paymentReplyGraceMs: number;
  defaultPaymentTimeoutSec: number;
  requestTimeoutMs: number;
  cancelWaitMs: number;
  resolve: Required<ResolveOptions>;
}
