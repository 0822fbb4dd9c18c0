/**
 * The storefront in-process (`startDemo`): simulator over real HTTPS, notify server with SQLite,
 * the Koa app on 127.0.0.1:0. Exercises the JSON API the page uses — payments, notifications,
 * refund rules, decline, cancel, a lost reply resolved by query, recovery after a crash — and
 * the HTTP guards.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '@qfpay-ecr/notify-server';
import { parseNotification } from '@qfpay-ecr/core';
import { startDemo, type RunningDemo } from '../src/demo.js';
import { OrderStore } from '../src/db.js';
import type { OrderView } from '../src/cashier.js';
import { call, customerActs, placeOrder, raw, waitForOrder, waitForScreen } from './support/http.js';

let demo: RunningDemo;
let base: string;

beforeAll(async () => {
  demo = await startDemo({ port: 0, dataDir: mkdtempSync(join(tmpdir(), 'storefront-api-')) });
  base = demo.url;
});

afterAll(async () => {
  await demo.close();
});

const order = (items: Array<{ productId: string; qty: number }>, channel: string) => placeOrder(base, items, channel);

const customer = (action: 'approve' | 'decline' | 'cancel') => customerActs(base, action);

async function paid(items: Array<{ productId: string; qty: number }>, channel: string): Promise<OrderView> {
  const created = await order(items, channel);
  await customer('approve');
  return waitForOrder(base, created.id, (o) => o.status === 'paid' && o.payment?.notification !== undefined);
}

describe('storefront API', () => {
  it('takes a card payment for two items and links the QFPay notification to it', async () => {
    const created = await order([{ productId: 'milk-tea', qty: 1 }, { productId: 'pineapple-bun', qty: 2 }], 'card_payment');
    expect(created).toMatchObject({ number: expect.stringMatching(/^#\d+$/), totalMinor: 7200, total: 'HK$72.00', status: 'paying' });
    const screen = await waitForScreen(base);
    expect(screen).toMatchObject({ kind: 'payment', amountMinor: 7200, channel: 'card_payment' });
    const waiting = await waitForOrder(base, created.id, (o) => o.payment?.stage === 'waiting_customer');
    expect(waiting.canCancel).toBe(true);
    // Views are stamped in the order they were taken, so the page can drop one that arrives late.
    expect(waiting.revision.instance).toBe(created.revision.instance);
    expect(waiting.revision.seq).toBeGreaterThan(created.revision.seq);

    // One sale at a time on the terminal.
    const second = await call<{ error: string }>(base, 'POST', '/api/orders', { items: [{ productId: 'egg-tarts', qty: 1 }], channel: 'wx' });
    expect(second).toMatchObject({ status: 409, body: { error: 'terminal_busy' } });

    await call(base, 'POST', '/api/terminal/approve', {});
    const done = await waitForOrder(base, created.id, (o) => o.payment?.notification !== undefined);
    expect(done).toMatchObject({ status: 'paid', statusLabel: 'Paid' });
    expect(done.payment).toMatchObject({ stage: 'approved', cardScheme: 'VISA', maskedCard: expect.stringMatching(/^\d{6}\*+\d{4}$/), syssn: expect.stringMatching(/^\d+$/) });
    expect(done.payment?.notification).toMatchObject({ kind: 'payment', amountMinor: 7200, syssn: done.payment?.syssn, success: true });
    expect(demo.simulator.paymentRequestCount(done.payment?.outTradeNo as string)).toBe(1);
  });

  it('refunds a card payment in full only on its day, and refuses more than was paid', async () => {
    const o = await paid([{ productId: 'french-toast', qty: 2 }], 'card_payment');
    expect(o.refund).toMatchObject({ allowed: true, partialAllowed: false, maxMinor: 7000 });
    expect(o.refund.partialReason).toMatch(/in full on the day/);
    const partial = await call<{ error: string; message: string }>(base, 'POST', `/api/orders/${o.id}/refunds`, { amount: '10.00' });
    expect(partial).toMatchObject({ status: 422, body: { error: 'partial_not_allowed' } });
    const tooMuch = await call<{ error: string }>(base, 'POST', `/api/orders/${o.id}/refunds`, { amount: '70.01' });
    expect(tooMuch).toMatchObject({ status: 422, body: { error: 'refund_too_large' } });
    const bad = await call<{ error: string }>(base, 'POST', `/api/orders/${o.id}/refunds`, { amount: '1.234' });
    expect(bad).toMatchObject({ status: 400, body: { error: 'bad_amount' } });

    const full = await call<OrderView>(base, 'POST', `/api/orders/${o.id}/refunds`, { amount: '70.00' });
    expect(full.status).toBe(202);
    const screen = await waitForScreen(base);
    expect(screen).toMatchObject({ kind: 'refund', amountMinor: 7000 });
    await call(base, 'POST', '/api/terminal/approve', {});
    const refunded = await waitForOrder(base, o.id, (v) => v.status === 'refunded' && v.refunds[0]?.notification !== undefined);
    expect(refunded.refunds).toHaveLength(1);
    expect(refunded.refunds[0]).toMatchObject({ stage: 'approved', amountMinor: 7000, syssn: expect.any(String) });
    expect(refunded.refund).toMatchObject({ allowed: false, maxMinor: 0 });
    expect(refunded.refund.reason).toMatch(/refunded in full/);
  });

  it('refunds a wallet payment partly, then the rest', async () => {
    const o = await paid([{ productId: 'lemon-tea', qty: 2 }], 'wx');
    expect(o.refund).toMatchObject({ allowed: true, partialAllowed: true, maxMinor: 5200 });
    await call(base, 'POST', `/api/orders/${o.id}/refunds`, { amount: '12.50' });
    await customer('approve');
    const part = await waitForOrder(base, o.id, (v) => v.status === 'partially_refunded' && v.refunds[0]?.notification !== undefined);
    expect(part).toMatchObject({ refundedMinor: 1250, refund: { maxMinor: 3950, partialAllowed: true } });
    expect(part.refunds[0]?.notification).toMatchObject({ kind: 'refund', amountMinor: 1250 });
    await call(base, 'POST', `/api/orders/${o.id}/refunds`, {});
    await customer('approve');
    const all = await waitForOrder(base, o.id, (v) => v.status === 'refunded');
    expect(all.refunds.map((r) => r.amountMinor)).toEqual([1250, 3950]);
  });

  it('says why an Octopus payment cannot be refunded', async () => {
    const o = await paid([{ productId: 'egg-tarts', qty: 1 }], 'octopus');
    expect(o.refund.allowed).toBe(false);
    expect(o.refund.reason).toMatch(/Octopus payments cannot be refunded/);
    const res = await call<{ error: string; message: string }>(base, 'POST', `/api/orders/${o.id}/refunds`, {});
    expect(res).toMatchObject({ status: 422, body: { error: 'refund_not_allowed' } });
  });

  it('shows a decline, then takes the payment on a second attempt with a fresh reference', async () => {
    const o = await order([{ productId: 'macaroni-soup', qty: 1 }], 'alipay');
    await customer('decline');
    const declined = await waitForOrder(base, o.id, (v) => v.status === 'declined');
    expect(declined).toMatchObject({ canRetry: true, payment: { stage: 'declined', code: '1205' } });
    const firstRef = declined.payment?.outTradeNo;
    const retry = await call<OrderView>(base, 'POST', `/api/orders/${o.id}/pay`, { channel: 'fps' });
    expect(retry.status).toBe(202);
    await customer('approve');
    const ok = await waitForOrder(base, o.id, (v) => v.status === 'paid');
    expect(ok.attempts).toBe(2);
    expect(ok.payment?.outTradeNo).not.toBe(firstRef);
    expect((await call(base, 'POST', `/api/orders/${o.id}/pay`, { channel: 'fps' })).status).toBe(409);
  });

  it('cancels while the customer is still deciding, and reports a customer cancel too', async () => {
    const o = await order([{ productId: 'milk-tea', qty: 3 }], 'payme');
    await waitForScreen(base);
    await waitForOrder(base, o.id, (v) => v.canCancel);
    const res = await call<{ result: string }>(base, 'POST', `/api/orders/${o.id}/cancel`, {});
    expect(res.status).toBe(200);
    expect(['confirmed', 'requested']).toContain(res.body.result);
    const cancelled = await waitForOrder(base, o.id, (v) => v.status === 'cancelled');
    expect(cancelled.payment?.reason).toMatch(/by the cashier/);
    expect((await call(base, 'POST', `/api/orders/${o.id}/cancel`, {})).status).toBe(409);

    const p = await order([{ productId: 'milk-tea', qty: 1 }], 'union');
    await customer('cancel');
    const byCustomer = await waitForOrder(base, p.id, (v) => v.status === 'cancelled');
    expect(byCustomer.payment?.reason).toMatch(/by the customer/);
  });

  it('resolves a lost reply by asking the terminal, without paying twice', async () => {
    expect((await call(base, 'POST', '/api/terminal/lose-next-reply', {})).status).toBe(200);
    const o = await order([{ productId: 'pineapple-bun', qty: 1 }], 'card_payment');
    await customer('approve');
    const ok = await waitForOrder(base, o.id, (v) => v.status === 'paid');
    expect(ok.payment).toMatchObject({ stage: 'approved', resolvedBy: 'query', syssn: expect.any(String) });
    expect(demo.simulator.paymentRequestCount(ok.payment?.outTradeNo as string)).toBe(1);
  });

  it('guards the API: JSON only, this host only, validated input', async () => {
    const form = await raw(base, 'POST', '/api/orders', { host: new URL(base).host, 'content-type': 'application/x-www-form-urlencoded' }, 'channel=wx');
    expect(form.status).toBe(415);
    const rebound = await raw(base, 'GET', '/api/orders', { host: 'evil.example:80' });
    expect(rebound.status).toBe(421);
    const empty = await call<{ error: string }>(base, 'POST', '/api/orders', { items: [], channel: 'wx' });
    expect(empty).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    const unknownProduct = await call(base, 'POST', '/api/orders', { items: [{ productId: 'caviar', qty: 1 }], channel: 'wx' });
    expect(unknownProduct.status).toBe(400);
    const badChannel = await call(base, 'POST', '/api/orders', { items: [{ productId: 'milk-tea', qty: 1 }], channel: 'bitcoin' });
    expect(badChannel.status).toBe(400);
    expect((await call(base, 'GET', '/api/orders/999999')).status).toBe(404);
    const page = await raw(base, 'GET', '/', { host: new URL(base).host });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script src="/assets/app.js"');
  });
});

describe('storefront recovery', () => {
  it('after a crash mid-payment: settled by the stored notification, or by the terminal having no record', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'storefront-recover-'));
    // What a crashed run leaves behind: two payments "on the terminal", one of which QFPay notified.
    const store = new OrderStore(join(dataDir, 'orders.db'));
    const now = new Date();
    const a = store.createOrder([{ productId: 'milk-tea', name: 'Hong Kong milk tea', qty: 1, unitMinor: 2800 }], now);
    const b = store.createOrder([{ productId: 'egg-tarts', name: 'Egg tarts (2)', qty: 1, unitMinor: 1800 }], now);
    store.insertPayment({ outTradeNo: 'SF-crash-a', orderId: a.id, channel: 'wx', amountMinor: 2800, terminalSession: 'old-run' }, now);
    store.insertPayment({ outTradeNo: 'SF-crash-b', orderId: b.id, channel: 'card_payment', amountMinor: 1800, terminalSession: 'old-run' }, now);
    store.updatePayment('SF-crash-a', { stage: 'waiting_customer' }, now);
    store.updatePayment('SF-crash-b', { stage: 'sent' }, now);
    store.close();
    const notifications = createSqliteStore({ path: join(dataDir, 'notifications.db') });
    const body = JSON.stringify({ notify_type: 'payment', syssn: '20250101000000999900000001', out_trade_no: 'SF-crash-a', status: '1', respcd: '0000', txamt: '2800', txcurrcd: 'HKD', pay_type: '800208' });
    await notifications.insert(parseNotification(body), { bodySha256: '0'.repeat(64), bodyLength: body.length, keyIndex: 0 });
    await notifications.close();

    const again = await startDemo({ port: 0, dataDir });
    try {
      const viaNotification = await waitForOrder(again.url, a.id, (v) => v.payment?.final === true && v.payment.stage !== 'unknown');
      expect(viaNotification).toMatchObject({ status: 'paid', payment: { resolvedBy: 'notification', syssn: '20250101000000999900000001' } });
      const viaQuery = await waitForOrder(again.url, b.id, (v) => v.payment?.final === true && v.payment.stage !== 'unknown');
      expect(viaQuery).toMatchObject({ status: 'cancelled', payment: { resolvedBy: 'query' } });
      expect(viaQuery.payment?.reason).toMatch(/no record/);
      // Paid on the previous run of the simulated terminal, which has forgotten it.
      expect(viaNotification.refund.allowed).toBe(false);
      expect(viaNotification.refund.reason).toMatch(/simulated terminal has forgotten it/);
    } finally {
      await again.close();
    }
  });
});
