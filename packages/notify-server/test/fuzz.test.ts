/**
 * Property test over real HTTP: 5,000 random bodies and headers against one running app.
 * Every answer is 400/401/413 — or 200 SUCCESS exactly when the body is correctly signed, small
 * enough, sent as JSON and parses as a QFPay notification. Never a 500; healthy afterwards.
 */
import { Agent } from 'node:http';
import fc from 'fast-check';
import { parseNotification, signNotification } from '@qfpay-ecr/core';
import { isJsonContentType } from '../src/index.js';
import { EVENTS_TOKEN, KEY, OLD_KEY, WRONG_KEY, paymentBody } from './support/fixtures.js';
import { startApp, type Running } from './support/harness.js';
import { get, send } from './support/http.js';
import { sqliteFactory, type StoreFactory } from './support/stores.js';

const LIMIT = 2048;
const printable = fc.string({ unit: fc.constantFrom(...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))), maxLength: 60 });

type SignMode = 'none' | 'valid' | 'valid-old-key' | 'lowercase' | 'wrong-key' | 'random-hex' | 'junk' | 'empty';

const bodyArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
  fc.string({ unit: 'grapheme', maxLength: 300 }).map((s) => Buffer.from(s, 'utf8')),
  fc.json({ maxDepth: 3 }).map((s) => Buffer.from(s, 'utf8')),
  fc
    .record(
      {
        notify_type: fc.oneof(fc.constantFrom('payment', 'refund', 'cancel', 'PAYMENT', ' refund ', ''), fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null)),
        syssn: fc.oneof(fc.stringMatching(/^\d{1,26}$/), fc.integer(), fc.double(), fc.constant(''), fc.constant(null), fc.string({ maxLength: 30 })),
        status: fc.oneof(fc.constantFrom('1', '0', 1, ''), fc.string({ maxLength: 4 })),
        txamt: fc.oneof(fc.stringMatching(/^-?\d{0,12}(\.\d{0,3})?$/), fc.integer(), fc.double(), fc.constant(null), fc.string({ maxLength: 8 })),
        txcurrcd: fc.oneof(fc.constantFrom('HKD', '344', 'hkd', ''), fc.string({ maxLength: 5 })),
        out_trade_no: fc.string({ maxLength: 40 }),
        orig_syssn: fc.string({ maxLength: 30 }),
        cardcd: fc.oneof(fc.stringMatching(/^\d{13,19}$/), fc.string({ maxLength: 20 })),
        cancel: fc.oneof(fc.constantFrom('0', '3', 5, -1, '1.5'), fc.string({ maxLength: 3 })),
        respcd: fc.oneof(fc.constantFrom('0000', 0, '1143'), fc.string({ maxLength: 5 })),
        extra: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    )
    .map((o) => Buffer.from(JSON.stringify(o), 'utf8')),
  fc
    .tuple(fc.nat({ max: 400 }), fc.nat({ max: 255 }), fc.constantFrom('flip', 'cut', 'insert'))
    .map(([at, byte, how]) => {
      const valid = Buffer.from(paymentBody(), 'utf8');
      const i = at % valid.length;
      if (how === 'cut') return valid.subarray(0, i);
      if (how === 'insert') return Buffer.concat([valid.subarray(0, i), Buffer.from([byte]), valid.subarray(i)]);
      const copy = Buffer.from(valid);
      copy[i] = byte;
      return copy;
    }),
  fc.constant(null).map(() => Buffer.from(paymentBody(), 'utf8')),
  fc.integer({ min: LIMIT + 1, max: LIMIT * 3 }).map((n) => Buffer.alloc(n, 0x7b)),
);

const caseArb = fc.record({
  body: bodyArb,
  sign: fc.constantFrom<SignMode>('none', 'valid', 'valid', 'valid', 'valid-old-key', 'lowercase', 'wrong-key', 'random-hex', 'junk', 'empty'),
  junk: printable,
  contentType: fc.oneof(
    fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-8', 'Application/JSON', 'text/plain', 'application/json; charset=latin1', ''),
    printable,
  ),
  encoding: fc.constantFrom(undefined, undefined, undefined, 'identity', 'gzip', 'br'),
  chunked: fc.boolean(),
  splitAt: fc.nat(),
  extraHeader: fc.option(fc.tuple(fc.constantFrom('X-Forwarded-For', 'Authorization', 'X-Whatever', 'Last-Event-ID'), printable)),
});

function signature(body: Buffer, mode: SignMode, junk: string): string | undefined {
  switch (mode) {
    case 'none':
      return undefined;
    case 'valid':
      return signNotification(body, KEY);
    case 'valid-old-key':
      return signNotification(body, OLD_KEY);
    case 'lowercase':
      return signNotification(body, KEY).toLowerCase();
    case 'wrong-key':
      return signNotification(body, WRONG_KEY);
    case 'random-hex':
      return signNotification(Buffer.from(junk), KEY);
    case 'junk':
      return junk;
    case 'empty':
      return '';
  }
}

function parses(body: Buffer): boolean {
  try {
    parseNotification(body);
    return true;
  } catch {
    return false;
  }
}

describe('fuzz: POST /qfpay/notify', () => {
  let stores: StoreFactory;
  let run: Running;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });

  beforeAll(async () => {
    stores = sqliteFactory();
    run = await startApp(await stores.create(), { bodyLimitBytes: LIMIT });
  });
  afterAll(async () => {
    agent.destroy();
    await run.notify.close();
    await stores.dispose();
  });

  it('5,000 random deliveries: only 400/401/413, or SUCCESS exactly for valid signed notifications; never 500', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const headers: Record<string, string> = {};
        if (c.contentType !== '') headers['Content-Type'] = c.contentType;
        if (c.encoding) headers['Content-Encoding'] = c.encoding;
        const sign = signature(c.body, c.sign, c.junk);
        if (sign !== undefined) headers['X-QF-SIGN'] = sign;
        if (c.extraHeader) headers[c.extraHeader[0]] = c.extraHeader[1];
        const at = c.body.length === 0 ? 0 : c.splitAt % c.body.length;
        const reply = c.chunked
          ? await send(run.url, '/qfpay/notify', { headers, chunks: [c.body.subarray(0, at), c.body.subarray(at)], agent })
          : await send(run.url, '/qfpay/notify', { headers, body: c.body, agent });
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);

        const jsonType = isJsonContentType(c.contentType === '' ? undefined : c.contentType);
        const plainEncoding = c.encoding === undefined || c.encoding === 'identity';
        // Independent oracle: does the header equal upper-case MD5(body + key) for a configured key?
        const validSign = sign !== undefined && [KEY, OLD_KEY].some((k) => sign.trim().toUpperCase() === signNotification(c.body, k));
        let expected: number;
        if (!jsonType || !plainEncoding) expected = 400;
        else if (c.body.length > LIMIT) expected = 413;
        else if (!validSign) expected = 401;
        else expected = parses(c.body) ? 200 : 400;
        expect([reply.status, reply.status === 200 ? reply.text : '']).toEqual([expected, expected === 200 ? 'SUCCESS' : '']);
      }),
      { numRuns: 5000 },
    );
    expect([...statuses.keys()].every((s) => [200, 400, 401, 413].includes(s))).toBe(true);
    expect([400, 401, 413, 200].every((s) => (statuses.get(s) ?? 0) > 0)).toBe(true);

    const health = await get(run.url, '/healthz');
    expect(health.status).toBe(200);
    await run.notify.flushRejects();
    const logs = run.logs.text();
    for (const secret of [KEY, OLD_KEY, EVENTS_TOKEN]) expect(logs).not.toContain(secret);
    expect(logs).not.toMatch(/"level":50/); // no error-level log: nothing unexpected happened
  }, 120_000);
});
