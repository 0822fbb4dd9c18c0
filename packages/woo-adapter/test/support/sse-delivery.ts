/**
 * The SSE path both terminal modes share once a payment is approved on the simulator but
 * `unknown` to WooCommerce: QFPay's notification (signed with core's signNotification) is POSTed
 * to the real notify-server, streamed over SSE and applied; a subscriber replaying from the start
 * sees it as a duplicate.
 */
import { signNotification } from '@qfpay-ecr/core';
import { buildNotification, type Simulator } from '@qfpay-ecr/simulator';
import { request } from 'undici';
import { SseNotificationFeed } from '../../src/index.js';
import { EVENTS_TOKEN, NOTIFY_KEY, ResultLog, type NotifyHarness } from './notify.js';
import type { World } from './world.js';

/** Feeds opened here are pushed to `feeds` for the suite's afterEach to close. */
export async function expectNotificationAppliedOverSse(n: NotifyHarness, w: World, id: number, entry: ReturnType<Simulator['transactions']>[number], feeds: SseNotificationFeed[]): Promise<void> {
  const log = new ResultLog();
  const connected = new Promise<void>((resolve) => {
    const feed = new SseNotificationFeed({ url: `${n.url}/qfpay/events`, token: EVENTS_TOKEN, minDelayMs: 10, maxDelayMs: 50, onConnect: resolve });
    feeds.push(feed);
    w.adapter.listen(feed, { onResult: log.onResult });
  });
  await connected;

  const body = JSON.stringify(buildNotification(entry, { merchantId: 'M1', now: new Date() }));
  const res = await request(`${n.url}/qfpay/notify`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-qf-sign': signNotification(body, NOTIFY_KEY) }, body });
  expect(res.statusCode).toBe(200);
  expect(await res.body.text()).toBe('SUCCESS');

  const applied = await log.waitFor((r) => r.orderId === id && r.action === 'paid');
  expect(applied).toMatchObject({ action: 'paid', syssn: entry.syssn });
  expect(w.fake.order(id)).toMatchObject({ status: 'processing', transaction_id: entry.syssn });

  // A second subscriber replaying everything from the start sees it as a duplicate.
  const replayLog = new ResultLog();
  const replay = new SseNotificationFeed({ url: `${n.url}/qfpay/events`, token: EVENTS_TOKEN, lastEventId: '0', minDelayMs: 10, maxDelayMs: 50 });
  feeds.push(replay);
  w.adapter.listen(replay, { onResult: replayLog.onResult });
  expect(await replayLog.waitFor((r) => r.orderId === id)).toMatchObject({ action: 'duplicate' });
}
