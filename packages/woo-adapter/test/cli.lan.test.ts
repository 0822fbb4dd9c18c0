/**
 * `qfpay-woo reconcile`, LAN only: a payment left `unknown` while the customer is still deciding
 * (the terminal's reply did not come in time). The ECR Cloud counterpart: cli.cloud.test.ts.
 */
import { EXIT } from '../src/index.js';
import { envFor, removeEnvFiles, runCapturing as run } from './support/cli.js';
import { startWorld, type World } from './support/world.js';

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
  removeEnvFiles();
});

describe('qfpay-woo (LAN)', () => {
  it('reconcile reports what it changed and exits 1 while something stays unresolved', async () => {
    w = await startWorld({ customer: { action: 'manual' }, terminal: { defaultPaymentTimeoutSec: 1, paymentReplyGraceMs: 50, resolve: { deadlineMs: 600, minIntervalMs: 20, maxIntervalMs: 100 } } });
    const env = envFor(w);
    const id = w.order('21.00');
    const result = await w.adapter.payOrder(id, { channel: 'card_payment' });
    expect(result.outcome.status).toBe('unknown');
    const pending = await run(['reconcile'], env);
    expect(pending.code).toBe(EXIT.attention);
    expect(pending.stdout).toMatch(new RegExp(`order ${id}: ${result.outTradeNo} still unresolved — still pending on the terminal`));
    w.sim.customer.approve();
    const done = await run(['reconcile'], env);
    expect(done.code).toBe(EXIT.ok);
    expect(done.stdout).toMatch(new RegExp(`order ${id}: ${result.outTradeNo} unknown → approved \\(order processing\\)`));
    expect(w.sim.paymentRequestCount(result.outTradeNo)).toBe(1);
  });
});
