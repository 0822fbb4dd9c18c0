/**
 * Secrets (consumer key/secret, POS-KEY, events token) never reach WooCommerce (notes, meta),
 * alerts, errors or the fake's request log, across payment, unknown, refund and failure paths —
 * LAN terminal (the unknown path is the LAN one). ECR Cloud, with its client key: secrets.cloud.test.ts.
 */
import { SseNotificationFeed, WooClient, WooQfpayAdapter } from '../src/index.js';
import { CONSUMER_KEY, CONSUMER_SECRET, FAST_RETRY, POS_KEY, startWorld, type World } from './support/world.js';

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const SECRETS = [CONSUMER_SECRET, CONSUMER_KEY, POS_KEY];

function dump(value: unknown): string {
  if (value instanceof Error) return `${value.message}\n${value.stack ?? ''}\n${JSON.stringify(value)}`;
  return JSON.stringify(value);
}

it('no secret in notes, meta, alerts, errors, results or request logs', async () => {
  w = await startWorld({ customer: { action: 'manual' }, terminal: { defaultPaymentTimeoutSec: 1, paymentReplyGraceMs: 50, resolve: { deadlineMs: 500, minIntervalMs: 20, maxIntervalMs: 100 } } });
  const seen: unknown[] = [];
  w.adapter.on('order-updated', (e) => seen.push(e));
  w.adapter.on('outcome', (e) => seen.push(e));

  const id = w.order('10.00');
  const first = await w.adapter.payOrder(id, { channel: 'card_payment' }); // unknown
  seen.push(first);
  seen.push(await w.adapter.payOrder(id, { channel: 'card_payment' }).catch((e: unknown) => e)); // unresolved
  w.sim.customer.approve();
  seen.push(await w.adapter.reconcile());
  w.sim.setCustomer({ action: 'approve', afterMs: 5 });
  const paid = w.fake.order(id);
  seen.push(await w.adapter.refundOrder(id, 1000, 'full').catch((e: unknown) => e));
  seen.push(await w.adapter.refundOrder(id, 1, 'too much').catch((e: unknown) => e));

  const bad = new WooQfpayAdapter({ woo: new WooClient({ url: w.fake.url, consumerKey: CONSUMER_KEY, consumerSecret: 'cs_AnotherSecretThatMustNotLeak0000000000', authMode: 'query', allowInsecureHttp: true, retry: FAST_RETRY }), terminal: w.terminal });
  seen.push(await bad.payOrder(w.order('1.00'), { channel: 'card_payment' }).catch((e: unknown) => e));
  seen.push(await bad.reconcile());
  await bad.close();
  seen.push((() => {
    try {
      return new SseNotificationFeed({ url: 'http://192.0.2.1/qfpay/events', token: 'TokenThatMustNotLeak0000000001' });
    } catch (e) {
      return e;
    }
  })());

  const everything = [
    ...seen.map(dump),
    dump(w.alerts),
    dump(w.fake.requests()),
    dump(w.fake.notes(id)),
    dump(paid),
    dump(w.fake.order(id)),
    dump(w.fake.refunds(id)),
  ].join('\n');
  for (const s of [...SECRETS, 'cs_AnotherSecretThatMustNotLeak0000000000', 'TokenThatMustNotLeak0000000001']) expect(everything).not.toContain(s);
  // Sanity: the flow really ran.
  expect(first.outcome.status).toBe('unknown');
  expect(w.fake.order(id)?.status).toBe('refunded');
});
