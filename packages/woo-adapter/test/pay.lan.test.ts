/**
 * payOrder, LAN only: the terminal's reply is lost (or never comes in time) while the customer is
 * still deciding, so the outcome is `unknown` with the screen open. ECR Cloud never holds a
 * request open; its counterparts are in pay.cloud.test.ts.
 */
import { UnresolvedAttemptError } from '../src/index.js';
import { metaOf, paymentRequests, qfpayNotes, startWorld, type World } from './support/world.js';

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const payments = paymentRequests;

describe('unknown results are never charged twice', () => {
  const slowTerminal = { defaultPaymentTimeoutSec: 1, paymentReplyGraceMs: 50, resolve: { deadlineMs: 600, minIntervalMs: 20, maxIntervalMs: 100 } };

  it('unknown then reconcile: stays pending with a note; payOrder refuses while unresolved; reconcile applies the approval', async () => {
    w = await startWorld({ customer: { action: 'manual' }, terminal: slowTerminal });
    w.sim.injectFault({ kind: 'drop-after-payment' });
    const id = w.order('42.00');
    const result = await w.adapter.payOrder(id, { channel: 'card_payment' });
    expect(result).toMatchObject({ outcome: { status: 'unknown' }, recorded: true, orderStatus: 'pending' });
    expect(metaOf(w.fake, id, '_qfpay_status')).toBe('unknown');
    expect(qfpayNotes(w.fake, id).some((n) => /result unknown/.test(n))).toBe(true);
    expect(w.alerts.map((a) => a.code)).toContain('PAYMENT_UNKNOWN');

    // The screen is still open: asking again resolves by query, finds it pending, and refuses.
    const again = await w.adapter.payOrder(id, { channel: 'card_payment' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(UnresolvedAttemptError);
    expect((again as Error).message).toMatch(/still pending on the terminal/);
    expect(payments(w)).toBe(1);

    w.sim.customer.approve();
    const report = await w.adapter.reconcile();
    expect(report.changed).toEqual([expect.objectContaining({ orderId: id, outTradeNo: result.outTradeNo, from: 'unknown', to: 'approved', orderStatus: 'processing' })]);
    expect(w.fake.order(id)).toMatchObject({ status: 'processing', transaction_id: expect.stringMatching(/^\d+$/) });
    expect(w.sim.paymentRequestCount(result.outTradeNo)).toBe(1);
    expect(payments(w)).toBe(1);

    const second = await w.adapter.reconcile();
    expect(second.changed).toEqual([]);
    expect(second.unresolved).toBe(0);
  });

  it('after a restart, payOrder resolves the earlier attempt first and does not charge again', async () => {
    w = await startWorld({ customer: { action: 'manual' }, terminal: slowTerminal });
    const id = w.order('9.90');
    const first = await w.adapter.payOrder(id, { channel: 'alipay' });
    expect(first.outcome.status).toBe('unknown');
    w.sim.customer.approve();
    const restarted = w.makeAdapter();
    const result = await restarted.payOrder(id, { channel: 'alipay' });
    expect(result).toMatchObject({ fromEarlierAttempt: true, attempt: 1, outTradeNo: first.outTradeNo, outcome: { status: 'approved', amountMinor: 990 }, orderStatus: 'processing' });
    expect(payments(w)).toBe(1);
  });
});
