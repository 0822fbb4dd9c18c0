/**
 * Tolerant zod building blocks for what QFPay sends us (terminal reply data, notifications).
 * The docs rarely give types: a field may be a string, a number, `""` or `null`. These helpers
 * accept every such spelling and normalise it, so the schemas built from them read like the docs.
 */
import { z } from 'zod';

/** `null` and `""` mean "not given" (Odoo's fixture sends `cardcd: ""`). */
function isBlank(value: unknown): value is null | '' {
  return value === null || value === '';
}

/** Optional free text: string, number or boolean → string; `""`/`null` → absent. */
export const looseText = z
  .union([z.string(), z.number(), z.boolean(), z.null()], { error: 'must be text or a number' })
  .transform((v) => (isBlank(v) ? undefined : String(v)))
  .optional();

/**
 * Optional identifier (syssn, out_trade_no…): string, or a number only while it is an exact
 * integer. A 26-digit syssn sent as a JSON number has already lost digits, and a wrong syssn
 * would later refund the wrong payment, so that is refused rather than stored.
 */
export const looseId = z
  .union([
    z.string(),
    z.number().refine(Number.isSafeInteger, {
      message: 'identifier arrived as a JSON number that is not an exact integer (digits may be lost); it must be sent as a string',
    }),
    z.null(),
  ], { error: 'must be an identifier (text)' })
  .transform((v) => (isBlank(v) ? undefined : String(v)))
  .optional();

/** A required identifier: like {@link looseId} but must be present and non-empty. */
export const requiredId = z.union([
  z.string().min(1, { message: 'must not be empty' }),
  z.number().refine(Number.isSafeInteger, { message: 'identifier arrived as a JSON number that is not an exact integer; it must be sent as a string' }),
], { error: 'is required: an identifier (text)' }).transform(String);

/**
 * A QFPay status code such as `0000`. Strings are kept as sent; a number is padded back to
 * four digits, because `"0000"` sent as JSON `0` must still read as success, not as code `0`.
 */
export const codeText = z
  .union([z.string().min(1, { message: 'must not be empty' }), z.number().int().nonnegative()], { error: 'is required: a status code such as "0000"' })
  .transform((v) => (typeof v === 'number' ? String(v).padStart(4, '0') : v.trim()));

/** Optional status code: like {@link codeText}, with `""`/`null` read as absent. */
export const looseCode = z
  .union([z.string(), z.number().int().nonnegative(), z.null()], { error: 'must be a status code such as "0000"' })
  .transform((v) => (isBlank(v) ? undefined : typeof v === 'number' ? String(v).padStart(4, '0') : v.trim() || undefined))
  .optional();

/** Optional small integer flag (e.g. `cancel` 0–5): integer or digit string → number. */
export const looseInt = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\s*\d{1,9}\s*$/, { message: 'must be a whole number' }), z.null()], { error: 'must be a whole number' })
  .transform((v) => (isBlank(v) ? undefined : typeof v === 'number' ? v : Number(v.trim())))
  .optional();

/** Optional amount as the docs leave it: a number or a numeric string, kept as sent (`""`/`null` → absent). */
export const looseAmount = z
  .union([z.number(), z.string(), z.null()], { error: 'must be a number or numeric text' })
  .transform((v) => (isBlank(v) ? undefined : typeof v === 'string' ? v.trim() : v))
  .optional();

/** Maps QFPay's currency spellings to ISO 4217 letters: the numeric `344` becomes `HKD`. */
export function normaliseCurrency(code: string): string {
  const trimmed = code.trim().toUpperCase();
  return Object.prototype.hasOwnProperty.call(NUMERIC_CURRENCIES, trimmed) ? (NUMERIC_CURRENCIES[trimmed] as string) : trimmed;
}

// ISO 4217 numeric codes for the currencies QFPay lists (currencies.md).
const NUMERIC_CURRENCIES: Readonly<Record<string, string>> = {
  '344': 'HKD',
  '156': 'CNY',
  '840': 'USD',
  '702': 'SGD',
  '392': 'JPY',
  '978': 'EUR',
  '784': 'AED',
  '360': 'IDR',
  '104': 'MMK',
  '458': 'MYR',
  '764': 'THB',
  '124': 'CAD',
  '036': 'AUD',
};

/** Renders zod issues as `path: message; …` without echoing values (they may hold card data). */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
