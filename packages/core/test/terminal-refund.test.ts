/** Refunds (1002) against the simulator: amounts, the card same-day rule, and unknown refunds. */
import type { TransactionOutcome } from '../src/terminal/index.js';
import { startHarness, type Harness } from './support/terminal-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Approved = Extract<TransactionOutcome, { status: 'approved' }>;

async function paid(harness: Harness, amountMinor: number, channel: 'card_payment' | 'alipay' = 'card_payment'): Promise<Approved> {
  const outcome = await harness.terminal.pay({ amountMinor, channel });
  expect(outcome.status).toBe('approved');
  return outcome as Approved;
}

describe('refunds', () => {
  it('full refund of a card payment (default amount = everything refundable)', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    const payment = await paid(h, 2500);
    const refund = await h.terminal.refund({ syssn: payment.syssn });
    expect(refund).toMatchObject({ status: 'approved', kind: 'refund', resolvedBy: 'reply', amountMinor: 2500, origSyssn: payment.syssn, currency: 'HKD' });
    const r = refund as Approved;
    expect(r.syssn).toMatch(/^\d+$/);
    expect(r.syssn).not.toBe(payment.syssn);
    expect(r.outTradeNo).toMatch(/^[A-Za-z0-9_-]+$/);
    // It read the original first (4001 by orderId), then sent the 1002 without an amount.
    const reqs = h.sim.requests().slice(1);
    expect(reqs.map((x) => x.funcType)).toEqual([4001, 1002]);
    expect(reqs[0]?.content).toEqual({ func_type: 4001, orderId: payment.syssn });
    expect(reqs[1]?.content).toEqual({ func_type: 1002, orderId: payment.syssn });
    expect(await h.terminal.query({ syssn: payment.syssn })).toMatchObject({ found: true, state: 'refunded', refundableMinor: 0 });
  });

  it('explicit full-amount card refund sends refund_amount in dollars', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    const payment = await paid(h, 1250);
    const refund = await h.terminal.refund({ syssn: payment.syssn, amountMinor: 1250, allowModify: false, moveToBack: true });
    expect(refund).toMatchObject({ status: 'approved', amountMinor: 1250 });
    const sent = h.sim.requests().find((x) => x.funcType === 1002);
    expect(sent?.content).toEqual({ func_type: 1002, orderId: payment.syssn, refund_amount: '12.50', allow_modify_flag: 0, moveToBack: 1 });
  });

  it('partial refund of a same-day card payment is declined by the terminal (1271)', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    const payment = await paid(h, 2500);
    const refund = await h.terminal.refund({ syssn: payment.syssn, amountMinor: 1000 });
    expect(refund).toMatchObject({ status: 'declined', kind: 'refund', resolvedBy: 'reply', codes: { respcd: '6000', txnRespcd: '1271' } });
    expect((refund as Extract<TransactionOutcome, { status: 'declined' }>).reason).toMatch(/partial refund not supported/);
    expect(await h.terminal.query({ syssn: payment.syssn })).toMatchObject({ state: 'paid', refundableMinor: 2500 });
  });

  it('partial refunds of a wallet payment, then above the refundable amount (1272)', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    const payment = await paid(h, 3000, 'alipay');
    expect(await h.terminal.refund({ syssn: payment.syssn, amountMinor: 1000 })).toMatchObject({ status: 'approved', amountMinor: 1000 });
    expect(await h.terminal.query({ syssn: payment.syssn })).toMatchObject({ state: 'partially_refunded', refundableMinor: 2000 });
    expect(await h.terminal.refund({ syssn: payment.syssn, amountMinor: 2500 })).toMatchObject({ status: 'declined', codes: { txnRespcd: '1272' } });
    expect(await h.terminal.refund({ syssn: payment.syssn, amountMinor: 2000 })).toMatchObject({ status: 'approved', amountMinor: 2000 });
    expect(await h.terminal.query({ syssn: payment.syssn })).toMatchObject({ state: 'refunded', refundableMinor: 0 });
  });

  it('refund of an unknown payment is declined by the terminal', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    const refund = await h.terminal.refund({ syssn: '20990101000000000000000001' });
    expect(refund.status).toBe('declined');
  });

  it('an unanswered refund is resolved by comparing the original before and after → approved', async () => {
    h = await startHarness({ customer: { action: 'approve', afterMs: 10 }, terminal: { defaultPaymentTimeoutSec: 1, paymentReplyGraceMs: 50 } });
    const payment = await paid(h, 1800, 'alipay');
    // Delay the reply of the 1002 (the request after the refund's preliminary 4001) past the timeout.
    const onRequest = (record: { funcType: number | null; content: Record<string, string | number> | null }) => {
      if (record.funcType === 4001 && record.content?.orderId === payment.syssn) {
        h!.sim.injectFault({ kind: 'delay', ms: 2_500 });
        h!.sim.off('request', onRequest);
      }
    };
    h.sim.on('request', onRequest);
    const refund = await h.terminal.refund({ syssn: payment.syssn, amountMinor: 800 });
    expect(refund).toMatchObject({ status: 'approved', kind: 'refund', resolvedBy: 'query', amountMinor: 800, origSyssn: payment.syssn });
    expect(h.sim.requests().filter((x) => x.funcType === 1002)).toHaveLength(1);
  });

  it('a refund the terminal never processed (HTTP 500) → failed NOT_PROCESSED after closing any screen', async () => {
    h = await startHarness({ customer: { action: 'approve', afterMs: 10 } });
    const payment = await paid(h, 1800, 'alipay');
    const onRequest = (record: { funcType: number | null; content: Record<string, string | number> | null }) => {
      if (record.funcType === 4001 && record.content?.orderId === payment.syssn) {
        h!.sim.injectFault({ kind: 'http500' });
        h!.sim.off('request', onRequest);
      }
    };
    h.sim.on('request', onRequest);
    const refund = await h.terminal.refund({ syssn: payment.syssn, amountMinor: 800 });
    expect(refund).toMatchObject({ status: 'failed', kind: 'refund', error: { code: 'NOT_PROCESSED' } });
    expect(await h.terminal.query({ syssn: payment.syssn })).toMatchObject({ state: 'paid', refundableMinor: 1800 });
  });

  it('operator cancels the refund on the terminal → cancelled (original unchanged)', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    const payment = await paid(h, 900, 'alipay');
    h.sim.setCustomer({ action: 'cancel' });
    const refund = await h.terminal.refund({ syssn: payment.syssn });
    expect(refund).toMatchObject({ status: 'cancelled', kind: 'refund', by: 'customer', resolvedBy: 'query' });
  });

  it('POS cancel of an open refund screen → confirmed', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    const payment = await paid(h, 900, 'alipay');
    h.sim.setCustomer({ action: 'manual' });
    const refunding = h.terminal.refund({ syssn: payment.syssn });
    await h.sim.waitForScreen();
    const cancel = await h.terminal.cancel();
    const refund = await refunding;
    expect(refund).toMatchObject({ status: 'cancelled', by: 'pos' });
    expect(cancel).toEqual({ status: 'confirmed', outTradeNo: refund.outTradeNo });
  });

  it('rejects invalid refund input before sending', async () => {
    h = await startHarness();
    await expect(h.terminal.refund({ syssn: "1,2'" })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    await expect(h.terminal.refund({ syssn: '123', amountMinor: 0 })).rejects.toMatchObject({ code: 'AMOUNT_NOT_POSITIVE' });
    await expect(h.terminal.refund({ syssn: '123', amountMinor: 1.5 })).rejects.toMatchObject({ code: 'AMOUNT_NOT_INTEGER' });
    expect(h.sim.requests()).toHaveLength(0);
  });
});
