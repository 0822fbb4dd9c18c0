/**
 * WooCommerce amounts are decimal strings ("12.50"; "12.500" when the shop shows three
 * decimals). The adapter works in integer minor units and converts exactly with core's money
 * helpers: never through floating point.
 */
import { assertSupportedCurrency, formatMinor, parseMajorAmount, type SupportedCurrency } from '@qfpay-ecr/core';

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Exact WooCommerce decimal string → minor units. Extra decimals are accepted only when they are
 * zeros ("12.500" → 1250); "12.505" cannot be carried in cents and returns `undefined`, as does
 * anything that is not a plain non-negative decimal or a currency the terminal does not settle in.
 */
export function wooAmountToMinor(amount: string, currency: string): number | undefined {
  try {
    assertSupportedCurrency(currency);
  } catch {
    return undefined;
  }
  const match = DECIMAL.exec(amount.trim());
  if (!match) return undefined;
  const whole = match[1] as string;
  let frac = match[2] ?? '';
  // Woo pads to the shop's "number of decimals" setting; trailing zeros carry no value.
  while (frac.length > 2 && frac.endsWith('0')) frac = frac.slice(0, -1);
  try {
    return parseMajorAmount(frac === '' ? whole : `${whole}.${frac}`, currency);
  } catch {
    return undefined;
  }
}

/** Minor units → the decimal string WooCommerce expects for refund amounts: 1250 → "12.50". */
export function minorToWooAmount(minor: number, currency: SupportedCurrency = 'HKD'): string {
  return formatMinor(minor, currency);
}
