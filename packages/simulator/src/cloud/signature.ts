/**
 * QFPay OpenAPI request signatures (`X-QF-SIGN`), written here independently of core's signer so
 * the simulator cross-checks it: parameters sorted by name (ASCII ascending), `k=v` joined by `&`
 * with the raw, not URL-encoded values (empty values included), the client key appended, hashed
 * with MD5 (default) or SHA-256 (`X-QF-SIGNTYPE: SHA256`), upper-case hex
 * (notify-woo-anchors.md A5; camela-qfpay/docs integration/api-reference/signature-generation.md).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Hash algorithms QFPay accepts in `X-QF-SIGNTYPE`. */
export type OpenApiSignType = 'MD5' | 'SHA256';

/** The string QFPay hashes, without the key: `a=1&b=2`. */
export function openApiSigningString(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k] ?? ''}`)
    .join('&');
}

/** Upper-case hex signature of `params` under `clientKey`. */
export function openApiSignature(params: Readonly<Record<string, string>>, clientKey: string, signType: OpenApiSignType): string {
  return createHash(signType === 'SHA256' ? 'sha256' : 'md5')
    .update(openApiSigningString(params) + clientKey, 'utf8')
    .digest('hex')
    .toUpperCase();
}

/** `X-QF-SIGNTYPE` → algorithm; absent = MD5; anything else = null (refused). Case-insensitive. */
export function parseSignType(header: string | undefined): OpenApiSignType | null {
  if (header === undefined || header.trim() === '') return 'MD5';
  const value = header.trim().toUpperCase();
  return value === 'MD5' || value === 'SHA256' ? value : null;
}

/**
 * Whether `signHeader` is the signature of `params`. Hex case is ignored (one of QFPay's own
 * samples forgets to upper-case); the comparison is constant-time.
 */
export function verifyOpenApiSignature(params: Readonly<Record<string, string>>, signHeader: string, clientKey: string, signType: OpenApiSignType): boolean {
  const expected = Buffer.from(openApiSignature(params, clientKey, signType), 'utf8');
  const given = Buffer.from(signHeader.trim().toUpperCase(), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
