/**
 * End to end through the real notify-server over SSE, LAN terminal: a payment left `unknown`
 * while the customer decides; the customer pays; its notification, signed with core's
 * signNotification, is POSTed to the notify-server, streamed over SSE and applied to
 * WooCommerce; a replay is a duplicate. ECR Cloud: sse.cloud.test.ts.
 */
import { SseNotificationFeed } from '../src/index.js';
import { startNotify, type NotifyHarness } from './support/notify.js';
import { expectNotificationAppliedOverSse } from './support/sse-delivery.js';
import { startWorld, type World } from './support/world.js';

describe('end to end through the real notify-server over SSE (LAN)', () => {
  let w: World | undefined;
  let n: NotifyHarness | undefined;
  const feeds: SseNotificationFeed[] = [];
  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((f) => f.close()));
    await w?.close();
    await n?.close();
    w = undefined;
    n = undefined;
  });

  it('a notification signed with signNotification is POSTed, streamed and applied to WooCommerce; a replay is a duplicate', async () => {
    n = await startNotify();
    w = await startWorld({ customer: { action: 'manual' }, terminal: { defaultPaymentTimeoutSec: 1, paymentReplyGraceMs: 50, resolve: { deadlineMs: 600, minIntervalMs: 20, maxIntervalMs: 100 } } });
    const id = w.order('33.00');
    const result = await w.adapter.payOrder(id, { channel: 'alipay' });
    expect(result.outcome.status).toBe('unknown');
    w.sim.customer.approve();
    const entry = w.sim.transactions().find((t) => t.outTradeNo === result.outTradeNo);
    expect(entry?.respcd).toBe('0000');

    await expectNotificationAppliedOverSse(n, w, id, entry!, feeds);
  });
});
