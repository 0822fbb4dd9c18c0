/** Typed errors of the terminal layer. Messages never contain the POS-KEY. */
import { QfpayEcrError } from '../errors.js';

/**
 * A `pay` / `refund` / `query` / `print` argument is invalid (`REQUEST_INVALID`,
 * `REQUEST_REUSED_OUT_TRADE_NO`). Thrown before anything is sent to the terminal.
 */
export class InvalidRequestError extends QfpayEcrError {}

/**
 * The terminal answered a query/print/cancel request with something other than success. `code`
 * is the terminal's outer code (`4003`, `6002`…) or `HTTP_<status>`, `REPLY_UNDECODABLE`,
 * `REPLY_NO_DATA`; `hint` says what to do.
 */
export class TerminalRequestError extends QfpayEcrError {
  /** The outer ECR code when the terminal gave one. */
  readonly respcd?: string;

  constructor(code: string, message: string, hint: string, options?: { cause?: unknown; respcd?: string }) {
    super(code, message, hint, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.respcd !== undefined) this.respcd = options.respcd;
  }
}

/** The terminal was closed: queued calls that never started, and calls made after `close()` (`TERMINAL_CLOSED`). */
export class TerminalClosedError extends QfpayEcrError {}
