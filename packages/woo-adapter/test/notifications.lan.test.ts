/**
 * Notifications, LAN only: cases built on a payment whose result is `unknown` while the customer
 * is still deciding (the terminal's reply did not come in time). Their ECR Cloud counterparts are
 * in notifications.cloud.test.ts.
 */
import { EventEmitter } from 'node:events';
import { emitterFeed, OrderNotPayableError } from '../src/index.js';
import { NOTIFY_KEY, paymentNotification as payment, ResultLog, startNotify, type NotifyHarness } from './support/notify.js';
import { metaOf, qfpayNotes, startWorld, type World, type WorldOptions } from './support/world.js';

let w: World | undefined;
let n: NotifyHarness | undefined;
let stop: (() => void) | undefined;
afterEach(async () => {
  stop?.();
  stop = undefined;
  await w?.close();
  await n?.close();
  w = undefined;
  n = undefined;
});

/** World whose simulator notifies the notify-server, and an adapter listening to it in-process. */
async function notifiedWorld(options: WorldOptions = {}): Promise<{ world: World; log: ResultLog }> {
  n = await startNotify();
  w = await startWorld({ ...options, sim: { notify: { url: `${n.url}/qfpay/notify`, key: NOTIFY_KEY, scheduleMs: [0, 50, 50, 50, 50] }, ...options.sim } });
  const log = new ResultLog();
  stop = w.adapter.listen(emitterFeed(n.notify.events), { onResult: log.onResult });
  return { world: w, log };
}

const slowTerminal = { defaultPaymentTimeoutSec: 1, paymentReplyGraceMs: 50, resolve: { deadlineMs: 600, minIntervalMs: 20, maxIntervalMs: 100 } };

describe('payment notifications (LAN: unknown while the customer decides)', () => {
  it('a payment whose result was unknown is applied by its notification (no reconcile needed)', async () => {
    const { world, log } = await notifiedWorld({ customer: { action: 'manual' }, terminal: slowTerminal });
    const id = world.order('25.00');
    const result = await world.adapter.payOrder(id, { channel: 'wx' });
    expect(result.outcome.status).toBe('unknown');
    world.sim.customer.approve();
    const applied = await log.waitFor((r) => r.action === 'paid' && r.orderId === id);
    expect(world.fake.order(id)).toMatchObject({ status: 'processing', transaction_id: (applied as { syssn: string }).syssn });
    expect(metaOf(world.fake, id, '_qfpay_status')).toBe('approved');
    expect(qfpayNotes(world.fake, id).some((x) => /QFPay notification/.test(x))).toBe(true);
    const report = await world.adapter.reconcile();
    expect(report.changed).toEqual([]);
    expect(world.sim.paymentRequestCount(result.outTradeNo)).toBe(1);
  });

  it('amount mismatch: note + alert, the order is not changed and no new charge is allowed until reviewed', async () => {
    w = await startWorld({ customer: { action: 'manual' }, terminal: slowTerminal });
    const id = w.order('30.00');
    const result = await w.adapter.payOrder(id, { channel: 'card_payment' });
    expect(result.outcome.status).toBe('unknown');
    const r = await w.adapter.applyNotification(payment({ syssn: '20990101000000000000000002', outTradeNo: result.outTradeNo, amountMinor: 3001 }));
    expect(r).toMatchObject({ action: 'review', orderId: id });
    expect(w.alerts.find((a) => a.code === 'AMOUNT_MISMATCH')).toMatchObject({ orderId: id, syssn: '20990101000000000000000002' });
    expect(w.fake.order(id)).toMatchObject({ status: 'pending', transaction_id: '' });
    expect(metaOf(w.fake, id, '_qfpay_status')).toBe('review');
    await expect(w.adapter.payOrder(id, { channel: 'card_payment' })).rejects.toMatchObject({ code: 'WOO_ATTEMPT_NEEDS_REVIEW' });
    expect(w.sim.requests().filter((x) => x.funcType === 1001)).toHaveLength(1);
  });

  it('currency mismatch: note + alert, no change', async () => {
    w = await startWorld({ customer: { action: 'manual' }, terminal: slowTerminal });
    const id = w.order('30.00');
    const result = await w.adapter.payOrder(id, { channel: 'card_payment' });
    const r = await w.adapter.applyNotification(payment({ syssn: '20990101000000000000000003', outTradeNo: result.outTradeNo, amountMinor: 3000, currency: 'USD' }));
    expect(r.action).toBe('review');
    expect(w.alerts.map((a) => a.code)).toContain('AMOUNT_MISMATCH');
    expect(w.fake.order(id)?.status).toBe('pending');
    const err = await w.adapter.payOrder(id, { channel: 'card_payment' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrderNotPayableError);
  });

  it('a notification that meets WooCommerce down is retried (every step is idempotent)', async () => {
    w = await startWorld({ customer: { action: 'manual' }, terminal: slowTerminal });
    const id = w.order('14.00');
    const result = await w.adapter.payOrder(id, { channel: 'card_payment' });
    w.sim.customer.approve();
    const q = await w.terminal.query({ outTradeNo: result.outTradeNo });
    const syssn = q.found ? q.syssn : '';
    const events = new EventEmitter();
    const log = new ResultLog();
    stop = w.adapter.listen(emitterFeed(events), { onResult: log.onResult });
    w.fake.injectFault({ kind: 'unavailable', times: 4 });
    events.emit('notification', payment({ syssn, outTradeNo: result.outTradeNo, amountMinor: 1400 }));
    await log.waitFor((r) => r.action === 'paid');
    expect(w.fake.order(id)).toMatchObject({ status: 'processing', transaction_id: syssn });
  });
});
