/**
 * Merchant references (`out_trade_no`). The wire notation has no escaping, so references are
 * limited to `[A-Za-z0-9_-]`, 1–64 characters. Uses only Web Crypto (`globalThis.crypto`), so
 * the browser bundle can reuse it.
 */
import { WireFormatError } from '../errors.js';

/** What an `out_trade_no` may contain. */
export const OUT_TRADE_NO_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Longest prefix {@link newOutTradeNo} accepts, leaving room for the separator, time and randomness. */
export const MAX_OUT_TRADE_NO_PREFIX = 32;

const PREFIX = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_OUT_TRADE_NO_PREFIX}}$`);
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
// 9 base-36 digits of milliseconds last until the year 5188, so fixed width keeps string order = time order.
const TIME_WIDTH = 9;
// 14 base-36 characters ≈ 72 bits: collisions within one millisecond are not a practical concern.
const RANDOM_WIDTH = 14;

/** Whether `value` can be sent as an `out_trade_no`. */
export function isValidOutTradeNo(value: unknown): value is string {
  return typeof value === 'string' && OUT_TRADE_NO_PATTERN.test(value);
}

function randomBase36(length: number): string {
  const out: string[] = [];
  const buffer = new Uint8Array(length * 2);
  while (out.length < length) {
    globalThis.crypto.getRandomValues(buffer);
    for (const byte of buffer) {
      // Reject bytes ≥ 252 (= 7 × 36) so every character is equally likely.
      if (byte < 252 && out.length < length) out.push(ALPHABET[byte % 36] as string);
    }
  }
  return out.join('');
}

/**
 * A fresh, unique reference for one attempt: `[prefix-]<time><random>`, e.g.
 * `shop1-0mbx2k3q1h4c9v0z2r7p1k5` (9 time + 14 random characters). References made later sort after earlier ones (to the
 * millisecond); 72 random bits make collisions negligible. Never reuse one for a new attempt.
 * Throws {@link WireFormatError} `REFERENCE_BAD_PREFIX` when the prefix cannot be carried.
 */
export function newOutTradeNo(prefix?: string, now: number = Date.now()): string {
  if (prefix !== undefined && !PREFIX.test(prefix)) {
    throw new WireFormatError(
      'REFERENCE_BAD_PREFIX',
      `out_trade_no prefix must be 1–${MAX_OUT_TRADE_NO_PREFIX} characters of A-Z a-z 0-9 _ -`,
      'choose a short prefix such as your shop or till id, without spaces or punctuation',
    );
  }
  const time = Math.max(0, Math.floor(now)).toString(36).padStart(TIME_WIDTH, '0');
  const body = `${time}${randomBase36(RANDOM_WIDTH)}`;
  return prefix === undefined ? body : `${prefix}-${body}`;
}
