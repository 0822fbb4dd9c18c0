import { decodeRequestBody, decryptFromBase64, QfpayEcrError, type DecodedRequest } from '@qfpay-ecr/core';

/** A request body as the terminal sees it: decoded content, or the outer code to refuse it with. */
export type BodyVerdict = { ok: true; request: DecodedRequest } | { ok: false; respcd: '4003' | '4006' | '5001'; reason: string };

// Replacement character (invalid UTF-8) or C0 controls other than tab/newline: bytes, not text.
const NOT_TEXT = /[\uFFFD\u0000-\u0008\u000B\u000C\u000E-\u001F]/;

/**
 * Decodes a request body with the terminal's POS-KEY and decides how a terminal refuses it:
 * - `5001` "Decryption failed": a JSON string that cannot be a ciphertext at all (not Base64, not
 *   whole AES blocks);
 * - `4003` "Request Denied": a well-formed ciphertext that does not decrypt to text under this
 *   POS-KEY (it was made with another key), or a digest that does not match (wrong key);
 * - `4006` "Incorrect parameter(s)": not JSON, or decrypted/plain text that is not a valid envelope
 *   or `{k=v}` notation.
 * Reasons never contain the POS-KEY.
 */
export function decodeEcrBody(body: string, posKey: string): BodyVerdict {
  let outer: unknown;
  try {
    outer = JSON.parse(body);
  } catch {
    return { ok: false, respcd: '4006', reason: 'request body is not JSON' };
  }
  if (typeof outer === 'string') {
    let plain: string;
    try {
      plain = decryptFromBase64(outer, posKey);
    } catch (err) {
      const code = err instanceof QfpayEcrError ? err.code : '';
      if (code === 'DECODE_DECRYPT_FAILED') return { ok: false, respcd: '4003', reason: 'ciphertext was not made with this terminal\'s POS-KEY' };
      return { ok: false, respcd: '5001', reason: 'request body is not an AES ciphertext (Base64 of whole blocks)' };
    }
    if (NOT_TEXT.test(plain)) return { ok: false, respcd: '4003', reason: 'ciphertext was not made with this terminal\'s POS-KEY' };
  }
  try {
    return { ok: true, request: decodeRequestBody(body, posKey) };
  } catch (err) {
    const code = err instanceof QfpayEcrError ? err.code : '';
    if (code === 'DECODE_BAD_DIGEST') return { ok: false, respcd: '4003', reason: 'digest does not match the content under this terminal\'s POS-KEY' };
    if (code === 'DECODE_DECRYPT_FAILED') return { ok: false, respcd: '4003', reason: 'ciphertext was not made with this terminal\'s POS-KEY' };
    if (code === 'DECODE_NOT_BASE64' || code === 'DECODE_BAD_CIPHERTEXT') return { ok: false, respcd: '5001', reason: 'request body is not an AES ciphertext' };
    return { ok: false, respcd: '4006', reason: code === 'DECODE_BAD_ENVELOPE' ? 'not a {content:…, digest:…} envelope' : 'content is not valid {k=v} notation' };
  }
}
