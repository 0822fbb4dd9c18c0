import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { WireFormatError } from '../src/errors.js';
import {
  decodeOdooOutTradeNo,
  encodeOdooOutTradeNo,
  isValidOutTradeNo,
  MAX_OUT_TRADE_NO_PREFIX,
  newOutTradeNo,
  OUT_TRADE_NO_PATTERN,
} from '../src/reference/index.js';
import { TradeRequestContentSchema } from '../src/protocol/index.js';

const UUID = '8d0f3a52-6c1e-4a7b-9f0e-2b9c4d5e6f70';

function wireError(fn: () => unknown): WireFormatError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WireFormatError);
    return error as WireFormatError;
  }
  throw new Error('expected a WireFormatError, but nothing was thrown');
}

describe('newOutTradeNo', () => {
  it('makes valid, unique references that the 1001 schema accepts', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i += 1) {
      const ref = newOutTradeNo();
      expect(ref).toMatch(/^[0-9a-z]{23}$/);
      seen.add(ref);
    }
    expect(seen.size).toBe(20_000);
    expect(TradeRequestContentSchema.safeParse({ func_type: 1001, amt: 1, channel: 'wx', out_trade_no: newOutTradeNo('till-7') }).success).toBe(true);
  });

  it('differs even for the same millisecond', () => {
    const now = 1_756_000_000_000;
    const refs = new Set(Array.from({ length: 1000 }, () => newOutTradeNo(undefined, now)));
    expect(refs.size).toBe(1000);
  });

  it('uses the whole alphabet for its random part (not a constant or a counter)', () => {
    const chars = new Set<string>();
    for (let i = 0; i < 500; i += 1) for (const c of newOutTradeNo(undefined, 0).slice(9)) chars.add(c);
    expect(chars.size).toBe(36);
  });

  it('sorts by creation time (property over timestamps)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 1, max: 1_000_000_000 }), (t, dt) => {
        expect(newOutTradeNo('p', t) < newOutTradeNo('p', t + dt)).toBe(true);
      }),
    );
  });

  it('keeps a prefix and stays within 64 characters at the longest prefix', () => {
    const prefix = 'A'.repeat(MAX_OUT_TRADE_NO_PREFIX);
    const ref = newOutTradeNo(prefix);
    expect(ref.startsWith(`${prefix}-`)).toBe(true);
    expect(ref.length).toBeLessThanOrEqual(64);
    expect(isValidOutTradeNo(ref)).toBe(true);
    expect(newOutTradeNo('shop_1')).toMatch(/^shop_1-[0-9a-z]{23}$/);
  });

  it.each(['', 'a b', "o'brien", 'a,b', 'é', 'A'.repeat(MAX_OUT_TRADE_NO_PREFIX + 1)])('rejects the prefix %j', (prefix) => {
    expect(wireError(() => newOutTradeNo(prefix)).code).toBe('REFERENCE_BAD_PREFIX');
  });
});

describe('isValidOutTradeNo', () => {
  it.each(['A', 'ORDER-0001', 'a_b-C9', 'x'.repeat(64), `${UUID}--12--3`])('accepts %j', (ref) => {
    expect(isValidOutTradeNo(ref)).toBe(true);
  });

  it.each(['', 'x'.repeat(65), 'a b', "a'b", 'a,b', 'a}b', 'a.b', 'é', 'a\n', 42, null, undefined])('rejects %j', (ref) => {
    expect(isValidOutTradeNo(ref)).toBe(false);
  });

  it('agrees with OUT_TRADE_NO_PATTERN', () => {
    fc.assert(fc.property(fc.string({ maxLength: 70 }), (s) => expect(isValidOutTradeNo(s)).toBe(OUT_TRADE_NO_PATTERN.test(s))));
  });
});

describe('Odoo pos_qfpay out_trade_no', () => {
  it('encodes <lineUuid>--<sessionId>--<paymentMethodId>', () => {
    expect(encodeOdooOutTradeNo({ lineUuid: UUID, sessionId: 12, paymentMethodId: 3 })).toBe(`${UUID}--12--3`);
  });

  it('decodes what Odoo sends', () => {
    expect(decodeOdooOutTradeNo(`${UUID}--12--3`)).toEqual({ lineUuid: UUID, sessionId: 12, paymentMethodId: 3 });
    expect(decodeOdooOutTradeNo(`${UUID.toUpperCase()}--1--1`)).toEqual({ lineUuid: UUID.toUpperCase(), sessionId: 1, paymentMethodId: 1 });
  });

  it('round-trips any uuid and ids (property)', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 1, max: 2 ** 31 }), (lineUuid, sessionId, paymentMethodId) => {
        const ref = encodeOdooOutTradeNo({ lineUuid, sessionId, paymentMethodId });
        expect(isValidOutTradeNo(ref)).toBe(true);
        expect(decodeOdooOutTradeNo(ref)).toEqual({ lineUuid, sessionId, paymentMethodId });
      }),
    );
  });

  it.each([
    '',
    '2cccf6c02d4835bdb79d7c96beb95cbf',
    `${UUID}--12`,
    `${UUID}--12--3--4`,
    `${UUID}-12-3`,
    `not-a-uuid--12--3`,
    `${UUID.slice(0, -1)}--12--3`,
    `${UUID}--0--3`,
    `${UUID}--12--0`,
    `${UUID}--012--3`,
    `${UUID}---12--3`,
    `${UUID}--1.5--3`,
    `${UUID}--12--3 `,
    `${UUID}--99999999999999999--3`,
  ])('decode returns null for %j', (ref) => {
    expect(decodeOdooOutTradeNo(ref)).toBeNull();
  });

  it.each([
    ['a non-uuid line id', { lineUuid: 'line-1', sessionId: 1, paymentMethodId: 1 }],
    ['a uuid with a suffix', { lineUuid: `${UUID}--x`, sessionId: 1, paymentMethodId: 1 }],
    ['session 0', { lineUuid: UUID, sessionId: 0, paymentMethodId: 1 }],
    ['a negative method id', { lineUuid: UUID, sessionId: 1, paymentMethodId: -1 }],
    ['a fractional id', { lineUuid: UUID, sessionId: 1.5, paymentMethodId: 1 }],
    ['NaN', { lineUuid: UUID, sessionId: Number.NaN, paymentMethodId: 1 }],
    ['ids too long for 64 characters', { lineUuid: UUID, sessionId: Number.MAX_SAFE_INTEGER, paymentMethodId: Number.MAX_SAFE_INTEGER }],
  ])('encode rejects %s', (_label, parts) => {
    expect(wireError(() => encodeOdooOutTradeNo(parts)).code).toBe('REFERENCE_BAD_ODOO_PART');
  });
});

describe('browser safety', () => {
  // The browser bundle reuses these: they must not reach for Node built-ins.
  const BROWSER_FILES = ['reference/index.ts', 'reference/out-trade-no.ts', 'reference/odoo.ts', 'protocol/pan.ts', 'protocol/loose.ts', 'notify/parse.ts', 'notify/types.ts', 'money/index.ts', 'errors.ts'];

  it('every file of reference/ is in the checked list', () => {
    const files = readdirSync(new URL('../src/reference/', import.meta.url)).filter((f) => f.endsWith('.ts'));
    for (const file of files) expect(BROWSER_FILES).toContain(`reference/${file}`);
  });

  it.each(BROWSER_FILES)('%s imports no Node built-ins', (file) => {
    const source = readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8');
    expect(source).not.toMatch(/from\s+['"](node:|crypto['"]|buffer['"]|fs['"])/);
    expect(source).not.toMatch(/\bBuffer\b|\brequire\(|\bprocess\./);
  });
});
