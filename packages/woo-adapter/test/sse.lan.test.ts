/**
 * End to end through the real notify-server over SSE, LAN terminal: a payment left `unknown`
 * while the customer decides; the customer pays; its notification, signed with core's
 * signNotification, is POSTed to the notify-server, streamed over SSE and applied to
 * WooCommerce; a replay is a duplicate. ECR Cloud: sse.cloud.test.ts.
 */
import { signNotification } from '@qfpay-ecr/core';
import { buildNotification } from '@qfpay-ecr/simulator';
import { request } from 'undici';
import { SseNotificationFeed } from '../src/index.js';
import { EVENTS_TOKEN, NOTIFY_KEY, ResultLog, startNotify, type NotifyHarness } from './support/notify.js';
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

    const log = new ResultLog();
    const connected = new Promise<void>((resolve) => {
      const feed = new SseNotificationFeed({ url: `${n!.url}/qfpay/events`, token: EVENTS_TOKEN, minDelayMs: 10, maxDelayMs: 50, onConnect: resolve });
      feeds.push(feed);
      w!.adapter.listen(feed, { onResult: log.onResult });
    });
    await connected;

    const body = JSON.stringify(buildNotification(entry!, { merchantId: 'M1', now: new Date() }));
    const res = await request(`${n.url}/qfpay/notify`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-qf-sign': signNotification(body, NOTIFY_KEY) }, body });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('SUCCESS');

    const applied = await log.waitFor((r) => r.orderId === id && r.action === 'paid');
    expect(applied).toMatchObject({ action: 'paid', syssn: entry!.syssn });
    expect(w.fake.order(id)).toMatchObject({ status: 'processing', transaction_id: entry!.syssn });

    // A second subscriber replaying everything from the start sees it as a duplicate.
    const replayLog = new ResultLog();
    const replay = new SseNotificationFeed({ url: `${n.url}/qfpay/events`, token: EVENTS_TOKEN, lastEventId: '0', minDelayMs: 10, maxDelayMs: 50 });
    feeds.push(replay);
    w.adapter.listen(replay, { onResult: replayLog.onResult });
    expect(await replayLog.waitFor((r) => r.orderId === id)).toMatchObject({ action: 'duplicate' });
  });
});
