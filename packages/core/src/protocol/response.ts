import { decodeReplyBody, type DecodedResponse } from './reply-body.js';
import { decryptFromBase64, encryptToBase64 } from './cipher.js';

export type { DecodedResponse } from './reply-body.js';

/**
 * Decodes a terminal reply whatever its shape: plain JSON, or a Base64 AES string (as a JSON
 * string literal or bare) when `posKey` is given; `data` as object or JSON string; `resmsg` /
 * `reserr` accepted for `respmsg` / `resperr`. Throws `DecodeError` when nothing fits.
 */
export function decodeResponseBody(body: string, posKey?: string): DecodedResponse {
  return decodeReplyBody(body, posKey ? (cipherText) => decryptFromBase64(cipherText, posKey) : undefined);
}

/** Options for {@link encodeResponseBody}, used by the simulator. */
export interface EncodeResponseOptions {
  /** Encrypt the reply under this POS-KEY (the docs' behaviour); plain JSON when absent. */
  posKey?: string;
  /** Send `data` as a JSON string (what Odoo sees) rather than an object. Default true. */
  dataAsString?: boolean;
}

/** Builds a terminal reply body (the simulator's side of {@link decodeResponseBody}). */
export function encodeResponseBody(
  reply: { respcd: string; respmsg?: string; resperr?: string; data?: Record<string, unknown> | null },
  options: EncodeResponseOptions = {},
): string {
  const { dataAsString = true } = options;
  const out: Record<string, unknown> = { respcd: reply.respcd, respmsg: reply.respmsg ?? '', resperr: reply.resperr ?? '' };
  if (reply.data) out.data = dataAsString ? JSON.stringify(reply.data) : reply.data;
  const json = JSON.stringify(out);
  return options.posKey ? JSON.stringify(encryptToBase64(json, options.posKey)) : json;
}
