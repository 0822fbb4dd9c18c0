/**
 * One POST over an undici dispatcher, shared by the LAN transport and the cloud client: a
 * whole-request timer, an AbortSignal, a reply size limit, an `onSent` moment (from then on the
 * request may have reached the peer) and every failure mapped to a typed {@link TransportError}.
 * The callers supply the wording that differs (who the peer is, what to do) and keep their own
 * connect/closed classification.
 */
import type { Dispatcher } from 'undici';
import {
  ConnectionLostError,
  InvalidResponseError,
  ResponseTimeoutError,
  TerminalConnectError,
  TransportAbortedError,
  TransportError,
} from './errors.js';

/** An HTTP reply: status and body text. */
export interface DispatchedReply {
  status: number;
  body: string;
}

/** Caller-specific wording and classification of failures. */
export interface DispatchFailures {
  /** Who may have received the request, in messages, e.g. "the terminal" or "QFPay". */
  peer: string;
  hints: {
    abortedBeforeSend: string;
    abortedAfterSend: string;
    responseTimeout: string;
    connectTimeout: string;
    /** Reply not HTTP or larger than the limit. */
    invalidReply: string;
    connectionLost: string;
  };
  /** The dispatcher was closed or destroyed before the request started. */
  closed(cause: Error): TransportError;
  /** Any other failure before the request started (nothing was sent). */
  connectFailure(err: Error): TransportError;
}

/** One request of {@link dispatchPost}. */
export interface DispatchPostRequest {
  origin: string;
  path: string;
  headers: Readonly<Record<string, string>>;
  body: string;
  timeoutMs: number;
  maxResponseBytes: number;
  signal?: AbortSignal;
  /** Called once the connection is up and the request is about to be written. */
  onSent?: () => void;
}

/** The string `code` of an error, or ''. */
export function errCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/**
 * POSTs over `dispatcher` on a fresh connection. Resolves with any HTTP status; rejects only with a
 * {@link TransportError} whose `mayHaveReachedTerminal` tells whether the peer may have received it.
 */
export function dispatchPost(dispatcher: Dispatcher, request: DispatchPostRequest, failures: DispatchFailures): Promise<DispatchedReply> {
  const { origin, path, signal, onSent, timeoutMs, maxResponseBytes } = request;
  const { peer, hints } = failures;
  const where = `${origin}${path}`;
  return new Promise<DispatchedReply>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let started = false;
    let responseStarted = false;
    let settled = false;
    let abandoned: TransportError | undefined;
    let status = 0;
    let size = 0;
    const chunks: Buffer[] = [];

    const settle = (err: TransportError | null, value?: DispatchedReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(value as DispatchedReply);
    };
    const abandon = (err: TransportError) => {
      if (settled) return;
      abandoned = err;
      controller?.abort(err);
      settle(err);
    };
    const onAbort = () =>
      abandon(
        new TransportAbortedError(
          'ABORTED',
          `request to ${where} aborted ${started ? `after it may have reached ${peer}` : 'before anything was sent'}`,
          started ? hints.abortedAfterSend : hints.abortedBeforeSend,
          { phase: started ? (responseStarted ? 'response' : 'request') : 'connect', mayHaveReachedTerminal: started, cause: signal?.reason },
        ),
      );
    const onTimeout = () =>
      abandon(
        started
          ? new ResponseTimeoutError('RESPONSE_TIMEOUT', `no complete reply from ${where} within ${timeoutMs} ms`, hints.responseTimeout, { phase: 'response', mayHaveReachedTerminal: true })
          : new TerminalConnectError('CONNECT_TIMEOUT', `could not connect to ${origin} within ${timeoutMs} ms`, hints.connectTimeout, { phase: 'connect', mayHaveReachedTerminal: false }),
      );
    const mapFailure = (err: Error): TransportError => {
      if (err instanceof TransportError) return err;
      if (!started) {
        if (errCode(err) === 'UND_ERR_DESTROYED' || errCode(err) === 'UND_ERR_CLOSED') return failures.closed(err);
        return failures.connectFailure(err);
      }
      if (err.name === 'HTTPParserError' || errCode(err).startsWith('HPE_')) {
        return new InvalidResponseError('RESPONSE_NOT_HTTP', `the reply from ${where} is not valid HTTP`, hints.invalidReply, { phase: 'response', mayHaveReachedTerminal: true, cause: err });
      }
      return new ConnectionLostError('CONNECTION_LOST', `connection to ${origin} lost during ${path} (${errCode(err) || err.message})`, hints.connectionLost, {
        phase: responseStarted ? 'response' : 'request',
        mayHaveReachedTerminal: true,
        cause: err,
      });
    };

    const timer = setTimeout(onTimeout, timeoutMs);
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(ctrl) {
        controller = ctrl;
        if (abandoned) {
          ctrl.abort(abandoned);
          return;
        }
        started = true;
        try {
          onSent?.();
        } catch {
          // A listener's failure must not break the exchange.
        }
      },
      onResponseStart(_ctrl, statusCode) {
        responseStarted = true;
        status = statusCode;
      },
      onResponseData(_ctrl, chunk) {
        size += chunk.length;
        if (size > maxResponseBytes) {
          abandon(new InvalidResponseError('RESPONSE_TOO_LARGE', `the reply from ${where} exceeds ${maxResponseBytes} bytes`, hints.invalidReply, { phase: 'response', mayHaveReachedTerminal: true }));
          return;
        }
        chunks.push(chunk);
      },
      onResponseEnd() {
        settle(null, { status, body: Buffer.concat(chunks).toString('utf8') });
      },
      onResponseError(_ctrl, err) {
        settle(mapFailure(err));
      },
    };
    try {
      // A fresh connection per request (reset); our own timer bounds the whole request.
      dispatcher.dispatch({ origin, path, method: 'POST', headers: { ...request.headers }, body: request.body, reset: true, headersTimeout: 0, bodyTimeout: 0 }, handler);
    } catch (err) {
      settle(mapFailure(err instanceof Error ? err : new Error(String(err))));
    }
  });
}
