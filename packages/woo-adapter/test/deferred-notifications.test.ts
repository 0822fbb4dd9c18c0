/**
 * Found by the chaos campaign (packages/chaos): WooCommerce down while a refund is written, and
 * still down when the refund's notification arrives. The terminal's reply is lost to WooCommerce,
 * the notification could not be applied, and nothing else would ever record the refund. The
 * adapter now keeps such a notification and applies it again at the next `reconcile()`.
 */
import type { NormalizedNotification } from '@qfpay-ecr/core';
import { readRefundAttempts, REFUND_META_KEYS, type AlertEvent, type NotificationFeed, type NotificationResult } from '../src/index.js';
import { startWorld, type World } from './support/world.js';

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** A feed the test drives by hand. */
function manualFeed(): { feed: NotificationFeed; deliver: (n: NormalizedNotification) => Promise<void> } {
  let listener: ((n: NormalizedNotification) => void | Promise<void>) | undefined;
  return {
    feed: { subscribe: (l) => ((listener = l), () => (listener = undefined)) },
    deliver: async (n) => {
      await listener?.(n);
    },
  };
}

describe('notifications that could not be applied while WooCommerce was down', () => {
  it('a refund notification is kept and recorded by the next reconcile(), once', async () => {
    w = await startWorld({ adapter: { notificationRetry: { retries: 1, minTimeoutMs: 5, maxTimeoutMs: 10 } } });
    const world = w;
    const id = world.order('40.00');
    expect((await world.adapter.payOrder(id, { channel: 'wx' })).outcome.status).toBe('approved');

    // The refund is approved on the terminal, but WooCommerce stops answering writes right then.
    world.sim.once('screen-closed', () => world.fake.injectFault({ kind: 'unavailable', times: 1_000, method: ['PUT', 'POST'] }));
    const r = await world.adapter.refundOrder(id, 1500, 'customer returned one item');
    expect(r.outcome.status).toBe('approved');
    expect(r.recorded).toBe(false);
    const refundEntry = world.sim.transactions().find((t) => t.kind === 'refund');
    const payEntry = world.sim.transactions().find((t) => t.kind === 'payment');
    if (!refundEntry || !payEntry) throw new Error('the simulator booked no refund');

    // Its notification arrives while WooCommerce is still down.
    const { feed, deliver } = manualFeed();
    const results: NotificationResult[] = [];
    const failures: Error[] = [];
    const alerts: AlertEvent[] = [];
    world.adapter.on('alert', (a) => alerts.push(a));
    world.adapter.listen(feed, { onResult: (res) => results.push(res), onError: (e) => failures.push(e) });
    const notification: NormalizedNotification = {
      kind: 'refund',
      notifyType: 'refund',
      success: true,
      status: '1',
      respcd: '0000',
      syssn: refundEntry.syssn,
      origSyssn: payEntry.syssn,
      origOutTradeNo: payEntry.outTradeNo,
      outTradeNo: refundEntry.outTradeNo,
      amountMinor: 1500,
      currency: 'HKD',
      raw: {},
    };
    await deliver(notification);
    expect(failures).toHaveLength(1);
    expect(alerts.find((a) => a.code === 'NOTIFICATION_NOT_APPLIED')?.message).toMatch(/applied again by the next reconcile/);
    expect(world.fake.refunds(id)).toHaveLength(0);

    // Still down: reconcile() tries, reports the failure, keeps it.
    const stillDown = await world.adapter.reconcile({ orderIds: [] });
    expect(stillDown.notifications).toEqual({ applied: 0, failed: 1 });
    expect(world.fake.refunds(id)).toHaveLength(0);

    // WooCommerce is back: the next reconcile() records the refund, with its syssn, once.
    world.fake.clearFaults();
    const back = await world.adapter.reconcile({ orderIds: [] });
    expect(back.notifications).toEqual({ applied: 1, failed: 0 });
    const refunds = world.fake.refunds(id);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]?.amount).toBe('15.00');
    expect(refunds[0]?.meta_data.find((m) => m.key === REFUND_META_KEYS.syssn)?.value).toBe(refundEntry.syssn);
    const order = world.fake.order(id);
    expect(order && readRefundAttempts(order).map((a) => a.status)).toEqual(['approved']);

    // Nothing left to retry.
    expect((await world.adapter.reconcile({ orderIds: [] })).notifications).toBeUndefined();
    expect(world.fake.refunds(id)).toHaveLength(1);
  });
});
