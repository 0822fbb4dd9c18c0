import fc from 'fast-check';
import { DecodeError } from '../src/errors.js';
import { decodeResponseBody, encodeResponseBody, encryptToBase64 } from '../src/protocol/index.js';

const POS_KEY = '0123456789abcdef0123456789abcdef';
const TRADE_DATA = { respcd: '0000', resmsg: 'success', syssn: '20250826155400087645770447', txamt: '12.50', out_trade_no: 'ORDER-0001' };

/** Runs `fn` and returns the error it throws, or undefined. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectDecodeError(fn: () => unknown, code?: string): void {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(DecodeError);
  if (code) expect((error as DecodeError).code).toBe(code);
}

describe('decodeResponseBody: shapes the terminal may send', () => {
  it('plain JSON with data as a JSON string (what Odoo sees)', () => {
    const body = JSON.stringify({ respcd: '6000', respmsg: 'ok', resperr: '', data: JSON.stringify(TRADE_DATA) });
    const decoded = decodeResponseBody(body);
    expect(decoded).toEqual({
      respcd: '6000',
      respmsg: 'ok',
      resperr: '',
      data: { ...TRADE_DATA, respmsg: 'success' },
      encrypted: false,
    });
  });

  it('plain JSON with data as an object', () => {
    const decoded = decodeResponseBody(encodeResponseBody({ respcd: '6000', data: TRADE_DATA }, { dataAsString: false }));
    expect(decoded.data).toMatchObject(TRADE_DATA);
    expect(decoded.encrypted).toBe(false);
  });

  it('an encrypted body sent as a JSON string literal', () => {
    const body = encodeResponseBody({ respcd: '6000', respmsg: 'ok', data: TRADE_DATA }, { posKey: POS_KEY });
    expect(body.startsWith('"')).toBe(true);
    const decoded = decodeResponseBody(body, POS_KEY);
    expect(decoded.respcd).toBe('6000');
    expect(decoded.encrypted).toBe(true);
    expect(decoded.data).toMatchObject(TRADE_DATA);
  });

  it('an encrypted body sent as bare Base64 (no quotes), with surrounding whitespace', () => {
    const json = JSON.stringify({ respcd: '6001', respmsg: 'cancelled' });
    const decoded = decodeResponseBody(`\n${encryptToBase64(json, POS_KEY)}  \r\n`, POS_KEY);
    expect(decoded).toEqual({ respcd: '6001', respmsg: 'cancelled', resperr: '', data: null, encrypted: true });
  });

  it.each([
    ['empty string', ''],
    ['absent', undefined],
    ['null', null],
  ])('data %s → null', (_label, data) => {
    const body = JSON.stringify(data === undefined ? { respcd: '6000' } : { respcd: '6000', data });
    expect(decodeResponseBody(body).data).toBeNull();
  });

  it('accepts resmsg/reserr as spellings of respmsg/resperr, outside and inside data', () => {
    const body = JSON.stringify({ respcd: '6002', resmsg: 'outer msg', reserr: 'outer err', data: { respcd: '1205', resmsg: 'inner msg', reserr: 'inner err' } });
    const decoded = decodeResponseBody(body);
    expect(decoded.respmsg).toBe('outer msg');
    expect(decoded.resperr).toBe('outer err');
    expect(decoded.data).toMatchObject({ resmsg: 'inner msg', reserr: 'inner err', respmsg: 'inner msg', resperr: 'inner err' });
  });

  it('prefers respmsg/resperr when both spellings are present', () => {
    const decoded = decodeResponseBody(JSON.stringify({ respcd: '6000', respmsg: 'a', resmsg: 'b', resperr: 'c', reserr: 'd' }));
    expect([decoded.respmsg, decoded.resperr]).toEqual(['a', 'c']);
  });

  it('reads a numeric respcd as text', () => {
    expect(decodeResponseBody('{"respcd":6000}').respcd).toBe('6000');
  });

  it('turns non-text messages into text without throwing (a JSON object has no usable toString)', () => {
    const decoded = decodeResponseBody('{"respcd":"6002","respmsg":{"toString":1},"resperr":["x"]}');
    expect(decoded.respmsg).toBe('');
    expect(decoded.resperr).toBe('');
    expect(decodeResponseBody('{"respcd":"6002","respmsg":42,"resperr":true}')).toMatchObject({ respmsg: '42', resperr: 'true' });
  });
});

describe('decodeResponseBody: garbage is always a DecodeError', () => {
  it.each([
    ['empty body', '', 'DECODE_EMPTY'],
    ['whitespace only', ' \n\t', 'DECODE_EMPTY'],
    ['a JSON array', '[1,2]', 'DECODE_NOT_OBJECT'],
    ['a JSON number', '123', 'DECODE_NOT_OBJECT'],
    ['JSON null', 'null', 'DECODE_NOT_OBJECT'],
    ['an object without respcd', '{"code":"6000"}', 'DECODE_NO_RESPCD'],
    ['respcd that is an object', '{"respcd":{"a":1}}', 'DECODE_NO_RESPCD'],
    ['data that is not JSON', '{"respcd":"6000","data":"{not json"}', 'DECODE_BAD_DATA'],
    ['data that is an array', '{"respcd":"6000","data":[1]}', 'DECODE_BAD_DATA'],
    ['data that is a JSON string of a number', '{"respcd":"6000","data":"42"}', 'DECODE_BAD_DATA'],
    ['an HTML error page', '<html><body>502 Bad Gateway</body></html>', 'DECODE_NEEDS_KEY'],
    ['an encrypted-looking string without a key', '"UNK7yTNZuSf+wxcLGZe9Pg=="', 'DECODE_NEEDS_KEY'],
  ])('%s', (_label, body, code) => {
    expectDecodeError(() => decodeResponseBody(body), code);
  });

  it.each([
    ['not Base64', '"this is not base64!"', 'DECODE_NOT_BASE64'],
    ['Base64 that is not whole AES blocks', '"QUJDRA=="', 'DECODE_BAD_CIPHERTEXT'],
    ['ciphertext under another key', JSON.stringify(encryptToBase64('{"respcd":"6000"}', 'ffffffffffffffffffffffffffffffff')), undefined],
    ['ciphertext of text that is not JSON', JSON.stringify(encryptToBase64('hello terminal', POS_KEY)), 'DECODE_NOT_JSON'],
  ])('with a key: %s', (_label, body, code) => {
    expectDecodeError(() => decodeResponseBody(body, POS_KEY), code);
  });

  const anyOutcome = (body: string, posKey?: string): 'ok' | 'DecodeError' => {
    const error = thrown(() => decodeResponseBody(body, posKey));
    if (error === undefined) return 'ok';
    expect(error).toBeInstanceOf(DecodeError);
    return 'DecodeError';
  };

  it('random byte strings only ever produce DecodeError (with and without a POS-KEY)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom('utf8', 'latin1') as fc.Arbitrary<BufferEncoding>, fc.boolean(), (bytes, encoding, withKey) => {
        const body = Buffer.from(bytes).toString(encoding);
        expect(anyOutcome(body, withKey ? POS_KEY : undefined)).toBe('DecodeError');
      }),
      { numRuns: 500 },
    );
  });

  it('random Base64 (bare or quoted) under a key only ever produces DecodeError', () => {
    fc.assert(
      fc.property(fc.base64String({ maxLength: 200 }), fc.boolean(), (b64, quoted) => {
        fc.pre(b64.length > 0);
        expect(anyOutcome(quoted ? JSON.stringify(b64) : b64, POS_KEY)).toBe('DecodeError');
      }),
      { numRuns: 500 },
    );
  });

  it('random JSON, including reply-like objects with odd field types, decodes or fails with DecodeError only', () => {
    const replyLike = fc.record(
      { respcd: fc.jsonValue(), respmsg: fc.jsonValue(), resperr: fc.jsonValue(), resmsg: fc.jsonValue(), data: fc.oneof(fc.jsonValue(), fc.jsonValue().map((v) => JSON.stringify(v))) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), replyLike), fc.boolean(), (value, encrypt) => {
        const json = JSON.stringify(value) ?? 'null';
        const body = encrypt ? JSON.stringify(encryptToBase64(json, POS_KEY)) : json;
        anyOutcome(body, POS_KEY);
      }),
      { numRuns: 500 },
    );
  });
});
