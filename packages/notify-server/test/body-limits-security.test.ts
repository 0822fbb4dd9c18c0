/**
 * Body limits and slow-client timeouts of every body-reading route of the notify server, over a
 * real socket: the bridge (16 KiB default), the signing route (8 KiB default), both with a
 * declared Content-Length and chunked, and the server timeouts that end a trickling request.
 * Unauthenticated bodies are never read at all. (`POST /qfpay/notify` is covered by the app
 * suite: 413 declared, chunked and 2 MiB.)
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QFPayTerminal } from '@qfpay-ecr/core';
import { startSimulator, type Simulator } from '@qfpay-ecr/simulator';
import { createSigningRouter, createTerminalBridgeRouter, startBridgeServer, type RunningBridge } from '../src/bridge/index.js';
import { createNotifyApp, createSqliteStore, type NotifyApp } from '../src/index.js';
import { KEY } from './support/fixtures.js';
import { captureLogs } from './support/logs.js';

const POS_KEY = 'BodyLimitP0sKey-0123456789abcdef';
const BRIDGE_TOKEN = 'bridge-token-body-limits-4Kd9';
const SIGNER_TOKEN = 'signer-token-body-limits-7Wq2';

interface Reply {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Sends a body as one piece (with Content-Length) or in chunks (chunked encoding). */
function post(base: string, path: string, headers: Record<string, string>, body: string | string[]): Promise<Reply> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const chunks = Array.isArray(body) ? body : [body];
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: 'POST', path: url.pathname, agent: false, headers: { 'content-type': 'application/json', ...(Array.isArray(body) ? {} : { 'content-length': String(Buffer.byteLength(body)) }), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
      },
    );
    // The server may answer and close before the whole body is written: that is the point.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    for (const c of chunks) req.write(c);
    req.end();
  });
}

function paymentJson(padBytes: number): string {
  return JSON.stringify({ ref: 'big-1', amountMinor: 100, channel: 'card_payment', pad: 'x'.repeat(padBytes) });
}

let sim: Simulator;
let terminal: QFPayTerminal;
let notify: NotifyApp;
let base: string;

beforeAll(async () => {
  sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'manual' } });
  terminal = new QFPayTerminal({ host: '127.0.0.1', port: sim.port, posKey: POS_KEY, ca: sim.caPem as string, pinnedCaFingerprint256: sim.caFingerprint256 as string });
  notify = createNotifyApp({
    keys: KEY,
    store: createSqliteStore({ path: ':memory:' }),
    logger: captureLogs().logger,
    bridge: { terminals: { till1: terminal }, tokens: [BRIDGE_TOKEN] },
    signing: { posKeys: { till1: POS_KEY }, tokens: [SIGNER_TOKEN] },
  });
  base = (await notify.listen({ port: 0, host: '127.0.0.1' })).url;
});

afterAll(async () => {
  await notify.close();
  await terminal.close();
  await sim.close();
});

describe('bridge and signing routes: body limits', () => {
  const bridgeAuth = { authorization: `Bearer ${BRIDGE_TOKEN}` };
  const signerAuth = { authorization: `Bearer ${SIGNER_TOKEN}` };

  it('a bridge body over 16 KiB → 413, declared or chunked, small or huge; nothing reaches the terminal', async () => {
    const over = paymentJson(17 * 1024);
    for (const body of [over, paymentJson(2 * 1024 * 1024)]) {
      const r = await post(base, '/qfpay/terminals/till1/payments', bridgeAuth, body);
      expect(r.status).toBe(413);
      expect(JSON.parse(r.text).error.code).toBe('BRIDGE_BODY_TOO_LARGE');
    }
    const half = Math.floor(over.length / 2);
    const chunked = await post(base, '/qfpay/terminals/till1/payments', bridgeAuth, [over.slice(0, half), over.slice(half)]);
    expect(chunked.status).toBe(413);
    expect(sim.requests()).toEqual([]);
  });

  it('a signing body over 8 KiB → 413, declared or chunked; nothing is signed', async () => {
    const over = JSON.stringify({ content: { func_type: 4001, out_trade_no: 'a' }, pad: 'y'.repeat(9 * 1024) });
    const declared = await post(base, '/qfpay/sign/till1', signerAuth, over);
    expect(declared.status).toBe(413);
    const chunked = await post(base, '/qfpay/sign/till1', signerAuth, [over.slice(0, 100), over.slice(100)]);
    expect(chunked.status).toBe(413);
    const huge = await post(base, '/qfpay/sign/till1', signerAuth, 'z'.repeat(3 * 1024 * 1024));
    expect(huge.status).toBe(413);
    for (const r of [declared, chunked, huge]) expect(r.text).not.toContain('ciphertext');
  });

  it('bodies just under the limits are read (the limit is not a blanket refusal)', async () => {
    const under = JSON.stringify({ content: { func_type: 4001, out_trade_no: 'limit-ok-1' } });
    expect((await post(base, '/qfpay/sign/till1', signerAuth, under)).status).toBe(200);
    const invalid = await post(base, '/qfpay/terminals/till1/payments', bridgeAuth, paymentJson(15 * 1024));
    expect(invalid.status).toBe(400); // read, then refused by the schema (unknown field "pad")
  });

  it('an unauthenticated body is not read: 401 even for a huge declared length', async () => {
    const r = await post(base, '/qfpay/sign/till1', {}, 'z'.repeat(4 * 1024 * 1024));
    expect(r.status).toBe(401);
    const b = await post(base, '/qfpay/terminals/till1/payments', { authorization: 'Bearer wrong-token-0000000000' }, paymentJson(4 * 1024 * 1024));
    expect(b.status).toBe(401);
    expect(sim.requests()).toEqual([]);
  });
});

describe('slow clients', () => {
  it('the notify app and the standalone bridge server both bound how long headers and bodies may trickle in', async () => {
    const { server } = await notify.listen({ port: 0, host: '127.0.0.1' });
    const bridge: RunningBridge = await startBridgeServer({
      routers: [createTerminalBridgeRouter({ terminals: { till1: terminal }, tokens: [BRIDGE_TOKEN] }).router, createSigningRouter({ posKeys: { till1: POS_KEY }, tokens: [SIGNER_TOKEN] })],
    });
    try {
      for (const s of [server, bridge.server]) {
        expect(s.headersTimeout).toBeGreaterThan(0);
        expect(s.headersTimeout).toBeLessThanOrEqual(20_000);
        expect(s.requestTimeout).toBeGreaterThan(0);
        expect(s.requestTimeout).toBeLessThanOrEqual(30_000);
      }
      // The standalone bridge enforces the same limits as the app.
      const r = await post(bridge.url, '/qfpay/sign/till1', { authorization: `Bearer ${SIGNER_TOKEN}` }, 'z'.repeat(64 * 1024));
      expect(r.status).toBe(413);
      expect((bridge.server.address() as AddressInfo).address).toBe('127.0.0.1');
    } finally {
      await bridge.close();
    }
  });
});
