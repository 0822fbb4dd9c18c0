/**
 * The terminal bridge routes over real HTTP, driving a QFPayTerminal against the simulator over
 * real HTTPS: auth, CORS (with Private Network Access), jobs and long polls, idempotency (a
 * retried POST never charges twice), busy, cancel, refund, query, print, input validation, and
 * no secret in any answer or log line.
 */
import { QFPayTerminal } from '@qfpay-ecr/core';
import { startSimulator, type Simulator } from '@qfpay-ecr/simulator';
import { createTerminalBridgeRouter, startBridgeServer, type BridgeLogger, type RunningBridge, type TerminalBridgeOptions } from '../src/bridge/index.js';

const POS_KEY = 'BridgeP0sKey-S3cret-0123456789ab';
const TOKEN = 'bridge-token-Zq8Wx4Lm2Np8Rt5V';
const ORIGIN = 'http://pos.shop.example';
const MANAGER = 'manager-token-Hb7Kq2Xp9Lw4Vd6S';

interface Setup {
  sim: Simulator;
  terminal: QFPayTerminal;
  bridge: RunningBridge;
  logs: string[];
  close(): Promise<void>;
}

async function setup(customer: Parameters<typeof startSimulator>[0]['customer'] = { action: 'approve', afterMs: 40 }, access: Pick<TerminalBridgeOptions, 'refundTokens'> = {}): Promise<Setup> {
  const sim = await startSimulator({ posKey: POS_KEY, customer });
  const terminal = new QFPayTerminal({
    host: '127.0.0.1',
    port: sim.port,
    posKey: POS_KEY,
    ca: sim.caPem as string,
    pinnedCaFingerprint256: sim.caFingerprint256 as string,
    resolve: { deadlineMs: 3000, minIntervalMs: 20, maxIntervalMs: 100 },
    cancelWaitMs: 3000,
  });
  const logs: string[] = [];
  const logger: BridgeLogger = {
    info: (o, m) => void logs.push(JSON.stringify([o, m])),
    warn: (o, m) => void logs.push(JSON.stringify([o, m])),
    error: (o, m) => void logs.push(JSON.stringify([o, m])),
  };
  const { router, close } = createTerminalBridgeRouter({ terminals: { till1: terminal }, tokens: [TOKEN], ...access, allowedOrigins: [ORIGIN], logger, maxWaitMs: 5000 });
  const bridge = await startBridgeServer({ routers: [router], onClose: close });
  return {
    sim,
    terminal,
    bridge,
    logs,
    async close() {
      sim.customer.cancel();
      await bridge.close();
      await terminal.close();
      await sim.close();
    },
  };
}

let s: Setup | undefined;
afterEach(async () => {
  if (s) {
    expect(s.logs.join('\n')).not.toContain(TOKEN);
    expect(s.logs.join('\n')).not.toContain(MANAGER);
    expect(s.logs.join('\n')).not.toContain(POS_KEY);
    await s.close();
  }
  s = undefined;
});

async function call(path: string, init: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== null) headers.Authorization = `Bearer ${init.token ?? TOKEN}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${s!.bridge.url}${path}`, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers, ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function follow(ref: string): Promise<any> {
  let version = 0;
  for (let i = 0; i < 50; i++) {
    const r = await call(`/qfpay/terminals/till1/jobs/${ref}?since=${version}&waitMs=3000`);
    expect(r.status).toBe(200);
    if (r.body.stage === 'final') return r.body;
    version = r.body.version;
  }
  throw new Error('job never finished');
}

describe('terminal bridge: access', () => {
  it('refuses requests without the right bearer token, never echoing it', async () => {
    s = await setup();
    for (const token of [null, 'wrong-token-0000000000000', `${TOKEN}x`]) {
      const r = await call('/qfpay/terminals/till1', { token });
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('BRIDGE_UNAUTHORIZED');
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
      expect(JSON.stringify(r.body)).not.toContain('wrong-token');
    }
    expect((await call('/qfpay/terminals/till1')).body).toEqual({ id: 'till1', busy: false });
    expect((await call('/qfpay/terminals/nope')).status).toBe(404);
  });

  it('answers CORS preflights for the POS origin only, including Private Network Access', async () => {
    s = await setup();
    const ok = await fetch(`${s.bridge.url}/qfpay/terminals/till1/payments`, {
      method: 'OPTIONS',
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type', 'Access-Control-Request-Private-Network': 'true' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(ok.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(ok.headers.get('access-control-allow-private-network')).toBe('true');
    const evil = await fetch(`${s.bridge.url}/qfpay/terminals/till1/payments`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const actual = await call('/qfpay/terminals/till1', { headers: { Origin: ORIGIN } });
    expect(actual.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('validates bodies (400 naming fields, 413 too large, 415 not JSON)', async () => {
    s = await setup();
    const bad = await call('/qfpay/terminals/till1/payments', { body: { ref: 'a b', amountMinor: 12.5, channel: 'visa' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/ref.*amountMinor.*channel/s);
    expect((await call('/qfpay/terminals/till1/payments', { body: JSON.stringify({ ref: 'x', pad: 'y'.repeat(20_000) }) })).status).toBe(413);
    const notJson = await fetch(`${s.bridge.url}/qfpay/terminals/till1/query`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/plain' }, body: 'hi' });
    expect(notJson.status).toBe(415);
    expect(s.sim.requests()).toEqual([]);
  });
});

describe('terminal bridge: payments', () => {
  it('takes a payment as a job, reports its stages by long poll, and a retried POST never charges twice', async () => {
    s = await setup();
    const body = { ref: 'odoo-line-1', amountMinor: 1250, channel: 'card_payment' };
    const started = await call('/qfpay/terminals/till1/payments', { body });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ ref: 'odoo-line-1', kind: 'payment' });
    expect(['accepted', 'queued']).toContain(started.body.stage); // QFPayTerminal queues synchronously
    const final = await follow('odoo-line-1');
    expect(final.outcome).toMatchObject({ status: 'approved', kind: 'payment', outTradeNo: 'odoo-line-1', amountMinor: 1250, currency: 'HKD' });
    expect(final.version).toBeGreaterThan(2);
    const again = await call('/qfpay/terminals/till1/payments', { body });
    expect(again.status).toBe(200);
    expect(again.body.outcome.syssn).toBe(final.outcome.syssn);
    expect(s.sim.paymentRequestCount('odoo-line-1')).toBe(1);
    const conflict = await call('/qfpay/terminals/till1/payments', { body: { ...body, amountMinor: 999 } });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('BRIDGE_REF_CONFLICT');
    expect((await call('/qfpay/terminals/till1/jobs/unknown-ref')).status).toBe(404);
  });

  it('one transaction at a time: a second payment is refused as busy; cancel ends the first', async () => {
    s = await setup({ action: 'manual' });
    expect((await call('/qfpay/terminals/till1/payments', { body: { ref: 'first', amountMinor: 500, channel: 'alipay' } })).status).toBe(202);
    await s.sim.waitForScreen();
    const status = await call('/qfpay/terminals/till1');
    expect(status.body).toMatchObject({ busy: true, current: { ref: 'first', kind: 'payment' } });
    const second = await call('/qfpay/terminals/till1/payments', { body: { ref: 'second', amountMinor: 500, channel: 'alipay' } });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('TERMINAL_BUSY');
    // A long poll parked on the current version is woken by the change, with the new state.
    let current = (await call('/qfpay/terminals/till1/jobs/first')).body;
    for (let i = 0; i < 10 && current.stage !== 'waiting_customer'; i++) current = (await call(`/qfpay/terminals/till1/jobs/first?since=${current.version}&waitMs=3000`)).body;
    expect(current.stage).toBe('waiting_customer');
    const parked = call(`/qfpay/terminals/till1/jobs/first?since=${current.version}&waitMs=5000`);
    const cancel = await call('/qfpay/terminals/till1/cancel', { body: {} });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toEqual({ status: 'confirmed', outTradeNo: 'first' });
    const woken = (await parked).body;
    expect(woken.version).toBeGreaterThan(current.version);
    expect(woken.stage).not.toBe('waiting_customer');
    expect((await follow('first')).outcome).toMatchObject({ status: 'cancelled', by: 'pos' });
    expect(s.sim.paymentRequestCount('second')).toBe(0);
  });

  it('refunds by syssn, queries, prints, and reports terminal errors as 502 with the hint', async () => {
    s = await setup();
    await call('/qfpay/terminals/till1/payments', { body: { ref: 'pay-1', amountMinor: 2000, channel: 'wx' } });
    const paid = (await follow('pay-1')).outcome;
    const q = await call('/qfpay/terminals/till1/query', { body: { outTradeNo: 'pay-1' } });
    expect(q.body).toMatchObject({ found: true, state: 'paid', syssn: paid.syssn, amountMinor: 2000 });
    expect((await call('/qfpay/terminals/till1/refunds', { body: { ref: 'rf-1', syssn: paid.syssn, amountMinor: 500 } })).status).toBe(202);
    const refunded = await follow('rf-1');
    expect(refunded.outcome).toMatchObject({ status: 'approved', kind: 'refund', amountMinor: 500, origSyssn: paid.syssn });
    expect((await call('/qfpay/terminals/till1/print-receipt', { body: { syssn: paid.syssn } })).status).toBe(204);
    expect(s.sim.printed()).toHaveLength(1);
    expect((await call('/qfpay/terminals/till1/print-summary', { body: {} })).status).toBe(204);
    s.sim.injectFault({ kind: 'drop-before' });
    const broken = await call('/qfpay/terminals/till1/query', { body: { syssn: paid.syssn } });
    expect(broken.status).toBe(502);
    expect(broken.body.error).toMatchObject({ code: expect.any(String), hint: expect.stringMatching(/\w/) });
  });
});

describe('terminal bridge: who may refund', () => {
  it('with refundTokens, a till token pays but may not refund (403, nothing sent); a manager token refunds', async () => {
    s = await setup(undefined, { refundTokens: [MANAGER] });
    await call('/qfpay/terminals/till1/payments', { body: { ref: 'pay-r', amountMinor: 1500, channel: 'wx' } });
    const paid = (await follow('pay-r')).outcome;
    expect(paid.status).toBe('approved');
    const before = s.sim.requests().length;
    const refused = await call('/qfpay/terminals/till1/refunds', { body: { ref: 'rf-till', syssn: paid.syssn } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'BRIDGE_REFUND_FORBIDDEN', message: expect.stringMatching(/may not refund; nothing was sent/), hint: expect.stringMatching(/refundTokens/) });
    expect(JSON.stringify(refused.body)).not.toContain(TOKEN);
    expect(s.sim.requests().length).toBe(before);
    // The manager's token is accepted everywhere, and refunds.
    expect((await call('/qfpay/terminals/till1', { token: MANAGER })).status).toBe(200);
    expect((await call('/qfpay/terminals/till1/refunds', { body: { ref: 'rf-mgr', syssn: paid.syssn }, token: MANAGER })).status).toBe(202);
    expect((await follow('rf-mgr')).outcome).toMatchObject({ status: 'approved', kind: 'refund', amountMinor: 1500 });
  });

  it('refundTokens: [] switches refunds off for every token; a bad refund token list is a config error naming no token', async () => {
    s = await setup(undefined, { refundTokens: [] });
    const r = await call('/qfpay/terminals/till1/refunds', { body: { ref: 'rf-1', syssn: '20231231000100020003' } });
    expect(r.status).toBe(403);
    expect(r.body.error.message).toMatch(/refunds are switched off on this bridge/);
    expect(s.sim.requests()).toEqual([]);
    const bad = (() => {
      try {
        createTerminalBridgeRouter({ terminals: {}, tokens: [TOKEN], refundTokens: ['short-Secret'] });
      } catch (err) {
        return err as Error & { code: string };
      }
      return undefined;
    })();
    expect(bad).toMatchObject({ code: 'CONFIG_BRIDGE_REFUND_TOKENS' });
    expect(bad?.message).not.toContain('short-Secret');
  });
});
