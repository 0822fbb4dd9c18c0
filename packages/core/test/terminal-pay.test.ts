import { createTestPki } from '@qfpay-ecr/simulator';
import { AmountError } from '../src/errors.js';
import { InvalidRequestError, QFPayTerminal, type TransactionOutcome } from '../src/terminal/index.js';
import { startBlackhole, startSilent } from './support/net-fixtures.js';
import { FAST_RESOLVE, OTHER_KEY, POS_KEY, stagesOf, startHarness, type Harness } from './support/terminal-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function expectStatus<S extends TransactionOutcome['status']>(outcome: TransactionOutcome, status: S): Extract<TransactionOutcome, { status: S }> {
  expect(outcome.status).toBe(status);
  return outcome as Extract<TransactionOutcome, { status: S }>;
}

describe('QFPayTerminal.pay against the simulator (HTTPS)', () => {
  it('approves a card payment with the transaction details from the reply', async () => {
    h = await startHarness({ customer: { action: 'approve', card: { scheme: 'VISA', masked: '476173******0119' } } });
    const outcome = expectStatus(await h.terminal.pay({ amountMinor: 1250, channel: 'card_payment', outTradeNo: 'order-1' }), 'approved');
    expect(outcome).toMatchObject({
      kind: 'payment',
      resolvedBy: 'reply',
      outTradeNo: 'order-1',
      amountMinor: 1250,
      currency: 'HKD',
      cardScheme: 'VISA',
      maskedCard: '476173******0119',
      codes: { respcd: '6000', txnRespcd: '0000' },
    });
    expect(outcome.syssn).toMatch(/^\d+$/);
    expect(outcome.channelRef).toBeTruthy();
    expect(outcome.payType).toBe('802808');
    expect(outcome.sysTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(h.sim.paymentRequestCount('order-1')).toBe(1);
    // The wire carried dollars, not cents.
    expect(h.sim.requests()[0]?.content).toMatchObject({ func_type: 1001, amt: 12.5, channel: 'card_payment', out_trade_no: 'order-1' });
    const stages = stagesOf(h.events, 'order-1');
    expect(stages.slice(0, 2)).toEqual(['queued', 'sent']);
    expect(stages).not.toContain('resolving');
    expect(h.events.filter((e) => e.event === 'outcome')).toEqual([{ event: 'outcome', payload: outcome }]);
  });

  it('makes a fresh out_trade_no when none is given', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    const a = await h.terminal.pay({ amountMinor: 100, channel: 'alipay' });
    const b = await h.terminal.pay({ amountMinor: 100, channel: 'alipay' });
    expect(a.outTradeNo).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(a.outTradeNo).not.toBe(b.outTradeNo);
    expect(a.status).toBe('approved');
    expect(b.status).toBe('approved');
  });

  it('reports a decline with the transaction code and its meaning', async () => {
    h = await startHarness({ customer: { action: 'decline', code: '1201' } });
    const outcome = expectStatus(await h.terminal.pay({ amountMinor: 500, channel: 'wx', outTradeNo: 'decl-1' }), 'declined');
    expect(outcome.codes).toMatchObject({ respcd: '6000', txnRespcd: '1201' });
    expect(outcome.reason).toMatch(/insufficient balance/);
    expect(outcome.resolvedBy).toBe('reply');
  });

  it('customer cancel on the terminal → cancelled by customer, confirmed by a query', async () => {
    h = await startHarness({ customer: { action: 'cancel' } });
    const outcome = expectStatus(await h.terminal.pay({ amountMinor: 500, channel: 'card_payment', outTradeNo: 'cc-1' }), 'cancelled');
    expect(outcome.by).toBe('customer');
    expect(outcome.resolvedBy).toBe('query');
    const funcs = h.sim.requests().map((r) => r.funcType);
    expect(funcs).toEqual([1001, 4001]);
  });

  it('POS cancel (5001) while the customer is deciding → cancel() confirmed, pay cancelled by pos', async () => {
    h = await startHarness({ customer: { action: 'manual' } });
    const paying = h.terminal.pay({ amountMinor: 800, channel: 'card_payment', outTradeNo: 'pos-cancel-1' });
    await h.sim.waitForScreen();
    const result = await h.terminal.cancel();
    expect(result).toEqual({ status: 'confirmed', outTradeNo: 'pos-cancel-1' });
    const outcome = expectStatus(await paying, 'cancelled');
    expect(outcome.by).toBe('pos');
    expect(h.sim.requests().map((r) => r.funcType)).toEqual([1001, 5001, 4001]);
    expect(h.events.filter((e) => e.event === 'cancel')).toEqual([{ event: 'cancel', payload: result }]);
    expect(h.sim.screen()).toBeNull();
  });

  it('cancel() with nothing in flight sends nothing', async () => {
    h = await startHarness();
    expect(await h.terminal.cancel()).toEqual({ status: 'nothing_to_cancel' });
    expect(h.sim.requests()).toHaveLength(0);
  });

  it('cancel() too late: the customer paid just before the 5001 → too_late with the approved outcome', async () => {
    h = await startHarness({ customer: { action: 'manual' } });
    // The 1001's reply is held back a little, so the POS still waits when the customer has paid.
    h.sim.injectFault({ kind: 'delay', ms: 500 });
    const paying = h.terminal.pay({ amountMinor: 800, channel: 'alipay', outTradeNo: 'late-1' });
    await h.sim.waitForScreen();
    h.sim.customer.approve();
    const result = await h.terminal.cancel();
    const approved = await paying;
    expect(approved.status).toBe('approved');
    expect(result).toEqual({ status: 'too_late', outcome: approved });
    expect(h.sim.requests().map((r) => r.funcType)).toEqual([1001, 5001]);
  });

  it('wrong POS-KEY → failed 4003 with the re-login hint, nothing charged', async () => {
    h = await startHarness({ customer: { action: 'approve' }, terminal: { posKey: OTHER_KEY } });
    const outcome = expectStatus(await h.terminal.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'key-1' }), 'failed');
    expect(outcome.error.code).toBe('4003');
    expect(outcome.error.hint).toMatch(/POS-KEY/);
    expect(outcome.error.hint).toMatch(/re-login the Haojin app/);
    expect(outcome.codes.respcd).toBe('4003');
    expect(h.sim.transactions()).toHaveLength(0);
  });

  it('wrong CA → failed with the TLS hint, nothing reached the terminal', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    const other = await createTestPki({ caCommonName: 'not the terminal CA' });
    const terminal = h.makeTerminal({ ca: other.caCertPem, pinnedCaFingerprint256: other.caFingerprint256 });
    const outcome = expectStatus(await terminal.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'ca-1' }), 'failed');
    expect(outcome.error.code).toBe('TLS_UNTRUSTED_CERT');
    expect(outcome.error.hint).toMatch(/ca3\.crt/);
    expect(h.sim.requests()).toHaveLength(0);
    expect(h.sim.paymentRequestCount('ca-1')).toBe(0);
  });

  it('unreachable terminal (connect timeout on loopback) → failed with the network hint', async () => {
    const hole = await startBlackhole();
    const pki = await createTestPki();
    const t = new QFPayTerminal({ host: '127.0.0.1', port: hole.port, posKey: POS_KEY, ca: pki.caCertPem, pinnedCaFingerprint256: pki.caFingerprint256, connectTimeoutMs: 300, resolve: FAST_RESOLVE });
    try {
      const outcome = expectStatus(await t.pay({ amountMinor: 100, channel: 'card_payment' }), 'failed');
      expect(outcome.error.code).toBe('CONNECT_TIMEOUT');
      expect(outcome.error.hint).toMatch(/POS IP/);
      expect(outcome.error.hint).toMatch(/Wi-Fi client isolation/);
      expect(outcome.error.hint).toMatch(/fixed IP/);
    } finally {
      await t.close();
      await hole.close();
    }
  });

  it('something listens but never completes TLS → failed (handshake timeout), not unknown', async () => {
    const silent = await startSilent();
    const pki = await createTestPki();
    const t = new QFPayTerminal({ host: '127.0.0.1', port: silent.port, posKey: POS_KEY, ca: pki.caCertPem, pinnedCaFingerprint256: pki.caFingerprint256, connectTimeoutMs: 300 });
    try {
      const outcome = expectStatus(await t.pay({ amountMinor: 100, channel: 'card_payment' }), 'failed');
      expect(outcome.error.code).toBe('TLS_HANDSHAKE_TIMEOUT');
    } finally {
      await t.close();
      await silent.close();
    }
  });
});

describe('input validation happens before anything is sent', () => {
  beforeEach(async () => {
    h = await startHarness({ customer: { action: 'approve' } });
  });

  it.each([
    ['zero', 0],
    ['negative', -100],
    ['fractional cents', 12.5],
    ['above the limit', 100_000_001],
  ])('rejects an amount that is %s', async (_name, amountMinor) => {
    await expect(h!.terminal.pay({ amountMinor, channel: 'card_payment' })).rejects.toBeInstanceOf(AmountError);
    expect(h!.sim.requests()).toHaveLength(0);
  });

  it('rejects amounts that are not numbers at all (NaN, strings) with a typed error', async () => {
    await expect(h!.terminal.pay({ amountMinor: Number.NaN, channel: 'card_payment' })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(h!.terminal.pay({ amountMinor: '12.50' as unknown as number, channel: 'card_payment' })).rejects.toBeInstanceOf(InvalidRequestError);
    expect(h!.sim.requests()).toHaveLength(0);
  });

  it('honours maxAmountMinor', async () => {
    const t = h!.makeTerminal({ maxAmountMinor: 10_000 });
    await expect(t.pay({ amountMinor: 10_001, channel: 'card_payment' })).rejects.toMatchObject({ code: 'AMOUNT_TOO_LARGE' });
    expect(h!.sim.requests()).toHaveLength(0);
  });

  it('rejects other currencies, unknown channels, unsafe references and reused references', async () => {
    const t = h!.terminal;
    await expect(t.pay({ amountMinor: 100, channel: 'card_payment', currency: 'USD' as 'HKD' })).rejects.toMatchObject({ code: 'AMOUNT_CURRENCY' });
    await expect(t.pay({ amountMinor: 100, channel: 'visa' as 'card_payment' })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(t.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: "a',b" })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(t.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'x'.repeat(65) })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(t.pay({ amountMinor: 100, channel: 'payme', paymentTimeoutSec: 300 })).rejects.toThrow(/PayMe allows at most 120/);
    expect(h!.sim.requests()).toHaveLength(0);
    await t.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'once-only' });
    await expect(t.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'once-only' })).rejects.toMatchObject({ code: 'REQUEST_REUSED_OUT_TRADE_NO' });
    expect(h!.sim.paymentRequestCount('once-only')).toBe(1);
  });

  it('sends the optional fields with their wire types', async () => {
    await h!.terminal.pay({ amountMinor: 30, channel: 'alipay', outTradeNo: 'opts-1', scanType: 'SCAN_PAY', cameraId: 1, paymentTimeoutSec: 60, moveToBack: true });
    expect(h!.sim.requests()[0]?.content).toEqual({ func_type: 1001, amt: 0.3, channel: 'alipay', out_trade_no: 'opts-1', scan_type: 'SCAN_PAY', camera_id: 1, payment_timeout: 60, moveToBack: 1 });
  });
});
