/**
 * A lost reply resolved, LAN only: by the terminal layer's own 4001 query after the connection
 * dropped, by the adapter's polling fallback when the terminal gives up, and by the notify
 * server's transaction endpoint when the terminal cannot answer queries. ECR Cloud holds no reply
 * open; its counterparts (QFPay unreadable for a while) are in lifecycle-recovery.cloud.test.ts.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpTransactionLookup } from '../src/index.js';
import { METHOD_ID, startRig, closeRigCheckingSecrets, type Rig } from './support/rig.js';
import type { HarnessLine } from '../src/testing/index.js';

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
