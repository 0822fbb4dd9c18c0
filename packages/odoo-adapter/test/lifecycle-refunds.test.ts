/**
 * Refunds and reversals through the faithful payment screen and the simulator, with one clock
 * (Hong Kong time, UTC+8) shared by the adapter and the terminal: every pre-check at its
 * boundary — 22:59:59 vs 23:00:00 HKT, yesterday, card full amount only, never above the
 * original, Octopus not refundable, no original with this method — for each generation's way of
 * finding the original payment.
 */
import { METHOD_ID, hkt, startRig, waitFor, closeRigCheckingSecrets, type Rig } from './support/rig.js';
import type { Gen, HarnessLine, HarnessOrder, PaymentMethodRecord } from '../src/testing/index.js';

let rig: Rig | undefined;
afterEach(async () => {
  if (rig) await closeRigCheckingSecrets(rig);
  rig = undefined;
});

const CASH: PaymentMethodRecord = { id: 1, name: 'Cash', use_payment_terminal: false, payment_provider: false };

async function paidOrder(r: Rig, amount: number): Promise<{ order: HarnessOrder; line: HarnessLine }> {
  const order = r.pos.newOrder(amount);
  const line = r.screen.addPaymentLine(METHOD_ID, amount) as HarnessLine;
  if (r.pos.gen === 17) void r.screen.sendPaymentRequest(line);
  expect(await r.settled(line)).toBe(true);
  return { order, line };
}

/** A refund order for `original` with one QFPay refund line (no status until "Refund" is pressed). */
function refundLine(r: Rig, original: HarnessOrder, amount: number): HarnessLine {
  r.pos.newRefundOrder(original, amount);
  const line = r.screen.addPaymentLine(METHOD_ID, -amount) as HarnessLine;
  expect(line.payment_status).toBeUndefined();
  return line;
}

function refundRequests(r: Rig): number {
  return r.sim.requests().filter((q) => q.funcType === 1002).length;
}

describe.each([17, 18, 19] as Gen[])('Odoo %i refund of a QFPay payment', (gen) => {
  it('same-day card refund in full at 22:59:59 HKT goes through the terminal', async () => {
    rig = await startRig({ gen, now: hkt('2025-08-26T10:00:00') });
    const { order, line: paid } = await paidOrder(rig, 12.5);
    rig.now = hkt('2025-08-26T22:59:59');
    const line = refundLine(rig, order, 12.5);
    expect(rig.screen.order.isRefundInProcess()).toBe(true);
    expect(rig.screen.validateOrder()).toMatchObject({ ok: false, reason: 'refund in process' });
    expect(await rig.screen.sendPaymentRequest(line)).toBe(true);
    expect(line.payment_status).toBe('done');
    const refund = rig.sim.transactions().find((t) => t.kind === 'refund');
    expect(refund?.origSyssn).toBe(paid.transaction_id);
    expect(refund?.amountMinor).toBe(1250);
    expect(line.transaction_id).toBe(refund?.syssn);
    expect(rig.refundRequests()).toEqual([{ syssn: paid.transaction_id, amountMinor: 1250 }]);
    expect(rig.screen.validateOrder()).toMatchObject({ ok: true });
    expect(rig.pos.alerts).toEqual([]);
  });

  it('at 23:00:00 HKT the same refund is refused before anything is sent', async () => {
    rig = await startRig({ gen, now: hkt('2025-08-26T10:00:00') });
    const { order } = await paidOrder(rig, 12.5);
    rig.now = hkt('2025-08-26T23:00:00');
    const line = refundLine(rig, order, 12.5);
    expect(await rig.screen.sendPaymentRequest(line)).toBe(false);
    expect(line.payment_status).toBe('retry');
    expect(rig.pos.alerts.at(-1)?.message).toBe('Refunds can only be made on the same day before 23:00 HKT. Use the QFPay portal to perform this refund');
    expect(refundRequests(rig)).toBe(0);
  });
});

describe('refund pre-checks at their boundaries (Odoo 19)', () => {
  it('yesterday: paid 23:30 HKT, refunding at 00:10 HKT the next day is refused', async () => {
    rig = await startRig({ gen: 19, now: hkt('2025-08-25T22:30:00') });
    const { order } = await paidOrder(rig, 20);
    rig.now = hkt('2025-08-26T00:10:00');
    const line = refundLine(rig, order, 20);
    expect(await rig.screen.sendPaymentRequest(line)).toBe(false);
    expect(rig.pos.alerts.at(-1)?.message).toContain('same day before 23:00 HKT');
    expect(refundRequests(rig)).toBe(0);
  });

  it('card: a partial refund is refused; the full amount goes through', async () => {
    rig = await startRig({ gen: 19, now: hkt('2025-08-26T12:00:00') });
    const { order } = await paidOrder(rig, 12.5);
    const partial = refundLine(rig, order, 5);
    expect(await rig.screen.sendPaymentRequest(partial)).toBe(false);
    expect(rig.pos.alerts.at(-1)?.message).toBe('Credit card payments refund must be for the full amount.');
    expect(refundRequests(rig)).toBe(0);
    rig.screen.editAmount(partial, -12.5);
    expect(await rig.screen.sendPaymentRequest(partial)).toBe(true);
    expect(refundRequests(rig)).toBe(1);
  });

  it('wallet: a partial refund is allowed; more than the original is refused', async () => {
    rig = await startRig({ gen: 19, now: hkt('2025-08-26T12:00:00'), method: { qfpay_payment_type: 'wx', name: 'QFPay WeChat' } });
    const { order } = await paidOrder(rig, 12.5);
    const above = refundLine(rig, order, 12.51);
    expect(await rig.screen.sendPaymentRequest(above)).toBe(false);
    expect(rig.pos.alerts.at(-1)?.message).toBe('Refund amount cannot be greater than the original payment amount.');
    expect(refundRequests(rig)).toBe(0);
    rig.screen.editAmount(above, -5);
    expect(await rig.screen.sendPaymentRequest(above)).toBe(true);
    expect(rig.sim.transactions().find((t) => t.kind === 'refund')?.amountMinor).toBe(500);
    expect(rig.sim.transactions().find((t) => t.kind === 'payment')?.cancel).toBe(5); // partially refunded
  });

  it('Octopus cannot be refunded on the terminal', async () => {
    rig = await startRig({ gen: 19, now: hkt('2025-08-26T12:00:00'), method: { qfpay_payment_type: 'octopus', name: 'QFPay Octopus' } });
    const { order } = await paidOrder(rig, 7);
    const line = refundLine(rig, order, 7);
    expect(await rig.screen.sendPaymentRequest(line)).toBe(false);
    expect(rig.pos.alerts.at(-1)?.message).toContain('Octopus payments cannot be refunded');
    expect(refundRequests(rig)).toBe(0);
  });

  it('no QFPay payment on the original order (paid in cash): refused with pos_qfpay\'s message', async () => {
    rig = await startRig({ gen: 19, now: hkt('2025-08-26T12:00:00'), otherMethods: [CASH] });
    const order = rig.pos.newOrder(9);
    rig.screen.addPaymentLine(CASH.id, 9);
    const line = refundLine(rig, order, 9);
    expect(await rig.screen.sendPaymentRequest(line)).toBe(false);
    expect(rig.pos.alerts.at(-1)?.message).toBe('No payment with QFPay Card found for this order.');
    expect(refundRequests(rig)).toBe(0);
  });

  it('Odoo 17 without the original order in memory: the payment recorded by the adapter is used', async () => {
    rig = await startRig({ gen: 17, now: hkt('2025-08-26T12:00:00') });
    const { order, line: paid } = await paidOrder(rig, 30);
    rig.pos.orders.splice(rig.pos.orders.indexOf(order), 1); // synced orders leave Odoo 17's list
    const line = refundLine(rig, order, 30);
    expect(await rig.screen.sendPaymentRequest(line)).toBe(true);
    expect(rig.refundRequests()).toEqual([expect.objectContaining({ syssn: paid.transaction_id })]);
  });
});

describe('reversal of a done line (same-day full refund)', () => {
  it.each([17, 18] as Gen[])('Odoo %i: Reverse → reversed with amount 0', async (gen) => {
    rig = await startRig({ gen, now: hkt('2025-08-26T15:00:00') });
    const { line } = await paidOrder(rig, 16);
    expect(line.can_be_reversed).toBe(true);
    expect(await rig.screen.sendPaymentReverse(line)).toBe(true);
    expect(line.payment_status).toBe('reversed');
    expect(line.amount).toBe(0);
    expect(rig.sim.transactions().find((t) => t.kind === 'refund')?.amountMinor).toBe(1600);
  });

  it('after 23:00 HKT the reversal is refused and the line stays done', async () => {
    rig = await startRig({ gen: 18, now: hkt('2025-08-26T15:00:00') });
    const { line } = await paidOrder(rig, 16);
    rig.now = hkt('2025-08-26T23:00:00');
    expect(await rig.screen.sendPaymentReverse(line)).toBe(false);
    expect(line.payment_status).toBe('done');
    expect(line.can_be_reversed).toBe(false);
    expect(rig.pos.alerts.at(-1)?.message).toContain('same day before 23:00 HKT');
    await waitFor(() => true, 'noop');
    expect(refundRequests(rig)).toBe(0);
  });
});
