/**
 * The order-pay handshake: the page's gateway writes `_qfpay_pay_request` (simulated here with
 * the fake's direct meta write, as the PHP plugin's update_meta_data would), the watcher runs it
 * once on the terminal, forwards cancel requests, and records errors for the page.
 */
import { PaymentRequestWatcher, type PayOrderResult } from '../src/index.js';
import { metaOf, startWorld, type World } from './support/world.js';

let w: World | undefined;
let watcher: PaymentRequestWatcher | undefined;
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  await w?.close();
  w = undefined;
});

function request(world: World, orderId: number, id: string, channel = 'card_payment', at = new Date()): void {
  world.fake.setMeta(orderId, '_qfpay_pay_request', JSON.stringify({ id, channel, at: at.toISOString() }));
}

describe('PaymentRequestWatcher', () => {
  it('runs a request once (marked handled before charging), even when polled again or by a restarted bridge', async () => {
    w = await startWorld();
    const results: PayOrderResult[] = [];
    watcher = new PaymentRequestWatcher({ adapter: w.adapter, onResult: (r) => results.push(r) });
    const id = w.order('18.80');
    request(w, id, 'req-00000001');
    expect(await watcher.pollOnce()).toBe(1);
    expect(metaOf(w.fake, id, '_qfpay_pay_request_handled')).toBe('req-00000001');
    await watcher.idle();
    expect(results).toEqual([expect.objectContaining({ orderId: id, outcome: expect.objectContaining({ status: 'approved' }) })]);
    expect(w.fake.order(id)?.status).toBe('processing');
    expect(await watcher.pollOnce()).toBe(0);
    const restarted = new PaymentRequestWatcher({ adapter: w.makeAdapter() });
    expect(await restarted.pollOnce()).toBe(0);
    expect(w.sim.requests().filter((r) => r.funcType === 1001)).toHaveLength(1);
  });

  it('a new request after a decline charges again (new attempt)', async () => {
    w = await startWorld({ customer: { action: 'decline', afterMs: 10 } });
    watcher = new PaymentRequestWatcher({ adapter: w.adapter });
    const id = w.order('5.00');
    request(w, id, 'req-00000001');
    await watcher.pollOnce();
    await watcher.idle();
    expect(w.fake.order(id)?.status).toBe('failed');
    w.sim.setCustomer({ action: 'approve', afterMs: 10 });
    request(w, id, 'req-00000002', 'wx');
    expect(await watcher.pollOnce()).toBe(1);
    await watcher.idle();
    expect(w.fake.order(id)?.status).toBe('processing');
  });

  it('forwards a cancel request to the terminal while the customer has not paid', async () => {
    w = await startWorld({ customer: { action: 'manual' } });
    const results: PayOrderResult[] = [];
    watcher = new PaymentRequestWatcher({ adapter: w.adapter, onResult: (r) => results.push(r) });
    const id = w.order('9.00');
    request(w, id, 'req-00000003');
    await watcher.pollOnce();
    await w.sim.waitForScreen();
    w.fake.setMeta(id, '_qfpay_cancel_request', 'req-00000003');
    await watcher.pollOnce();
    await watcher.idle();
    expect(results[0]?.outcome).toMatchObject({ status: 'cancelled', by: 'pos' });
    expect(w.fake.order(id)?.status).toBe('pending');
  });

  it('writes refusals for the page (_qfpay_pay_request_error) and ignores stale or malformed requests', async () => {
    w = await startWorld();
    const errors: Error[] = [];
    watcher = new PaymentRequestWatcher({ adapter: w.adapter, onError: (e) => errors.push(e) });
    const usd = w.order('5.00', { currency: 'USD' });
    request(w, usd, 'req-00000004');
    const badChannel = w.order('5.00');
    request(w, badChannel, 'req-00000005', 'bitcoin');
    const stale = w.order('5.00');
    request(w, stale, 'req-00000006', 'card_payment', new Date(Date.now() - 3_600_000));
    const garbage = w.order('5.00');
    w.fake.setMeta(garbage, '_qfpay_pay_request', '{not json');
    await watcher.pollOnce();
    await watcher.idle();
    expect(JSON.parse(String(metaOf(w.fake, usd, '_qfpay_pay_request_error')))).toMatchObject({ id: 'req-00000004', code: 'WOO_ORDER_CURRENCY' });
    expect(JSON.parse(String(metaOf(w.fake, badChannel, '_qfpay_pay_request_error')))).toMatchObject({ id: 'req-00000005', code: 'WOO_BAD_ARGUMENT' });
    expect(metaOf(w.fake, stale, '_qfpay_pay_request_handled')).toBeUndefined();
    expect(metaOf(w.fake, garbage, '_qfpay_pay_request_handled')).toBeUndefined();
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(['WOO_ORDER_CURRENCY']);
    expect(w.sim.requests().filter((r) => r.funcType === 1001)).toHaveLength(0);
  });
});
