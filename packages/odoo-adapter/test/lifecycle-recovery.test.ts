/**
 * Recovery paths, through the faithful payment screen and the simulator, in both terminal modes:
 * a reload in the middle of a payment, then resume (all three generations); a line left
 * `waiting` without a stored reference; reloads during reversals and refunds; no answer before
 * the deadline (`force_done`, validation rules, Force done). A lost answer resolved by the
 * terminal's query, the adapter's polling fallback and the notify server's transaction endpoint:
 * lifecycle-recovery.lan.test.ts (the terminal's reply) and lifecycle-recovery.cloud.test.ts (QFPay
 * unreadable for a while).
 */
import { LineNeedsAttentionError } from '../src/index.js';
import { METHOD_ID, startRig, waitFor, closeRigCheckingSecrets, type Rig } from './support/rig.js';
import { perMode, SHORT_CLOUD } from './support/terminal-mode.js';
import type { Gen, HarnessLine } from '../src/testing/index.js';

let rig: Rig | undefined;
afterEach(async () => {
  if (rig) await closeRigCheckingSecrets(rig);
  rig = undefined;
});

function pay(r: Rig, amount: number): HarnessLine {
  const line = r.screen.addPaymentLine(METHOD_ID, amount);
  if (!line) throw new Error('line refused');
  if (r.pos.gen === 17) void r.screen.sendPaymentRequest(line);
  return line;
}

describe.each([17, 18, 19] as Gen[])('Odoo %i: reload in the middle of a payment, then resume', (gen) => {
  it('resumes the line left in waitingCard and settles it when the customer pays', async () => {
    rig = await startRig({ gen, customer: { action: 'manual' } });
    rig.pos.newOrder(25);
    const before = pay(rig, 25);
    await rig.sim.waitForScreen();
    await waitFor(() => before.payment_status === 'waitingCard', 'waitingCard');
    const stored = rig.storage.dump();
    expect(Object.keys(stored)).toHaveLength(1);
    expect(Object.values(stored)[0]).toContain('"state":"pending"');

    rig.forward = false; // nobody is listening while the page reloads
    rig.reload();
    const line = rig.line(0);
    expect(line).not.toBe(before);
    expect(line.payment_status).toBe('waitingCard');
    await waitFor(() => rig!.logs.some((l) => l.message === 'resuming attempt'), 'resume started');

    rig.sim.customer.approve();
    await waitFor(() => line.payment_status === 'done', 'resumed line done');
    expect(line.transaction_id).toBe(rig.sim.transactions()[0]?.syssn);
    expect(line.card_type).toBeTruthy();
    expect(rig.sim.paymentRequestCount(rig.paymentRefs()[0] as string)).toBe(1);
    expect(rig.paymentRefs()).toHaveLength(1);
    expect(rig.screen.validateOrder()).toMatchObject({ ok: true });
    expect(Object.values(rig.storage.dump())[0]).toContain('"state":"approved"');
  });
});

describe('resume edge cases', () => {
  it('Odoo 17 (lines get new cids on reload): the resumed line stays waitingCard until its attempt settles, never retry', async () => {
    // A `retry` while the payment may still be approved would let the cashier charge again.
    rig = await startRig({ gen: 17, customer: { action: 'manual' } });
    rig.pos.newOrder(25);
    pay(rig, 25);
    await rig.sim.waitForScreen();
    rig.forward = false;
    rig.reload();
    const line = rig.line(0);
    await waitFor(() => rig!.logs.some((l) => l.message === 'resuming attempt'), 'resume started');
    await new Promise((r) => setTimeout(r, 100));
    expect(line.payment_status).toBe('waitingCard');
    rig.sim.customer.approve();
    await waitFor(() => line.payment_status === 'done', 'resumed line done');
    expect(line.history).not.toContain('retry');
    expect(line.transaction_id).toBe(rig.sim.transactions()[0]?.syssn);
    expect(rig.paymentRefs()).toHaveLength(1);
  });

  it('Odoo 17: cancelling the resumed line (new cid) reaches the terminal: its screen closes, nothing can be charged', async () => {
    rig = await startRig({ gen: 17, customer: { action: 'manual' } });
    rig.pos.newOrder(30);
    pay(rig, 30);
    await rig.sim.waitForScreen();
    rig.reload();
    const line = rig.line(0);
    await waitFor(() => rig!.logs.some((l) => l.message === 'resuming attempt'), 'resume started');
    expect(await rig.screen.sendPaymentCancel(line)).toBe(true);
    expect(line.payment_status).toBe('retry');
    expect(rig.sim.screen()).toBeNull();
    expect(rig.sim.customer.approve()).toBe(false);
    expect(rig.sim.transactions().filter((t) => t.respcd === '0000')).toHaveLength(0);
  });

  it.each([17, 18] as Gen[])('Odoo %i: a cancel pressed right after a reload, before resume ran, still reaches the terminal', async (gen) => {
    rig = await startRig({ gen, customer: { action: 'manual' } });
    rig.pos.newOrder(31);
    pay(rig, 31);
    await rig.sim.waitForScreen();
    rig.reload();
    const line = rig.line(0);
    // Same turn as the reload: the new page's resume (scheduled with setTimeout 0) has not run.
    const cancelled = rig.screen.sendPaymentCancel(line);
    expect(await cancelled).toBe(true);
    expect(rig.sim.screen()).toBeNull();
    expect(rig.sim.customer.approve()).toBe(false);
    expect(rig.sim.transactions().filter((t) => t.respcd === '0000')).toHaveLength(0);
    expect(line.payment_status).toBe('retry');
  });

  it('a notification that arrives after the reload settles the resumed line too', async () => {
    // Polling every 30 s: after its first (pending) answer, only the bus can settle the line in time.
    rig = await startRig({ gen: 18, customer: { action: 'manual' }, adapter: { resolve: { intervalMs: 30_000, maxIntervalMs: 30_000, deadlineMs: 120_000, notFoundGrace: 3, backgroundMs: 1_000 } } });
    rig.pos.newOrder(5);
    pay(rig, 5);
    await rig.sim.waitForScreen();
    const queriesBefore = rig.sim.requests().filter((r) => r.funcType === 4001).length;
    rig.reload();
    const line = rig.line(0);
    await waitFor(() => rig!.sim.requests().filter((r) => r.funcType === 4001).length > queriesBefore, 'first poll answered');
    rig.sim.customer.approve();
    await waitFor(() => line.payment_status === 'done', 'done by notification');
    expect(rig.logs.filter((l) => l.message === 'attempt settled').map((l) => l.fields?.source)).toContain('notification:bus');
  });

  it('a line left waiting with no stored reference is queried under pos_qfpay\'s reference, then retried', async () => {
    rig = await startRig({ gen: 19 });
    rig.pos.newOrder(6);
    // A line the previous page marked waiting but never sent (the record never got written).
    const line = rig.screen.addPaymentLine(METHOD_ID, 6) as HarnessLine;
    await rig.settled(line);
    rig.storage.removeItem(Object.keys(rig.storage.dump())[0] as string);
    line.payment_status = 'waiting';
    const txBefore = rig.sim.transactions().length;
    rig.reload();
    const resumed = rig.line(0);
    // pos_qfpay's reference for this line was used by the first attempt here, so the terminal
    // knows it: the resumed line settles to done from the terminal's book, never re-charged.
    await waitFor(() => resumed.payment_status === 'done', 'settled from the book');
    expect(rig.sim.transactions()).toHaveLength(txBefore);

    rig.pos.newOrder(7);
    const fresh = rig.screen.addPaymentLine(METHOD_ID, 7) as HarnessLine;
    void fresh; // fast payment
    await waitFor(() => fresh.payment_status === 'done', 'second order paid');
    // A never-sent line: saved as waiting with a uuid the terminal never saw.
    const saved = rig.pos.save();
    saved.push({ ref: globalThis.crypto.randomUUID(), total: 3, lines: [{ uuid: globalThis.crypto.randomUUID(), amount: 3, payment_status: 'waiting', methodId: METHOD_ID, ticket: '', can_be_reversed: false }] });
    rig.pos.orders.splice(0);
    rig.pos.restore(saved);
    const stray = rig.pos.orders.at(-1)?.payment[0] as HarnessLine;
    (rig.method().payment_terminal as { qfpay: { resume(): void } }).qfpay.resume();
    await waitFor(() => stray.payment_status === 'retry', 'never-sent line back to retry');
    expect(rig.pos.alerts.at(-1)?.message).toContain('no record of this payment');
  });
});

describe.each([17, 19] as Gen[])('Odoo %i: reload while a reversal is on the terminal', (gen) => {
  async function reversing(): Promise<Rig> {
    const r = await startRig({ gen, customer: { action: 'approve', afterMs: 20 } });
    r.pos.newOrder(16);
    const paid = pay(r, 16);
    expect(await r.settled(paid)).toBe(true);
    r.sim.setCustomer({ action: 'manual' }); // the operator has not confirmed the reversal yet
    void r.screen.sendPaymentReverse(paid);
    await r.sim.waitForScreen();
    expect(paid.payment_status).toBe('reversing');
    r.forward = false;
    r.reload();
    return r;
  }

  it('the reversal confirmed after the reload: the line ends reversed with amount 0', async () => {
    rig = await reversing();
    const line = rig.line(0);
    expect(line.payment_status).toBe('reversing');
    rig.sim.customer.approve();
    await waitFor(() => line.payment_status === 'reversed', 'reversed from the book');
    expect(line.amount).toBe(0);
    expect(rig.sim.transactions().filter((t) => t.kind === 'refund' && t.respcd === '0000')).toHaveLength(1);
  });

  it('the reversal never confirmed: its screen is closed (5001) and the line is done again, nothing refunded', async () => {
    rig = await reversing();
    const line = rig.line(0);
    await waitFor(() => line.payment_status === 'done', 'back to done');
    expect(line.can_be_reversed).toBe(false);
    expect(line.amount).toBe(16);
    expect(rig.sim.screen()).toBeNull();
    // Nothing refunded; ECR Cloud's refund order existed since the push: booked cancelled (1263).
    const refunds = () => rig!.sim.transactions().filter((t) => t.kind === 'refund');
    const expected = rig.mode === 'cloud' ? [expect.objectContaining({ respcd: '1263', amountMinor: 1600 })] : [];
    expect(refunds()).toEqual(expected);
    rig.sim.customer.approve(); // too late: nothing is open
    expect(refunds()).toEqual(expected);
  });
});

describe.each([17, 18] as Gen[])('Odoo %i: reload while a refund is on the terminal, its notification unseen', (gen) => {
  async function refunding(): Promise<Rig> {
    const r = await startRig({ gen, customer: { action: 'approve', afterMs: 20 } });
    const order = r.pos.newOrder(20);
    const paid = pay(r, 20);
    expect(await r.settled(paid)).toBe(true);
    r.pos.newRefundOrder(order, 20);
    const line = r.screen.addPaymentLine(METHOD_ID, -20) as HarnessLine;
    r.sim.setCustomer({ action: 'manual' }); // the operator has not confirmed the refund yet
    void r.screen.sendPaymentRequest(line);
    await r.sim.waitForScreen();
    r.forward = false; // nobody hears the refund notification
    r.reload();
    return r;
  }

  it('confirmed after the reload: the resumed refund line settles done from the terminal\'s book', async () => {
    rig = await refunding();
    const line = rig.line(0);
    rig.sim.customer.approve();
    await waitFor(() => line.payment_status === 'done', 'refund line done');
    expect(rig.sim.transactions().filter((t) => t.kind === 'refund' && t.respcd === '0000')).toHaveLength(1);
    expect(Object.values(rig.storage.dump()).join('')).not.toContain('"state":"pending"');
  });

  it('never confirmed: its screen is closed (5001) and the refund line goes to retry, nothing refunded', async () => {
    rig = await refunding();
    const line = rig.line(0);
    await waitFor(() => line.payment_status === 'retry', 'refund line retry');
    expect(rig.sim.screen()).toBeNull();
    expect(rig.sim.transactions().filter((t) => t.kind === 'refund')).toEqual(rig.mode === 'cloud' ? [expect.objectContaining({ respcd: '1263', amountMinor: 2000 })] : []);
  });
});

describe('no answer before the deadline', () => {
  it('goes to force_done (the interface sets it and rejects), clears the in-progress flag, and validation waits for Force done', async () => {
    rig = await startRig({
      gen: 18,
      customer: { action: 'pending-then-approve', afterMs: 20, pendingQueries: 100 },
      // The terminal gives up at once (LAN) or after its 1 s payment timeout + 300 ms (cloud).
      ...perMode({ lan: { terminal: { resolve: { deadlineMs: 1, minIntervalMs: 20, maxIntervalMs: 20 } } }, cloud: { cloudTerminal: SHORT_CLOUD } }),
      adapter: { resolve: { intervalMs: 20, maxIntervalMs: 40, deadlineMs: 300, notFoundGrace: 3, backgroundMs: 300 } },
    });
    rig.forward = false;
    rig.pos.newOrder(18);
    const line = pay(rig, 18);
    expect(await rig.settled(line)).toBeUndefined(); // rejected
    expect(rig.pos.rejections).toHaveLength(1);
    expect(rig.pos.rejections[0]).toBeInstanceOf(LineNeedsAttentionError);
    expect((rig.pos.rejections[0] as LineNeedsAttentionError).code).toBe('OUTCOME_UNKNOWN');
    expect(line.payment_status).toBe('force_done');
    expect(rig.pos.paymentTerminalInProgress).toBe(false);
    expect(rig.pos.alerts.at(-1)?.message).toContain('Do not charge again');

    // Odoo drops non-done lines at validation: the cashier must decide.
    expect(rig.screen.validateOrder()).toMatchObject({ ok: false, dropped: [line] });
    // A new terminal line can be added (the screen is not stuck).
    rig.sim.setCustomer({ action: 'approve', afterMs: 20 });
    expect(rig.screen.addPaymentLine(METHOD_ID, 1)).toBeDefined();

    rig.screen.sendForceDone(line);
    expect(line.payment_status).toBe('done');
  });

  it('a late notification settles a force_done line to done', async () => {
    rig = await startRig({
      gen: 19,
      customer: { action: 'pending-then-approve', afterMs: 20, pendingQueries: 100 },
      ...perMode({ lan: { terminal: { resolve: { deadlineMs: 1, minIntervalMs: 20, maxIntervalMs: 20 } } }, cloud: { cloudTerminal: SHORT_CLOUD } }),
      adapter: { resolve: { intervalMs: 20, maxIntervalMs: 40, deadlineMs: 200, notFoundGrace: 3, backgroundMs: 200 } },
    });
    rig.pos.newOrder(4);
    const line = pay(rig, 4);
    await rig.settled(line);
    expect(line.payment_status).toBe('force_done');
    const ref = rig.paymentRefs()[0] as string;
    const syssn = rig.sim.transactions()[0]?.syssn as string;
    rig.publish({ notify_type: 'payment', status: '1', respcd: '0000', syssn, out_trade_no: ref, txamt: '400', txcurrcd: 'HKD', chnlsn: 'CH1' });
    expect(line.payment_status).toBe('done');
    expect(line.transaction_id).toBe(syssn);
  });
});

describe('one terminal payment at a time', () => {
  it('refuses a second terminal line while one is in progress (screen guard and adapter guard)', async () => {
    rig = await startRig({ gen: 18, customer: { action: 'manual' } });
    rig.pos.newOrder(30);
    const first = pay(rig, 10);
    await rig.sim.waitForScreen();
    expect(rig.screen.addPaymentLine(METHOD_ID, 20)).toBeUndefined();
    expect(rig.pos.alerts.at(-1)?.message).toBe('There is already an electronic payment in progress.');
    // Even if the screen's flag were lost, the adapter refuses to start a second one.
    rig.pos.paymentTerminalInProgress = false;
    const second = rig.screen.addPaymentLine(METHOD_ID, 20) as HarnessLine;
    expect(await rig.settled(second)).toBe(false);
    expect(second.payment_status).toBe('retry');
    expect(rig.paymentRefs()).toHaveLength(1);
    rig.sim.customer.approve();
    expect(await rig.settled(first)).toBe(true);
  });
});
