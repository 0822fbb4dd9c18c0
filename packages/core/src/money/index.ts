import { AmountError } from '../errors.js';

/** Currencies the terminal settles in, with their minor-unit exponent. */
export const CURRENCY_EXPONENT = { HKD: 2 } as const;
export type SupportedCurrency = keyof typeof CURRENCY_EXPONENT;

/** Default upper bound for one transaction, in minor units (HK$1,000,000.00). */
export const DEFAULT_MAX_AMOUNT_MINOR = 100_000_000;

export interface AmountLimits {
  /** Largest amount accepted, in minor units. */
  maxMinor?: number;
}

/** Throws {@link AmountError} unless `currency` is one the terminal settles in. */
export function assertSupportedCurrency(currency: string): asserts currency is SupportedCurrency {
  if (!Object.prototype.hasOwnProperty.call(CURRENCY_EXPONENT, currency)) {
    throw new AmountError('AMOUNT_CURRENCY', `currency ${JSON.stringify(currency)} is not supported by the ECR terminal`, 'QFPay ECR terminals settle in HKD');
  }
}

/** Throws {@link AmountError} unless `minor` is a positive safe integer within limits. */
export function assertValidAmountMinor(minor: number, limits: AmountLimits = {}, label = 'amount'): void {
  const max = limits.maxMinor ?? DEFAULT_MAX_AMOUNT_MINOR;
  if (typeof minor !== 'number' || !Number.isInteger(minor)) {
    throw new AmountError('AMOUNT_NOT_INTEGER', `${label} must be an integer number of minor units (cents), got ${String(minor)}`, 'pass cents: HK$12.50 is 1250');
  }
  if (minor <= 0) {
    throw new AmountError('AMOUNT_NOT_POSITIVE', `${label} must be greater than zero, got ${minor}`, 'pass a positive amount in cents');
  }
  if (minor > max) {
    throw new AmountError('AMOUNT_TOO_LARGE', `${label} ${minor} is above the limit of ${max} minor units`, 'split the payment or raise the configured limit');
  }
}

/** Minor units → exact decimal string in major units: 1250 → "12.50", 5 → "0.05". */
export function formatMinor(minor: number, currency: SupportedCurrency = 'HKD'): string {
  const exp = CURRENCY_EXPONENT[currency];
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(minor)).padStart(exp + 1, '0');
  return `${sign}${digits.slice(0, -exp)}.${digits.slice(-exp)}`;
}

/**
 * Minor units → the `amt` number a 1001 payment carries (dollars). Built from the exact decimal
 * string, so 30 → 0.3 (never 0.30000000000000004) and `String(amt)` round-trips.
 */
export function toWireAmount(minor: number, currency: SupportedCurrency = 'HKD', limits?: AmountLimits): number {
  assertSupportedCurrency(currency);
  assertValidAmountMinor(minor, limits);
  return Number(formatMinor(minor, currency));
}

/** Minor units → the `refund_amount` string a 1002 refund carries: 1250 → "12.50". */
export function toWireRefundAmount(minor: number, currency: SupportedCurrency = 'HKD', limits?: AmountLimits): string {
  assertSupportedCurrency(currency);
  assertValidAmountMinor(minor, limits, 'refund amount');
  return formatMinor(minor, currency);
}

const MAJOR = /^(\d+)(?:\.(\d+))?$/;
/** Commas are accepted only between groups of three digits ("1,234.50"). */
const GROUPED = /^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;

/**
 * Major units as people type them ("12.5", "12.50", "12", "HK$1,234.50", 12.5) → minor units,
 * exactly. More decimals than the currency has are rejected, never rounded; a comma is accepted
 * only between thousands, so a decimal comma ("12,50") is refused rather than read as 1250.
 */
export function parseMajorAmount(input: string | number, currency: SupportedCurrency = 'HKD'): number {
  assertSupportedCurrency(currency);
  const exp = CURRENCY_EXPONENT[currency];
  const typed = typeof input === 'number' ? numberToPlainString(input) : input.trim().replace(/^HK\$/i, '');
  // A decimal comma ("12,50") must be refused, not read as 1250 dollars.
  if (typed.includes(',') && !GROUPED.test(typed)) {
    throw new AmountError('AMOUNT_FORMAT', `amount ${JSON.stringify(String(input))} is not a plain decimal number`, 'write it like 12.50 (commas only between thousands, as in 1,234.50)');
  }
  const text = typed.replace(/,/g, '');
  const match = MAJOR.exec(text);
  if (!match) {
    throw new AmountError('AMOUNT_FORMAT', `amount ${JSON.stringify(String(input))} is not a plain decimal number`, 'write it like 12.50');
  }
  const whole = match[1] as string;
  const frac = match[2] ?? '';
  if (frac.length > exp) {
    throw new AmountError('AMOUNT_PRECISION', `amount ${text} has more than ${exp} decimal places`, `${currency} has ${exp} decimal places`);
  }
  const minor = Number(whole + frac.padEnd(exp, '0'));
  if (!Number.isSafeInteger(minor)) {
    throw new AmountError('AMOUNT_TOO_LARGE', `amount ${text} is too large`, 'check the amount');
  }
  return minor;
}

/**
 * A wire amount in major units (number or string, e.g. `amt`, `refund_amount`) → minor units.
 * Rejects values with more precision than the currency has.
 */
export function fromWireMajor(value: number | string, currency: SupportedCurrency = 'HKD'): number {
  return parseMajorAmount(typeof value === 'number' ? numberToPlainString(value) : value, currency);
}

/** A wire amount already in minor units (`txamt` of notifications/queries, number or string) → number. */
export function fromWireMinor(value: number | string): number {
  const text = typeof value === 'number' ? String(value) : value.trim();
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new AmountError('AMOUNT_FORMAT', `amount in cents ${JSON.stringify(String(value))} is not a non-negative integer`, 'expected an integer number of cents');
  }
  return Number(text);
}

function numberToPlainString(n: number): string {
  if (!Number.isFinite(n) || n < 0) {
    throw new AmountError('AMOUNT_FORMAT', `amount ${String(n)} is not a finite non-negative number`, 'write it like 12.50');
  }
  // Shortest round-trip representation; refuse exponent notation rather than guess.
  const s = String(n);
  if (/e/i.test(s)) throw new AmountError('AMOUNT_FORMAT', `amount ${s} is outside the supported range`, 'write it like 12.50');
  return s;
}

/** Formats minor units for people: 1250 → "HK$12.50". */
export function formatDisplay(minor: number, currency: SupportedCurrency = 'HKD'): string {
  const [whole, frac] = formatMinor(minor, currency).split('.') as [string, string];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${currency === 'HKD' ? 'HK$' : currency + ' '}${grouped}.${frac}`;
}
