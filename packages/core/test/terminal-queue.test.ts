/** One transaction at a time per terminal: FIFO queue, cancel overtakes, close settles. */
import { TerminalClosedError, type TransactionOutcome } from '../src/terminal/index.js';
import { TransportAbortedError } from '../src/transport/index.js';
import { startHarness, type Harness } from './support/terminal-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('serialisation', () => {
  it('two concurrent pay() calls: the second request reaches the terminal only after the first finished', async () => {
    h = await startHarness({ customer: { action: 'approve', afterMs: 50 } });
    const closedAt: Record<string, number> = {};
    h.sim.on('screen-closed', (screen) => {
      closedAt[screen.outTradeNo] = Date.now();
    });
    const [a, b] = await Promise.all([
      h.terminal.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'first' }),
      h.terminal.pay({ amountMinor: 200, channel: 'card_payment', outTradeNo: 'second' }),
    ]);
    expect(a.status).toBe('approved');
    expect(b.status).toBe('approved');
    const requests = h.sim.requests();
    expect(requests.map((r) => r.content?.out_trade_no)).toEqual(['first', 'second']);
    expect(requests.every((r) => r.respcd !== '6002')).toBe(true);
    expect(requests[1]!.at.getTime()).toBeGreaterThanOrEqual(closedAt.first!);
    // Client side: 'second' was sent only after 'first' had its outcome.
    const order = h.events.map((e) => {
      const p = e.payload as { outTradeNo?: string; stage?: string; status?: string };
      return `${e.event}:${p.outTradeNo}:${p.stage ?? p.status}`;
    });
    expect(order.indexOf('outcome:first:approved')).toBeLessThan(order.indexOf('progress:second:sent'));
    expect(order.indexOf('progress:second:queued')).toBeLessThan(order.indexOf('outcome:first:approved'));
  });

  it('queries and prints wait behind the open payment; cancel overtakes it', async () => {
    h = await startHarness({ customer: { action: 'manual' } });
    const paying = h.terminal.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'q-1' });
    const querying = h.terminal.query({ outTradeNo: 'q-1' });
    const printing = h.terminal.printSummary();
    await h.sim.waitForScreen();
    expect(await h.terminal.cancel()).toMatchObject({ status: 'confirmed' });
    await paying;
    expect(await querying).toMatchObject({ found: false });
    await printing;
    const funcs = h.sim.requests().map((r) => r.funcType);
    // 1001, then the cancel overtook the queue, then the payment's confirmation query, then the queued calls.
    expect(funcs).toEqual([1001, 5001, 4001, 4001, 3002]);
  });

  it('a payment aborted while queued ends failed (ABORTED) and is never sent', async () => {
    h = await startHarness({ customer: { action: 'approve', afterMs: 50 } });
    const controller = new AbortController();
    const first = h.terminal.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'ab-1' });
    const second = h.terminal.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'ab-2', signal: controller.signal });
    controller.abort();
    expect(await second).toMatchObject({ status: 'failed', error: { code: 'ABORTED' } });
    expect((await first).status).toBe('approved');
    expect(h.sim.paymentRequestCount('ab-2')).toBe(0);
  });

  it('aborting a payment already on the terminal asks it to cancel; the outcome is still the truth', async () => {
    h = await startHarness({ customer: { action: 'manual' } });
    const controller = new AbortController();
    const paying = h.terminal.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'ab-live', signal: controller.signal });
    await h.sim.waitForScreen();
    controller.abort();
    const outcome = await paying;
    expect(outcome).toMatchObject({ status: 'cancelled', by: 'pos' });
  });

  it('a query aborted while queued rejects with a typed error and is never sent', async () => {
    h = await startHarness({ customer: { action: 'manual' } });
    const paying = h.terminal.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'qa-1' });
    const controller = new AbortController();
    const querying = h.terminal.query({ outTradeNo: 'qa-1', signal: controller.signal });
    controller.abort();
    await expect(querying).rejects.toBeInstanceOf(TransportAbortedError);
    await h.sim.waitForScreen();
    h.sim.customer.approve();
    await paying;
    expect(h.sim.requests().map((r) => r.funcType)).toEqual([1001]);
  });
});

describe('close()', () => {
  it('waits for the open transaction, rejects queued calls, then refuses new ones', async () => {
    h = await startHarness({ customer: { action: 'manual' } });
    const outcomes: TransactionOutcome[] = [];
    const paying = h.terminal.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'close-1' }).then((o) => {
      outcomes.push(o);
      return o;
    });
    const queued = h.terminal.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'close-2' });
    const queuedQuery = h.terminal.query({ outTradeNo: 'close-1' });
    await h.sim.waitForScreen();
    const closing = h.terminal.close();
    await expect(queued).rejects.toBeInstanceOf(TerminalClosedError);
    await expect(queuedQuery).rejects.toBeInstanceOf(TerminalClosedError);
    expect(outcomes).toHaveLength(0);
    h.sim.customer.approve();
    await closing;
    expect(outcomes).toHaveLength(1);
    expect((await paying).status).toBe('approved');
    await expect(h.terminal.pay({ amountMinor: 100, channel: 'card_payment' })).rejects.toBeInstanceOf(TerminalClosedError);
    await expect(h.terminal.query({ outTradeNo: 'close-1' })).rejects.toBeInstanceOf(TerminalClosedError);
    expect(h.sim.paymentRequestCount('close-2')).toBe(0);
    await h.terminal.close();
  });
});
