/**
 * The storefront in ECR Cloud mode (`startDemo({ mode: 'cloud' })`, what `npm run demo -- --cloud`
 * starts): the cashier's QFPayCloudTerminal pushes to the simulator's fake QFPay OpenAPI, the
 * simulated terminal shows the same screens, results come from QFPay's book or its notification
 * (verified by the in-process notify server). End to end over HTTP, as the page uses the API:
 * pay → approve → paid; cancel at the till and on the terminal; decline; refunds by the rules.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo, type RunningDemo } from '../src/demo.js';
import type { OrderView } from '../src/cashier.js';
import { call, customerActs, placeOrder, waitForOrder, waitForScreen } from './support/http.js';

let demo: RunningDemo;
let base: string;

beforeAll(async () => {
  demo = await startDemo({ port: 0, dataDir: mkdtempSync(join(tmpdir(), 'storefront-cloud-')), mode: 'cloud' });
  base = demo.url;
});

afterAll(async () => {
  await demo.close();
});

const order = (items: Array<{ productId: string; qty: number }>, channel: string) => placeOrder(base, items, channel);

const customer = (action: 'approve' | 'decline' | 'cancel') => customerActs(base, action);

/** Requests the simulator received, by path (cloud pushes are `/ecr/v1/...`, LAN ones `/api/pos/...`). */
function paths(): string[] {
  return demo.simulator.requests().map((r) => r.path);
}

describe('storefront in ECR Cloud mode', () => {
  it('says it runs through ECR Cloud, with no lost-reply demo (there is no reply to lose)', async () => {
    expect(demo.mode).toBe('cloud');
    const catalog = await call<{ terminalMode: string; canLoseReply: boolean; simulated: boolean }>(base, 'GET', '/api/catalog');
    expect(catalog.body).toMatchObject({ terminalMode: 'cloud', canLoseReply: false, simulated: true });
    const lose = await call<{ error: string; message: string }>(base, 'POST', '/api/terminal/lose-next-reply', {});
    expect(lose).toMatchObject({ status: 409, body: { error: 'no_reply_in_cloud_mode' } });
    expect(demo.simulator.cloud).toMatchObject({ url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/), termid: 'CAFE-A8-0001' });
  });

  it('pays by card through QFPay: pushed, approved on the terminal, notification linked, one push, nothing on the LAN API', async () => {
    const created = await order([{ productId: 'milk-tea', qty: 1 }, { productId: 'pineapple-bun', qty: 2 }], 'card_payment');
    const screen = await waitForScreen(base);
    expect(screen).toMatchObject({ kind: 'payment', amountMinor: 7200, channel: 'card_payment' });
    const waiting = await waitForOrder(base, created.id, (o) => o.payment?.stage === 'waiting_customer');
    expect(waiting.canCancel).toBe(true);
    // One sale at a time on the terminal.
    expect((await call<{ error: string }>(base, 'POST', '/api/orders', { items: [{ productId: 'egg-tarts', qty: 1 }], channel: 'wx' })).status).toBe(409);

    await call(base, 'POST', '/api/terminal/approve', {});
    const done = await waitForOrder(base, created.id, (o) => o.status === 'paid' && o.payment?.notification !== undefined && o.payment?.cardScheme !== undefined);
    const booked = demo.simulator.transactions().find((t) => t.outTradeNo === done.payment?.outTradeNo);
    expect(done.payment).toMatchObject({ stage: 'approved', syssn: booked?.syssn, cardScheme: 'VISA', maskedCard: expect.stringMatching(/^\d{6}\*+\d{4}$/) });
    expect(['query', 'notification']).toContain(done.payment?.resolvedBy);
    expect(done.payment?.notification).toMatchObject({ kind: 'payment', amountMinor: 7200, syssn: booked?.syssn, success: true });
    expect(demo.simulator.paymentRequestCount(done.payment?.outTradeNo as string)).toBe(1);
    expect(paths()).toContain('/ecr/v1/payment/async');
    expect(paths().some((p) => p.startsWith('/api/pos/'))).toBe(false);
  });

  it('cancels at the till while the customer decides (cancel push, confirmed), and reports a customer cancel and a decline', async () => {
    const o = await order([{ productId: 'milk-tea', qty: 3 }], 'payme');
    await waitForScreen(base);
    await waitForOrder(base, o.id, (v) => v.canCancel);
    const res = await call<{ result: string }>(base, 'POST', `/api/orders/${o.id}/cancel`, {});
    expect(res).toMatchObject({ status: 200, body: { result: 'confirmed' } });
    const cancelled = await waitForOrder(base, o.id, (v) => v.status === 'cancelled');
    expect(cancelled.payment?.reason).toMatch(/by the cashier/);
    expect(paths()).toContain('/ecr/v1/cancel/async');

    const p = await order([{ productId: 'milk-tea', qty: 1 }], 'union');
    await customer('cancel');
    const byCustomer = await waitForOrder(base, p.id, (v) => v.status === 'cancelled');
    expect(byCustomer.payment).toMatchObject({ resolvedBy: 'query' });
    expect(byCustomer.payment?.reason).toMatch(/by the customer/);
    // QFPay's order existed since the push: it is booked cancelled, nothing charged.
    expect(demo.simulator.transactions().find((t) => t.outTradeNo === byCustomer.payment?.outTradeNo)).toMatchObject({ respcd: '1263' });

    const d = await order([{ productId: 'macaroni-soup', qty: 1 }], 'alipay');
    await customer('decline');
    expect(await waitForOrder(base, d.id, (v) => v.status === 'declined')).toMatchObject({ canRetry: true, payment: { stage: 'declined', code: '1205' } });
    const retry = await call<OrderView>(base, 'POST', `/api/orders/${d.id}/pay`, { channel: 'fps' });
    expect(retry.status).toBe(202);
    await customer('approve');
    expect(await waitForOrder(base, d.id, (v) => v.status === 'paid')).toMatchObject({ attempts: 2 });
  });

  it('refunds through QFPay by the rules: a card in full, a wallet partly then the rest', async () => {
    const card = await order([{ productId: 'french-toast', qty: 2 }], 'card_payment');
    await customer('approve');
    const paid = await waitForOrder(base, card.id, (v) => v.status === 'paid');
    expect(paid.refund).toMatchObject({ allowed: true, partialAllowed: false, maxMinor: 7000 });
    expect((await call(base, 'POST', `/api/orders/${card.id}/refunds`, { amount: '10.00' })).status).toBe(422);
    expect((await call(base, 'POST', `/api/orders/${card.id}/refunds`, { amount: '70.00' })).status).toBe(202);
    expect(await waitForScreen(base)).toMatchObject({ kind: 'refund', amountMinor: 7000 });
    await call(base, 'POST', '/api/terminal/approve', {});
    const refunded = await waitForOrder(base, card.id, (v) => v.status === 'refunded');
    expect(refunded.refunds[0]).toMatchObject({ stage: 'approved', amountMinor: 7000, syssn: expect.any(String) });
    expect(paths()).toContain('/ecr/v1/refund/async');

    const wallet = await order([{ productId: 'lemon-tea', qty: 2 }], 'wx');
    await customer('approve');
    await waitForOrder(base, wallet.id, (v) => v.status === 'paid');
    await call(base, 'POST', `/api/orders/${wallet.id}/refunds`, { amount: '12.50' });
    await customer('approve');
    const part = await waitForOrder(base, wallet.id, (v) => v.status === 'partially_refunded');
    expect(part).toMatchObject({ refundedMinor: 1250, refund: { maxMinor: 3950, partialAllowed: true } });
    await call(base, 'POST', `/api/orders/${wallet.id}/refunds`, {});
    await customer('approve');
    const all = await waitForOrder(base, wallet.id, (v) => v.status === 'refunded');
    expect(all.refunds.map((r) => r.amountMinor)).toEqual([1250, 3950]);
  });
});
