/**
 * Notifications, ECR Cloud only. In the cloud, QFPay's signed notification is one of the two ways
 * a result arrives (the other is QFPay's book): it reaches the adapter (`listen`) and, when wired,
 * the `QFPayCloudTerminal` itself. Cases built on an `unknown` payment use a QFPay that cannot be
 * read (support/cloud.ts); the LAN counterparts are in notifications.lan.test.ts.
 */
import { EventEmitter } from 'node:events';
import { emitterFeed, OrderNotPayableError } from '../src/index.js';
import { blindOpenApi, payWhileQfpayUnreachable, restoreOpenApi, SHORT_CLOUD } from './support/cloud.js';
import { NOTIFY_KEY, paymentNotification as payment, ResultLog, startNotify, type NotifyHarness } from './support/notify.js';
import { metaOf, paymentRequests, qfpayNotes, startWorld, type World, type WorldOptions } from './support/world.js';

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

/** World whose simulator notifies the notify-server; the adapter listens; the terminal too when `terminalHears`. */
async function notifiedWorld(options: WorldOptions & { terminalHears: boolean }): Promise<{ world: World; log: ResultLog }> {
  const { terminalHears, ...rest } = options;
  n = await startNotify();
  w = await startWorld({
    ...(terminalHears ? { notifications: emitterFeed(n.notify.events) } : {}),
    ...rest,
    sim: { notify: { url: `${n.url}/qfpay/notify`, key: NOTIFY_KEY, scheduleMs: [0, 50, 50, 50, 50] }, ...rest.sim },
  });
  const log = new ResultLog();
  stop = w.adapter.listen(emitterFeed(n.notify.events), { onResult: log.onResult });
  return { world: w, log };
}

describe('payment notifications (ECR Cloud)', () => {
  it('QFPay\'s book cannot be read, yet the notification settles the payment: the terminal hears it, WooCommerce is paid once', async () => {
    const { world, log } = await notifiedWorld({ terminalHears: true, customer: { action: 'manual' }, cloudTerminal: SHORT_CLOUD });
    const id = world.order('25.00');
    const result = await payWhileQfpayUnreachable(world, id, 'wx', { approve: true });
    expect(result).toMatchObject({ recorded: true, orderStatus: 'processing', outcome: { status: 'approved', resolvedBy: 'notification', amountMinor: 2500 } });
    const syssn = world.sim.transactions()[0]?.syssn;
    expect(world.fake.order(id)).toMatchObject({ status: 'processing', transaction_id: syssn });
    // The adapter's own listener got the same notification: applied once, whichever came first.
    expect(['paid', 'duplicate']).toContain((await log.waitFor((r) => r.orderId === id)).action);
    // One "paid" note, crediting QFPay's notification (whichever path applied it first).
    const paidNotes = qfpayNotes(world.fake, id).filter((x) => x.includes(`${syssn}`) && /^QFPay payment /.test(x));
    expect(paidNotes).toHaveLength(1);
    expect(paidNotes[0]).toMatch(/\(QFPay notification\)/);
    expect(metaOf(world.fake, id, '_qfpay_status')).toBe('approved');
    expect(paymentRequests(world)).toBe(1);
  });

  it('a payment whose result was unknown is applied by its late notification (no reconcile needed)', async () => {
    const { world, log } = await notifiedWorld({ terminalHears: false, customer: { action: 'manual' }, cloudTerminal: SHORT_CLOUD });
    // QFPay's notification of this payment is late: it comes after the terminal gave up.
    world.sim.injectFault({ kind: 'notify-delay', ms: 2_500 });
    const id = world.order('25.00');
    const result = await payWhileQfpayUnreachable(world, id, 'wx', { approve: true });
    expect(result.outcome.status).toBe('unknown');
    expect(metaOf(world.fake, id, '_qfpay_status')).toBe('unknown');
    const applied = await log.waitFor((r) => r.action === 'paid' && r.orderId === id);
    expect(world.fake.order(id)).toMatchObject({ status: 'processing', transaction_id: (applied as { syssn: string }).syssn });
    expect(metaOf(world.fake, id, '_qfpay_status')).toBe('approved');
    expect(qfpayNotes(world.fake, id).some((x) => /QFPay notification/.test(x))).toBe(true);
    restoreOpenApi(world.sim);
    expect((await world.adapter.reconcile()).changed).toEqual([]);
    expect(world.sim.paymentRequestCount(result.outTradeNo)).toBe(1);
  });

  it('a notification that arrives while the terminal still waits is applied after its unknown outcome, never undone by it', async () => {
    const { world, log } = await notifiedWorld({ terminalHears: false, customer: { action: 'manual' }, cloudTerminal: SHORT_CLOUD });
    const id = world.order('18.00');
    const result = await payWhileQfpayUnreachable(world, id, 'alipay', { approve: true });
    expect(result.outcome.status).toBe('unknown');
    await log.waitFor((r) => r.orderId === id && (r.action === 'paid' || r.action === 'duplicate'));
    const syssn = world.sim.transactions()[0]?.syssn;
    expect(world.fake.order(id)).toMatchObject({ status: 'processing', transaction_id: syssn });
    expect(metaOf(world.fake, id, '_qfpay_status')).toBe('approved');
    restoreOpenApi(world.sim);
    const report = await world.adapter.reconcile();
    expect(report.changed).toEqual([]);
    expect(world.fake.order(id)?.status).toBe('processing');
    // Paid: it can be refunded, and cannot be charged again.
    await expect(world.adapter.payOrder(id, { channel: 'alipay' })).rejects.toMatchObject({ code: 'WOO_ORDER_ALREADY_PAID' });
    expect(paymentRequests(world)).toBe(1);
  });

  it('amount mismatch on an unknown payment: note + alert, the order is not changed and no new charge is allowed until reviewed', async () => {
    w = await startWorld({ customer: { action: 'manual' }, cloudTerminal: SHORT_CLOUD });
    const id = w.order('30.00');
    const result = await payWhileQfpayUnreachable(w, id, 'card_payment', { approve: false });
    expect(result.outcome.status).toBe('unknown');
    const r = await w.adapter.applyNotification(payment({ syssn: '20990101000000000000000002', outTradeNo: result.outTradeNo, amountMinor: 3001 }));
    expect(r).toMatchObject({ action: 'review', orderId: id });
    expect(w.alerts.find((a) => a.code === 'AMOUNT_MISMATCH')).toMatchObject({ orderId: id, syssn: '20990101000000000000000002' });
    expect(w.fake.order(id)).toMatchObject({ status: 'pending', transaction_id: '' });
    expect(metaOf(w.fake, id, '_qfpay_status')).toBe('review');
    restoreOpenApi(w.sim);
    await expect(w.adapter.payOrder(id, { channel: 'card_payment' })).rejects.toMatchObject({ code: 'WOO_ATTEMPT_NEEDS_REVIEW' });
    expect(paymentRequests(w)).toBe(1);
  });

  it('currency mismatch on an unknown payment: note + alert, no change', async () => {
    w = await startWorld({ customer: { action: 'manual' }, cloudTerminal: SHORT_CLOUD });
    const id = w.order('30.00');
    const result = await payWhileQfpayUnreachable(w, id, 'card_payment', { approve: false });
    const r = await w.adapter.applyNotification(payment({ syssn: '20990101000000000000000003', outTradeNo: result.outTradeNo, amountMinor: 3000, currency: 'USD' }));
    expect(r.action).toBe('review');
    expect(w.alerts.map((a) => a.code)).toContain('AMOUNT_MISMATCH');
    expect(w.fake.order(id)?.status).toBe('pending');
    restoreOpenApi(w.sim);
    const err = await w.adapter.payOrder(id, { channel: 'card_payment' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrderNotPayableError);
  });

  it('a notification that meets WooCommerce down is retried (every step is idempotent)', async () => {
    w = await startWorld({ customer: { action: 'manual' }, cloudTerminal: SHORT_CLOUD });
    const id = w.order('14.00');
    const result = await payWhileQfpayUnreachable(w, id, 'card_payment', { approve: true });
    expect(result.outcome.status).toBe('unknown');
    restoreOpenApi(w.sim);
    const q = await w.terminal.query({ outTradeNo: result.outTradeNo });
    const syssn = q.found ? q.syssn : '';
    expect(syssn).not.toBe('');
    blindOpenApi(w.sim); // nothing but the notification may settle it
    const events = new EventEmitter();
    const log = new ResultLog();
    stop = w.adapter.listen(emitterFeed(events), { onResult: log.onResult });
    w.fake.injectFault({ kind: 'unavailable', times: 4 });
    events.emit('notification', payment({ syssn, outTradeNo: result.outTradeNo, amountMinor: 1400 }));
    await log.waitFor((r) => r.action === 'paid');
    expect(w.fake.order(id)).toMatchObject({ status: 'processing', transaction_id: syssn });
  });
});
