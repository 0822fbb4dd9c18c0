/**
 * QFPayCloudTerminal refunds, queries and prints against the fake OpenAPI over real TLS.
 */
import { createTestPki, type TestPki } from '@qfpay-ecr/simulator';
import { CloudRequestError, type CloudNotificationListener, type CloudNotificationSource } from '../src/cloud/index.js';
import { PATHS } from './support/fake-openapi.js';
import { startCloudHarness, TERMID, type CloudHarness } from './support/cloud-harness.js';
import type { QFPayCloudTerminal } from '../src/cloud/index.js';

let pki: TestPki;
let h: CloudHarness | undefined;
beforeAll(async () => {
  pki = await createTestPki();
});
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function paid(t: QFPayCloudTerminal, amountMinor: number): Promise<{ syssn: string; outTradeNo: string }> {
  const outcome = await t.pay({ amountMinor, channel: 'card_payment' });
  if (outcome.status !== 'approved') throw new Error(`payment not approved: ${outcome.status}`);
  return { syssn: outcome.syssn, outTradeNo: outcome.outTradeNo };
}

describe('cloud refund', () => {
  it('full refund (no amount): pushed with a fresh out_trade_no, resolved by its own record in QFPay\'s book', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'approve', afterMs: 30 }, notify: false } });
    const payment = await paid(h.terminal, 1500);
    const outcome = await h.terminal.refund({ syssn: payment.syssn });
    expect(outcome).toMatchObject({ status: 'approved', kind: 'refund', resolvedBy: 'query', amountMinor: 1500, origSyssn: payment.syssn });
    if (outcome.status !== 'approved') throw new Error('not approved');
    expect(outcome.syssn).toMatch(/^\d{24}$/);
    expect(outcome.syssn).not.toBe(payment.syssn);
    expect(outcome.outTradeNo).not.toBe(payment.outTradeNo);
    const push = h.api.on(PATHS.refund);
    expect(push).toHaveLength(1);
    expect(push[0]!.signatureOk).toBe(true);
    // No txamt: QFPay refunds the refundable amount; out_trade_no is ours (the Chinese doc makes it mandatory).
    expect(push[0]!.params).toEqual({ syssn: payment.syssn, out_trade_no: outcome.outTradeNo, termid: TERMID });
    const after = await h.terminal.query({ syssn: payment.syssn });
    expect(after).toMatchObject({ found: true, state: 'refunded', refundableMinor: 0 });
  });

  it('partial refund: txamt in cents as text, refundable amount of the original goes down', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'approve', afterMs: 30 } } });
    const t = h.makeTerminal({ notifications: h.api.notifications });
    const payment = await paid(t, 2000);
    const outcome = await t.refund({ syssn: payment.syssn, amountMinor: 500, allowModify: false });
    expect(outcome).toMatchObject({ status: 'approved', kind: 'refund', amountMinor: 500, origSyssn: payment.syssn });
    expect(['notification', 'query']).toContain((outcome as { resolvedBy: string }).resolvedBy);
    expect(h.api.on(PATHS.refund)[0]!.params).toMatchObject({ txamt: '500', allow_modify_flag: '0' });
    expect(await t.query({ syssn: payment.syssn })).toMatchObject({ found: true, state: 'partially_refunded', refundableMinor: 1500, amountMinor: 2000 });
  });

  it('resolved from the original payment when QFPay does not book the refund under our reference (documented assumption)', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'approve', afterMs: 30 }, notify: false, indexRefundsByOutTradeNo: false } });
    const payment = await paid(h.terminal, 1000);
    const outcome = await h.terminal.refund({ syssn: payment.syssn, amountMinor: 400 });
    // The refund's own syssn is not visible from the original: '' until a notification or query gives it.
    expect(outcome).toMatchObject({ status: 'approved', resolvedBy: 'query', amountMinor: 400, syssn: '', origSyssn: payment.syssn });
    expect(h.api.on(PATHS.refund)).toHaveLength(1);
  });

  it('declined / refused: above the refundable amount is failed with QFPay\'s 1272; an unknown syssn fails before any push', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'approve', afterMs: 30 }, notify: false } });
    const payment = await paid(h.terminal, 1000);
    const tooMuch = await h.terminal.refund({ syssn: payment.syssn, amountMinor: 5000 });
    expect(tooMuch).toMatchObject({ status: 'failed', kind: 'refund', error: { code: '1272' } });
    const ghost = await h.terminal.refund({ syssn: '20250000000000000000000000' });
    expect(ghost).toMatchObject({ status: 'failed', error: { code: '1136' } });
    h.api.setCustomer({ action: 'decline', code: '1155', afterMs: 20 });
    const declined = await h.terminal.refund({ syssn: payment.syssn });
    expect(declined).toMatchObject({ status: 'declined', kind: 'refund', codes: { txnRespcd: '1155' } });
  });

  it('refund push dropped after QFPay took it → never re-sent, resolved by query', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'approve', afterMs: 100 }, notify: false } });
    const payment = await paid(h.terminal, 800);
    h.api.fault(PATHS.refund, { kind: 'drop-after' });
    const outcome = await h.terminal.refund({ syssn: payment.syssn });
    expect(outcome).toMatchObject({ status: 'approved', amountMinor: 800 });
    expect(h.api.on(PATHS.refund)).toHaveLength(1);
  });

  it('a refund notification for a different amount is ignored', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'approve', afterMs: 30 }, notify: false } });
    const listeners = new Set<CloudNotificationListener>();
    const source: CloudNotificationSource = {
      subscribe(l) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    const t = h.makeTerminal({ notifications: source });
    const payment = await paid(t, 1000);
    h.api.setCustomer({ action: 'hold' });
    const refunding = t.refund({ syssn: payment.syssn, amountMinor: 300 });
    for (let i = 0; i < 200 && !h.api.screenOpen(); i++) await new Promise((r) => setTimeout(r, 10));
    const ref = h.api.on(PATHS.refund)[0]!.params.out_trade_no!;
    for (const l of listeners) {
      l({ kind: 'refund', notifyType: 'refund', success: true, status: '1', syssn: '77770000000000000000000001', outTradeNo: ref, origSyssn: payment.syssn, amountMinor: 1000, currency: 'HKD', raw: {} });
    }
    h.api.approve();
    const outcome = await refunding;
    expect(outcome).toMatchObject({ status: 'approved', resolvedBy: 'query', amountMinor: 300 });
    expect(h.logs.some((l) => /ignored a notification/.test(l.msg ?? ''))).toBe(true);
  });
});

describe('cloud query and prints', () => {
  it('query by out_trade_no and by syssn; not found is { found: false }', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'approve', afterMs: 10 }, notify: false } });
    const payment = await paid(h.terminal, 4321);
    const byRef = await h.terminal.query({ outTradeNo: payment.outTradeNo });
    expect(byRef).toMatchObject({ found: true, state: 'paid', kind: 'payment', syssn: payment.syssn, amountMinor: 4321, currency: 'HKD', refundableMinor: 4321, cardScheme: 'VISA', maskedCard: '476173******0119' });
    expect(await h.terminal.query({ syssn: payment.syssn })).toMatchObject({ found: true, outTradeNo: payment.outTradeNo });
    expect(await h.terminal.query({ outTradeNo: 'no-such-reference' })).toMatchObject({ found: false, codes: { respcd: '1136' } });
  });

  it('query errors are typed: 1108 with the credentials hint, 1106 with the binding hint', async () => {
    h = await startCloudHarness({ pki });
    const wrongKey = h.makeTerminal({ clientKey: 'another-key-entirely-0123456789' });
    const e1 = await wrongKey.query({ outTradeNo: 'abc' }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(CloudRequestError);
    expect(e1).toMatchObject({ code: '1108', respcd: '1108' });
    expect((e1 as Error).message).toMatch(/belong to this environment/);
    const unbound = h.makeTerminal({ termid: 'UNBOUND-9' });
    const e2 = await unbound.query({ outTradeNo: 'abc' }).catch((e: unknown) => e);
    expect(e2).toMatchObject({ code: '1106' });
    expect((e2 as Error).message).toMatch(/Haojin merchant app/);
    h.api.fault(PATHS.query, { kind: 'respcd', respcd: '9999', resperr: 'something new' });
    const e3 = await h.terminal.query({ outTradeNo: 'abc' }).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(CloudRequestError);
    expect(e3).toMatchObject({ code: '9999', respcd: '9999' });
    expect((e3 as Error).message).toMatch(/a code this version does not know \(something new\)/);
    h.api.fault(PATHS.query, { kind: 'status-500-before' });
    await expect(h.terminal.query({ outTradeNo: 'abc' })).rejects.toMatchObject({ code: 'HTTP_500' });
  });

  it('print receipt (looks up the out_trade_no by syssn, or takes it) and print summary', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'approve', afterMs: 10 }, notify: false } });
    const payment = await paid(h.terminal, 100);
    await h.terminal.printReceipt(payment.syssn);
    await h.terminal.printReceipt(payment.syssn, { outTradeNo: payment.outTradeNo });
    await h.terminal.printSummary();
    expect(h.api.prints).toEqual([
      { kind: 'receipt', params: { syssn: payment.syssn, out_trade_no: payment.outTradeNo, termid: TERMID } },
      { kind: 'receipt', params: { syssn: payment.syssn, out_trade_no: payment.outTradeNo, termid: TERMID } },
      { kind: 'summary', params: { termid: TERMID } },
    ]);
    expect(h.api.received.filter((r) => r.path.startsWith('/ecr/v1/print')).every((r) => r.signatureOk)).toBe(true);
    await expect(h.terminal.printReceipt('20259999999999999999999999')).rejects.toMatchObject({ code: '1136' });
    h.api.fault(PATHS.printSummary, { kind: 'status-500-before' });
    await expect(h.terminal.printSummary()).rejects.toMatchObject({ code: 'HTTP_500' });
  });

  it('rejects invalid input before sending anything, and refuses calls after close', async () => {
    h = await startCloudHarness({ pki });
    await expect(h.terminal.pay({ amountMinor: 12.5, channel: 'card_payment' })).rejects.toMatchObject({ name: 'AmountError' });
    await expect(h.terminal.pay({ amountMinor: 100, channel: 'cash' as never })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    await expect(h.terminal.refund({ syssn: 'bad syssn!' })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    await expect(h.terminal.query({} as never)).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    expect(h.api.received).toHaveLength(0);
    await h.terminal.close();
    await expect(h.terminal.pay({ amountMinor: 100, channel: 'card_payment' })).rejects.toMatchObject({ code: 'TERMINAL_CLOSED' });
  });
});
