/**
 * One lane, closely: the notify server is a real process that a SIGKILL takes down and a restart
 * brings back on the same URL and file (stored notifications survive); the secret scan reads
 * what every part logs (terminal, adapters, simulator and the notify server's own stderr).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { campaignClock, Lane, newSecrets, planScenario, runScenario } from '../src/index.js';
import { requireNotifyBuild } from './support/build.js';

function get(url: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let dir: string;
let lane: Lane | undefined;
beforeAll(() => {
  requireNotifyBuild();
  dir = mkdtempSync(join(tmpdir(), 'qfpay-chaos-lane-'));
});
afterAll(async () => {
  await lane?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The first scenario of `seed` for `erp` that takes a payment (approving customer, its notification not lost). */
function firstPlan(erp: 'woo' | 'odoo', seed: string) {
  for (let i = 0; i < 200; i++) {
    const p = planScenario(seed, i, [erp]);
    if (p.customer === 'approve' && p.flow !== 'pay-pos-cancel' && p.faults.every((f) => f.kind !== 'notify-lost')) return p;
  }
  throw new Error('no plan found');
}

describe('a lane', () => {
  it('runs a WooCommerce and an Odoo scenario, capturing every part\'s logs, with no violation', async () => {
    lane = await Lane.start({ index: 0, dir, secrets: newSecrets(), clock: campaignClock() });
    for (const erp of ['woo', 'odoo'] as const) {
      const plan = firstPlan(erp, 'lane-test');
      const result = await runScenario(lane, plan);
      expect(result.violations).toEqual([]);
      const sources = new Set(lane.logs.since(0).map((e) => e.source));
      expect(sources).toContain('simulator');
      expect(sources).toContain(erp === 'woo' ? 'woo-terminal' : 'odoo-terminal');
      if (erp === 'odoo') expect(sources).toContain('odoo-adapter');
      // The notify server's own log lines (its stderr) are scanned too.
      await new Promise((r) => setTimeout(r, 200));
      expect(lane.logs.since(0).some((e) => e.source === 'notify-server' && e.text.includes('"msg"'))).toBe(true);
    }
  }, 60_000);

  it('the notify server process dies on SIGKILL and comes back on the same URL and SQLite file', async () => {
    if (!lane) throw new Error('no lane');
    const { notify, secrets } = lane;
    const url = notify.url;
    const restarts = notify.restarts;
    const before = await get(`${url}/healthz`);
    expect(before.status).toBe(200);
    await notify.kill();
    expect(notify.running).toBe(false);
    await expect(get(`${url}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
    await notify.restart();
    expect(notify.running).toBe(true);
    expect(notify.url).toBe(url);
    expect(notify.restarts).toBe(restarts + 1);
    expect((await get(`${url}/healthz`)).status).toBe(200);
    // What it stored before the kill is still there: the lane's scenarios' notifications.
    const stored = lane.sim.notifications().filter((n) => n.delivered);
    expect(stored.length).toBeGreaterThan(0);
    const ref = (JSON.parse(stored[0]?.body ?? '{}') as { out_trade_no?: string }).out_trade_no ?? '';
    const found = await get(`${url}/qfpay/transactions/${encodeURIComponent(ref)}`, secrets.eventsToken);
    expect(found.status).toBe(200);
    expect(JSON.parse(found.body)).toMatchObject({ notifications: [expect.objectContaining({ outTradeNo: ref })] });
  }, 60_000);
});
