import { WireFormatError } from '../errors.js';

/** A value QFPay's content notation can carry: numbers bare, strings single-quoted, null as `''`. */
export type WireValue = string | number | null | undefined;

/** Request content: flat key → value map (undefined keys are dropped, as Odoo's RPC does). */
export type WireContent = Readonly<Record<string, WireValue>>;

/**
 * Characters the notation cannot carry inside a string value: it has no escaping, so a quote,
 * comma or brace would end the value early and change what the terminal reads.
 */
const UNSAFE_STRING = /['",{}\\\r\n]/;
const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws a {@link WireFormatError} naming the first key or value the notation cannot carry. */
export function assertWireSafe(content: WireContent): void {
  for (const [key, value] of Object.entries(content)) {
    if (!SAFE_KEY.test(key)) {
      throw new WireFormatError('WIRE_BAD_KEY', `content key ${JSON.stringify(key)} is not a plain identifier`, 'use keys made of letters, digits and underscores');
    }
    if (typeof value === 'string' && UNSAFE_STRING.test(value)) {
      throw new WireFormatError(
        'WIRE_UNSAFE_VALUE',
        `value of "${key}" contains a character QFPay's wire format cannot carry (one of ' " , { } \\ or a line break)`,
        'remove quotes, commas, braces, backslashes and line breaks; references should use [A-Za-z0-9_-]',
      );
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new WireFormatError('WIRE_BAD_NUMBER', `value of "${key}" is not a finite number`, 'send finite numbers only');
    }
  }
}

/**
 * Formats request content the way the terminal checks it: keys sorted by code point,
 * `{k=v,k='v'}` with no spaces, numbers bare, strings in single quotes, null as `''`.
 */
export function formatContent(content: WireContent): string {
  assertWireSafe(content);
  const parts = Object.keys(content)
    .filter((key) => content[key] !== undefined)
    .sort(compareCodePoints)
    .map((key) => {
      const value = content[key] ?? '';
      return typeof value === 'string' ? `${key}='${value}'` : `${key}=${String(value)}`;
    });
  return `{${parts.join(',')}}`;
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Parses the `{k=v,k='v'}` notation back into content (the terminal's side). Bare values become
 * numbers, quoted values strings. Throws a {@link WireFormatError} on anything else.
 */
export function parseFormattedContent(text: string): Record<string, string | number> {
  const bad = (why: string) => new WireFormatError('WIRE_BAD_NOTATION', `formatted content is malformed: ${why}`, 'send content produced by formatContent');
  if (!text.startsWith('{') || !text.endsWith('}')) throw bad('it must be wrapped in braces');
  const inner = text.slice(1, -1);
  const out: Record<string, string | number> = {};
  let i = 0;
  while (i < inner.length) {
    const eq = inner.indexOf('=', i);
    if (eq < 0) throw bad(`missing "=" after position ${i}`);
    const key = inner.slice(i, eq);
    if (!SAFE_KEY.test(key)) throw bad(`bad key ${JSON.stringify(key)}`);
    let value: string | number;
    let next: number;
    if (inner[eq + 1] === "'") {
      const close = inner.indexOf("'", eq + 2);
      if (close < 0) throw bad(`unterminated string for ${key}`);
      value = inner.slice(eq + 2, close);
      next = close + 1;
    } else {
      const comma = inner.indexOf(',', eq + 1);
      const end = comma < 0 ? inner.length : comma;
      const raw = inner.slice(eq + 1, end);
      if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) throw bad(`value of ${key} is neither quoted nor a number`);
      value = Number(raw);
      next = end;
    }
    if (Object.prototype.hasOwnProperty.call(out, key)) throw bad(`duplicate key ${key}`);
    setOwn(out, key, value);
    if (next < inner.length && inner[next] !== ',') throw bad(`expected "," after ${key}`);
    i = next + 1;
  }
  return out;
}

/**
 * Plain assignment would treat a `__proto__` key as the prototype setter and silently drop it;
 * defining the property keeps every key the sender formatted.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
