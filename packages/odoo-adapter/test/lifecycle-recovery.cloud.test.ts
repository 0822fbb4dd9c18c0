/**
 * A lost answer resolved, ECR Cloud only (bridge topology: RemoteTerminal → bridge →
 * QFPayCloudTerminal → the simulator's fake OpenAPI). A cloud push is never answered with the
 * result, so "lost" means QFPay cannot be read for a while (every OpenAPI call fails): the bridge's
 * terminal keeps querying and settles from QFPay's book once it answers; when it gives up
 * (`unknown`), the adapter's polling fallback or the notify server's transaction endpoint settles
 * the line. Nothing is ever pushed twice. LAN counterparts: lifecycle-recovery.lan.test.ts.
 */
import type { Simulator } from '@qfpay-ecr/simulator';
import { httpTransactionLookup } from '../src/index.js';
import { METHOD_ID, startRig, waitFor, closeRigCheckingSecrets, type Rig } from './support/rig.js';
import { SHORT_CLOUD } from './support/terminal-mode.js';
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

/** Every OpenAPI call fails with HTTP 500 from now on (one fault per request), until `sim.clearFaults()`. */
function blindOpenApi(sim: Simulator): void {
  for (let i = 0; i < 2_000; i++) sim.injectFault({ kind: 'http500' });
}

/** Requests that met an HTTP 500 fault so far. */
function failedCalls(sim: Simulator): number {
  return sim.requests().filter((r) => r.fault === 'http500').length;
}

describe('ECR Cloud: QFPay unreadable for a while, then resolved', () => {
  it("by the bridge's terminal querying QFPay's book again (its notification lost)", async () => {
    rig = await startRig({ gen: 18, customer: { action: 'manual' } });
    rig.forward = false; // no bus message either
    rig.sim.injectFault({ kind: 'notify-lost' });
    rig.pos.newOrder(42);
    const line = pay(rig, 42);
    await rig.sim.waitForScreen();
    blindOpenApi(rig.sim);
    rig.sim.customer.approve();
    await waitFor(() => failedCalls(rig!.sim) >= 3, 'queries failing');
    expect(line.payment_status).toBe('waitingCard');
    rig.sim.clearFaults();
    expect(await rig.settled(line)).toBe(true);
    expect(line.payment_status).toBe('done');
    expect(line.transaction_id).toBe(rig.charged()[0]?.syssn);
    expect(rig.settledBy()).toEqual(['terminal:query']);
    expect(rig.sim.paymentRequestCount(rig.paymentRefs()[0] as string)).toBe(1);
  });

  it("by the adapter's polling fallback when the bridge's terminal gives up (unknown), line waitingCard meanwhile", async () => {
    rig = await startRig({ gen: 19, customer: { action: 'manual' }, cloudTerminal: SHORT_CLOUD });
    rig.forward = false;
    rig.sim.injectFault({ kind: 'notify-lost' });
    rig.pos.newOrder(9.9);
    const line = pay(rig, 9.9);
    await rig.sim.waitForScreen();
    blindOpenApi(rig.sim);
    rig.sim.customer.approve();
    await waitFor(() => rig!.logs.some((l) => l.message === 'resolving'), 'the adapter resolving after the terminal gave up');
    expect(line.payment_status).toBe('waitingCard');
    rig.sim.clearFaults();
    expect(await rig.settled(line)).toBe(true);
    expect(line.payment_status).toBe('done');
    expect(line.history).toEqual(['pending', 'waiting', 'waitingCard', 'done']);
    expect(rig.settledBy()).toEqual(['query']);
    expect(rig.sim.paymentRequestCount(rig.paymentRefs()[0] as string)).toBe(1);
    expect(rig.pos.alerts).toEqual([]);
  });

  it("by the notify server's transaction endpoint while QFPay's book stays unreadable", async () => {
    // A stand-in for notify-server's GET /qfpay/transactions/:out_trade_no, fed by the receiver.
    const standIn = await startTransactionsStandIn(() => rig?.notifications ?? []);
    try {
      rig = await startRig({
        gen: 18,
        customer: { action: 'manual' },
        cloudTerminal: SHORT_CLOUD,
        cloudHearsNotifications: false,
        adapter: { lookup: () => httpTransactionLookup({ baseUrl: standIn.baseUrl, token: standIn.token }) },
      });
      rig.forward = false;
      rig.pos.newOrder(11);
      const line = pay(rig, 11);
      await rig.sim.waitForScreen();
      blindOpenApi(rig.sim); // every query from now on fails
      rig.sim.customer.approve();
      expect(await rig.settled(line)).toBe(true);
      expect(line.payment_status).toBe('done');
      expect(rig.settledBy()).toEqual(['lookup']);
      expect(standIn.hits()).toBeGreaterThan(0);
      expect(line.transaction_id).toBe(rig.charged()[0]?.syssn);
    } finally {
      await standIn.close();
    }
  });
});
