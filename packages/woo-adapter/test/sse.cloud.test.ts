/**
 * End to end through the real notify-server over SSE, ECR Cloud: the customer pays while QFPay's
 * book cannot be read, so the payment is `unknown`; its notification, signed with core's
 * signNotification, is POSTed to the notify-server, streamed over SSE and applied to WooCommerce;
 * the same SSE feed is the cloud terminal's notification source in the bridge (createBridge); a
 * replay is a duplicate. LAN: sse.lan.test.ts.
 */
import { SseNotificationFeed } from '../src/index.js';
import { payWhileQfpayUnreachable, restoreOpenApi, SHORT_CLOUD } from './support/cloud.js';
import { EVENTS_TOKEN, NOTIFY_KEY, startNotify, type NotifyHarness } from './support/notify.js';
import { expectNotificationAppliedOverSse } from './support/sse-delivery.js';
import { startWorld, type World } from './support/world.js';

describe('end to end through the real notify-server over SSE (ECR Cloud)', () => {
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
    w = await startWorld({ customer: { action: 'manual' }, cloudTerminal: SHORT_CLOUD });
    const id = w.order('33.00');
    const result = await payWhileQfpayUnreachable(w, id, 'alipay', { approve: true });
    expect(result.outcome.status).toBe('unknown');
    restoreOpenApi(w.sim);
    const entry = w.sim.transactions().find((t) => t.outTradeNo === result.outTradeNo);
    expect(entry?.respcd).toBe('0000');

    await expectNotificationAppliedOverSse(n, w, id, entry!, feeds);
  });

  it('the SSE feed settles a cloud payment in the terminal itself while QFPay\'s book cannot be read', async () => {
    n = await startNotify();
    // From the first stored event on (this store is new), so a slow first connection misses nothing.
    const feed = new SseNotificationFeed({ url: `${n.url}/qfpay/events`, token: EVENTS_TOKEN, lastEventId: '0', minDelayMs: 10, maxDelayMs: 50 });
    feeds.push(feed);
    w = await startWorld({ customer: { action: 'manual' }, cloudTerminal: SHORT_CLOUD, notifications: feed, sim: { notify: { url: `${n.url}/qfpay/notify`, key: NOTIFY_KEY, scheduleMs: [0, 50, 50] } } });
    const id = w.order('41.00');
    const result = await payWhileQfpayUnreachable(w, id, 'payme', { approve: true });
    expect(result).toMatchObject({ recorded: true, orderStatus: 'processing', outcome: { status: 'approved', resolvedBy: 'notification', amountMinor: 4100 } });
    expect(w.fake.order(id)?.transaction_id).toBe(w.sim.transactions()[0]?.syssn);
  });
});
