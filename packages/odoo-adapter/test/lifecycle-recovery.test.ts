/**
 * Recovery paths, through the faithful payment screen and the simulator: a lost reply resolved
 * by the terminal's own query, by the adapter's polling fallback (4001) and by the notify
 * server's transaction endpoint; a reload in the middle of a payment, then resume (all three
 * generations); a line left `waiting` without a stored reference; no answer before the deadline
 * (`force_done`, validation rules, Force done).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpTransactionLookup, LineNeedsAttentionError } from '../src/index.js';
import { METHOD_ID, startRig, waitFor, closeRigCheckingSecrets, type Rig } from './support/rig.js';
import type { Gen, HarnessLine } from './support/odoo-harness.js';

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

function settledBy(r: Rig): string[] {
  return r.logs.filter((l) => l.message === 'attempt settled').map((l) => String(l.fields?.source));
}

describe('reply lost, then resolved', () => {
  it('by the terminal layer querying 4001 after the connection dropped', async () => {
    rig = await startRig({ gen: 18, customer: { action: 'approve', afterMs: 30 } });
    rig.forward = false; // no bus message either
    rig.sim.injectFault({ kind: 'drop-after-payment' });
    rig.pos.newOrder(42);
    const line = pay(rig, 42);
    expect(await rig.settled(line)).toBe(true);
    expect(line.payment_status).toBe('done');
    expect(line.transaction_id).toBe(rig.sim.transactions()[0]?.syssn);
    expect(settledBy(rig)).toEqual(['terminal:query']);
    expect(rig.sim.paymentRequestCount(rig.paymentRefs()[0] as string)).toBe(1);
  });

  it("by the adapter's polling fallback when the terminal gives up (unknown), line waitingCard meanwhile", async () => {
    rig = await startRig({
      gen: 19,
      customer: { action: 'pending-then-approve', afterMs: 30, pendingQueries: 4 },
      terminal: { resolve: { deadlineMs: 1, minIntervalMs: 20, maxIntervalMs: 20 } },
    });
    rig.forward = false;
    rig.pos.newOrder(9.9);
    const line = pay(rig, 9.9);
    expect(await rig.settled(line)).toBe(true);
    expect(line.payment_status).toBe('done');
    expect(line.history).toEqual(['pending', 'waiting', 'waitingCard', 'done']);
    expect(settledBy(rig)).toEqual(['query']);
    expect(rig.logs.some((l) => l.message === 'resolving')).toBe(true);
    expect(rig.sim.paymentRequestCount(rig.paymentRefs()[0] as string)).toBe(1);
    expect(rig.pos.alerts).toEqual([]);
  });

  it("by the notify server's transaction endpoint when the terminal cannot answer queries", async () => {
    // A stand-in for notify-server's GET /qfpay/transactions/:out_trade_no, fed by the receiver.
    const token = 'lookup-token-0123456789';
    let hits = 0;
    const server: Server = createServer((req, res) => {
      hits += 1;
      if (req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end();
      const ref = decodeURIComponent((req.url ?? '').replace('/qfpay/transactions/', ''));
      const found = rig!.notifications.map((n) => JSON.parse(n) as Record<string, unknown>).filter((n) => n.out_trade_no === ref);
      if (found.length === 0) return void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"code":"NOT_FOUND","message":"none"}}');
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ notifications: found }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      rig = await startRig({
        gen: 18,
        customer: { action: 'manual' },
        terminal: { resolve: { deadlineMs: 1, minIntervalMs: 20, maxIntervalMs: 20 } },
        adapter: { lookup: () => httpTransactionLookup({ baseUrl, token }) },
      });
      rig.forward = false;
      rig.sim.injectFault({ kind: 'drop-after-payment' });
      rig.pos.newOrder(11);
      const line = pay(rig, 11);
      await rig.sim.waitForScreen();
      for (let i = 0; i < 30; i++) rig.sim.injectFault({ kind: 'http500' }); // every 4001 from now on fails
      rig.sim.customer.approve();
      expect(await rig.settled(line)).toBe(true);
      expect(line.payment_status).toBe('done');
      expect(settledBy(rig)).toEqual(['lookup']);
      expect(hits).toBeGreaterThan(0);
      expect(line.transaction_id).toBe(rig.sim.transactions()[0]?.syssn);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

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

describe('no answer before the deadline', () => {
  it('goes to force_done (the interface sets it and rejects), clears the in-progress flag, and validation waits for Force done', async () => {
    rig = await startRig({
      gen: 18,
      customer: { action: 'pending-then-approve', afterMs: 20, pendingQueries: 100 },
      terminal: { resolve: { deadlineMs: 1, minIntervalMs: 20, maxIntervalMs: 20 } },
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
      terminal: { resolve: { deadlineMs: 1, minIntervalMs: 20, maxIntervalMs: 20 } },
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
