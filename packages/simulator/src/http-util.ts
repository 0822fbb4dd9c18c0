import type { IncomingMessage, ServerResponse } from 'node:http';

/** Thrown by {@link readBody} when the body exceeds the limit. */
export class BodyTooLarge extends Error {}

/** Reads a request body as UTF-8, refusing more than `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLarge(`body larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(err);
      }
    });
  });
}

/** Writes a complete response unless the client is gone. */
export function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/**
 * Writes only the first half of `body` (the `truncate` fault). `complete: false`: the headers
 * announce the whole body, the half is written, then the connection is cut (the client sees a
 * premature close). `complete: true`: the half is sent as a whole, well-formed HTTP reply.
 */
export function sendTruncated(res: ServerResponse, status: number, headers: Record<string, string>, body: string, complete: boolean): void {
  if (res.destroyed || res.writableEnded) return;
  const bytes = Buffer.from(body, 'utf8');
  const half = bytes.subarray(0, Math.floor(bytes.length / 2));
  if (complete) {
    res.writeHead(status, { ...headers, 'Content-Length': String(half.length) });
    res.end(half);
    return;
  }
  res.writeHead(status, { ...headers, 'Content-Length': String(bytes.length) });
  res.write(half, () => res.destroy());
}

/**
 * CORS headers a real terminal must send: Odoo's POS calls it straight from the browser with a
 * JSON POST, which needs a preflight. Private Network Access is allowed too (a public-origin POS
 * page calling a LAN device).
 */
export function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  const headers: Record<string, string> = { 'Access-Control-Allow-Origin': origin ?? '*', 'Access-Control-Expose-Headers': 'Content-Type' };
  if (origin) headers.Vary = 'Origin';
  return headers;
}

/** Headers answering a CORS preflight. */
export function preflightHeaders(req: IncomingMessage): Record<string, string> {
  const requested = req.headers['access-control-request-headers'];
  return {
    ...corsHeaders(req),
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': typeof requested === 'string' && requested.length > 0 ? requested : 'Content-Type, Accept',
    'Access-Control-Max-Age': '600',
    ...(req.headers['access-control-request-private-network'] === 'true' ? { 'Access-Control-Allow-Private-Network': 'true' } : {}),
  };
}
