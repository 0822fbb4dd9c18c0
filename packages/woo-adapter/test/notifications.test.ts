/**
 * Notifications: the simulator's signed notifications go through the real notify-server
 * (verified, stored) and reach the adapter in-process (`emitterFeed(notify.events)`); targeted
 * cases (duplicates, late, mismatches) are also fed directly. Cases built on an `unknown`
 * payment are per mode: notifications.lan.test.ts and notifications.cloud.test.ts.
 */
import type { TransactionOutcome } from '@qfpay-ecr/core';
import { emitterFeed } from '../src/index.js';
import { NOTIFY_KEY, paymentNotification as payment, refundNotification as refund, ResultLog, startNotify, type NotifyHarness } from './support/notify.js';
import { attemptsOf, qfpayNotes, startWorld, type World, type WorldOptions } from './support/world.js';

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

type Approved = Extract<TransactionOutcome, { status: 'approved' }>;

/** World whose simulator notifies the notify-server, and an adapter (and, in cloud mode, the terminal) listening to it in-process. */
async function notifiedWorld(options: WorldOptions = {}): Promise<{ world: World; log: ResultLog }> {
  n = await startNotify();
  w = await startWorld({ notifications: emitterFeed(n.notify.events), ...options, sim: { notify: { url: `${n.url}/qfpay/notify`, key: NOTIFY_KEY, scheduleMs: [0, 50, 50, 50, 50] }, ...options.sim } });
  const log = new ResultLog();
  stop = w.adapter.listen(emitterFeed(n.notify.events), { onResult: log.onResult });
  return { world: w, log };
}

describe('payment notifications', () => {
  it('duplicate notifications change nothing (transaction_id already equals syssn)', async () => {
    const { world, log } = await notifiedWorld();
    const id = world.order('12.00');
    const result = await world.adapter.payOrder(id, { channel: 'card_payment' });
    const syssn = (result.outcome as Approved).syssn;
    // The simulator's own notification arrives after the terminal reply was applied.
    await log.waitFor((r) => r.action === 'duplicate' && r.orderId === id);
    const writes = () => world.fake.requests().filter((r) => r.method !== 'GET').length;
    const before = { writes: writes(), notes: world.fake.notes(id).length, order: world.fake.order(id) };
    const again = payment({ syssn, outTradeNo: result.outTradeNo, amountMinor: 1200 });
    expect(await world.adapter.applyNotification(again)).toEqual({ action: 'duplicate', orderId: id, syssn });
    expect(await world.adapter.applyNotification(again)).toEqual({ action: 'duplicate', orderId: id, syssn });
    expect(writes()).toBe(before.writes);
    expect(world.fake.notes(id)).toHaveLength(before.notes);
    expect(world.fake.order(id)).toEqual(before.order);
  });

  it('a late notification for an earlier attempt of an order paid by another transaction: note + alert, no change', async () => {
    w = await startWorld({ customer: { action: 'decline', afterMs: 10 } });
    const id = w.order('10.00');
    const first = await w.adapter.payOrder(id, { channel: 'alipay' });
    w.sim.setCustomer({ action: 'approve', afterMs: 10 });
    const second = await w.adapter.payOrder(id, { channel: 'alipay' });
    const paidBy = (second.outcome as Approved).syssn;
    const late = await w.adapter.applyNotification(payment({ syssn: '20990101000000000000000001', outTradeNo: first.outTradeNo, amountMinor: 1000 }));
    expect(late).toMatchObject({ action: 'review', orderId: id });
    expect(w.alerts.map((a) => a.code)).toContain('DOUBLE_PAYMENT');
    expect(w.fake.order(id)).toMatchObject({ status: 'processing', transaction_id: paidBy });
    expect(qfpayNotes(w.fake, id).some((x) => /needs review/.test(x) && /refund one of them/.test(x))).toBe(true);
  });

  it('ignores notifications that are not for this shop, not for a recorded attempt, or not successes', async () => {
    w = await startWorld();
    const id = w.order('5.00');
    expect(await w.adapter.applyNotification(payment({ syssn: '1', outTradeNo: 'ORDER-FROM-ODOO', amountMinor: 500 }))).toMatchObject({ action: 'ignored' });
    expect(await w.adapter.applyNotification(payment({ syssn: '1', outTradeNo: `wc${id}-1-notanattemptofit000000`, amountMinor: 500 }))).toMatchObject({ action: 'ignored', orderId: id });
    expect(await w.adapter.applyNotification(payment({ syssn: '1', outTradeNo: 'wc999999-1-x', amountMinor: 500 }))).toMatchObject({ action: 'ignored' });
    expect(await w.adapter.applyNotification({ ...payment({ syssn: '1', outTradeNo: `wc${id}-1-x`, amountMinor: 500 }), success: false })).toMatchObject({ action: 'ignored' });
    expect(await w.adapter.applyNotification({ kind: 'other', notifyType: 'preauth', success: true, raw: {} })).toMatchObject({ action: 'ignored' });
    expect(w.fake.order(id)?.status).toBe('pending');
  });

});

describe('refund notifications', () => {
  it('a refund made on the terminal (not through the adapter) is recorded from its notification; partial then the rest → refunded', async () => {
    const { world, log } = await notifiedWorld();
    const id = world.order('20.00');
    const paid = await world.adapter.payOrder(id, { channel: 'wx' });
    const syssn = (paid.outcome as Approved).syssn;
    // The operator refunds on the terminal, outside the adapter.
    const r1 = await world.terminal.refund({ syssn, amountMinor: 500 });
    expect(r1.status).toBe('approved');
    const rec1 = await log.waitFor((r) => r.action === 'refund-recorded' && r.syssn === (r1 as Approved).syssn);
    const refunds = world.fake.refunds(id);
    expect(refunds).toEqual([expect.objectContaining({ id: (rec1 as { wooRefundId: number }).wooRefundId, amount: '5.00', refunded_payment: false })]);
    expect(refunds[0]?.meta_data).toEqual(expect.arrayContaining([expect.objectContaining({ key: '_qfpay_refund_syssn', value: (r1 as Approved).syssn }), expect.objectContaining({ key: '_qfpay_orig_syssn', value: syssn })]));
    expect(world.fake.order(id)?.status).toBe('processing');

    const r2 = await world.terminal.refund({ syssn, amountMinor: 1500 });
    await log.waitFor((r) => r.action === 'refund-recorded' && r.syssn === (r2 as Approved).syssn);
    expect(world.fake.refunds(id).map((r) => r.amount)).toEqual(['15.00', '5.00']);
    expect(world.fake.order(id)?.status).toBe('refunded');
  });

  it('duplicate refund notifications record one refund; a refund of a payment found without our reference (portal) is matched by syssn', async () => {
    w = await startWorld();
    const id = w.order('20.00');
    const paid = await w.adapter.payOrder(id, { channel: 'alipay' });
    const syssn = (paid.outcome as Approved).syssn;
    const note = refund({ syssn: 'REFUND0000000000000000000001', origSyssn: syssn, amountMinor: 700 });
    expect(await w.adapter.applyNotification(note)).toMatchObject({ action: 'refund-recorded', orderId: id });
    expect(await w.adapter.applyNotification(note)).toMatchObject({ action: 'duplicate', orderId: id });
    expect(w.fake.refunds(id)).toHaveLength(1);
    expect(qfpayNotes(w.fake, id).filter((x) => x.includes('REFUND0000000000000000000001'))).toHaveLength(1);
  });

  it('a refund above what WooCommerce has left: note + alert, nothing recorded', async () => {
    w = await startWorld();
    const id = w.order('20.00');
    const paid = await w.adapter.payOrder(id, { channel: 'alipay' });
    const syssn = (paid.outcome as Approved).syssn;
    const r = await w.adapter.applyNotification(refund({ syssn: 'REFUND0000000000000000000002', origSyssn: syssn, origOutTradeNo: paid.outTradeNo, amountMinor: 2001 }));
    expect(r).toMatchObject({ action: 'review', orderId: id });
    expect(w.alerts.map((a) => a.code)).toContain('REFUND_EXCEEDS_REMAINING');
    expect(w.fake.refunds(id)).toHaveLength(0);
  });

  it('a refund notification for a payment WooCommerce never recorded settles the payment first', async () => {
    w = await startWorld({ customer: { action: 'manual' } });
    const id = w.order('18.00');
    const paying = w.adapter.payOrder(id, { channel: 'alipay' });
    await w.sim.waitForScreen();
    w.fake.injectFault({ kind: 'unavailable', times: 1_000 });
    w.sim.customer.approve();
    const paid = await paying;
    expect(paid.recorded).toBe(false);
    w.fake.clearFaults();
    const syssn = (paid.outcome as Approved).syssn;
    const r = await w.adapter.applyNotification(refund({ syssn: 'REFUND0000000000000000000003', origSyssn: syssn, origOutTradeNo: paid.outTradeNo, amountMinor: 1800 }));
    expect(r).toMatchObject({ action: 'refund-recorded' });
    expect(w.fake.order(id)).toMatchObject({ status: 'refunded', transaction_id: syssn });
    expect(attemptsOf(w.fake, id).map((a) => a.status)).toEqual(['approved']);
  });
});
