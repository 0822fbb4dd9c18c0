/**
 * QFPayCloudTerminal payments against the fake OpenAPI over real TLS: results only arrive
 * asynchronously (query or notification), a push is never re-sent, and no final answer by the
 * deadline is `unknown`, never `failed`.
 */
import { createTestPki, type TestPki } from '@qfpay-ecr/simulator';
import { notificationSourceFromEmitter } from '../src/cloud/index.js';
import { PATHS } from './support/fake-openapi.js';
import { APP_CODE, CLIENT_KEY, startCloudHarness, TERMID, type CloudHarness } from './support/cloud-harness.js';
import { stagesOf } from './support/terminal-harness.js';
import { EventEmitter } from 'node:events';

let pki: TestPki;
let h: CloudHarness | undefined;
beforeAll(async () => {
  pki = await createTestPki();
});
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('cloud payment: pushed, then resolved asynchronously', () => {
  it('approves via query: one signed, form-encoded push with every documented field, result from QFPay\'s book', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'approve', afterMs: 150 }, notify: false } });
    const outcome = await h.terminal.pay({ amountMinor: 1250, channel: 'card_payment', paymentTimeoutSec: 3 });
    expect(outcome).toMatchObject({ status: 'approved', kind: 'payment', resolvedBy: 'query', amountMinor: 1250, currency: 'HKD', cardScheme: 'VISA', maskedCard: '476173******0119', payType: '802801' });
    if (outcome.status !== 'approved') throw new Error('not approved');
    expect(outcome.syssn).toMatch(/^\d{24}$/);
    const pushes = h.api.on(PATHS.payment);
    expect(pushes).toHaveLength(1);
    const push = pushes[0]!;
    expect(push.signatureOk).toBe(true);
    expect(push.appCode).toBe(APP_CODE);
    expect(push.signType).toBeUndefined(); // MD5 is QFPay's default: no X-QF-SIGNTYPE
    expect(push.params).toEqual({ txamt: '1250', channel: 'card_payment', out_trade_no: outcome.outTradeNo, scan_type: 'SCAN_PAY', payment_timeout: '3', termid: TERMID });
    // Every query was signed and named our reference.
    const queries = h.api.on(PATHS.query);
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.every((q) => q.signatureOk && q.params.out_trade_no === outcome.outTradeNo && q.params.termid === TERMID)).toBe(true);
    expect(stagesOf(h.events, outcome.outTradeNo)).toEqual(['queued', 'sent', 'waiting_customer']);
    expect(h.events.filter((e) => e.event === 'outcome')).toHaveLength(1);
  });

  it('approves via the notification when it comes first (QFPay\'s book never needed), with SHA-256 signatures and mchid', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'approve', afterMs: 100 } } });
    h.api.setQueryBlind(true); // the book answers 1136 throughout: only the notification can settle it
    const t = h.makeTerminal({ notifications: h.api.notifications, signType: 'SHA256', mchid: 'MCH42' });
    const outcome = await t.pay({ amountMinor: 880, channel: 'alipay', scanType: 'QRCODE_PAY', cameraId: 1 });
    expect(outcome).toMatchObject({ status: 'approved', resolvedBy: 'notification', amountMinor: 880, currency: 'HKD' });
    if (outcome.status !== 'approved') throw new Error('not approved');
    expect(outcome.syssn).toBe(h.api.emitted[0]?.syssn);
    const push = h.api.on(PATHS.payment)[0]!;
    expect(push).toMatchObject({ signatureOk: true, signType: 'SHA256' });
    expect(push.params).toMatchObject({ mchid: 'MCH42', scan_type: 'QRCODE_PAY', camera_id: '1', payment_timeout: '5' });
  }, 15_000);

  it('ignores (and logs) a notification whose amount differs, then settles by query', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'hold' }, notify: false } });
    const source = new EventEmitter();
    const t = h.makeTerminal({ notifications: notificationSourceFromEmitter(source) });
    const paying = t.pay({ amountMinor: 500, channel: 'wx' });
    await waitFor(() => h!.api.screenOpen());
    const ref = h.api.on(PATHS.payment)[0]!.params.out_trade_no!;
    // A forged or mismatched success for our reference: wrong amount.
    source.emit('notification', { notification: fakeNotification({ out_trade_no: ref, txamt: '50000', syssn: '99990000000000000000000001' }) });
    // Something that is not a notification at all is ignored too.
    source.emit('notification', { hello: 'world' });
    await new Promise((r) => setTimeout(r, 100));
    h.api.approve();
    const outcome = await paying;
    expect(outcome).toMatchObject({ status: 'approved', resolvedBy: 'query', amountMinor: 500 });
    if (outcome.status !== 'approved') throw new Error('not approved');
    expect(outcome.syssn).not.toBe('99990000000000000000000001');
    expect(h.logs.some((l) => l.level === 'warn' && /ignored a notification/.test(l.msg ?? '') && /amount/.test(String(l.obj.why)))).toBe(true);
  });

  it('declines from the transaction status in QFPay\'s book (notifications only report successes)', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'decline', code: '1205', afterMs: 50 } } });
    const t = h.makeTerminal({ notifications: h.api.notifications });
    const outcome = await t.pay({ amountMinor: 300, channel: 'card_payment' });
    expect(outcome).toMatchObject({ status: 'declined', resolvedBy: 'query', codes: { respcd: '0000', txnRespcd: '1205' } });
    if (outcome.status !== 'declined') throw new Error('not declined');
    expect(outcome.reason).toMatch(/1205/);
  });

  it('ends as cancelled by the customer when QFPay books the order as cancelled', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'cancel', afterMs: 50 } } });
    const outcome = await h.terminal.pay({ amountMinor: 300, channel: 'payme' });
    expect(outcome).toMatchObject({ status: 'cancelled', by: 'customer', resolvedBy: 'query', codes: { txnRespcd: '1263' } });
  });

  it('reads the transaction when respmsg arrives as a JSON string, and finds the other query path on a 404', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'approve', afterMs: 30 }, respmsgAsString: true, queryPaths: [PATHS.queryAsync], notify: false } });
    const outcome = await h.terminal.pay({ amountMinor: 999, channel: 'fps' });
    expect(outcome).toMatchObject({ status: 'approved', resolvedBy: 'query', amountMinor: 999 });
    expect(h.api.on(PATHS.query).length).toBeGreaterThanOrEqual(1);
    expect(h.api.on(PATHS.queryAsync).length).toBeGreaterThanOrEqual(1);
    // Once found, the other spelling is used from then on: at most one 404 on the first path.
    expect(h.api.on(PATHS.query)).toHaveLength(1);
  });
});

describe('cloud payment: a push is never re-sent', () => {
  it('push dropped after QFPay took it → no second push; resolved by query', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'approve', afterMs: 200 }, notify: false } });
    h.api.fault(PATHS.payment, { kind: 'drop-after' });
    const outcome = await h.terminal.pay({ amountMinor: 4200, channel: 'card_payment' });
    expect(outcome).toMatchObject({ status: 'approved', resolvedBy: 'query', amountMinor: 4200 });
    expect(h.api.on(PATHS.payment)).toHaveLength(1);
    expect(stagesOf(h.events, outcome.outTradeNo)).toEqual(['queued', 'sent', 'resolving']);
  });

  it('HTTP 500 after QFPay took it → no second push; resolved by query', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'approve', afterMs: 50 }, notify: false } });
    h.api.fault(PATHS.payment, { kind: 'status-500-after' });
    const outcome = await h.terminal.pay({ amountMinor: 100, channel: 'union' });
    expect(outcome).toMatchObject({ status: 'approved', resolvedBy: 'query' });
    expect(h.api.on(PATHS.payment)).toHaveLength(1);
  });

  it('never answered and never booked → unknown at payment_timeout + margin, with one push only', async () => {
    h = await startCloudHarness({ pki, api: { notify: false } });
    h.api.fault(PATHS.payment, { kind: 'drop-before' });
    const t = h.makeTerminal({ resultMarginMs: 300 });
    const outcome = await t.pay({ amountMinor: 100, channel: 'card_payment', paymentTimeoutSec: 1 });
    expect(outcome.status).toBe('unknown');
    if (outcome.status !== 'unknown') throw new Error('not unknown');
    expect(outcome.reason).toMatch(/never retry the payment blindly/);
    expect(outcome.reason).toContain(outcome.outTradeNo);
    expect(h.api.on(PATHS.payment)).toHaveLength(1);
    expect(h.api.on(PATHS.query).length).toBeGreaterThan(1);
  });

  it('a push answered with a code this version does not know → not failed, never re-sent; unknown when nothing is booked', async () => {
    h = await startCloudHarness({ pki, api: { notify: false } });
    h.api.fault(PATHS.payment, { kind: 'respcd', respcd: '9999', resperr: 'something new' });
    const t = h.makeTerminal({ resultMarginMs: 200 });
    const outcome = await t.pay({ amountMinor: 100, channel: 'card_payment', paymentTimeoutSec: 1 });
    expect(outcome).toMatchObject({ status: 'unknown' });
    if (outcome.status !== 'unknown') throw new Error('not unknown');
    expect(outcome.reason).toMatch(/9999, a code this version does not know/);
    expect(h.api.on(PATHS.payment)).toHaveLength(1);
  });

  it('pushed fine but QFPay\'s book says 1136 until the deadline → unknown (money may still move), never failed', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'hold' }, notify: false } });
    const t = h.makeTerminal({ resultMarginMs: 200 });
    const outcome = await t.pay({ amountMinor: 100, channel: 'card_payment', paymentTimeoutSec: 1 });
    expect(outcome).toMatchObject({ status: 'unknown', kind: 'payment' });
    expect(h.api.on(PATHS.payment)).toHaveLength(1);
    h.api.customerCancel();
  });

  it('a reply that never comes (request timeout) → waited for by query, one push, unknown when never booked', async () => {
    h = await startCloudHarness({ pki, api: { notify: false } });
    h.api.fault(PATHS.payment, { kind: 'hang' });
    const t = h.makeTerminal({ requestTimeoutMs: 400, resultMarginMs: 300 });
    const outcome = await t.pay({ amountMinor: 700, channel: 'card_payment', paymentTimeoutSec: 1 });
    // The fake never processed the hanging push, so nothing opened: it stays unknown.
    expect(outcome.status).toBe('unknown');
    expect(h.api.on(PATHS.payment)).toHaveLength(1);
    expect(stagesOf(h.events, outcome.outTradeNo)).toEqual(['queued', 'sent', 'resolving']);
  });
});

describe('cloud payment: refused pushes are failed, with the fix', () => {
  it('1106 unbound termid → failed with "log in to the Haojin merchant app" and nothing waited for', async () => {
    h = await startCloudHarness({ pki });
    const t = h.makeTerminal({ termid: 'NOT-BOUND-42' });
    const outcome = await t.pay({ amountMinor: 100, channel: 'card_payment' });
    expect(outcome).toMatchObject({ status: 'failed', codes: { respcd: '1106' }, error: { code: '1106' } });
    if (outcome.status !== 'failed') throw new Error('not failed');
    expect(outcome.error.message).toMatch(/NOT-BOUND-42 is unbounded/);
    expect(outcome.error.hint).toMatch(/log in to the Haojin merchant app/);
    expect(h.api.on(PATHS.query)).toHaveLength(0);
  });

  it('1108 signature error (wrong client key) → failed, hint names app code / client key / environment', async () => {
    h = await startCloudHarness({ pki });
    const t = h.makeTerminal({ clientKey: 'a-wrong-client-key-for-this-env' });
    const outcome = await t.pay({ amountMinor: 100, channel: 'card_payment' });
    expect(outcome).toMatchObject({ status: 'failed', error: { code: '1108' } });
    if (outcome.status !== 'failed') throw new Error('not failed');
    expect(outcome.error.hint).toMatch(/app code and client key.*belong to this environment/);
    expect(h.api.on(PATHS.payment)[0]?.signatureOk).toBe(false);
  });

  it('connection refused before anything was sent → failed with a network hint (nothing to resolve)', async () => {
    h = await startCloudHarness({ pki });
    const { closedPort } = await import('./support/net-fixtures.js');
    const t = h.makeTerminal({ baseUrl: `https://127.0.0.1:${await closedPort()}` });
    const outcome = await t.pay({ amountMinor: 100, channel: 'card_payment' });
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'CONNECT_REFUSED' } });
    if (outcome.status !== 'failed') throw new Error('not failed');
    expect(outcome.error.hint).toMatch(/base URL/);
  });

  it('a certificate from another CA → failed TLS_UNTRUSTED_CERT before anything was sent', async () => {
    h = await startCloudHarness({ pki });
    const other = await createTestPki();
    const t = h.makeTerminal({ ca: other.caCertPem });
    const outcome = await t.pay({ amountMinor: 100, channel: 'card_payment' });
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'TLS_UNTRUSTED_CERT' } });
    expect(h.api.received).toHaveLength(0);
  });
});

describe('cloud payment: cancel from the POS', () => {
  it('confirmed: the cancel push closes the screen and QFPay books it cancelled', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'hold' } } });
    const paying = h.terminal.pay({ amountMinor: 2000, channel: 'card_payment' });
    await waitFor(() => h!.api.screenOpen());
    const result = await h.terminal.cancel();
    expect(result).toMatchObject({ status: 'confirmed' });
    expect(await paying).toMatchObject({ status: 'cancelled', by: 'pos', resolvedBy: 'query' });
    // The cancel went after the payment push, never before it.
    const paths = h.api.received.map((r) => r.path).filter((p) => p !== PATHS.query);
    expect(paths).toEqual([PATHS.payment, PATHS.cancel]);
    expect(h.events.some((e) => e.event === 'cancel' && (e.payload as { status: string }).status === 'confirmed')).toBe(true);
  });

  it('too late: the customer had already paid → too_late with the approved outcome', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'hold' }, onCancel: 'too-late' } });
    const paying = h.terminal.pay({ amountMinor: 2000, channel: 'card_payment' });
    await waitFor(() => h!.api.screenOpen());
    const result = await h.terminal.cancel();
    expect(result).toMatchObject({ status: 'too_late', outcome: { status: 'approved', amountMinor: 2000 } });
    expect(await paying).toMatchObject({ status: 'approved' });
  });

  it('nothing in flight → nothing_to_cancel without a push; evenIfIdle pushes and says requested', async () => {
    h = await startCloudHarness({ pki });
    expect(await h.terminal.cancel()).toEqual({ status: 'nothing_to_cancel' });
    expect(h.api.on(PATHS.cancel)).toHaveLength(0);
    expect(await h.terminal.cancel({ evenIfIdle: true })).toEqual({ status: 'requested' });
    expect(h.api.on(PATHS.cancel)).toHaveLength(1);
  });

  it('an aborted signal while queued fails it without a push; one transaction at a time', async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'approve', afterMs: 100 }, notify: false } });
    const first = h.terminal.pay({ amountMinor: 100, channel: 'card_payment' });
    const controller = new AbortController();
    const second = h.terminal.pay({ amountMinor: 200, channel: 'card_payment', signal: controller.signal });
    const third = h.terminal.pay({ amountMinor: 300, channel: 'card_payment' });
    controller.abort();
    expect(await second).toMatchObject({ status: 'failed', error: { code: 'ABORTED' } });
    expect(await first).toMatchObject({ status: 'approved', amountMinor: 100 });
    expect(await third).toMatchObject({ status: 'approved', amountMinor: 300 });
    // Pushes went one after the other, and the aborted one never went.
    expect(h.api.on(PATHS.payment).map((r) => r.params.txamt)).toEqual(['100', '300']);
  });
});

function fakeNotification(fields: Record<string, string>): Record<string, unknown> {
  return {
    kind: 'payment',
    notifyType: 'payment',
    success: true,
    status: '1',
    respcd: '0000',
    syssn: fields.syssn,
    outTradeNo: fields.out_trade_no,
    amountMinor: Number(fields.txamt),
    currency: 'HKD',
    raw: fields,
  };
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error('condition not met in time');
}
