/**
 * The signing route (direct topology): authenticated, signs only valid ECR requests of allowed
 * func_types and amounts, and what it returns is exactly what the terminal accepts — proven by
 * POSTing it to the simulator over real HTTPS. The POS-KEY never appears in answers or logs.
 */
import { request } from 'node:https';
import { ConfigError, decodeRequestBody, decodeResponseBody } from '@qfpay-ecr/core';
import { startSimulator, type Simulator } from '@qfpay-ecr/simulator';
import { createSigningRouter, startBridgeServer, type RunningBridge } from '../src/bridge/index.js';

const POS_KEY = 'SigningP0sKey-S3cret-0123456789a';
const TOKEN = 'signing-token-Zq8Wx4Lm2Np8Rt5';

let sim: Simulator | undefined;
let server: RunningBridge | undefined;
const logs: string[] = [];

beforeEach(async () => {
  logs.length = 0;
  sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 20 } });
  const router = createSigningRouter({
    posKeys: { till1: POS_KEY },
    tokens: [TOKEN],
    allowedOrigins: ['http://pos.shop.example'],
    allowedFuncTypes: [1001, 4001, 5001],
    maxAmountMinor: 100_000,
    logger: { info: (o, m) => void logs.push(JSON.stringify([o, m])), warn: (o, m) => void logs.push(JSON.stringify([o, m])), error: (o, m) => void logs.push(JSON.stringify([o, m])) },
  });
  server = await startBridgeServer({ routers: [router] });
});

afterEach(async () => {
  expect(logs.join('\n')).not.toContain(POS_KEY);
  expect(logs.join('\n')).not.toContain(TOKEN);
  await server?.close();
  await sim?.close();
});

async function sign(content: unknown, token = TOKEN, terminal = 'till1'): Promise<{ status: number; text: string; body: any }> {
  const res = await fetch(`${server!.url}/qfpay/sign/${terminal}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ content }) });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) };
}

function postToTerminal(path: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${sim!.url}${path}`, { method: 'POST', ca: sim!.caPem as string, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('signing route', () => {
  it('returns the exact body the terminal accepts (Base64 AES of the signed envelope)', async () => {
    const content = { func_type: 1001, amt: 12.5, channel: 'card_payment', out_trade_no: 'direct-1' };
    const r = await sign(content);
    expect(r.status).toBe(200);
    expect(r.body.body).toBe(JSON.stringify(r.body.ciphertext));
    expect(r.text).not.toContain(POS_KEY);
    expect(decodeRequestBody(r.body.body, POS_KEY).content).toEqual(content);
    const reply = decodeResponseBody(await postToTerminal('/api/pos/trade', r.body.body));
    expect(reply.respcd).toBe('6000');
    expect(reply.data).toMatchObject({ respcd: '0000', out_trade_no: 'direct-1' });
  });

  it('signs only valid requests of allowed func_types and amounts', async () => {
    const invalid = await sign({ func_type: '1001', amt: 12.345, channel: 'visa' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/func_type/);
    const refund = await sign({ func_type: 1002, orderId: '20250826155400087645770447' });
    expect(refund.status).toBe(403);
    expect(refund.body.error.code).toBe('BRIDGE_FUNC_TYPE_FORBIDDEN');
    const big = await sign({ func_type: 1001, amt: 1000.01, channel: 'wx' });
    expect(big.status).toBe(403);
    expect(big.body.error.code).toBe('BRIDGE_AMOUNT_LIMIT');
    expect((await sign({ func_type: 5001 })).status).toBe(200);
    expect((await sign({ func_type: 5001 }, 'not-the-token-0000000')).status).toBe(401);
    expect((await sign({ func_type: 5001 }, TOKEN, 'till9')).status).toBe(404);
    expect(sim!.requests()).toEqual([]);
  });

  it('signs refunds (1002) only for refundTokens; other func_types for every token', async () => {
    const manager = 'manager-token-Hb7Kq2Xp9Lw4Vd6S';
    const router = createSigningRouter({ posKeys: { till1: POS_KEY }, tokens: [TOKEN], refundTokens: [manager], logger: { info: (o, m) => void logs.push(JSON.stringify([o, m])), warn: (o, m) => void logs.push(JSON.stringify([o, m])), error: (o, m) => void logs.push(JSON.stringify([o, m])) } });
    const second = await startBridgeServer({ routers: [router] });
    try {
      const post = async (content: unknown, token: string) => {
        const res = await fetch(`${second.url}/qfpay/sign/till1`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ content }) });
        return { status: res.status, body: (await res.json()) as any };
      };
      const refund = { func_type: 1002, orderId: '20250826155400087645770447' };
      const till = await post(refund, TOKEN);
      expect(till.status).toBe(403);
      expect(till.body.error.code).toBe('BRIDGE_REFUND_FORBIDDEN');
      expect((await post(refund, manager)).status).toBe(200);
      expect((await post({ func_type: 1001, amt: 1, channel: 'wx', out_trade_no: 'till-pay' }, TOKEN)).status).toBe(200);
      expect((await post({ func_type: 5001 }, manager)).status).toBe(200);
      expect(logs.join('\n')).not.toContain(manager);
    } finally {
      await second.close();
    }
  });

  it('refuses a POS-KEY of the wrong length at start-up without printing it', () => {
    const badKey = 'short-secret-key';
    let error: unknown;
    try {
      createSigningRouter({ posKeys: { t: `${badKey}!` }, tokens: [TOKEN] });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).not.toContain(badKey);
    expect(() => createSigningRouter({ posKeys: { t: POS_KEY }, tokens: ['short'] })).toThrow(/at least 16/);
  });
});
