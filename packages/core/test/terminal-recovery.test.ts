/**
 * Recovery: whenever the reply is not a clear answer, the payment is never re-sent; the outcome
 * is resolved by querying (4001) until final or the deadline.
 */
import type { TransactionOutcome } from '../src/terminal/index.js';
import { stagesOf, startHarness, type Harness } from './support/terminal-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function only1001(harness: Harness, outTradeNo: string) {
  return harness.sim.requests().filter((r) => r.funcType === 1001 && r.content?.out_trade_no === outTradeNo);
}

describe('resolving unknown payments by query', () => {
  it('connection dropped after the terminal took the money → approved by query, sent once', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    h.sim.injectFault({ kind: 'drop-after-payment' });
    const outcome = await h.terminal.pay({ amountMinor: 4200, channel: 'card_payment', outTradeNo: 'drop-1' });
    expect(outcome).toMatchObject({ status: 'approved', resolvedBy: 'query', outTradeNo: 'drop-1', amountMinor: 4200, currency: 'HKD' });
    expect((outcome as Extract<TransactionOutcome, { status: 'approved' }>).syssn).toMatch(/^\d+$/);
    expect(h.sim.paymentRequestCount('drop-1')).toBe(1);
    expect(only1001(h, 'drop-1')).toHaveLength(1);
    expect(stagesOf(h.events, 'drop-1')).toContain('resolving');
  });

  it('pending transaction code → keeps polling until approved', async () => {
    h = await startHarness({ customer: { action: 'pending-then-approve', pendingQueries: 3 } });
    const outcome = await h.terminal.pay({ amountMinor: 990, channel: 'alipay', outTradeNo: 'pend-1' });
    expect(outcome).toMatchObject({ status: 'approved', resolvedBy: 'query', amountMinor: 990 });
    const queries = h.sim.requests().filter((r) => r.funcType === 4001);
    expect(queries.length).toBeGreaterThanOrEqual(4);
    expect(h.sim.paymentRequestCount('pend-1')).toBe(1);
  });

  it('garbage reply → unknown → resolved by query', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    h.sim.injectFault({ kind: 'garbage' });
    const outcome = await h.terminal.pay({ amountMinor: 1500, channel: 'wx', outTradeNo: 'garbage-1' });
    expect(outcome).toMatchObject({ status: 'approved', resolvedBy: 'query' });
    expect(h.sim.paymentRequestCount('garbage-1')).toBe(1);
    expect(h.logs.some((l) => l.msg === 'ecr reply undecodable')).toBe(true);
  });

  it('HTTP 500 (request not processed) → resolved: the terminal has no record, nothing charged', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    h.sim.injectFault({ kind: 'http500' });
    const outcome = await h.terminal.pay({ amountMinor: 1500, channel: 'wx', outTradeNo: 'h500-1' });
    expect(outcome.status).toBe('failed');
    expect(outcome).toMatchObject({ error: { code: 'NOT_PROCESSED' } });
    expect((outcome as Extract<TransactionOutcome, { status: 'failed' }>).error.message).toMatch(/nothing was charged/);
    // Never re-sent; a 5001 closed any screen before concluding.
    expect(only1001(h, 'h500-1')).toHaveLength(1);
    expect(h.sim.requests().some((r) => r.funcType === 5001)).toBe(true);
    expect(h.sim.transactions()).toHaveLength(0);
  });

  it('reply slower than the timeout → unknown → resolved approved by query', async () => {
    h = await startHarness({ customer: { action: 'approve', afterMs: 10 }, terminal: { defaultPaymentTimeoutSec: 1, paymentReplyGraceMs: 50 } });
    h.sim.injectFault({ kind: 'delay', ms: 2_500 });
    const outcome = await h.terminal.pay({ amountMinor: 700, channel: 'card_payment', outTradeNo: 'slow-1' });
    expect(outcome).toMatchObject({ status: 'approved', resolvedBy: 'query' });
    expect(h.sim.paymentRequestCount('slow-1')).toBe(1);
  });

  it('deadline passes while the screen is still open → unknown, telling how to resolve later', async () => {
    h = await startHarness({
      customer: { action: 'manual' },
      terminal: { defaultPaymentTimeoutSec: 1, paymentReplyGraceMs: 50, resolve: { deadlineMs: 600, minIntervalMs: 20, maxIntervalMs: 100 } },
    });
    const outcome = await h.terminal.pay({ amountMinor: 700, channel: 'card_payment', outTradeNo: 'open-1' });
    expect(outcome.status).toBe('unknown');
    const reason = (outcome as Extract<TransactionOutcome, { status: 'unknown' }>).reason;
    expect(reason).toMatch(/query\(\{ outTradeNo: 'open-1' \}\)/);
    expect(reason).toMatch(/never retry the payment blindly/);
    expect(reason).toMatch(/pending: 1145/);
    expect(stagesOf(h.events, 'open-1')).toEqual(['queued', 'sent', 'waiting_customer', 'resolving']);
    expect(h.sim.paymentRequestCount('open-1')).toBe(1);
    expect(h.sim.screen()).not.toBeNull();
    // Later the truth can still be learned with query().
    h.sim.customer.approve();
    const later = await h.terminal.query({ outTradeNo: 'open-1' });
    expect(later).toMatchObject({ found: true, state: 'paid', amountMinor: 700 });
  });

  it('a cancel during resolution closes the open screen: cancelled by pos', async () => {
    h = await startHarness({
      customer: { action: 'manual' },
      terminal: { defaultPaymentTimeoutSec: 1, paymentReplyGraceMs: 50, resolve: { deadlineMs: 5_000, minIntervalMs: 20, maxIntervalMs: 100 } },
    });
    const resolving = new Promise<void>((resolve) =>
      h!.terminal.on('progress', (e) => {
        if (e.stage === 'resolving') resolve();
      }),
    );
    const paying = h.terminal.pay({ amountMinor: 700, channel: 'card_payment', outTradeNo: 'res-cancel-1' });
    await resolving;
    const cancel = await h.terminal.cancel();
    const outcome = await paying;
    expect(outcome).toMatchObject({ status: 'cancelled', by: 'pos', resolvedBy: 'query' });
    expect(cancel).toEqual({ status: 'confirmed', outTradeNo: 'res-cancel-1' });
    expect(h.sim.paymentRequestCount('res-cancel-1')).toBe(1);
  });

  it('busy terminal (6002) → failed with the code table hint, never retried', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    h.sim.injectFault({ kind: 'busy' });
    const outcome = await h.terminal.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'busy-1' });
    expect(outcome).toMatchObject({ status: 'failed', error: { code: '6002' }, codes: { respcd: '6002' } });
    expect(h.sim.paymentRequestCount('busy-1')).toBe(1);
  });

  it('connection dropped before the terminal read the request → resolved as not processed', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    h.sim.injectFault({ kind: 'drop-before' });
    const outcome = await h.terminal.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'dropb-1' });
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'NOT_PROCESSED' } });
    expect(h.sim.requests().filter((r) => r.path === '/api/pos/trade')).toHaveLength(1);
  });
});
