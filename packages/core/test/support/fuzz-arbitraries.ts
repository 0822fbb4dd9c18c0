/**
 * fast-check building blocks shared by the core fuzz tests: JSON values that go out of their way
 * to break parsers (names inherited from Object.prototype, full PANs, numbers past 2^53, blanks),
 * terminal replies built from the real reply shapes with fields mutated, and body-level damage.
 */
import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { ECR_IV, encryptToBase64 } from '../../src/protocol/index.js';

/** A JSON value: what JSON.parse can give back. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Keys that hit Object.prototype, the reply's own field names, or card fields. */
export const EVIL_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'toJSON',
  'then',
  'respcd',
  'respmsg',
  'resmsg',
  'resperr',
  'reserr',
  'data',
  'txamt',
  'syssn',
  'out_trade_no',
  'txcurrcd',
  'cancel',
  'allow_refund_amt',
  'cardno',
  'cardcd',
  'pan',
] as const;

export const evilKey: fc.Arbitrary<string> = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...EVIL_KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });

/** Text that looks like what a terminal might send, and text that does not. */
export const oddText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.stringMatching(/^\d{13,19}$/), // a full PAN
  fc.stringMatching(/^\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{4}$/), // a grouped PAN
  fc.constantFrom('', ' ', '0000', '6000', '1143', '1136', '12.50', '12.505', '-1', '1e3', '0x10', 'NaN', 'Infinity', '9007199254740993', '344', 'HKD', 'null', '{}', '[]'),
);

export const oddNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 15, max: 308 })).map(([m, e]) => m * 10 ** e),
  fc.integer({ min: 0, max: 100_000_000 }).map((n) => n / 100),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, -1, 0.1 + 0.2, 1e21, 1e-7, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 6000, 1136, 1001),
);

export const oddScalar: fc.Arbitrary<Json> = fc.oneof(oddText, oddNumber, fc.boolean(), fc.constant(null));

/** Any JSON value, with evil keys, up to a small depth. */
export const evilJson: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    oddScalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(evilKey, tie('value'), { maxKeys: 5, noNullPrototype: true }),
  ),
})).value;

const txnCode = fc.constantFrom('0000', '0000', '0000', '1143', '1145', '1295', '1201', '1205', '1136', '1268', '1102', '1260', '2011', '9999', 0, 1136);
const outerCode = fc.constantFrom('6000', '6000', '6000', '6001', '6002', '4003', '4004', '4005', '4006', '5001', '7777', 6000);

/** A mutation of one field: set it to an odd scalar or to any JSON value (or delete it). */
type Mutation = { key: string; value: Json | undefined };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  key: evilKey,
  value: fc.oneof({ weight: 3, arbitrary: oddScalar }, { weight: 2, arbitrary: evilJson }, { weight: 1, arbitrary: fc.constant(undefined) }),
});

/** Applies mutations with defineProperty, so `__proto__` becomes an own field as JSON.parse makes it. */
function mutate(base: Record<string, Json>, mutations: readonly Mutation[]): Record<string, Json> {
  const out: Record<string, Json> = { ...base };
  for (const m of mutations) {
    if (m.value === undefined) delete out[m.key];
    else Object.defineProperty(out, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** `data` of a reply: the documented fields of 1001/1002/4001 replies, then 0–3 fields mutated. */
export const replyData: fc.Arbitrary<Record<string, Json>> = fc
  .tuple(
    fc.record(
      {
        respcd: txnCode,
        respmsg: fc.string({ maxLength: 20 }),
        resperr: fc.string({ maxLength: 20 }),
        txamt: fc.oneof(fc.integer({ min: 1, max: 100_000 }).map((n) => n / 100), fc.integer({ min: 1, max: 100_000 }), fc.stringMatching(/^\d{1,6}(\.\d{1,3})?$/)),
        originTxamt: fc.stringMatching(/^\d{1,6}(\.\d{1,2})?$/),
        allow_refund_amt: fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.stringMatching(/^\d{1,6}$/)),
        syssn: fc.oneof(fc.stringMatching(/^\d{20,26}$/), fc.integer({ min: 1 })),
        orig_syssn: fc.stringMatching(/^\d{20,26}$/),
        out_trade_no: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
        txcurrcd: fc.constantFrom('HKD', '344', 'hkd', 'CNY', '156', ''),
        cancel: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom('0', '3', ' 5 ')),
        tradetp: fc.constantFrom('payment', 'refund'),
        cardno: fc.oneof(fc.stringMatching(/^\d{6}\*{6}\d{4}$/), fc.stringMatching(/^\d{13,19}$/)),
        cardcd: fc.stringMatching(/^\d{13,19}$/),
        sysdtm: fc.constant('2025-01-02 03:04:05'),
        chnlsn: fc.string({ maxLength: 12 }),
        cardscheme: fc.constantFrom('VISA', 'MASTERCARD', 'UNIONPAY'),
        busicd: fc.constantFrom('802808', 802808),
      },
      { requiredKeys: ['respcd'] },
    ),
    fc.array(mutation, { maxLength: 3 }),
  )
  .map(([base, mutations]) => mutate(base, mutations));

/** How the reply's `data` travels: as an object, as a JSON string (what Odoo sees), or broken. */
const dataCarrier: fc.Arbitrary<(data: Record<string, Json>) => Json> = fc.constantFrom(
  (d: Record<string, Json>) => d,
  (d: Record<string, Json>) => JSON.stringify(d),
  (d: Record<string, Json>) => JSON.stringify(d),
  (d: Record<string, Json>) => JSON.stringify([d]),
  (d: Record<string, Json>) => JSON.stringify(d).slice(0, -1),
  () => '',
  () => null,
  () => 'null',
  () => 'not json',
);

/** A reply envelope as a JS value: the documented outer fields, `data` in some carrier, 0–2 fields mutated. */
export const replyEnvelope: fc.Arbitrary<Json> = fc
  .tuple(
    fc.record(
      {
        respcd: outerCode,
        respmsg: fc.string({ maxLength: 20 }),
        resperr: fc.string({ maxLength: 20 }),
        resmsg: fc.string({ maxLength: 20 }),
      },
      { requiredKeys: ['respcd'] },
    ),
    fc.option(fc.tuple(replyData, dataCarrier), { freq: 6 }),
    fc.array(mutation, { maxLength: 2 }),
  )
  .map(([outer, data, mutations]) => mutate({ ...outer, ...(data ? { data: data[1](data[0]) } : {}) }, mutations));

/** AES-CBC of raw bytes under `posKey` with QFPay's IV, Base64: "the right key, but not a reply". */
export function encryptBytes(bytes: Uint8Array, posKey: string): string {
  const key = Buffer.from(posKey, 'utf8');
  const cipher = createCipheriv(`aes-${key.length * 8}-cbc`, key, ECR_IV);
  return Buffer.concat([cipher.update(bytes), cipher.final()]).toString('base64');
}

/** How an envelope becomes a body: plain, encrypted (right or wrong key), bare or quoted Base64. */
export type Wrap = 'plain' | 'plain-padded' | 'quoted-cipher' | 'bare-cipher' | 'quoted-cipher-wrong-key' | 'bare-cipher-wrong-key';
export const wrapArb: fc.Arbitrary<Wrap> = fc.constantFrom('plain', 'plain', 'plain-padded', 'quoted-cipher', 'bare-cipher', 'quoted-cipher-wrong-key', 'bare-cipher-wrong-key');

export function wrap(json: string, how: Wrap, posKey: string, wrongKey: string): string {
  switch (how) {
    case 'plain':
      return json;
    case 'plain-padded':
      return ` \n${json}\t\r\n`;
    case 'quoted-cipher':
      return JSON.stringify(encryptToBase64(json, posKey));
    case 'bare-cipher':
      return encryptToBase64(json, posKey);
    case 'quoted-cipher-wrong-key':
      return JSON.stringify(encryptToBase64(json, wrongKey));
    case 'bare-cipher-wrong-key':
      return encryptToBase64(json, wrongKey);
  }
}

/** Damage done to a body on the way: cut, a byte flipped, a byte inserted, doubled. */
export type Damage = { how: 'none' } | { how: 'cut' | 'flip' | 'insert'; at: number; byte: number } | { how: 'double' };
export const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Damage>({ how: 'none' }) },
  { weight: 3, arbitrary: fc.record({ how: fc.constantFrom('cut' as const, 'flip' as const, 'insert' as const), at: fc.nat(), byte: fc.nat({ max: 255 }) }) },
  { weight: 1, arbitrary: fc.constant<Damage>({ how: 'double' }) },
);

export function damage(body: string, d: Damage): string {
  if (d.how === 'none') return body;
  if (d.how === 'double') return body + body;
  const bytes = Buffer.from(body, 'utf8');
  if (bytes.length === 0) return body;
  const i = d.at % bytes.length;
  if (d.how === 'cut') return bytes.subarray(0, i).toString('utf8');
  if (d.how === 'insert') return Buffer.concat([bytes.subarray(0, i), Buffer.from([d.byte]), bytes.subarray(i)]).toString('utf8');
  const copy = Buffer.from(bytes);
  copy[i] = d.byte;
  return copy.toString('utf8');
}
