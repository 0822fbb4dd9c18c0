/**
 * Orders survive a restart: the demo as a child process (scripts/demo.mjs, like `npm run demo`),
 * stopped with SIGTERM and started again on the same data directory. Also: stopping while the
 * customer is still at the terminal cancels that screen, so nothing is left half-done.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OrderView } from '../src/cashier.js';
import { startDemoProcess, type DemoProcess } from './support/demo-process.js';
import { call, waitForOrder, waitForScreen } from './support/http.js';

let demo: DemoProcess | undefined;

afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

async function approveOnTerminal(base: string): Promise<void> {
  await waitForScreen(base);
  expect((await call<{ ok: boolean }>(base, 'POST', '/api/terminal/approve', {})).body).toEqual({ ok: true });
}

describe('storefront restart', () => {
  it('keeps orders, payments, refunds and notifications across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'storefront-restart-'));
    demo = await startDemoProcess(dataDir);
    const created = await call<OrderView>(demo.url, 'POST', '/api/orders', { items: [{ productId: 'milk-tea', qty: 2 }, { productId: 'egg-tarts', qty: 1 }], channel: 'alipay' });
    expect(created.status).toBe(201);
    await approveOnTerminal(demo.url);
    await waitForOrder(demo.url, created.body.id, (o) => o.payment?.notification !== undefined);
    await call(demo.url, 'POST', `/api/orders/${created.body.id}/refunds`, { amount: '5.00' });
    await approveOnTerminal(demo.url);
    const before = await waitForOrder(demo.url, created.body.id, (o) => o.status === 'partially_refunded' && o.refunds[0]?.notification !== undefined);

    expect(await demo.stop()).toBe(0);
    demo = await startDemoProcess(dataDir);
    const after = (await call<OrderView>(demo.url, 'GET', `/api/orders/${created.body.id}`)).body;
    // A restarted demo stamps its views as a new instance: the page takes them whatever their seq.
    expect(after.revision.instance).not.toBe(before.revision.instance);
    expect(after).toMatchObject({
      id: before.id,
      status: 'partially_refunded',
      totalMinor: 7400,
      refundedMinor: 500,
      items: before.items,
      payment: { stage: 'approved', syssn: before.payment?.syssn, outTradeNo: before.payment?.outTradeNo, notification: { id: before.payment?.notification?.id } },
    });
    expect(after.refunds).toEqual(before.refunds);
    // The simulated terminal restarted with an empty book; the page says so instead of failing later.
    expect(after.refund.allowed).toBe(false);
    expect(after.refund.reason).toMatch(/demo restarted/);
    const list = (await call<{ orders: OrderView[] }>(demo.url, 'GET', '/api/orders')).body.orders;
    expect(list.map((o) => o.id)).toContain(created.body.id);
  }, 120_000);

  it('stopping while the customer is at the terminal cancels the screen; the order says nothing was charged', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'storefront-stop-'));
    demo = await startDemoProcess(dataDir);
    const created = await call<OrderView>(demo.url, 'POST', '/api/orders', { items: [{ productId: 'french-toast', qty: 1 }], channel: 'card_payment' });
    await waitForScreen(demo.url);
    await waitForOrder(demo.url, created.body.id, (o) => o.payment?.stage === 'waiting_customer');
    expect(await demo.stop()).toBe(0);
    demo = await startDemoProcess(dataDir);
    const after = await waitForOrder(demo.url, created.body.id, (o) => o.payment?.final === true && o.payment.stage !== 'unknown');
    expect(after).toMatchObject({ status: 'cancelled', canRetry: true });
  }, 120_000);
});
