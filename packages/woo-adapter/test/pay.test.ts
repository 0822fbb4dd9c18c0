/**
 * payOrder against the WooCommerce fake and the simulator through a real terminal over HTTPS (LAN
 * `QFPayTerminal`, or `QFPayCloudTerminal` through the fake OpenAPI in the cloud project).
 * LAN-only cases (the terminal's reply lost while the customer decides): pay.lan.test.ts;
 * their ECR Cloud counterparts: pay.cloud.test.ts.
 */
import type { TransactionOutcome } from '@qfpay-ecr/core';
import { OrderBusyError, OrderNotPayableError, UnresolvedAttemptError, WooAuthError, WooClient, WooQfpayAdapter } from '../src/index.js';
import { attemptsOf, CONSUMER_KEY, FAST_RETRY, metaOf, paymentRequests, qfpayNotes, startWorld, type World } from './support/world.js';

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const payments = paymentRequests;

type Approved = Extract<TransactionOutcome, { status: 'approved' }>;

describe('payOrder', () => {
  it('approve: set_paid, transaction_id = syssn, method, meta, note; one payment request', async () => {
    w = await startWorld();
    const id = w.order('12.50');
    const result = await w.adapter.payOrder(id, { channel: 'card_payment' });
    expect(result).toMatchObject({ orderId: id, attempt: 1, recorded: true, orderStatus: 'processing', outcome: { status: 'approved', amountMinor: 1250 } });
    expect(result.outTradeNo).toMatch(new RegExp(`^wc${id}-1-[a-z0-9]{23}$`));
    const syssn = (result.outcome as Approved).syssn;
    const order = w.fake.order(id);
    expect(order).toMatchObject({ status: 'processing', transaction_id: syssn, payment_method: 'qfpay_terminal', payment_method_title: 'QFPay terminal' });
    expect(order?.date_paid).not.toBeNull();
    expect(metaOf(w.fake, id, '_qfpay_status')).toBe('approved');
    expect(metaOf(w.fake, id, '_qfpay_syssn')).toBe(syssn);
    expect(metaOf(w.fake, id, '_qfpay_out_trade_no')).toBe(result.outTradeNo);
    expect(metaOf(w.fake, id, '_qfpay_attempt')).toBe('1');
    expect(metaOf(w.fake, id, '_qfpay_pay_type')).toBe('802808');
    expect(metaOf(w.fake, id, '_qfpay_card_scheme')).toBe('VISA');
    expect(metaOf(w.fake, id, '_qfpay_masked_card')).toMatch(/^\d{6}\*+\d{4}$/);
    expect(metaOf(w.fake, id, '_qfpay_chnlsn')).toEqual(expect.any(String));
    expect(attemptsOf(w.fake, id)).toEqual([expect.objectContaining({ n: 1, outTradeNo: result.outTradeNo, status: 'approved', syssn })]);
    const notes = qfpayNotes(w.fake, id);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/HK\$12\.50 approved by card_payment/);
    expect(notes[0]).toContain(syssn);
    expect(w.sim.paymentRequestCount(result.outTradeNo)).toBe(1);
  });

  it('the attempt is in order meta before the terminal sees the payment', async () => {
    w = await startWorld({ customer: { action: 'manual' } });
    const id = w.order('20.00');
    const paying = w.adapter.payOrder(id, { channel: 'alipay' });
    const screen = await w.sim.waitForScreen();
    expect(metaOf(w.fake, id, '_qfpay_out_trade_no')).toBe(screen.outTradeNo);
    expect(metaOf(w.fake, id, '_qfpay_status')).toBe('pending');
    expect(attemptsOf(w.fake, id)).toEqual([expect.objectContaining({ n: 1, status: 'pending', amountMinor: 2000, channel: 'alipay', terminal: 'till-1' })]);
    w.sim.customer.approve();
    expect((await paying).outcome.status).toBe('approved');
  });

  it('decline then retry approve: failed + note (still payable), then a second attempt with a new reference', async () => {
    w = await startWorld({ customer: { action: 'decline', afterMs: 10, code: '1205' } });
    const id = w.order('30.00');
    const first = await w.adapter.payOrder(id, { channel: 'card_payment' });
    expect(first.outcome.status).toBe('declined');
    expect(w.fake.order(id)).toMatchObject({ status: 'failed', needs_payment: true, transaction_id: '' });
    expect(qfpayNotes(w.fake, id).some((n) => /declined/.test(n) && n.includes(first.outTradeNo))).toBe(true);

    w.sim.setCustomer({ action: 'approve', afterMs: 10 });
    const second = await w.adapter.payOrder(id, { channel: 'card_payment' });
    expect(second).toMatchObject({ attempt: 2, outcome: { status: 'approved' }, orderStatus: 'processing' });
    expect(second.outTradeNo).not.toBe(first.outTradeNo);
    expect(second.outTradeNo).toMatch(new RegExp(`^wc${id}-2-`));
    expect(attemptsOf(w.fake, id).map((a) => a.status)).toEqual(['declined', 'approved']);
    expect(w.sim.paymentRequestCount(first.outTradeNo)).toBe(1);
    expect(w.sim.paymentRequestCount(second.outTradeNo)).toBe(1);
  });

  it('cancel by the customer: note, the order stays pending and can be paid again', async () => {
    w = await startWorld({ customer: { action: 'cancel', afterMs: 10 } });
    const id = w.order('8.00');
    const result = await w.adapter.payOrder(id, { channel: 'wx' });
    expect(result.outcome).toMatchObject({ status: 'cancelled', by: 'customer' });
    expect(w.fake.order(id)?.status).toBe('pending');
    expect(metaOf(w.fake, id, '_qfpay_status')).toBe('cancelled');
    expect(qfpayNotes(w.fake, id).some((n) => /cancelled on the terminal/.test(n))).toBe(true);
    w.sim.setCustomer({ action: 'approve', afterMs: 10 });
    expect((await w.adapter.payOrder(id, { channel: 'wx' })).outcome.status).toBe('approved');
  });

  it('cancel from the POS (cancelPayment) while the customer has not acted', async () => {
    w = await startWorld({ customer: { action: 'manual' } });
    const id = w.order('8.00');
    const paying = w.adapter.payOrder(id, { channel: 'card_payment' });
    await w.sim.waitForScreen();
    const cancel = await w.adapter.cancelPayment();
    const result = await paying;
    expect(cancel.status).toBe('confirmed');
    expect(result.outcome).toMatchObject({ status: 'cancelled', by: 'pos' });
    expect(w.fake.order(id)?.status).toBe('pending');
  });

  it('on-hold orders are payable: WooCommerce is sent pending + set_paid so payment_complete runs', async () => {
    w = await startWorld();
    const id = w.order('5.00', { status: 'on-hold' });
    const result = await w.adapter.payOrder(id, { channel: 'fps' });
    expect(result).toMatchObject({ recorded: true, orderStatus: 'processing' });
  });

  it('virtual + downloadable orders are completed by WooCommerce', async () => {
    w = await startWorld();
    const id = w.fake.createOrder({ lineItems: [{ name: 'Gift card', total: '50.00', virtual: true, downloadable: true }] }).id;
    expect((await w.adapter.payOrder(id, { channel: 'octopus' })).orderStatus).toBe('completed');
  });

  it('order already paid: refused before anything is sent', async () => {
    w = await startWorld();
    const id = w.order('12.50');
    await w.adapter.payOrder(id, { channel: 'card_payment' });
    const before = payments(w);
    await expect(w.adapter.payOrder(id, { channel: 'card_payment' })).rejects.toMatchObject({ name: 'OrderNotPayableError', code: 'WOO_ORDER_ALREADY_PAID' });
    const byOther = w.order('3.00', { status: 'processing', transactionId: 'pi_stripe_123', paymentMethod: 'stripe' });
    const err = await w.adapter.payOrder(byOther, { channel: 'card_payment' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrderNotPayableError);
    expect((err as Error).message).toMatch(/already paid \(processing, transaction pi_stripe_123\)/);
    expect(payments(w)).toBe(before);
  });

  it('non-HKD order: refused, nothing written, nothing sent', async () => {
    w = await startWorld();
    const id = w.order('12.50', { currency: 'USD' });
    const err = await w.adapter.payOrder(id, { channel: 'card_payment' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'WOO_ORDER_CURRENCY' });
    expect((err as Error).message).toMatch(/USD; QFPay terminals settle in HKD/);
    expect(metaOf(w.fake, id, '_qfpay_out_trade_no')).toBeUndefined();
    expect(payments(w)).toBe(0);
  });

  it('refuses cancelled, refunded, completed and zero-total orders', async () => {
    w = await startWorld();
    for (const status of ['cancelled', 'refunded', 'checkout-draft']) {
      await expect(w.adapter.payOrder(w.order('1.00', { status }), { channel: 'card_payment' })).rejects.toMatchObject({ code: 'WOO_ORDER_NOT_PAYABLE' });
    }
    await expect(w.adapter.payOrder(w.order('1.00', { status: 'completed' }), { channel: 'card_payment' })).rejects.toMatchObject({ code: 'WOO_ORDER_ALREADY_PAID' });
    await expect(w.adapter.payOrder(w.order('0.00'), { channel: 'card_payment' })).rejects.toMatchObject({ code: 'WOO_ORDER_ZERO_TOTAL' });
    await expect(w.adapter.payOrder(999999, { channel: 'card_payment' })).rejects.toMatchObject({ code: 'WOO_ORDER_NOT_FOUND' });
    await expect(w.adapter.payOrder(w.order('1.00'), { channel: 'visa' as 'card_payment' })).rejects.toMatchObject({ code: 'WOO_BAD_ARGUMENT' });
    expect(payments(w)).toBe(0);
  });

  it('a second payOrder for an order with a payment in progress is refused (OrderBusyError)', async () => {
    w = await startWorld({ customer: { action: 'manual' } });
    const id = w.order('4.00');
    const paying = w.adapter.payOrder(id, { channel: 'card_payment' });
    await w.sim.waitForScreen();
    expect(w.adapter.isBusy(id)).toBe(true);
    await expect(w.adapter.payOrder(id, { channel: 'card_payment' })).rejects.toBeInstanceOf(OrderBusyError);
    w.sim.customer.approve();
    await paying;
    expect(payments(w)).toBe(1);
  });

  it('wrong keys: a typed error saying what to fix, without the secret; nothing sent', async () => {
    w = await startWorld();
    const id = w.order('12.50');
    const secret = 'cs_ThisIsTheWrongSecretValue000000000000001';
    const badWoo = new WooClient({ url: w.fake.url, consumerKey: CONSUMER_KEY, consumerSecret: secret, allowInsecureHttp: true, retry: FAST_RETRY });
    const bad = new WooQfpayAdapter({ woo: badWoo, terminal: w.terminal });
    const err = await bad.payOrder(id, { channel: 'card_payment' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WooAuthError);
    expect((err as Error).message).toMatch(/Consumer secret is invalid/);
    expect((err as Error).message).toMatch(/check consumer key\/secret and that the key has read\/write permission/);
    expect(JSON.stringify({ m: (err as Error).message, s: (err as Error).stack, e: err })).not.toContain(secret);
    expect(payments(w)).toBe(0);
    await badWoo.close();
  });
});

describe('unknown results are never charged twice', () => {
  it('Woo down during the success write: the payment is not lost, reconcile applies it later', async () => {
    w = await startWorld({ customer: { action: 'manual' } });
    const id = w.order('66.00');
    const paying = w.adapter.payOrder(id, { channel: 'card_payment' });
    await w.sim.waitForScreen();
    w.fake.injectFault({ kind: 'unavailable', times: 1_000 });
    w.sim.customer.approve();
    const result = await paying;
    expect(result).toMatchObject({ outcome: { status: 'approved' }, recorded: false, recordError: { code: 'WOO_UNAVAILABLE' } });
    expect(w.alerts.find((a) => a.code === 'WOO_WRITE_FAILED')).toMatchObject({ orderId: id, syssn: (result.outcome as Approved).syssn });
    w.fake.clearFaults();
    expect(w.fake.order(id)).toMatchObject({ status: 'pending', transaction_id: '' });
    expect(metaOf(w.fake, id, '_qfpay_status')).toBe('pending');

    const report = await w.adapter.reconcile();
    expect(report.changed).toEqual([expect.objectContaining({ orderId: id, from: 'pending', to: 'approved', orderStatus: 'processing' })]);
    expect(w.fake.order(id)?.transaction_id).toBe((result.outcome as Approved).syssn);
    expect(w.sim.paymentRequestCount(result.outTradeNo)).toBe(1);
  });

  it('Woo unreachable (connection refused) during the success write: same, reconcile applies it', async () => {
    w = await startWorld({ customer: { action: 'manual' } });
    const id = w.order('7.00');
    const paying = w.adapter.payOrder(id, { channel: 'payme' });
    await w.sim.waitForScreen();
    await w.fake.suspend();
    w.sim.customer.approve();
    const result = await paying;
    expect(result).toMatchObject({ outcome: { status: 'approved' }, recorded: false, recordError: { code: 'WOO_UNREACHABLE' } });
    await w.fake.resume();
    expect((await w.adapter.reconcile()).changed).toHaveLength(1);
    expect(w.fake.order(id)?.status).toBe('processing');
  });

  it('writes whose reply was lost are not repeated blindly: checked first, so one success PUT and one note', async () => {
    w = await startWorld();
    const id = w.order('11.00');
    // 1st PUT (attempt meta) passes; the 2nd (set_paid) lands but its reply is lost.
    w.fake.injectFault({ kind: 'unavailable', method: 'PUT', path: `/orders/${id}`, after: true, skip: 1 });
    // The note lands but its reply is lost.
    w.fake.injectFault({ kind: 'unavailable', method: 'POST', path: `/orders/${id}/notes`, after: true });
    const result = await w.adapter.payOrder(id, { channel: 'card_payment' });
    expect(result).toMatchObject({ recorded: true, orderStatus: 'processing' });
    const puts = w.fake.requests().filter((r) => r.method === 'PUT' && r.path === `/orders/${id}`);
    expect(puts).toHaveLength(2);
    const posts = w.fake.requests().filter((r) => r.method === 'POST' && r.path === `/orders/${id}/notes`);
    expect(posts).toHaveLength(1);
    expect(qfpayNotes(w.fake, id)).toHaveLength(1);
  });

  it('a lost reply to the attempt write is retried (idempotent PUT) and the payment goes ahead once', async () => {
    w = await startWorld();
    const id = w.order('11.00');
    w.fake.injectFault({ kind: 'unavailable', method: 'PUT', path: `/orders/${id}`, after: true });
    const result = await w.adapter.payOrder(id, { channel: 'card_payment' });
    expect(result).toMatchObject({ recorded: true, orderStatus: 'processing' });
    expect(payments(w)).toBe(1);
  });

  it('an attempt written but never sent (crash) is concluded "not processed" once the terminal does not know it', async () => {
    w = await startWorld({ adapter: { notFoundAfterMs: 0 } });
    const id = w.order('5.00');
    w.fake.setMeta(id, '_qfpay_out_trade_no', `wc${id}-1-crashedbeforesend00000`);
    w.fake.setMeta(id, '_qfpay_attempt', '1');
    w.fake.setMeta(id, '_qfpay_status', 'pending');
    w.fake.setMeta(id, '_qfpay_attempts', JSON.stringify([{ n: 1, outTradeNo: `wc${id}-1-crashedbeforesend00000`, status: 'pending', startedAt: '2020-01-01T00:00:00.000Z', terminal: 'till-1' }]));
    const report = await w.adapter.reconcile();
    expect(report.changed).toEqual([expect.objectContaining({ orderId: id, to: 'failed', orderStatus: 'pending' })]);
    const paid = await w.adapter.payOrder(id, { channel: 'card_payment' });
    expect(paid).toMatchObject({ attempt: 2, outcome: { status: 'approved' } });
  });

  it('attempts of another terminal are left alone (reported as skipped, payOrder refuses)', async () => {
    w = await startWorld();
    const id = w.order('5.00');
    const ref = `wc${id}-1-otherterminal0000000000`;
    w.fake.setMeta(id, '_qfpay_out_trade_no', ref);
    w.fake.setMeta(id, '_qfpay_status', 'unknown');
    w.fake.setMeta(id, '_qfpay_attempts', JSON.stringify([{ n: 1, outTradeNo: ref, status: 'unknown', terminal: 'till-2' }]));
    const report = await w.adapter.reconcile();
    expect(report.skipped).toEqual([{ orderId: id, reason: 'its attempt ran on terminal "till-2"' }]);
    await expect(w.adapter.payOrder(id, { channel: 'card_payment' })).rejects.toBeInstanceOf(UnresolvedAttemptError);
    expect(payments(w)).toBe(0);
  });
});
