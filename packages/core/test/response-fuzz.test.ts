/**
 * Fuzz: arbitrary terminal reply bodies into the reply decoders (`decodeResponseBody`,
 * `decodeReplyBody`) and the per-func_type data schemas (`parseReplyData`). Random bytes, random
 * JSON, envelopes built from the documented reply fields with fields mutated, AES of garbage under
 * the right key and of replies under the wrong one, huge strings and deep nesting. Every body
 * gives either a well-formed typed result or a `DecodeError`; never a TypeError/RangeError, never
 * the POS-KEY in a message, never a polluted prototype, never a full card number in parsed data.
 * Seeds are fixed, so a failure prints a seed that reproduces it.
 */
import fc from 'fast-check';
import { DecodeError } from '../src/errors.js';
import { decodeReplyBody, decodeResponseBody, encryptToBase64, isCardField, looksLikePan, parseReplyData, type DecodedResponse } from '../src/protocol/index.js';
import { damage, damageArb, encryptBytes, evilJson, replyData, replyEnvelope, wrap, wrapArb, type Json } from './support/fuzz-arbitraries.js';

const POS_KEY = 'FuzzKeyS3cret7Zq9Wx4Lm2Np8Rt5Vy1';
const WRONG_KEY = 'WrongKeyOfTheRightLength32Bytes!';
const FUNC_TYPES = [1001, 1002, 3001, 3002, 4001, 5001] as const;
const DECODE_CODES = new Set(['DECODE_EMPTY', 'DECODE_NEEDS_KEY', 'DECODE_NOT_JSON', 'DECODE_NOT_OBJECT', 'DECODE_NO_RESPCD', 'DECODE_BAD_DATA', 'DECODE_NOT_BASE64', 'DECODE_BAD_CIPHERTEXT', 'DECODE_DECRYPT_FAILED']);
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();

const REPLY_DATA_CODES = new Set(['DECODE_REPLY_DATA']);

/** Runs `fn`, keeping what it threw apart from the checks made afterwards. */
function attempt<T>(fn: () => T): { value: T } | { error: unknown } {
  try {
    return { value: fn() };
  } catch (error) {
    return { error };
  }
}

/** Plain checks: cheaper than `expect` in a loop of thousands, and the message says what broke. */
function ensure(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

/** A thrown value must be a DecodeError with a known code and no POS-KEY in it. */
function expectDecodeError(error: unknown, codes: ReadonlySet<string>): void {
  if (!(error instanceof DecodeError)) throw new Error(`untyped throw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  ensure(codes.has(error.code), `unexpected DecodeError code ${error.code}`);
  ensure(!error.message.includes(POS_KEY) && !error.hint.includes(POS_KEY), 'POS-KEY in an error');
}

function expectDecoded(r: DecodedResponse): void {
  ensure(typeof r.respcd === 'string' && typeof r.respmsg === 'string' && typeof r.resperr === 'string', 'respcd/respmsg/resperr must be text');
  ensure(typeof r.encrypted === 'boolean', 'encrypted must be a boolean');
  ensure(r.data === null || (typeof r.data === 'object' && !Array.isArray(r.data)), 'data must be an object or null');
}

/** Parsed reply data: money fields are exact cents, card fields are masked (1001/1002/4001). */
function expectParsedData(funcType: (typeof FUNC_TYPES)[number], data: Record<string, unknown>): void {
  ensure(typeof data === 'object' && data !== null && !Array.isArray(data), 'parsed data must be an object');
  // 3001/3002/5001 data is kept as sent: nothing is read from it.
  if (funcType !== 1001 && funcType !== 1002 && funcType !== 4001) return;
  for (const name of ['amountMinor', 'originAmountMinor', 'refundableMinor']) {
    const v = data[name];
    ensure(v === undefined || (Number.isSafeInteger(v) && (v as number) >= 0), `${name} must be whole cents, got ${String(v)}`);
  }
  ensure(typeof data.respcd === 'string', 'respcd must be text');
  ensure(data.currency === undefined || typeof data.currency === 'string', 'currency must be text');
  for (const key of Object.keys(data)) {
    const v = data[key];
    ensure(!(isCardField(key) && typeof v === 'string' && looksLikePan(v)), `full card number in ${key}`);
  }
}

/** The whole pipeline a terminal reply goes through before the engine judges it. */
function decodeAll(body: string, posKey: string | undefined): void {
  const result = attempt(() => (posKey === undefined ? decodeReplyBody(body) : decodeResponseBody(body, posKey)));
  if ('error' in result) {
    expectDecodeError(result.error, DECODE_CODES);
    return;
  }
  const decoded = result.value;
  expectDecoded(decoded);
  for (const funcType of FUNC_TYPES) {
    const parsed = attempt(() => parseReplyData(funcType, decoded.data) as Record<string, unknown>);
    if ('error' in parsed) expectDecodeError(parsed.error, REPLY_DATA_CODES);
    else expectParsedData(funcType, parsed.value);
  }
}

afterEach(() => {
  // Nothing a reply says may reach Object.prototype.
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_NAMES);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

describe('fuzz: terminal reply decoding', () => {
  it('near-valid envelopes from the reply schema, mutated, plain or encrypted (right/wrong key), damaged', () => {
    const stats = new Map<string, number>();
    fc.assert(
      fc.property(replyEnvelope, wrapArb, damageArb, fc.boolean(), (envelope, how, hurt, giveKey) => {
        const body = damage(wrap(JSON.stringify(envelope), how, POS_KEY, WRONG_KEY), hurt);
        let outcome = 'ok';
        try {
          decodeResponseBody(body, POS_KEY);
        } catch (e) {
          outcome = e instanceof DecodeError ? e.code : 'untyped';
        }
        stats.set(outcome, (stats.get(outcome) ?? 0) + 1);
        decodeAll(body, giveKey ? POS_KEY : undefined);
      }),
      { numRuns: 1500, seed: 0x5eed0001 },
    );
    // The generator reaches both sides: decoded replies and each kind of refusal.
    for (const code of ['ok', 'DECODE_NOT_JSON', 'DECODE_DECRYPT_FAILED', 'DECODE_BAD_DATA', 'DECODE_NO_RESPCD']) expect(stats.get(code) ?? 0).toBeGreaterThan(0);
  });

  it('random bytes, random text and random JSON', () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a).toString('utf8')),
      fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a).toString('latin1')),
      fc.string({ unit: 'grapheme', maxLength: 200 }),
      fc.string({ unit: fc.constantFrom(...'{}[]":,\\ 0123456789.eE-+tfnrul"respcd6000data'), maxLength: 120 }),
      fc.json({ maxDepth: 4 }),
      evilJson.map((v) => JSON.stringify(v)),
      fc.base64String({ maxLength: 200 }),
      fc.base64String({ maxLength: 200 }).map((s) => JSON.stringify(s)),
    );
    fc.assert(
      fc.property(body, fc.boolean(), (b, giveKey) => decodeAll(b, giveKey ? POS_KEY : undefined)),
      { numRuns: 1500, seed: 0x5eed0002 },
    );
  });

  it('AES of garbage under the right key, and of real replies under the wrong one', () => {
    const body = fc.oneof(
      // Decrypts, but to bytes that are not UTF-8 JSON.
      fc.uint8Array({ maxLength: 300 }).map((a) => encryptBytes(a, POS_KEY)),
      fc.uint8Array({ maxLength: 300 }).map((a) => JSON.stringify(encryptBytes(a, POS_KEY))),
      // Decrypts to JSON that is not an object, or to a Base64 string (a reply encrypted twice).
      evilJson.map((v) => encryptToBase64(JSON.stringify(v), POS_KEY)),
      replyEnvelope.map((v) => JSON.stringify(encryptToBase64(encryptToBase64(JSON.stringify(v), POS_KEY), POS_KEY))),
      // A real reply under another key: padding fails, or (rarely) decrypts to noise.
      replyEnvelope.map((v) => encryptToBase64(JSON.stringify(v), WRONG_KEY)),
      // Right key, ciphertext cut to a block boundary or with a block dropped.
      fc.tuple(replyEnvelope, fc.nat()).map(([v, n]) => {
        const bytes = Buffer.from(encryptToBase64(JSON.stringify(v), POS_KEY), 'base64');
        const blocks = bytes.length / 16;
        return bytes.subarray(0, 16 * (n % blocks)).toString('base64');
      }),
    );
    fc.assert(
      fc.property(body, (b) => decodeAll(b, POS_KEY)),
      { numRuns: 800, seed: 0x5eed0003 },
    );
  });

  it('huge strings and deep nesting: decoded or refused, never a RangeError', () => {
    const size = fc.integer({ min: 100_000, max: 1_500_000 });
    const depth = fc.integer({ min: 1_000, max: 200_000 });
    const body = fc.oneof(
      size.map((n) => JSON.stringify({ respcd: '6000', respmsg: 'x'.repeat(n), data: { respcd: '0000' } })),
      size.map((n) => JSON.stringify({ respcd: '6000', data: JSON.stringify({ respcd: '0000', cardno: '4'.repeat(n), txamt: '1'.repeat(n) }) })),
      size.map((n) => JSON.stringify({ respcd: '6000', data: Object.fromEntries(Array.from({ length: Math.floor(n / 50) }, (_, i) => [`k${i}`, i])) })),
      size.map((n) => encryptToBase64(JSON.stringify({ respcd: '6000', resperr: 'y'.repeat(n) }), POS_KEY)),
      size.map((n) => 'A'.repeat(n - (n % 4))),
      size.map((n) => ' '.repeat(n)),
      depth.map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
      depth.map((d) => `${'['.repeat(d)}`),
      depth.map((d) => `{"respcd":"6000","data":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`),
      depth.map((d) => JSON.stringify({ respcd: '6000', data: `${'{"a":'.repeat(d)}1${'}'.repeat(d)}` })),
      depth.map((d) => `{"respcd":"6000","data":{"respcd":"0000","txamt":${'['.repeat(d)}${']'.repeat(d)}}}`),
    );
    fc.assert(
      fc.property(body, fc.boolean(), (b, giveKey) => decodeAll(b, giveKey ? POS_KEY : undefined)),
      { numRuns: 40, seed: 0x5eed0004 },
    );
  }, 120_000);

  it('regression examples: names inherited from Object.prototype and values that cannot become text', () => {
    const bodies = [
      '{"respcd":"6000","respmsg":{"toString":1},"resperr":{"valueOf":{}}}',
      '{"respcd":{"toString":1}}',
      '{"respcd":"6000","data":{"__proto__":{"polluted":1},"respcd":"0000","constructor":{"prototype":{"polluted":1}}}}',
      '{"respcd":"6000","data":"{\\"__proto__\\":{\\"polluted\\":1},\\"respcd\\":\\"0000\\",\\"txamt\\":12.5}"}',
      '{"respcd":"6000","data":{"respcd":"0000","toString":"x","hasOwnProperty":1,"cardno":"4111111111111111"}}',
      '{"respcd":"6000","data":{"respcd":"0000","txamt":1e400,"allow_refund_amt":1e21,"syssn":12345678901234567890}}',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...bodies), fc.boolean(), (b, giveKey) => decodeAll(b, giveKey ? POS_KEY : undefined)),
      { numRuns: 50, seed: 0x5eed0005, examples: bodies.map((b) => [b, true] as [string, boolean]) },
    );
  });

  it('parseReplyData on near-valid reply data and on any JSON value: parsed or DECODE_REPLY_DATA', () => {
    const data: fc.Arbitrary<Json> = fc.oneof({ weight: 3, arbitrary: replyData }, { weight: 1, arbitrary: evilJson });
    fc.assert(
      fc.property(fc.constantFrom(...FUNC_TYPES), data, (funcType, data) => {
        const parsed = attempt(() => parseReplyData(funcType, data) as Record<string, unknown>);
        if ('error' in parsed) expectDecodeError(parsed.error, REPLY_DATA_CODES);
        else expectParsedData(funcType, parsed.value);
      }),
      { numRuns: 4000, seed: 0x5eed0006 },
    );
  });
});
