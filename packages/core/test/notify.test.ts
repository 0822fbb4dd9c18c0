import { createHash } from 'node:crypto';
import { ConfigError, DecodeError } from '../src/errors.js';
import { parseNotification, signNotification, verifyNotification, type NormalizedNotification } from '../src/notify/index.js';
import { decodeOdooOutTradeNo } from '../src/reference/index.js';

const KEY = 'notify-key-0123456789ABCDEF';
const OLD_KEY = 'old-notify-key-zyxwvu';
const LINE_UUID = '8d0f3a52-6c1e-4a7b-9f0e-2b9c4d5e6f70';

/** Odoo's payment fixture (pos_qfpay tours/utils/common.js), written with odd spacing and key order. */
const PAYMENT_BODY = Buffer.from(
  `{ "txamt" :"1250",\n\t"notify_type":"payment",   "cash_fee_type":"", "exchange_rate":"", "cancel":"0","pay_type":"802808",` +
    `"txdtm":"2025-08-26 17:50:34","out_trade_no":"${LINE_UUID}--12--3","syssn":"20250826155400087645770447","status":"1",` +
    `"sysdtm":"2025-08-26 17:50:36","paydtm":"2025-08-26 17:50:37","goods_name":"咖啡 Coffee","txcurrcd":"HKD","mchid":"8Bx9aHgNmaQJ",` +
    `"customer_source":"HK","cash_fee":"0","chnlsn2":"","cardcd":"","outcardnm":"","respcd":"0000","goods_info":"",` +
    `"chnlsn":"2025085675626675", "brand_new_field": {"x": [1, 2]} }\r\n`,
  'utf8',
);

/** Odoo's refund fixture: notify_type "cancel", the refund's own syssn/out_trade_no, the payment's in orig_*. */
const ODOO_CANCEL_BODY = JSON.stringify({
  status: '1',
  sysdtm: '2025-08-26 17:51:34',
  txcurrcd: 'HKD',
  orig_out_trade_no: `${LINE_UUID}--12--3`,
  mchid: '8Bx9jdHgmaQJ',
  txdtm: '2025-08-26 17:51:34',
  txamt: '1250',
  orig_syssn: '20250826155400087645770447',
  out_trade_no: '2cccf6c02d4835bdb79d7c96beb95cbf',
  syssn: '20250821155400847635342115',
  respcd: '0000',
  notify_type: 'cancel',
});

function md5Upper(body: Buffer, key: string): string {
  return createHash('md5').update(Buffer.concat([body, Buffer.from(key, 'utf8')])).digest('hex').toUpperCase();
}

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return error as DecodeError;
  }
  throw new Error('expected a DecodeError, but nothing was thrown');
}

describe('signNotification / verifyNotification', () => {
  const sign = signNotification(PAYMENT_BODY, KEY);

  it('signs the raw bytes + key as upper-case hex MD5', () => {
    expect(sign).toBe(md5Upper(PAYMENT_BODY, KEY));
    expect(sign).toMatch(/^[0-9A-F]{32}$/);
  });

  it('verifies the raw bytes as received, whitespace, key order and non-ASCII included', () => {
    expect(verifyNotification(PAYMENT_BODY, sign, KEY)).toEqual({ ok: true, keyIndex: 0 });
    expect(verifyNotification(PAYMENT_BODY.toString('utf8'), sign, KEY)).toEqual({ ok: true, keyIndex: 0 });
    expect(verifyNotification(new Uint8Array(PAYMENT_BODY), sign, KEY)).toEqual({ ok: true, keyIndex: 0 });
  });

  it('reads a Uint8Array view at its offset, not the whole underlying buffer', () => {
    const padded = Buffer.concat([Buffer.from('XXXX'), PAYMENT_BODY, Buffer.from('YYYY')]);
    const view = new Uint8Array(padded.buffer, padded.byteOffset + 4, PAYMENT_BODY.length);
    expect(verifyNotification(view, sign, KEY)).toEqual({ ok: true, keyIndex: 0 });
  });

  it('fails once the JSON is re-serialised: never verify a parsed-and-restringified body', () => {
    const reserialised = JSON.stringify(JSON.parse(PAYMENT_BODY.toString('utf8')));
    expect(verifyNotification(reserialised, sign, KEY)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('accepts the header in lower case and with surrounding whitespace', () => {
    expect(verifyNotification(PAYMENT_BODY, sign.toLowerCase(), KEY)).toEqual({ ok: true, keyIndex: 0 });
    expect(verifyNotification(PAYMENT_BODY, ` ${sign}\t`, KEY)).toEqual({ ok: true, keyIndex: 0 });
  });

  it('rejects a tampered body', () => {
    const tampered = Buffer.from(PAYMENT_BODY.toString('utf8').replace('"1250"', '"1251"'), 'utf8');
    expect(tampered.equals(PAYMENT_BODY)).toBe(false);
    expect(verifyNotification(tampered, sign, KEY)).toEqual({ ok: false, reason: 'bad_signature' });
    // One byte of trailing whitespace changes the signature too.
    expect(verifyNotification(Buffer.concat([PAYMENT_BODY, Buffer.from(' ')]), sign, KEY)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a signature made with another key', () => {
    expect(verifyNotification(PAYMENT_BODY, signNotification(PAYMENT_BODY, 'someone-else'), KEY)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('supports key rotation and says which key matched', () => {
    const keys = [OLD_KEY, KEY];
    expect(verifyNotification(PAYMENT_BODY, signNotification(PAYMENT_BODY, KEY), keys)).toEqual({ ok: true, keyIndex: 1 });
    expect(verifyNotification(PAYMENT_BODY, signNotification(PAYMENT_BODY, OLD_KEY), keys)).toEqual({ ok: true, keyIndex: 0 });
    expect(verifyNotification(PAYMENT_BODY, signNotification(PAYMENT_BODY, 'third'), keys)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('reports a missing header separately', () => {
    expect(verifyNotification(PAYMENT_BODY, undefined, KEY)).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verifyNotification(PAYMENT_BODY, '', KEY)).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verifyNotification(PAYMENT_BODY, '   ', KEY)).toEqual({ ok: false, reason: 'missing_signature' });
  });

  it.each([
    ['too short', sign.slice(0, 31)],
    ['too long', `${sign}0`],
    ['not hex', 'Z'.repeat(32)],
    ['multi-byte characters', 'é'.repeat(16)],
    ['a prefix', `md5=${sign}`],
  ])('rejects a header that is %s without throwing', (_label, header) => {
    expect(verifyNotification(PAYMENT_BODY, header, KEY)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses to run without a usable key (an empty key would make signatures forgeable)', () => {
    for (const keys of ['', [], [KEY, '']] as const) {
      expect(() => verifyNotification(PAYMENT_BODY, sign, keys)).toThrow(ConfigError);
    }
    expect(() => signNotification(PAYMENT_BODY, '')).toThrow(ConfigError);
  });
});

describe('parseNotification', () => {
  it("normalises Odoo's payment fixture, keeping unknown fields in raw", () => {
    const n = parseNotification(PAYMENT_BODY);
    expect(n).toMatchObject({
      kind: 'payment',
      notifyType: 'payment',
      syssn: '20250826155400087645770447',
      outTradeNo: `${LINE_UUID}--12--3`,
      amountMinor: 1250,
      currency: 'HKD',
      status: '1',
      respcd: '0000',
      success: true,
      payType: '802808',
      channelRef: '2025085675626675',
      cancelFlag: 0,
      txTime: '2025-08-26 17:50:34',
      sysTime: '2025-08-26 17:50:36',
      payTime: '2025-08-26 17:50:37',
      customerSource: 'HK',
    });
    // "" means absent: no empty card number or secondary reference
    expect(n).not.toHaveProperty('maskedCard');
    expect(n).not.toHaveProperty('channelRef2');
    expect(n.raw).toMatchObject({ brand_new_field: { x: [1, 2] }, goods_name: '咖啡 Coffee', mchid: '8Bx9aHgNmaQJ', outcardnm: '' });
    expect(decodeOdooOutTradeNo(n.outTradeNo ?? '')).toEqual({ lineUuid: LINE_UUID, sessionId: 12, paymentMethodId: 3 });
  });

  it("reads Odoo's `cancel` as a refund but keeps the original notify_type", () => {
    const n = parseNotification(ODOO_CANCEL_BODY);
    expect(n).toMatchObject({
      kind: 'refund',
      notifyType: 'cancel',
      syssn: '20250821155400847635342115',
      outTradeNo: '2cccf6c02d4835bdb79d7c96beb95cbf',
      origSyssn: '20250826155400087645770447',
      origOutTradeNo: `${LINE_UUID}--12--3`,
      amountMinor: 1250,
      success: true,
    });
  });

  it("reads QFPay's documented `refund` shape", () => {
    const body = JSON.parse(ODOO_CANCEL_BODY) as Record<string, unknown>;
    const n = parseNotification(JSON.stringify({ ...body, notify_type: 'refund', txamt: '500', cancel: '5' }));
    expect(n).toMatchObject({ kind: 'refund', notifyType: 'refund', amountMinor: 500, cancelFlag: 5 });
  });

  it('accepts numbers where QFPay usually sends strings, and ISO numeric currency 344', () => {
    const n = parseNotification('{"notify_type":"payment","syssn":123456,"txamt":1250,"txcurrcd":"344","status":1,"respcd":0,"cancel":0}');
    expect(n).toMatchObject({ kind: 'payment', syssn: '123456', amountMinor: 1250, currency: 'HKD', status: '1', respcd: '0000', success: true });
  });

  it('marks non-success statuses as not successful', () => {
    const body = JSON.parse(ODOO_CANCEL_BODY) as Record<string, unknown>;
    expect(parseNotification(JSON.stringify({ ...body, status: '0' })).success).toBe(false);
    expect(parseNotification(JSON.stringify({ ...body, respcd: '1205' })).success).toBe(false);
  });

  it('keeps notifications of unknown types as kind "other" so they can be recorded and acknowledged', () => {
    const n: NormalizedNotification = parseNotification('{"notify_type":"settlement","batch":"B1"}');
    expect(n.kind).toBe('other');
    expect(n.notifyType).toBe('settlement');
    expect(n.raw).toEqual({ notify_type: 'settlement', batch: 'B1' });
    expect(n).not.toHaveProperty('syssn');
    expect(parseNotification('{"notify_type":"preauth","syssn":"9","txamt":"100","txcurrcd":"HKD"}')).toMatchObject({ kind: 'other', syssn: '9', amountMinor: 100 });
  });

  it('masks full card numbers (13–19 digits) to first6 + stars + last4, in the result and in raw', () => {
    const body = JSON.parse(ODOO_CANCEL_BODY) as Record<string, unknown>;
    const cases: [string, string][] = [
      ['4111111111111111', '411111******1111'],
      ['4111 1111 1111 1111', '411111******1111'],
      ['6212345678901234567', '621234*********4567'],
      ['4222222222222', '422222***2222'],
      ['520000******1096', '520000******1096'],
      ['123456789012', '123456789012'],
      ['oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o'],
    ];
    for (const [cardcd, masked] of cases) {
      const n = parseNotification(JSON.stringify({ ...body, cardcd, cardno: cardcd }));
      expect(n.maskedCard).toBe(masked);
      expect(n.raw.cardcd).toBe(masked);
      expect(n.raw.cardno).toBe(masked);
      if (masked !== cardcd) expect(JSON.stringify(n)).not.toMatch(new RegExp(cardcd.replace(/\s/g, '')));
    }
  });

  it('never masks references that merely look numeric (syssn, chnlsn, out_trade_no)', () => {
    const body = JSON.parse(ODOO_CANCEL_BODY) as Record<string, unknown>;
    const n = parseNotification(JSON.stringify({ ...body, chnlsn: '4111111111111111', out_trade_no: '4111111111111111' }));
    expect(n.channelRef).toBe('4111111111111111');
    expect(n.outTradeNo).toBe('4111111111111111');
  });

  it.each<[string, string | Buffer, string, RegExp]>([
    ['not JSON', 'notify_type=payment&syssn=1', 'NOTIFY_NOT_JSON', /not JSON/],
    ['empty', '', 'NOTIFY_NOT_JSON', /not JSON/],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'NOTIFY_NOT_JSON', /UTF-8/],
    ['a JSON array', '[{"notify_type":"payment"}]', 'NOTIFY_SCHEMA', /not a JSON object/],
    ['without notify_type', '{"syssn":"1"}', 'NOTIFY_SCHEMA', /notify_type/],
    ['a payment without txamt', '{"notify_type":"payment","syssn":"1","status":"1","txcurrcd":"HKD"}', 'NOTIFY_SCHEMA', /needs txamt/],
    ['a refund without syssn or currency', '{"notify_type":"refund","status":"1","txamt":"1"}', 'NOTIFY_SCHEMA', /needs syssn, txcurrcd/],
    ['txamt in dollars', '{"notify_type":"payment","syssn":"1","status":"1","txamt":"12.50","txcurrcd":"HKD"}', 'NOTIFY_SCHEMA', /whole number of cents/],
    ['a negative txamt', '{"notify_type":"payment","syssn":"1","status":"1","txamt":"-5","txcurrcd":"HKD"}', 'NOTIFY_SCHEMA', /txamt/],
    ['syssn as an inexact number', '{"notify_type":"payment","syssn":20250826155400087645770447,"status":"1","txamt":"1","txcurrcd":"HKD"}', 'NOTIFY_SCHEMA', /syssn/],
  ])('rejects a body that is %s', (_label, body, code, pattern) => {
    const error = decodeError(() => parseNotification(body));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(pattern);
  });

  it('does not echo card numbers in its errors', () => {
    const error = decodeError(() => parseNotification('{"notify_type":"payment","cardcd":"4111111111111111","txamt":{}}'));
    expect(error.message).not.toContain('4111111111111111');
  });

  it('parses a BOM-prefixed body', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ODOO_CANCEL_BODY)]);
    expect(parseNotification(withBom).kind).toBe('refund');
  });

  it('end to end: sign, verify the bytes, then parse the same bytes', () => {
    const header = signNotification(PAYMENT_BODY, KEY);
    const verdict = verifyNotification(PAYMENT_BODY, header.toLowerCase(), [OLD_KEY, KEY]);
    expect(verdict).toEqual({ ok: true, keyIndex: 1 });
    expect(parseNotification(PAYMENT_BODY).amountMinor).toBe(1250);
  });
});
