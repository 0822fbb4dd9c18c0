import { Script } from 'node:vm';
import { startSimulator, type Simulator } from '../src/index.js';
import { pay, POS_KEY, raw } from './helpers.js';

describe('the customer-facing page and /sim/* control API (simulator-only)', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ posKey: POS_KEY, merchantName: 'Cafe Test' });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('serves a self-contained HTML page marked as a simulator', async () => {
    expect(sim.webUrl).toBe(`${sim.url}/`);
    const r = await raw(sim, '/', { method: 'GET' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.headers['x-qfpay-simulator']).toBeDefined();
    expect(r.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(r.body).toMatch(/SIMULATOR/);
    expect(r.body).toMatch(/name="viewport"/);
    for (const id of ['approve', 'decline', 'cancel']) expect(r.body).toContain(`id="${id}"`);
    expect(r.body).toContain('/sim/state');
    expect(r.body).not.toMatch(/(src|href)="https?:/);
    const script = /<script nonce="[^"]+">([\s\S]*?)<\/script>/.exec(r.body)?.[1];
    expect(script).toBeDefined();
    expect(() => new Script(script ?? '')).not.toThrow();
  });

  it('GET /sim/state shows idle, then the open screen, then the result', async () => {
    const idle = JSON.parse((await raw(sim, '/sim/state', { method: 'GET' })).body) as Record<string, unknown>;
    expect(idle).toMatchObject({ simulator: true, merchantName: 'Cafe Test', screen: null, last: null });
    const held = pay(sim, 'WEB-1', 12.5);
    await sim.waitForScreen();
    const open = JSON.parse((await raw(sim, '/sim/state', { method: 'GET' })).body) as Record<string, unknown>;
    expect(open.screen).toMatchObject({ kind: 'payment', outTradeNo: 'WEB-1', amountMinor: 1250, channel: 'card_payment', channelLabel: 'Visa / Mastercard' });

    const approve = await raw(sim, '/sim/approve', { body: '{}' });
    expect(JSON.parse(approve.body)).toEqual({ ok: true });
    expect((await held).data).toMatchObject({ respcd: '0000' });
    const after = JSON.parse((await raw(sim, '/sim/state', { method: 'GET' })).body) as Record<string, unknown>;
    expect(after.screen).toBeNull();
    expect(after.last).toMatchObject({ status: 'approved', outTradeNo: 'WEB-1', code: '0000' });
    expect(JSON.parse((await raw(sim, '/sim/approve', { body: '{}' })).body)).toEqual({ ok: false });
  });

  it('POST /sim/decline and /sim/cancel act on the screen; GET /sim/transactions lists the book', async () => {
    const a = pay(sim, 'WEB-2', 1, 'wx');
    await sim.waitForScreen();
    expect(JSON.parse((await raw(sim, '/sim/decline', { body: '{"code":"1202"}' })).body)).toEqual({ ok: true });
    expect((await a).data).toMatchObject({ respcd: '1202' });
    const b = pay(sim, 'WEB-3', 1, 'wx');
    await sim.waitForScreen();
    expect(JSON.parse((await raw(sim, '/sim/cancel', { body: '' })).body)).toEqual({ ok: true });
    expect((await b).respcd).toBe('6001');
    const list = JSON.parse((await raw(sim, '/sim/transactions', { method: 'GET' })).body) as Array<Record<string, unknown>>;
    expect(list).toEqual([expect.objectContaining({ outTradeNo: 'WEB-2', respcd: '1202' })]);
  });

  it('validates control requests: JSON only, known fields, right methods', async () => {
    expect((await raw(sim, '/sim/approve', { body: 'x=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
    expect((await raw(sim, '/sim/decline', { body: '{"code":"abc"}' })).status).toBe(400);
    expect((await raw(sim, '/sim/approve', { body: '{"card":{"scheme":"VISA","masked":"4111111111111111<script>"}}' })).status).toBe(400);
    expect((await raw(sim, '/sim/approve', { body: '{' })).status).toBe(400);
    expect((await raw(sim, '/sim/approve', { method: 'GET' })).status).toBe(405);
    expect((await raw(sim, '/sim/state', { body: '{}' })).status).toBe(405);
    expect((await raw(sim, '/sim/nope', { method: 'GET' })).status).toBe(404);
  });
});
