/**
 * Secret redaction where earlier tests did not look: the bridge and signing routes (their logs,
 * answers, job views and terminal-failure outcomes) and the subscriber payloads (SSE events and
 * the transactions lookup). No POS-KEY, notification key, bearer token (right or wrong),
 * X-QF-SIGN or full card number may appear in any of them.
 */
import { QFPayTerminal } from '@qfpay-ecr/core';
import { startSimulator, type Simulator } from '@qfpay-ecr/simulator';
import { request } from 'undici';
import { parseCliArgs } from '../src/config.js';
import { createNotifyApp, createSqliteStore, type NotifyApp } from '../src/index.js';
import { EVENTS_TOKEN, FULL_PAN, KEY, paymentBody, signedHeaders, uniqueOutTradeNo } from './support/fixtures.js';
import { captureLogs, type CapturedLogs } from './support/logs.js';
import { openSse } from './support/sse.js';

const POS_KEY = 'RedactP0sKey-S3cret-0123456789ab';
const STALE_POS_KEY = 'StaleP0sKey-NotTheTerminals-0123';
const BRIDGE_TOKEN = 'bridge-token-redaction-8Jk3Pq7';
const SIGNER_TOKEN = 'signer-token-redaction-2Wm6Zx4';
const WRONG_TOKEN = 'wrong-token-that-must-not-echo-9';

let sim: Simulator;
let good: QFPayTerminal;
let stale: QFPayTerminal;
let notify: NotifyApp;
let logs: CapturedLogs;
let base: string;
const seen: string[] = [];

async function call(method: 'GET' | 'POST', path: string, token: string | undefined, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await request(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  seen.push(JSON.stringify(res.headers), text);
  return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
}

async function finalJob(terminalId: string, ref: string): Promise<any> {
  let version = 0;
  for (let i = 0; i < 100; i++) {
    const { json } = await call('GET', `/qfpay/terminals/${terminalId}/jobs/${ref}?since=${version}&waitMs=2000`, BRIDGE_TOKEN);
    if (json.stage === 'final') return json;
    version = json.version;
  }
  throw new Error(`job ${ref} did not finish`);
}

beforeAll(async () => {
  sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 30 } });
  const tls = { host: '127.0.0.1', port: sim.port, ca: sim.caPem as string, pinnedCaFingerprint256: sim.caFingerprint256 as string };
  good = new QFPayTerminal({ ...tls, posKey: POS_KEY });
  stale = new QFPayTerminal({ ...tls, posKey: STALE_POS_KEY });
  logs = captureLogs('trace');
  notify = createNotifyApp({
    keys: KEY,
    store: createSqliteStore({ path: ':memory:' }),
    logger: logs.logger,
    eventsToken: EVENTS_TOKEN,
    bridge: { terminals: { till1: good, stale }, tokens: [BRIDGE_TOKEN] },
    signing: { posKeys: { till1: POS_KEY, stale: STALE_POS_KEY }, tokens: [SIGNER_TOKEN], allowedFuncTypes: [1001, 4001], maxAmountMinor: 10_000 },
  });
  base = (await notify.listen({ port: 0, host: '127.0.0.1' })).url;
});

afterAll(async () => {
  await notify.close();
  await good.close();
  await stale.close();
  await sim.close();
});

describe('no secret in bridge, signing and subscriber output', () => {
  it('signing: answers and logs for signed, refused and unauthenticated requests', async () => {
    expect((await call('POST', '/qfpay/sign/till1', SIGNER_TOKEN, { content: { func_type: 4001, out_trade_no: 'redact-1' } })).status).toBe(200);
    expect((await call('POST', '/qfpay/sign/till1', SIGNER_TOKEN, { content: { func_type: 1002, orderId: 'x1' } })).status).toBe(403);
    expect((await call('POST', '/qfpay/sign/till1', SIGNER_TOKEN, { content: { func_type: 1001, amt: 500, channel: 'card_payment' } })).status).toBe(403);
    expect((await call('POST', '/qfpay/sign/till1', SIGNER_TOKEN, { content: { func_type: 1001, amt: 'x', channel: 'card_payment' } })).status).toBe(400);
    expect((await call('POST', '/qfpay/sign/stale', WRONG_TOKEN, { content: { func_type: 4001, out_trade_no: 'redact-2' } })).status).toBe(401);
    expect((await call('POST', '/qfpay/sign/nowhere', SIGNER_TOKEN, { content: { func_type: 4001, out_trade_no: 'redact-3' } })).status).toBe(404);
  });

  it('bridge: an approved payment, a terminal that refuses the POS-KEY (4003), and wrong tokens', async () => {
    expect((await call('POST', '/qfpay/terminals/till1/payments', BRIDGE_TOKEN, { ref: 'redact-pay-1', amountMinor: 1250, channel: 'card_payment' })).status).toBe(202);
    expect((await finalJob('till1', 'redact-pay-1')).outcome.status).toBe('approved');
    expect((await call('POST', '/qfpay/terminals/stale/payments', BRIDGE_TOKEN, { ref: 'redact-pay-2', amountMinor: 100, channel: 'card_payment' })).status).toBe(202);
    const failed = await finalJob('stale', 'redact-pay-2');
    expect(failed.outcome.status).toBe('failed');
    expect((await call('POST', '/qfpay/terminals/stale/query', BRIDGE_TOKEN, { outTradeNo: 'redact-pay-2' })).status).toBe(502);
    expect((await call('POST', '/qfpay/terminals/till1/payments', WRONG_TOKEN, { ref: 'redact-pay-3', amountMinor: 100, channel: 'card_payment' })).status).toBe(401);
  });

  it('subscribers: SSE events and the transactions lookup carry no key, signature or full card number', async () => {
    const outTradeNo = uniqueOutTradeNo();
    const body = paymentBody({ out_trade_no: outTradeNo, cardcd: FULL_PAN });
    const headers = signedHeaders(body);
    const stream = await openSse(base, '/qfpay/events?since=0', { authorization: `Bearer ${EVENTS_TOKEN}` });
    try {
      const delivered = await request(`${base}/qfpay/notify`, { method: 'POST', headers, body });
      expect(await delivered.body.text()).toBe('SUCCESS');
      const events = await stream.waitForEvents(1);
      seen.push(...events.map((e) => e.data));
      expect(events.some((e) => e.data.includes(outTradeNo))).toBe(true);
      const lookup = await call('GET', `/qfpay/transactions/${outTradeNo}`, BRIDGE_TOKEN);
      expect(lookup.json.notifications).toHaveLength(1);
      const all = seen.join('\n');
      expect(all).not.toContain(headers['X-QF-SIGN'] as string);
      expect(all).not.toContain(FULL_PAN);
    } finally {
      stream.close();
    }
  });

  afterAll(async () => {
    await notify.flushRejects();
    const everything = [...seen, logs.text(), JSON.stringify(await notify.store.rejects())].join('\n');
    expect(logs.records().length).toBeGreaterThan(5);
    for (const secret of [POS_KEY, STALE_POS_KEY, KEY, EVENTS_TOKEN, BRIDGE_TOKEN, SIGNER_TOKEN, WRONG_TOKEN, FULL_PAN]) {
      expect([secret.slice(0, 8), everything.includes(secret)]).toEqual([secret.slice(0, 8), false]);
    }
  });
});

describe('CLI configuration errors', () => {
  it('name the flag or variable, never the secret typed into it', () => {
    const secrets = ['PwS3cretInUrl', 'KeyS3cretAAAA', 'TokS3cretMisplaced', 'short'];
    const cases: Array<[string[], Record<string, string>]> = [
      [['--store', 'postgres', '--pg-url', `mysql://u:${secrets[0]}@db.example/notify`, '--key', secrets[1] as string], {}],
      [['--key', secrets[1] as string, '--events-token', secrets[3] as string], {}],
      [[`--key=${secrets[1]}`, `--bogus-flag=${secrets[2]}`], {}],
      [['--keyy', secrets[1] as string], {}],
      [[], { QFPAY_NOTIFY_KEYS: ',', QFPAY_NOTIFY_PG_URL: `postgres://u:${secrets[0]}@db.example/notify`, QFPAY_NOTIFY_STORE: 'pg' }],
    ];
    for (const [argv, env] of cases) {
      let message = '';
      try {
        parseCliArgs(argv, env);
      } catch (err) {
        message = `${(err as Error).message}\n${(err as Error).stack ?? ''}`;
      }
      expect(message).toMatch(/invalid/);
      for (const s of secrets.slice(0, 3)) expect(message).not.toContain(s);
    }
  });
});
