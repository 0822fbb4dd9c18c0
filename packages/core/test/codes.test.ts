import {
  classifyOuterCode,
  classifyTransactionCode,
  isPendingTransactionCode,
  OUTER_CODES,
  TRANSACTION_CODES,
} from '../src/protocol/index.js';

const PENDING = ['1143', '1145', '1295', '1296', '1298'];

describe('transaction codes (data.respcd)', () => {
  it.each(PENDING)('%s is pending: keep querying, never re-send', (code) => {
    expect(classifyTransactionCode(code).kind).toBe('pending');
    expect(isPendingTransactionCode(code)).toBe(true);
  });

  it('no other code in the table is pending', () => {
    const pending = Object.entries(TRANSACTION_CODES)
      .filter(([, info]) => info.kind === 'pending')
      .map(([code]) => code)
      .sort();
    expect(pending).toEqual(PENDING);
    for (const code of Object.keys(TRANSACTION_CODES)) expect(isPendingTransactionCode(code)).toBe(PENDING.includes(code));
  });

  it('0000 is success and the only success', () => {
    expect(classifyTransactionCode('0000').kind).toBe('success');
    const successes = Object.entries(TRANSACTION_CODES).filter(([, info]) => info.kind === 'success');
    expect(successes.map(([code]) => code)).toEqual(['0000']);
  });

  it('codes that say "do not pay again" are failures with a hint to query', () => {
    for (const code of ['1102', '1260', '2011']) {
      expect(classifyTransactionCode(code).kind).toBe('failed');
      expect(classifyTransactionCode(code).hint).toMatch(/query/);
    }
  });

  it.each(['9999', '', '0', '00000', '1143 '])('unknown code %j is unrecognised, never success or failed', (code) => {
    const info = classifyTransactionCode(code);
    expect(info.kind).toBe('unrecognised');
    expect(info.meaning).toContain(code.trim() === '' ? 'unrecognised' : code);
    expect(isPendingTransactionCode(code)).toBe(false);
  });

  it('every entry says what it means', () => {
    for (const info of Object.values(TRANSACTION_CODES)) expect(info.meaning.length).toBeGreaterThan(3);
  });
});

describe('outer codes (respcd)', () => {
  it('6000 success, 6001 cancelled', () => {
    expect(classifyOuterCode('6000').kind).toBe('success');
    expect(classifyOuterCode('6001').kind).toBe('cancelled');
  });

  it.each(['6002', '4003', '4004', '4005', '4006', '5001'])('%s is a failure', (code) => {
    expect(classifyOuterCode(code).kind).toBe('failed');
  });

  it('4003 tells the user to check the POS-KEY and re-login Haojin', () => {
    expect(classifyOuterCode('4003').hint).toMatch(/POS-KEY/);
    expect(classifyOuterCode('4003').hint).toMatch(/re-login/);
  });

  it('covers exactly the documented outer codes', () => {
    expect(Object.keys(OUTER_CODES).sort()).toEqual(['4003', '4004', '4005', '4006', '5001', '6000', '6001', '6002']);
  });

  it.each(['0000', '7000', 'abc'])('unknown outer code %s is unrecognised', (code) => {
    expect(classifyOuterCode(code)).toEqual({ meaning: `unrecognised ECR code ${code}`, kind: 'unrecognised' });
  });

  it('does not treat inherited object properties as codes', () => {
    expect(classifyOuterCode('toString').kind).toBe('unrecognised');
    expect(classifyTransactionCode('constructor').kind).toBe('unrecognised');
  });
});
