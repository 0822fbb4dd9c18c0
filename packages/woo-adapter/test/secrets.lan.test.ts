/**
 * Secrets (consumer key/secret, POS-KEY, events token) never reach WooCommerce (notes, meta),
 * alerts, errors or the fake's request log, across payment, unknown, refund and failure paths —
 * LAN terminal (the unknown path is the LAN one). ECR Cloud, with its client key: secrets.cloud.test.ts.
 */
import { CONSUMER_KEY, CONSUMER_SECRET, POS_KEY, startWorld, type World } from './support/world.js';
import { dump, FAILURE_PATH_SECRETS, walkFailurePaths } from './support/secrets-flow.js';

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const SECRETS = [CONSUMER_SECRET, CONSUMER_KEY, POS_KEY];

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

  await walkFailurePaths(w, seen);

  const everything = [
    ...seen.map(dump),
    dump(w.alerts),
    dump(w.fake.requests()),
    dump(w.fake.notes(id)),
    dump(paid),
    dump(w.fake.order(id)),
    dump(w.fake.refunds(id)),
  ].join('\n');
  for (const s of [...SECRETS, ...FAILURE_PATH_SECRETS]) expect(everything).not.toContain(s);
  // Sanity: the flow really ran.
  expect(first.outcome.status).toBe('unknown');
  expect(w.fake.order(id)?.status).toBe('refunded');
});
