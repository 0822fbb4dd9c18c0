/**
 * A lost reply resolved, LAN only: by the terminal layer's own 4001 query after the connection
 * dropped, by the adapter's polling fallback when the terminal gives up, and by the notify
 * server's transaction endpoint when the terminal cannot answer queries. ECR Cloud holds no reply
 * open; its counterparts (QFPay unreadable for a while) are in lifecycle-recovery.cloud.test.ts.
 */
import { httpTransactionLookup } from '../src/index.js';
import { METHOD_ID, startRig, closeRigCheckingSecrets, type Rig } from './support/rig.js';
import type { HarnessLine } from '../src/testing/index.js';
import { startTransactionsStandIn } from './support/transactions-stand-in.js';

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
  return r.settledBy();
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
    const standIn = await startTransactionsStandIn(() => rig?.notifications ?? []);
    try {
      rig = await startRig({
        gen: 18,
        customer: { action: 'manual' },
        terminal: { resolve: { deadlineMs: 1, minIntervalMs: 20, maxIntervalMs: 20 } },
        adapter: { lookup: () => httpTransactionLookup({ baseUrl: standIn.baseUrl, token: standIn.token }) },
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
      expect(standIn.hits()).toBeGreaterThan(0);
      expect(line.transaction_id).toBe(rig.sim.transactions()[0]?.syssn);
    } finally {
      await standIn.close();
    }
  });
});
