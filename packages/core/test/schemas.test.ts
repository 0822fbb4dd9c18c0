import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { DecodeError, WireFormatError } from '../src/errors.js';
import {
  decodeResponseBody,
  ECR_PATHS,
  EcrRequestContentSchema,
  encodeResponseBody,
  FUNC_TYPES,
  isEcrFuncType,
  parseReplyData,
  parseRequestContent,
  QueryRequestContentSchema,
  RefundRequestContentSchema,
  TradeRequestContentSchema,
  type EcrFuncType,
} from '../src/protocol/index.js';
import { CHANNELS } from '../src/terminal/types.js';
import { toWireAmount } from '../src/money/index.js';

const vectors = (JSON.parse(readFileSync(new URL('./fixtures/ecr-vectors.json', import.meta.url), 'utf8')) as { vectors: { content: unknown }[] }).vectors;

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('request content schemas', () => {
  it('accept every request in the reference vectors', () => {
    for (const v of vectors) expect(EcrRequestContentSchema.parse(v.content)).toEqual(v.content);
  });

  it('accept a full 1001 with every documented option', () => {
    const content = {
      func_type: 1001,
      amt: 100.5,
      channel: 'wx',
      out_trade_no: 'shop_1-ABC',
      camera_id: 1,
      payment_timeout: 120,
      wait_card_timeout: 30,
      scan_type: 'SCAN_PAY',
      moveToBack: 0,
    };
    expect(TradeRequestContentSchema.parse(content)).toEqual(content);
  });

  it('accept every channel and every amount money/toWireAmount produces', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CHANNELS), fc.integer({ min: 1, max: 100_000_000 }), (channel, minor) => {
        expect(TradeRequestContentSchema.safeParse({ func_type: 1001, amt: toWireAmount(minor), channel }).success).toBe(true);
      }),
    );
  });

  it.each([
    ['amt zero', { amt: 0 }],
    ['amt negative', { amt: -1 }],
    ['amt with 3 decimals', { amt: 12.345 }],
    ['amt as a string', { amt: '12.5' }],
    ['amt NaN', { amt: Number.NaN }],
    ['unknown channel', { channel: 'visa' }],
    ['out_trade_no with a space', { out_trade_no: 'ORDER 1' }],
    ['out_trade_no with a quote', { out_trade_no: "ORDER'1" }],
    ['out_trade_no with a comma', { out_trade_no: 'A,B' }],
    ['out_trade_no of 65 characters', { out_trade_no: 'a'.repeat(65) }],
    ['empty out_trade_no', { out_trade_no: '' }],
    ['camera_id 2', { camera_id: 2 }],
    ['payment_timeout 0', { payment_timeout: 0 }],
    ['payment_timeout 1.5', { payment_timeout: 1.5 }],
    ['wait_card_timeout negative', { wait_card_timeout: -5 }],
    ['scan_type unknown', { scan_type: 'MPM' }],
    ['moveToBack true', { moveToBack: true }],
    ['func_type as a string', { func_type: '1001' }],
    ['an unknown key', { amount: 1 }],
  ])('1001 rejects %s', (_label, override) => {
    const base = { func_type: 1001, amt: 12.5, channel: 'card_payment', out_trade_no: 'ORDER-0001' };
    expect(EcrRequestContentSchema.safeParse({ ...base, ...override }).success).toBe(false);
  });

  it('accepts a 64-character out_trade_no made of every allowed character class', () => {
    const ref = `${'Az09_-'.repeat(10)}abcd`;
    expect(ref).toHaveLength(64);
    expect(TradeRequestContentSchema.safeParse({ func_type: 1001, amt: 1, channel: 'fps', out_trade_no: ref }).success).toBe(true);
  });

  it('1002: orderId required; refund_amount a positive dollar string; flags 0|1', () => {
    const ok = { func_type: 1002, orderId: '20250826155400087645770447', refund_amount: '0.05', allow_modify_flag: 1, moveToBack: 1 };
    expect(RefundRequestContentSchema.parse(ok)).toEqual(ok);
    expect(RefundRequestContentSchema.safeParse({ func_type: 1002, orderId: 'X1' }).success).toBe(true);
    for (const bad of [
      { func_type: 1002 },
      { func_type: 1002, orderId: '' },
      { func_type: 1002, orderId: 'X1', refund_amount: '0.00' },
      { func_type: 1002, orderId: 'X1', refund_amount: '-1' },
      { func_type: 1002, orderId: 'X1', refund_amount: '12.345' },
      { func_type: 1002, orderId: 'X1', refund_amount: '1,000.00' },
      { func_type: 1002, orderId: 'X1', refund_amount: 12.5 },
      { func_type: 1002, orderId: 'X1', allow_modify_flag: 2 },
    ]) {
      expect(EcrRequestContentSchema.safeParse(bad).success).toBe(false);
    }
  });

  it('3001 needs an orderId; 3002 and 5001 take nothing else', () => {
    expect(EcrRequestContentSchema.safeParse({ func_type: 3001, orderId: '12345678' }).success).toBe(true);
    expect(EcrRequestContentSchema.safeParse({ func_type: 3001 }).success).toBe(false);
    expect(EcrRequestContentSchema.safeParse({ func_type: 3002 }).success).toBe(true);
    expect(EcrRequestContentSchema.safeParse({ func_type: 3002, orderId: 'x' }).success).toBe(false);
    expect(EcrRequestContentSchema.safeParse({ func_type: 5001 }).success).toBe(true);
    expect(EcrRequestContentSchema.safeParse({ func_type: 5001, amt: 1 }).success).toBe(false);
  });

  it('4001 takes exactly one of orderId or out_trade_no', () => {
    expect(QueryRequestContentSchema.safeParse({ func_type: 4001, orderId: '12345678' }).success).toBe(true);
    expect(QueryRequestContentSchema.safeParse({ func_type: 4001, out_trade_no: 'ORDER-0001' }).success).toBe(true);
    expect(EcrRequestContentSchema.safeParse({ func_type: 4001 }).success).toBe(false);
    expect(EcrRequestContentSchema.safeParse({ func_type: 4001, orderId: '1', out_trade_no: 'A' }).success).toBe(false);
  });

  it('rejects func_types that are not ECR instructions', () => {
    for (const func_type of [1000, 2001, 9999, '5001', null]) {
      expect(EcrRequestContentSchema.safeParse({ func_type }).success).toBe(false);
    }
  });

  it('parseRequestContent narrows by func_type and throws WireFormatError naming the fields', () => {
    const parsed = parseRequestContent({ func_type: 1002, orderId: 'X1', refund_amount: '1.00' });
    expect(parsed.func_type).toBe(1002);
    const error = errorOf(() => parseRequestContent({ func_type: 1001, amt: 0, channel: 'visa' }));
    expect(error).toBeInstanceOf(WireFormatError);
    expect((error as WireFormatError).code).toBe('WIRE_BAD_REQUEST');
    expect((error as WireFormatError).message).toMatch(/amt/);
    expect((error as WireFormatError).message).toMatch(/channel/);
    const query = errorOf(() => parseRequestContent({ func_type: 4001 }));
    expect((query as WireFormatError).message).toMatch(/exactly one of orderId \(syssn\) or out_trade_no/);
  });
});

describe('ECR_PATHS and func_types', () => {
  it('maps every func_type to its documented path', () => {
    expect(ECR_PATHS).toEqual({
      1001: '/api/pos/trade',
      1002: '/api/pos/cancel',
      3001: '/api/pos/print_receipt',
      3002: '/api/pos/transaction_info',
      4001: '/api/pos/query_transaction',
      5001: '/api/pos/cancel_request',
    });
    expect(Object.keys(ECR_PATHS).map(Number).sort()).toEqual([...FUNC_TYPES].sort());
  });

  it('isEcrFuncType accepts only the six integers', () => {
    for (const f of FUNC_TYPES) expect(isEcrFuncType(f)).toBe(true);
    for (const f of ['1001', 1003, 0, null, undefined, 1001.5]) expect(isEcrFuncType(f)).toBe(false);
  });
});

describe('parseReplyData', () => {
  it('1001: txamt in dollars (number or string) → amountMinor in cents; unknown fields survive', () => {
    const parsed = parseReplyData(1001, {
      respcd: '0000',
      resmsg: 'success',
      syssn: '20250826155400087645770447',
      out_trade_no: 'ORDER-0001',
      txamt: '12.50',
      txcurrcd: 'HKD',
      chnlsn: '2025085675626675',
      cardscheme: 'VISA',
      busicd: 802808,
      firmware_extra: { nested: true },
    });
    expect(parsed).toMatchObject({
      respcd: '0000',
      syssn: '20250826155400087645770447',
      amountMinor: 1250,
      currency: 'HKD',
      busicd: '802808',
      firmware_extra: { nested: true },
    });
    expect(parseReplyData(1001, { respcd: '0000', txamt: 0.3 }).amountMinor).toBe(30);
    expect(parseReplyData(1001, { respcd: '0000', txamt: 100 }).amountMinor).toBe(10_000);
  });

  it('1001: every cent value written as the terminal would (number amt) reads back exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.boolean(), (minor, asString) => {
        const amt = toWireAmount(minor);
        expect(parseReplyData(1001, { respcd: '0000', txamt: asString ? String(amt) : amt }).amountMinor).toBe(minor);
      }),
    );
  });

  it('reads "" and null as absent, a numeric respcd 0 as "0000", and 344 as HKD', () => {
    const parsed = parseReplyData(1001, { respcd: 0, syssn: '', txamt: null, txcurrcd: '344', cardscheme: null });
    expect(parsed.respcd).toBe('0000');
    expect(parsed.syssn).toBeUndefined();
    expect(parsed.amountMinor).toBeUndefined();
    expect(parsed.currency).toBe('HKD');
    expect(parsed.cardscheme).toBeUndefined();
  });

  it('1002: txamt and originTxamt in dollars; orig_syssn kept', () => {
    const parsed = parseReplyData(1002, { respcd: '0000', syssn: '2', orig_syssn: '1', txamt: 5, originTxamt: '12.50', txdtm: '2025-08-26 17:51:34' });
    expect(parsed).toMatchObject({ amountMinor: 500, originAmountMinor: 1250, orig_syssn: '1', syssn: '2', txdtm: '2025-08-26 17:51:34' });
  });

  it('4001: txamt and allow_refund_amt are integer cents (number or string); cancel becomes a number', () => {
    const parsed = parseReplyData(4001, {
      respcd: '0000',
      syssn: '20250826155400087645770447',
      tradetp: 'payment',
      txamt: 511,
      allow_refund_amt: '0',
      cancel: '3',
      txcurrcd: '344',
      cardno: '520000******1096',
      cardtype: 'CREDIT',
    });
    expect(parsed).toMatchObject({ amountMinor: 511, refundableMinor: 0, cancel: 3, tradetp: 'payment', currency: 'HKD', cardno: '520000******1096' });
    expect(parseReplyData(4001, { respcd: '1143', txamt: '1250' }).amountMinor).toBe(1250);
  });

  it('4001: a decimal txamt is refused, never reinterpreted as dollars', () => {
    const error = errorOf(() => parseReplyData(4001, { respcd: '0000', txamt: '5.11' }));
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).code).toBe('DECODE_REPLY_DATA');
    expect((error as DecodeError).message).toMatch(/txamt must be a whole number of cents/);
  });

  it('masks a full card number in a 4001 reply', () => {
    expect(parseReplyData(4001, { respcd: '0000', cardno: '5200001234561096' }).cardno).toBe('520000******1096');
  });

  it.each<[string, EcrFuncType, unknown, RegExp]>([
    ['missing respcd', 1001, { syssn: '1' }, /respcd/],
    ['empty respcd', 1001, { respcd: '' }, /respcd/],
    ['txamt with 3 decimals', 1001, { respcd: '0000', txamt: '12.345' }, /txamt must be a dollar amount/],
    ['negative txamt', 1002, { respcd: '0000', txamt: -5 }, /txamt/],
    ['txamt as an object', 1001, { respcd: '0000', txamt: { v: 1 } }, /txamt/],
    ['syssn as an inexact JSON number', 1001, { respcd: '0000', syssn: 20250826155400087645770447 }, /syssn/],
    ['cancel as text', 4001, { respcd: '0000', cancel: 'yes' }, /cancel/],
    ['data null', 1001, null, /missing or not an object/],
    ['data an array', 4001, [{ respcd: '0000' }], /missing or not an object/],
  ])('throws DecodeError for %s', (_label, funcType, data, pattern) => {
    const error = errorOf(() => parseReplyData(funcType, data));
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).code).toBe('DECODE_REPLY_DATA');
    expect((error as DecodeError).message).toMatch(pattern);
  });

  it('never echoes field values (they may hold card data) in its errors', () => {
    const error = errorOf(() => parseReplyData(1001, { respcd: '0000', txamt: { pan: '4111111111111111' }, cardno: '4111111111111111' }));
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).message).not.toContain('4111111111111111');
  });

  it('replies to 3001/3002/5001 keep whatever data comes', () => {
    expect(parseReplyData(3001, { anything: 1 })).toEqual({ anything: 1 });
    expect(parseReplyData(5001, {})).toEqual({});
  });

  it('refuses a func_type that is not an ECR instruction', () => {
    for (const f of [1234, 'constructor', '1001']) expect(() => parseReplyData(f as unknown as EcrFuncType, {})).toThrow(DecodeError);
  });

  it('works on what decodeResponseBody returns (data as a JSON string, resmsg spelling)', () => {
    const body = encodeResponseBody({ respcd: '6000', data: { respcd: '0000', resmsg: 'ok', syssn: '99', txamt: 12.5, out_trade_no: 'A-1' } });
    const decoded = decodeResponseBody(body);
    const data = parseReplyData(1001, decoded.data);
    expect(data).toMatchObject({ respcd: '0000', respmsg: 'ok', syssn: '99', amountMinor: 1250, out_trade_no: 'A-1' });
  });
});
