/** Tolerant decoding of terminal replies, without any cipher (browser-safe). */
import { DecodeError } from '../errors.js';

/** A terminal reply after tolerant decoding; `data` is always an object or null. */
export interface DecodedResponse {
  /** Outer ECR code, e.g. `6000`. */
  respcd: string;
  respmsg: string;
  resperr: string;
  /** Inner transaction data, parsed a second time when it arrived as a JSON string. */
  data: Record<string, unknown> | null;
  /** Whether the reply was encrypted. */
  encrypted: boolean;
}

/**
 * Decodes a terminal reply whatever its shape: plain JSON, or a Base64 AES string (as a JSON
 * string literal or bare) when `decrypt` is given; `data` as object or JSON string; `resmsg` /
 * `reserr` accepted for `respmsg` / `resperr`. Throws {@link DecodeError} when nothing fits.
 * Browser-safe: decryption (node:crypto) is injected, see `decodeResponseBody`.
 */
export function decodeReplyBody(body: string, decrypt?: (cipherText: string) => string): DecodedResponse {
  const trimmed = body.trim();
  if (trimmed.length === 0) {
    throw new DecodeError('DECODE_EMPTY', 'terminal reply is empty', 'the terminal may have been interrupted; query the transaction before retrying');
  }
  let parsed = safeJson(trimmed);
  let encrypted = false;
  if (typeof parsed === 'string' || parsed === undefined) {
    const cipherText = typeof parsed === 'string' ? parsed : trimmed;
    if (!decrypt) {
      throw new DecodeError('DECODE_NEEDS_KEY', 'terminal reply is not JSON and no POS-KEY was given to decrypt it', 'pass the POS-KEY to decode encrypted replies');
    }
    const plain = decrypt(cipherText);
    parsed = safeJson(plain);
    encrypted = true;
    if (parsed === undefined) {
      throw new DecodeError('DECODE_NOT_JSON', 'decrypted terminal reply is not JSON', 'check the terminal firmware version');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DecodeError('DECODE_NOT_OBJECT', 'terminal reply is not a JSON object', 'check that the address points at the terminal\'s ECR port');
  }
  const obj = parsed as Record<string, unknown>;
  const respcd = obj.respcd;
  if (typeof respcd !== 'string' && typeof respcd !== 'number') {
    throw new DecodeError('DECODE_NO_RESPCD', 'terminal reply has no respcd', 'check that the address points at the terminal\'s ECR port');
  }
  return {
    respcd: String(respcd),
    respmsg: text(obj.respmsg ?? obj.resmsg),
    resperr: text(obj.resperr ?? obj.reserr),
    data: decodeData(obj.data),
    encrypted,
  };
}

function decodeData(raw: unknown): Record<string, unknown> | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const value = typeof raw === 'string' ? safeJson(raw) : raw;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DecodeError('DECODE_BAD_DATA', 'terminal reply has a data field that is not a JSON object', 'check the terminal firmware version');
  }
  const data = { ...(value as Record<string, unknown>) };
  // The terminal spells these resmsg/reserr inside data; offer both spellings.
  if (data.respmsg === undefined && data.resmsg !== undefined) data.respmsg = data.resmsg;
  if (data.resperr === undefined && data.reserr !== undefined) data.resperr = data.reserr;
  return data;
}

// Only scalars become text: String() on a JSON object such as {"toString":1} throws a TypeError,
// and a reply must only ever fail with DecodeError.
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

function safeJson(textValue: string): unknown {
  try {
    return JSON.parse(textValue);
  } catch {
    return undefined;
  }
}
