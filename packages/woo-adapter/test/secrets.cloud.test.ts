/**
 * Secrets in ECR Cloud mode (consumer key/secret, the OpenAPI client key, events token) never
 * reach WooCommerce (notes, meta), alerts, errors, results, the terminal's logs or the fake's
 * request log, across payment, unknown, refund and failure paths. LAN: secrets.lan.test.ts.
 */
import type { TerminalLogger } from '@qfpay-ecr/core';
import { payWhileQfpayUnreachable, restoreOpenApi, SHORT_CLOUD } from './support/cloud.js';
import { CLOUD, CONSUMER_KEY, CONSUMER_SECRET, startWorld, type World } from './support/world.js';
import { dump, FAILURE_PATH_SECRETS, walkFailurePaths } from './support/secrets-flow.js';

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const SECRETS = [CONSUMER_SECRET, CONSUMER_KEY, CLOUD.clientKey];

it('no secret in notes, meta, alerts, errors, results, terminal logs or request logs', async () => {
  const logs: unknown[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg?: string) => void logs.push({ level, obj, msg });
  const logger: TerminalLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  w = await startWorld({ customer: { action: 'manual' }, cloudTerminal: { ...SHORT_CLOUD, logger } });
  const seen: unknown[] = [];
  w.adapter.on('order-updated', (e) => seen.push(e));
  w.adapter.on('outcome', (e) => seen.push(e));

  const id = w.order('10.00');
  const first = await payWhileQfpayUnreachable(w, id, 'card_payment', { approve: true }); // unknown
  seen.push(first);
  seen.push(await w.adapter.payOrder(id, { channel: 'card_payment' }).catch((e: unknown) => e)); // unresolved
  restoreOpenApi(w.sim);
  seen.push(await w.adapter.reconcile());
  w.sim.setCustomer({ action: 'approve', afterMs: 5 });
  const paid = w.fake.order(id);
  seen.push(await w.adapter.refundOrder(id, 1000, 'full').catch((e: unknown) => e));
  seen.push(await w.adapter.refundOrder(id, 1, 'too much').catch((e: unknown) => e));

  await walkFailurePaths(w, seen);

  const everything = [
    ...seen.map(dump),
    dump(logs),
    dump(w.alerts),
    dump(w.fake.requests()),
    dump(w.fake.notes(id)),
    dump(paid),
    dump(w.fake.order(id)),
    dump(w.fake.refunds(id)),
    dump(w.sim.requests()),
  ].join('\n');
  for (const s of [...SECRETS, ...FAILURE_PATH_SECRETS]) expect(everything).not.toContain(s);
  // Sanity: the flow really ran, and the terminal did log.
  expect(first.outcome.status).toBe('unknown');
  expect(w.fake.order(id)?.status).toBe('refunded');
  expect(logs.length).toBeGreaterThan(0);
});
