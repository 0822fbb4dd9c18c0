/**
 * Card-number hygiene. Terminals and QFPay normally send card numbers already masked
 * (`520000******1096`); if a full PAN ever arrives we mask it before it reaches our types,
 * logs or storage. Pure functions, no Node built-ins (the browser bundle reuses them).
 */

const FULL_PAN = /^\d{13,19}$/;
// Card numbers are sometimes grouped for display: "4111 1111 1111 1111" or "4111-1111-…".
const SEPARATORS = /[\s-]/g;

/** Whether `value` looks like an unmasked card number: 13–19 digits, spaces or dashes ignored. */
export function looksLikePan(value: string): boolean {
  return FULL_PAN.test(value.replace(SEPARATORS, ''));
}

/**
 * Masks a full PAN to first 6 + stars + last 4 (`4111111111111111` → `411111******1111`).
 * Anything that is not a full PAN (already masked, a wallet account, empty) is returned as is.
 */
export function maskPan(value: string): string {
  if (!looksLikePan(value)) return value;
  const digits = value.replace(SEPARATORS, '');
  return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
}

/** Field names that carry card numbers in terminal replies and notifications. */
const CARD_FIELD = /^(cardcd|cardno|card_no|cardnum|card_number|pan)$/i;

/** Whether a field of a reply or notification carries a card number. */
export function isCardField(name: string): boolean {
  return CARD_FIELD.test(name);
}

/** Returns a shallow copy of `record` with every card-number field passed through {@link maskPan}. */
export function maskCardFields<T extends Record<string, unknown>>(record: T): T {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const value = record[key];
    const masked = typeof value === 'string' && isCardField(key) ? maskPan(value) : value;
    // A name inherited from Object.prototype (`__proto__`, which JSON.parse makes an own field,
    // `toString`, …) is defined, not assigned: assignment would hit the setter or a frozen prototype.
    if (key in out) Object.defineProperty(out, key, { value: masked, enumerable: true, writable: true, configurable: true });
    else out[key] = masked;
  }
  return out as T;
}
