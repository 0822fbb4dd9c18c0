/**
 * Reads a reply body up to a size cap, so a misbehaving shop (or a proxy's error page loop)
 * cannot make the adapter buffer without bound.
 */
import type { Readable } from 'node:stream';

/**
 * The body as UTF-8 text, or `undefined` when it is (or announces itself as) larger than
 * `maxBytes`; the stream is then destroyed, not drained.
 */
export async function readCapped(body: Readable, contentLength: string | string[] | undefined, maxBytes: number): Promise<string | undefined> {
  const announced = typeof contentLength === 'string' ? Number(contentLength) : Number.NaN;
  if (Number.isFinite(announced) && announced > maxBytes) {
    body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) {
      body.destroy();
      return undefined;
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
