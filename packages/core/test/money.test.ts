import fc from 'fast-check';
import { AmountError } from '../src/errors.js';
import {
  DEFAULT_MAX_AMOUNT_MINOR,
  formatDisplay,
  formatMinor,
  fromWireMajor,
  fromWireMinor,
  parseMajorAmount,
  toWireAmount,
  toWireRefundAmount,
  type SupportedCurrency,
} from '../src/money/index.js';

function amountError(fn: () => unknown): AmountError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AmountError);
    return error as AmountError;
  }
  throw new Error('expected an AmountError, but nothing was thrown');
}

describe('toWireAmount / fromWireMajor', () => {
  it('is exact for every cent value from 1 to 100000', () => {
    const mismatches: number[] = [];
    for (let m = 1; m <= 100_000; m += 1) {
      const amt = toWireAmount(m);
      // "12.50" → "12.5", "1.00" → "1": the shortest decimal, which is what String(number) prints
      const expected = formatMinor(m).replace(/0+$/, '').replace(/\.$/, '');
      if (String(amt) !== expected || fromWireMajor(amt) !== m || fromWireMajor(String(amt)) !== m) mismatches.push(m);
    }
    expect(mismatches).toEqual([]);
  });

  it('never produces float drift such as 0.30000000000000004', () => {
    expect(toWireAmount(30)).toBe(0.3);
    expect(String(toWireAmount(10))).toBe('0.1');
    expect(String(toWireAmount(99_999_999))).toBe('999999.99');
  });

  it('round-trips any valid amount up to the limit (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: DEFAULT_MAX_AMOUNT_MINOR }), (m) => {
        expect(fromWireMajor(toWireAmount(m))).toBe(m);
        expect(toWireRefundAmount(m)).toBe(formatMinor(m));
        expect(fromWireMajor(toWireRefundAmount(m))).toBe(m);
      }),
      { numRuns: 2000 },
    );
  });

  it.each<[string, number, string]>([
    ['zero', 0, 'AMOUNT_NOT_POSITIVE'],
    ['negative', -1, 'AMOUNT_NOT_POSITIVE'],
    ['a fraction of a cent', 12.5, 'AMOUNT_NOT_INTEGER'],
    ['NaN', Number.NaN, 'AMOUNT_NOT_INTEGER'],
    ['Infinity', Number.POSITIVE_INFINITY, 'AMOUNT_NOT_INTEGER'],
    ['over the limit', DEFAULT_MAX_AMOUNT_MINOR + 1, 'AMOUNT_TOO_LARGE'],
  ])('rejects %s with AmountError', (_label, minor, code) => {
    expect(amountError(() => toWireAmount(minor)).code).toBe(code);
    expect(amountError(() => toWireRefundAmount(minor)).code).toBe(code);
  });

  it('honours a configured lower limit', () => {
    expect(toWireAmount(500, 'HKD', { maxMinor: 500 })).toBe(5);
    expect(amountError(() => toWireAmount(501, 'HKD', { maxMinor: 500 })).code).toBe('AMOUNT_TOO_LARGE');
  });

  it('rejects currencies the terminal does not settle in', () => {
    for (const currency of ['USD', 'hkd', '', 'toString']) {
      expect(amountError(() => toWireAmount(100, currency as SupportedCurrency)).code).toBe('AMOUNT_CURRENCY');
    }
  });

  it('fromWireMajor refuses sub-cent precision, negatives and non-numbers', () => {
    for (const bad of ['12.345', 12.345, '-1', -1, 'abc', '', '1e3', Number.NaN]) amountError(() => fromWireMajor(bad));
  });
});

describe('parseMajorAmount', () => {
  it.each<[string | number, number]>([
    ['12.5', 1250],
    ['12.50', 1250],
    ['12', 1200],
    ['0.05', 5],
    [' 7.1 ', 710],
    ['HK$1,234.50', 123_450],
    ['hk$12', 1200],
    [12.5, 1250],
  ])('accepts %j → %i', (input, minor) => {
    expect(parseMajorAmount(input)).toBe(minor);
  });

  it.each(['12.345', '-1', 'abc', '', '1.2.3', '$12', '12,5.0.0', '1e3', '.5'])('rejects %j with AmountError', (input) => {
    const error = amountError(() => parseMajorAmount(input));
    expect(['AMOUNT_FORMAT', 'AMOUNT_PRECISION']).toContain(error.code);
  });

  it('says which rule failed', () => {
    expect(amountError(() => parseMajorAmount('12.345')).code).toBe('AMOUNT_PRECISION');
    expect(amountError(() => parseMajorAmount('-1')).code).toBe('AMOUNT_FORMAT');
  });
});

describe('fromWireMinor (notifications and 4001 replies)', () => {
  it('accepts integer cents as number or string', () => {
    expect(fromWireMinor('511')).toBe(511);
    expect(fromWireMinor(511)).toBe(511);
    expect(fromWireMinor(' 0 ')).toBe(0);
  });

  it.each(['5.11', 5.11, '-1', -1, '', 'abc', '1e3', '99999999999999999999'])('rejects %j', (value) => {
    expect(amountError(() => fromWireMinor(value)).code).toBe('AMOUNT_FORMAT');
  });
});

describe('formatting', () => {
  it('formatMinor pads cents and keeps the sign', () => {
    expect([formatMinor(5), formatMinor(1250), formatMinor(100), formatMinor(-5)]).toEqual(['0.05', '12.50', '1.00', '-0.05']);
  });

  it('formatDisplay groups thousands', () => {
    expect(formatDisplay(123_450)).toBe('HK$1,234.50');
    expect(formatDisplay(100_000_000)).toBe('HK$1,000,000.00');
  });
});
