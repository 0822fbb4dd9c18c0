/**
 * refundOrder: a terminal refund (1002) against the stored syssn, then a WooCommerce refund
 * record with api_refund false carrying the refund syssn. Against the fake and the simulator.
 */
import type { TransactionOutcome } from '@qfpay-ecr/core';
import { readRefundAttempts, RefundNotAllowedError, type WooOrder } from '../src/index.js';
import { NOTIFY_KEY, ResultLog, startNotify, type NotifyHarness } from './support/notify.js';
import { qfpayNotes, startWorld, type World } from './support/world.js';
import { emitterFeed } from '../src/index.js';

let w: World | undefined;
let n: NotifyHarness | undefined;
afterEach(async () => {
  await w?.close();
  await n?.close();
  w = undefined;
  n = undefined;
});

type Approved = Extract<TransactionOutcome, { status: 'approved' }>;

function refundRequests(world: World): number {
  return world.sim.requests().filter((r) => r.funcType === 1002).length;
}

async function paid(world: World, total: string, channel: 'card_payment' | 'alipay' | 'wx' = 'alipay'): Promise<{ id: number; syssn: string }> {
  const id = world.order(total);
  const r = await world.adapter.payOrder(id, { channel });
  return { id, syssn: (r.outcome as Approved).syssn };
}

describe('refundOrder', () => {
  it('refund from the adapter: terminal refund, WooCommerce refund with api_refund false and the refund syssn, note', async () => {
    w = await startWorld();
    const { id, syssn } = await paid(w, '12.50', 'card_payment');
    const result = await w.adapter.refundOrder(id, 1250, 'customer returned it');
    expect(result).toMatchObject({ orderId: id, recorded: true, outcome: { status: 'approved', kind: 'refund', amountMinor: 1250, origSyssn: syssn } });
    const refundSyssn = (result.outcome as Approved).syssn;
    const refunds = w.fake.refunds(id);
    expect(refunds).toEqual([expect.objectContaining({ id: result.wooRefundId, amount: '12.50', reason: 'customer returned it', refunded_payment: false })]);
    expect(refunds[0]?.meta_data).toEqual(expect.arrayContaining([expect.objectContaining({ key: '_qfpay_refund_syssn', value: refundSyssn })]));
    expect(w.fake.order(id)?.status).toBe('refunded');
    expect(qfpayNotes(w.fake, id).some((x) => x.includes(refundSyssn) && /refund of HK\$12\.50 recorded/.test(x))).toBe(true);
    const attempts = readRefundAttempts(w.fake.order(id) as unknown as WooOrder);
    expect(attempts).toEqual([expect.objectContaining({ amountMinor: 1250, status: 'approved', syssn: refundSyssn, wooRefundId: result.wooRefundId })]);
    expect(refundRequests(w)).toBe(1);
  });

  it('partial refunds summing to the full amount: each recorded, the order becomes refunded, then nothing is left', async () => {
    w = await startWorld();
    const { id } = await paid(w, '20.00', 'alipay');
    for (const amount of [500, 750]) {
      const r = await w.adapter.refundOrder(id, amount, `part ${amount}`);
      expect(r).toMatchObject({ recorded: true, outcome: { status: 'approved' } });
      expect(w.fake.order(id)?.status).toBe('processing');
    }
    expect((await w.adapter.refundOrder(id, 750, 'rest')).recorded).toBe(true);
    expect(w.fake.refunds(id).map((r) => r.amount)).toEqual(['7.50', '7.50', '5.00']);
    expect(w.fake.order(id)?.status).toBe('refunded');
    await expect(w.adapter.refundOrder(id, 1, 'one more cent')).rejects.toMatchObject({ code: 'WOO_REFUND_TOO_MUCH' });
    expect(refundRequests(w)).toBe(3);
  });

  it('with notifications flowing, the refund notification finds the refund already recorded', async () => {
    n = await startNotify();
    w = await startWorld({ sim: { notify: { url: `${n.url}/qfpay/notify`, key: NOTIFY_KEY, scheduleMs: [0, 50, 50] } } });
    const log = new ResultLog();
    const stop = w.adapter.listen(emitterFeed(n.notify.events), { onResult: log.onResult });
    const { id } = await paid(w, '20.00', 'wx');
    const r = await w.adapter.refundOrder(id, 800, 'partial');
    await log.waitFor((x) => x.action === 'duplicate' && x.syssn === (r.outcome as Approved).syssn);
    expect(w.fake.refunds(id)).toHaveLength(1);
    stop();
  });

  it('rules are checked before anything is sent: card same-day partial, too much, not a QFPay payment, not paid, bad amount', async () => {
    w = await startWorld();
    const card = await paid(w, '30.00', 'card_payment');
    const err = await w.adapter.refundOrder(card.id, 1000, 'partial').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RefundNotAllowedError);
    expect(err).toMatchObject({ code: 'WOO_REFUND_CARD_SAME_DAY_PARTIAL' });
    expect((err as Error).message).toMatch(/only be refunded in full/);
    await expect(w.adapter.refundOrder(card.id, 3001, 'too much')).rejects.toMatchObject({ code: 'WOO_REFUND_TOO_MUCH' });
    await expect(w.adapter.refundOrder(card.id, 0, 'zero')).rejects.toMatchObject({ code: 'WOO_REFUND_AMOUNT' });
    const other = w.order('5.00', { status: 'processing', transactionId: 'pi_1', paymentMethod: 'stripe' });
    await expect(w.adapter.refundOrder(other, 500, 'x')).rejects.toMatchObject({ code: 'WOO_REFUND_NOT_QFPAY' });
    const unpaid = w.order('5.00');
    await expect(w.adapter.refundOrder(unpaid, 500, 'x')).rejects.toMatchObject({ code: 'WOO_REFUND_NOT_QFPAY' });
    expect(refundRequests(w)).toBe(0);
  });

  it('a refund declined on the terminal: note, no WooCommerce refund', async () => {
    w = await startWorld();
    const { id } = await paid(w, '9.00', 'alipay');
    w.sim.setCustomer({ action: 'decline', afterMs: 10, code: '1205' });
    const r = await w.adapter.refundOrder(id, 900, 'x');
    expect(r).toMatchObject({ recorded: true, outcome: { status: 'declined' } });
    expect(w.fake.refunds(id)).toHaveLength(0);
    expect(w.fake.order(id)?.status).toBe('processing');
    expect(qfpayNotes(w.fake, id).some((x) => /refund of HK\$9\.00 declined/.test(x))).toBe(true);
  });

  it('WooCommerce down when the refund is recorded: nothing lost, the refund notification records it later', async () => {
    w = await startWorld({ customer: { action: 'manual' } });
    const paying = w.adapter.payOrder(w.order('16.00'), { channel: 'alipay' });
    await w.sim.waitForScreen();
    w.sim.customer.approve();
    const p = await paying;
    const id = p.orderId;
    const refunding = w.adapter.refundOrder(id, 600, 'partial');
    await w.sim.waitForScreen();
    w.fake.injectFault({ kind: 'unavailable', times: 1_000 });
    w.sim.customer.approve();
    const r = await refunding;
    expect(r).toMatchObject({ recorded: false, outcome: { status: 'approved' }, recordError: { code: 'WOO_UNAVAILABLE' } });
    w.fake.clearFaults();
    expect(w.fake.refunds(id)).toHaveLength(0);
    const refundSyssn = (r.outcome as Approved).syssn;
    const applied = await w.adapter.applyNotification({
      kind: 'refund',
      notifyType: 'refund',
      success: true,
      status: '1',
      syssn: refundSyssn,
      origSyssn: (p.outcome as Approved).syssn,
      origOutTradeNo: p.outTradeNo,
      amountMinor: 600,
      currency: 'HKD',
      raw: {},
    });
    expect(applied).toMatchObject({ action: 'refund-recorded', orderId: id });
    expect(w.fake.refunds(id).map((x) => x.amount)).toEqual(['6.00']);
    expect(readRefundAttempts(w.fake.order(id) as unknown as WooOrder)).toEqual([expect.objectContaining({ status: 'approved', syssn: refundSyssn })]);
  });

  it('an earlier refund with no known result blocks another, unless the terminal and WooCommerce agree on what is left', async () => {
    w = await startWorld();
    const { id, syssn } = await paid(w, '20.00', 'alipay');
    const unknownRecord = (amountMinor: number) => JSON.stringify([{ ref: `wc${id}-r-lost`, amountMinor, status: 'unknown', startedAt: '2020-01-01T00:00:00.000Z' }]);
    // Nothing else was refunded on the terminal: they agree, so the open refund did not happen.
    w.fake.setMeta(id, '_qfpay_refunds', unknownRecord(500));
    expect((await w.adapter.refundOrder(id, 300, 'ok')).outcome.status).toBe('approved');
    // Now a refund WooCommerce does not know about happens on the terminal…
    await w.terminal.refund({ syssn, amountMinor: 400 });
    w.fake.setMeta(id, '_qfpay_refunds', unknownRecord(400));
    const before = refundRequests(w);
    await expect(w.adapter.refundOrder(id, 300, 'again')).rejects.toMatchObject({ code: 'WOO_REFUND_UNRESOLVED' });
    expect(refundRequests(w)).toBe(before);
  });
});
