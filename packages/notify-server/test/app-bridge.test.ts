/**
 * The bridge and signing routes mounted on createNotifyApp itself: a browser-side RemoteTerminal
 * takes a payment through the notify server, the simulator's signed notification arrives at
 * /qfpay/notify, and the same bridge token (from the POS origin) reads it back.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QFPayTerminal, decodeRequestBody } from '@qfpay-ecr/core';
import { RemoteTerminal } from '@qfpay-ecr/odoo-adapter';
import { startSimulator, type Simulator } from '@qfpay-ecr/simulator';
import { pino } from 'pino';
import { request } from 'undici';
import { createNotifyApp, createSqliteStore, type NotifyApp } from '../src/index.js';
import { KEY } from './support/fixtures.js';

const POS_KEY = 'AppBridgeP0sKey-S3cret-012345678';
const TOKEN = 'app-bridge-token-Zq8Wx4Lm2Np8';
const MANAGER = 'app-bridge-manager-Hb7Kq2Xp9L';
const ORIGIN = 'http://pos.shop.example';

let server: Server;
let baseUrl: string;
let sim: Simulator;
let terminal: QFPayTerminal;
let notify: NotifyApp;

beforeAll(async () => {
  // The server listens first so the simulator knows where to send notifications; the app,
  // which needs the terminal, is plugged in once both exist.
  let handler: RequestListener = (_req, res) => res.writeHead(503).end();
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sim = await startSimulator({
    posKey: POS_KEY,
    customer: { action: 'approve', afterMs: 40 },
    notify: { url: `${baseUrl}/qfpay/notify`, key: KEY, scheduleMs: [0, 200, 500, 1000] },
  });
  terminal = new QFPayTerminal({ host: '127.0.0.1', port: sim.port, posKey: POS_KEY, ca: sim.caPem as string, pinnedCaFingerprint256: sim.caFingerprint256 as string });
  notify = createNotifyApp({
    keys: KEY,
    store: createSqliteStore({ path: ':memory:' }),
    logger: pino({ level: 'silent' }),
    bridge: { terminals: { till1: terminal }, tokens: [TOKEN], refundTokens: [MANAGER], allowedOrigins: [ORIGIN] },
    signing: { posKeys: { till1: POS_KEY }, tokens: [TOKEN], allowedOrigins: [ORIGIN] },
  });
  handler = notify.app.callback();
});

afterAll(async () => {
  await notify.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await terminal.close();
  await sim.close();
});

describe('createNotifyApp with the bridge and signing routes', () => {
  it('takes a payment through the bridge and serves its notification to the same token', async () => {
    const remote = new RemoteTerminal({ baseUrl, terminalId: 'till1', token: TOKEN });
    const outcome = await remote.pay({ amountMinor: 1250, channel: 'wx' });
    expect(outcome).toMatchObject({ status: 'approved', amountMinor: 1250 });
    if (outcome.status !== 'approved') return;
    expect(sim.paymentRequestCount(outcome.outTradeNo)).toBe(1);

    let notifications: Array<{ syssn: string }> = [];
    for (let i = 0; i < 50 && notifications.length === 0; i++) {
      const res = await request(`${baseUrl}/qfpay/transactions/${outcome.outTradeNo}`, { headers: { authorization: `Bearer ${TOKEN}`, origin: ORIGIN } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      notifications = ((await res.body.json()) as { notifications: Array<{ syssn: string }> }).notifications;
      if (notifications.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(notifications.map((n) => n.syssn)).toEqual([outcome.syssn]);
    // A refund token follows outcomes too.
    const asManager = await request(`${baseUrl}/qfpay/transactions/${outcome.outTradeNo}`, { headers: { authorization: `Bearer ${MANAGER}` } });
    expect(asManager.statusCode).toBe(200);
    await asManager.body.dump();
  });

  it('answers the POS origin\'s preflight for the subscriber endpoints and refuses other origins', async () => {
    const ok = await request(`${baseUrl}/qfpay/events`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'GET' } });
    await ok.body.dump();
    expect(ok.headers['access-control-allow-origin']).toBe(ORIGIN);
    const other = await request(`${baseUrl}/qfpay/events`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' } });
    await other.body.dump();
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const noToken = await request(`${baseUrl}/qfpay/transactions/abc`);
    await noToken.body.dump();
    expect(noToken.statusCode).toBe(401);
  });

  it('signs a request for the direct topology only with a valid token, without revealing the key', async () => {
    const denied = await request(`${baseUrl}/qfpay/sign/till1`, { method: 'POST', body: JSON.stringify({ content: { func_type: 4001, out_trade_no: 'ref-1' } }), headers: { 'content-type': 'application/json' } });
    expect(denied.statusCode).toBe(401);
    await denied.body.dump();
    const res = await request(`${baseUrl}/qfpay/sign/till1`, {
      method: 'POST',
      body: JSON.stringify({ content: { func_type: 4001, out_trade_no: 'ref-1' } }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    });
    const text = await res.body.text();
    expect(res.statusCode).toBe(200);
    expect(text).not.toContain(POS_KEY);
    const { body } = JSON.parse(text) as { body: string };
    expect(decodeRequestBody(body, POS_KEY).content).toEqual({ func_type: 4001, out_trade_no: 'ref-1' });
  });
});
