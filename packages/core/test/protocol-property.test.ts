import fc from 'fast-check';
import { ConfigError, QfpayEcrError, WireFormatError } from '../src/errors.js';
import { decodeRequestBody, encodeRequestBody, formatContent, type WireValue } from '../src/protocol/index.js';

const ASCII_PRINTABLE = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i));
const SAFE_CHARS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_ .:/-'];
const UNICODE_LETTERS = [...'éßñüçøÅΩλЖж中文香港한글ひらカタ'];

/** POS-KEYs as Haojin shows them are ASCII; 16/24/32 characters give AES-128/192/256. */
const validPosKey = fc
  .constantFrom(16, 24, 32)
  .chain((n) => fc.string({ unit: fc.constantFrom(...ASCII_PRINTABLE), minLength: n, maxLength: n }));

// At least 6 characters, so "the key is not in the message" is a meaningful check.
const invalidPosKey = fc
  .integer({ min: 6, max: 64 })
  .filter((n) => n !== 16 && n !== 24 && n !== 32)
  .chain((n) => fc.string({ unit: fc.constantFrom(...ASCII_PRINTABLE), minLength: n, maxLength: n }));

const contentKey = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/);

const safeString = fc.string({ unit: fc.oneof(fc.constantFrom(...SAFE_CHARS), fc.constantFrom(...UNICODE_LETTERS)), maxLength: 24 });

const wireValue: fc.Arbitrary<WireValue> = fc.oneof(
  safeString,
  fc.integer(),
  fc.integer({ min: -1_000_000, max: 0 }),
  fc.maxSafeInteger(),
  // decimals with at most 2 places, positive and negative
  fc.integer({ min: -10_000_000, max: 10_000_000 }).map((n) => n / 100),
  fc.constant(null),
);

const entries = fc.uniqueArray(fc.tuple(contentKey, wireValue), { selector: ([k]) => k, maxLength: 8 });

// -0 formats as "0", which is the same number on the wire; compare it as 0.
const expectedValue = (v: WireValue): string | number => (v === null || v === undefined ? '' : Object.is(v, -0) ? 0 : v);

describe('encodeRequestBody → decodeRequestBody (property)', () => {
  it('round-trips random flat content under random valid POS-KEYs (null comes back as "")', () => {
    fc.assert(
      fc.property(entries, validPosKey, (pairs, posKey) => {
        const content = Object.fromEntries(pairs) as Record<string, WireValue>;
        const decoded = decodeRequestBody(encodeRequestBody(content, posKey), posKey);
        expect(decoded.content).toEqual(Object.fromEntries(pairs.map(([k, v]) => [k, expectedValue(v)])));
        expect(decoded.formatted).toBe(formatContent(content));
        expect(decoded.encrypted).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps keys that collide with Object.prototype names, such as __proto__ and constructor', () => {
    const posKey = '0123456789abcdef';
    const content = JSON.parse('{"__proto__":"x","constructor":1,"toString":"y"}') as Record<string, WireValue>;
    const decoded = decodeRequestBody(encodeRequestBody(content, posKey), posKey);
    expect(Object.keys(decoded.content).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getOwnPropertyDescriptor(decoded.content, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(decoded.content)).toBe(Object.prototype);
  });

  it("rejects string values containing ' , or } before producing a body, naming the key and not the POS-KEY", () => {
    const unsafeString = fc
      .tuple(safeString, fc.constantFrom("'", ',', '}', '{', '"', '\\', '\n'), safeString)
      .map(([a, bad, b]) => `${a}${bad}${b}`);
    fc.assert(
      fc.property(entries, contentKey, unsafeString, validPosKey, (pairs, badKey, bad, posKey) => {
        const content: Record<string, WireValue> = Object.fromEntries(pairs.filter(([k]) => k !== badKey));
        content[badKey] = bad;
        let produced: string | undefined;
        let error: unknown;
        try {
          produced = encodeRequestBody(content, posKey);
        } catch (e) {
          error = e;
        }
        expect(produced).toBeUndefined();
        expect(error).toBeInstanceOf(WireFormatError);
        const err = error as WireFormatError;
        expect(err.code).toBe('WIRE_UNSAFE_VALUE');
        expect(err.message).toContain(`"${badKey}"`);
        expect(err.message).not.toContain(posKey);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses unsafe content even when the POS-KEY is also wrong: the value check comes first', () => {
    expect(() => encodeRequestBody({ func_type: 1001, out_trade_no: "A'B" }, 'short-key')).toThrow(WireFormatError);
  });

  it('gives ConfigError CONFIG_POS_KEY_LENGTH for POS-KEYs of any other length, without the key in the message', () => {
    fc.assert(
      fc.property(entries, invalidPosKey, (pairs, posKey) => {
        let error: unknown;
        try {
          encodeRequestBody(Object.fromEntries(pairs), posKey);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ConfigError);
        const err = error as ConfigError;
        expect(err.code).toBe('CONFIG_POS_KEY_LENGTH');
        expect(err.message).toContain(`${Buffer.byteLength(posKey)} bytes`);
        expect(err.message).not.toContain(posKey);
        expect(err.hint).not.toContain(posKey);
      }),
      { numRuns: 200 },
    );
  });

  it('a body made under one key never decodes under another (only typed errors)', () => {
    fc.assert(
      fc.property(entries, validPosKey, validPosKey, (pairs, keyA, keyB) => {
        fc.pre(keyA !== keyB);
        const body = encodeRequestBody(Object.fromEntries(pairs), keyA);
        expect(() => decodeRequestBody(body, keyB)).toThrow(QfpayEcrError);
      }),
      { numRuns: 100 },
    );
  });
});
