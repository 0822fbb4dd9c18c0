/**
 * payOrder, ECR Cloud only: results come from QFPay's book (query) or its notification, never
 * from a held reply. When QFPay cannot be read until the payment timeout plus a margin, the
 * outcome is `unknown`: the order stays pending, nothing is pushed again, and the reconciliation
 * (or a later payOrder) settles it from QFPay's book once it answers again. The LAN counterparts
 * (reply lost while the customer decides) are in pay.lan.test.ts.
 */
import { UnresolvedAttemptError } from '../src/index.js';
import { payWhileQfpayUnreachable, restoreOpenApi, SHORT_CLOUD } from './support/cloud.js';
import { metaOf, paymentRequests, qfpayNotes, startWorld, type World } from './support/world.js';

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('ECR Cloud: unknown results are never charged twice', () => {
  it('QFPay unreachable after the push: unknown; payOrder refuses while unresolved; reconcile applies the approval', async () => {
    w = await startWorld({ customer: { action: 'manual' }, cloudTerminal: SHORT_CLOUD });
    const id = w.order('42.00');
    const result = await payWhileQfpayUnreachable(w, id, 'card_payment', { approve: true });
    expect(result).toMatchObject({ outcome: { status: 'unknown' }, recorded: true, orderStatus: 'pending' });
    expect(metaOf(w.fake, id, '_qfpay_status')).toBe('unknown');
    expect(qfpayNotes(w.fake, id).some((n) => /result unknown/.test(n))).toBe(true);
    expect(w.alerts.map((a) => a.code)).toContain('PAYMENT_UNKNOWN');

    // QFPay still cannot be read: asking again cannot resolve it, so nothing is charged.
    const again = await w.adapter.payOrder(id, { channel: 'card_payment' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(UnresolvedAttemptError);
    expect((again as Error).message).toMatch(/could not be asked/);
    expect(paymentRequests(w)).toBe(1);

    restoreOpenApi(w.sim);
    const report = await w.adapter.reconcile();
    expect(report.changed).toEqual([expect.objectContaining({ orderId: id, outTradeNo: result.outTradeNo, from: 'unknown', to: 'approved', orderStatus: 'processing' })]);
    expect(w.fake.order(id)).toMatchObject({ status: 'processing', transaction_id: w.sim.transactions()[0]?.syssn });
    expect(w.sim.paymentRequestCount(result.outTradeNo)).toBe(1);
    expect((await w.adapter.reconcile()).unresolved).toBe(0);
  });

  it('nobody paid and the screen timed out while QFPay was unreachable: reconcile finds it cancelled (1263), and the order can be paid again', async () => {
    w = await startWorld({ customer: { action: 'manual' }, cloudTerminal: SHORT_CLOUD });
    const id = w.order('12.00');
    const first = await payWhileQfpayUnreachable(w, id, 'wx', { approve: false });
    expect(first.outcome.status).toBe('unknown');
    restoreOpenApi(w.sim);
    const report = await w.adapter.reconcile();
    expect(report.changed).toEqual([expect.objectContaining({ orderId: id, outTradeNo: first.outTradeNo, from: 'unknown', to: 'cancelled', orderStatus: 'pending' })]);
    w.sim.setCustomer({ action: 'approve', afterMs: 10 });
    const second = await w.adapter.payOrder(id, { channel: 'wx' });
    expect(second).toMatchObject({ attempt: 2, outcome: { status: 'approved' }, orderStatus: 'processing' });
    expect(paymentRequests(w)).toBe(2);
  });

  it('after a restart, payOrder resolves the earlier attempt from QFPay\'s book first and does not charge again', async () => {
    w = await startWorld({ customer: { action: 'manual' }, cloudTerminal: SHORT_CLOUD });
    const id = w.order('9.90');
    const first = await payWhileQfpayUnreachable(w, id, 'alipay', { approve: true });
    expect(first.outcome.status).toBe('unknown');
    restoreOpenApi(w.sim);
    const restarted = w.makeAdapter();
    const result = await restarted.payOrder(id, { channel: 'alipay' });
    expect(result).toMatchObject({ fromEarlierAttempt: true, attempt: 1, outTradeNo: first.outTradeNo, outcome: { status: 'approved', amountMinor: 990 }, orderStatus: 'processing' });
    expect(paymentRequests(w)).toBe(1);
  });
});
