/**
 * OpenAPI request signatures (notify-woo-anchors.md A5): every body parameter sorted by name
 * (ASCII), joined as `k=v` with `&` (values as sent, not URL-encoded), the client key appended,
 * hashed with MD5 or SHA-256, upper-case hex. Headers: `X-QF-APPCODE`, `X-QF-SIGN` and, for
 * SHA-256, `X-QF-SIGNTYPE: SHA256` (MD5 is QFPay's default when the header is absent).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../errors.js';

/** Hash of the signature. */
export type CloudSignType = 'MD5' | 'SHA256';

/** Body parameters as they are sent (undefined = not sent). */
export type CloudParams = Readonly<Record<string, string | number | undefined>>;

/** Parameters that are sent: undefined dropped, every value as its text. */
export function sentParams(params: CloudParams): [string, string][] {
  return Object.entries(params)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([k, v]) => [k, String(v)] as [string, string])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The string that is hashed, without the key: `a=1&b=2` (sorted by name, values unencoded). */
export function signatureBase(params: CloudParams): string {
  return sentParams(params)
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function assertKey(clientKey: string): void {
  // An empty key would make the signature a plain hash that anyone can compute.
  if (typeof clientKey !== 'string' || clientKey.length === 0) {
    throw new ConfigError('CONFIG_CLOUD_CREDENTIALS', 'the client key is empty', 'set the client_key QFPay issued with your app code');
  }
}

/** `X-QF-SIGN` for a request body: upper-case hex of MD5/SHA-256 over {@link signatureBase} + client key (UTF-8). */
export function signCloudRequest(params: CloudParams, clientKey: string, signType: CloudSignType = 'MD5'): string {
  assertKey(clientKey);
  return createHash(signType === 'SHA256' ? 'sha256' : 'md5')
    .update(signatureBase(params) + clientKey, 'utf8')
    .digest('hex')
    .toUpperCase();
}

/** The headers that authenticate a request. */
export function cloudAuthHeaders(params: CloudParams, appCode: string, clientKey: string, signType: CloudSignType = 'MD5'): Record<string, string> {
  return {
    'X-QF-APPCODE': appCode,
    'X-QF-SIGN': signCloudRequest(params, clientKey, signType),
    ...(signType === 'SHA256' ? { 'X-QF-SIGNTYPE': 'SHA256' } : {}),
  };
}

/**
 * Checks a signature over `params` (a fake OpenAPI, or a signed reply) in constant time; the hex
 * is compared case-insensitively. Never throws for what the other side sent.
 */
export function verifyCloudSignature(params: CloudParams, signature: string | undefined, clientKey: string, signType: CloudSignType = 'MD5'): boolean {
  assertKey(clientKey);
  const given = Buffer.from((signature ?? '').trim().toUpperCase(), 'utf8');
  const expected = Buffer.from(signCloudRequest(params, clientKey, signType), 'utf8');
  // Lengths are public (32 or 64 hex digits); equal lengths keep timingSafeEqual usable.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Reads `X-QF-SIGNTYPE`: absent or `MD5` → MD5, `SHA256` → SHA-256, anything else undefined. */
export function parseSignType(header: string | undefined): CloudSignType | undefined {
  const t = (header ?? '').trim().toUpperCase();
  if (t === '' || t === 'MD5') return 'MD5';
  if (t === 'SHA256' || t === 'SHA-256') return 'SHA256';
  return undefined;
}
