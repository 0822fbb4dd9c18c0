/**
 * QFPay notification signatures (`X-QF-SIGN`): upper-case hex MD5 of the raw body bytes followed
 * by the notification key (notify-woo-anchors.md A2). Always over the bytes as received: parsing
 * and re-serialising the JSON changes key order or whitespace and breaks the signature.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../errors.js';

/** A notification body exactly as received. Prefer the bytes; a string is hashed as UTF-8. */
export type NotificationBody = Uint8Array | string;

/** Result of {@link verifyNotification}. `keyIndex` says which configured key matched. */
export type NotificationVerification =
  | { ok: true; keyIndex: number }
  | { ok: false; reason: 'missing_signature' | 'bad_signature' };

// MD5 hex is 32 characters; a header of any other length cannot match and is rejected up front
// (its length is not secret), which also keeps timingSafeEqual on equal-length buffers.
const SIGNATURE_LENGTH = 32;

function toBytes(body: NotificationBody): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function keyList(key: string | readonly string[]): readonly string[] {
  const keys = typeof key === 'string' ? [key] : key;
  if (keys.length === 0) {
    throw new ConfigError('CONFIG_NOTIFY_KEY', 'no notification key is configured', 'set the QFPay notification key (client_key) issued with your app code');
  }
  keys.forEach((k, index) => {
    // An empty key would make the signature a plain MD5 of the body, which anyone can compute.
    if (typeof k !== 'string' || k.length === 0) {
      throw new ConfigError('CONFIG_NOTIFY_KEY', `notification key #${index + 1} is empty`, 'set the QFPay notification key (client_key) issued with your app code');
    }
  });
  return keys;
}

function md5Upper(body: Buffer, key: string): string {
  return createHash('md5').update(body).update(key, 'utf8').digest('hex').toUpperCase();
}

/** Computes `X-QF-SIGN` for a body, as QFPay does (used by the simulator and tests). */
export function signNotification(rawBody: NotificationBody, key: string): string {
  const [only] = keyList(key) as [string];
  return md5Upper(toBytes(rawBody), only);
}

/**
 * Checks `X-QF-SIGN` against the raw body under one key or several (during key rotation).
 * The header is compared case-insensitively and in constant time. Never throws for anything
 * the sender controls; throws {@link ConfigError} only when no usable key is configured.
 */
export function verifyNotification(
  rawBody: NotificationBody,
  signHeader: string | undefined,
  key: string | readonly string[],
): NotificationVerification {
  const keys = keyList(key);
  const header = signHeader?.trim() ?? '';
  if (header === '') return { ok: false, reason: 'missing_signature' };
  const given = Buffer.from(header.toUpperCase(), 'utf8');
  if (given.length !== SIGNATURE_LENGTH) return { ok: false, reason: 'bad_signature' };
  const body = toBytes(rawBody);
  let matched = -1;
  // Every key is tried even after a match so timing does not reveal which key matched.
  keys.forEach((k, index) => {
    const expected = Buffer.from(md5Upper(body, k), 'utf8');
    if (timingSafeEqual(expected, given) && matched < 0) matched = index;
  });
  return matched >= 0 ? { ok: true, keyIndex: matched } : { ok: false, reason: 'bad_signature' };
}
