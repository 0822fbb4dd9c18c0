/**
 * Reads a request body as raw bytes with a size limit. The bytes are what the signature covers,
 * so nothing here decodes, trims or re-serialises them.
 */
import type { IncomingMessage } from 'node:http';
import { ClientAbortedError } from './errors.js';

/** Outcome of {@link readRawBody}. */
export type RawBodyResult =
  | { kind: 'ok'; body: Buffer }
  | { kind: 'too_large'; receivedBytes: number; declaredBytes?: number };

/** Options of {@link readRawBody}. */
export interface RawBodyOptions {
  /** Largest accepted body in bytes. */
  limitBytes: number;
  /**
   * After the limit, up to this many further bytes are read and thrown away so the client is
   * still reading when the 413 arrives (closing a socket with unread input makes the kernel send
   * a reset, which can destroy the answer). Beyond it we stop reading. Default 1 MiB.
   */
  discardBytes?: number;
}

const DEFAULT_DISCARD = 1024 * 1024;

function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined || !/^\d+$/.test(header)) return undefined;
  return Number(header);
}

/**
 * Collects the body of `req`. Bytes beyond `limitBytes` are never buffered: the result is then
 * `too_large`. A declared `Content-Length` above the limit is answered without reading the body
 * when it is also beyond the discard allowance.
 * @throws ClientAbortedError when the client disconnects before the body is complete.
 */
export function readRawBody(req: IncomingMessage, options: RawBodyOptions): Promise<RawBodyResult> {
  const limit = options.limitBytes;
  const discard = options.discardBytes ?? DEFAULT_DISCARD;
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit + discard) {
    return Promise.resolve({ kind: 'too_large', receivedBytes: 0, declaredBytes: declared });
  }
  return new Promise<RawBodyResult>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const tooLarge = (): RawBodyResult =>
      declared === undefined ? { kind: 'too_large', receivedBytes: received } : { kind: 'too_large', receivedBytes: received, declaredBytes: declared };

    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      outcome();
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received <= limit) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      if (received > limit + discard) {
        // Stop reading for good; node's HTTP server drains or drops the rest after we answer.
        finish(() => resolve(tooLarge()));
      }
    };
    const onEnd = (): void => finish(() => resolve(received > limit ? tooLarge() : { kind: 'ok', body: Buffer.concat(chunks, received) }));
    const onError = (cause: unknown): void =>
      finish(() => reject(new ClientAbortedError('NOTIFY_CLIENT_ABORTED', 'the request body could not be read to the end', 'nothing to do: the sender retries', { cause })));
    const onClose = (): void => {
      if (!req.complete) onError(new Error('connection closed before the body was complete'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
