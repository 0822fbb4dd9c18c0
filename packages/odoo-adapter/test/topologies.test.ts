/**
 * The bridge topology end to end with real sockets, in both terminal modes: the harness POS
 * (default configuration read from the payment method, bridge token fetched by RPC) →
 * `RemoteTerminal` → the notify server's bridge routes → `QFPayTerminal` → simulator over HTTPS
 * (LAN), or → `QFPayCloudTerminal` → the simulator's fake QFPay OpenAPI (ECR Cloud: the cloud
 * project). Secrets (POS-KEY, client key, bridge token) never show up in alerts, logs or storage.
 * The direct topology is LAN only: topologies-direct.lan.test.ts.
 */
import { reloadHarness, type Gen, type HarnessLine } from '../src/testing/index.js';
import { RemoteTerminal, type FetchLike } from '../src/index.js';
import { waitFor } from './support/rig.js';
import { closedPort, closeCheckingSecrets, PM, settled, TOKEN, world, type World } from './support/topology.js';

let w: World | undefined;
afterEach(async () => {
  if (w) await closeCheckingSecrets(w);
  w = undefined;
});

describe('bridge topology (RemoteTerminal over the notify server routes)', () => {
  it.each([17, 18, 19] as Gen[])('Odoo %i takes a payment with the default configuration (bridge URL, terminal id, token by RPC)', async (gen) => {
    w = await world({ gen });
    w.pos.newOrder(12.5);
    const line = w.screen.addPaymentLine(PM, 12.5) as HarnessLine;
    if (gen === 17) void w.screen.sendPaymentRequest(line);
    expect(await settled(w.screen, line)).toBe(true);
    expect(line.payment_status).toBe('done');
    expect(line.history).toContain('waitingCard');
    expect(line.transaction_id).toBe(w.sim.transactions()[0]?.syssn);
    expect(w.pos.rpcCalls.map((c) => c.method)).toEqual(['qfpay_bridge_token']);
    expect(w.pos.rpcCalls[0]?.args).toEqual([[PM]]);
    expect(w.sim.paymentRequestCount(w.sim.requests()[0]?.content?.out_trade_no as string)).toBe(1);
  });

  it('cashier cancel goes through the bridge and is confirmed', async () => {
    w = await world({ gen: 18, customer: { action: 'manual' } });
    w.pos.newOrder(9);
    const line = w.screen.addPaymentLine(PM, 9) as HarnessLine;
    await w.sim.waitForScreen();
    await waitFor(() => line.payment_status === 'waitingCard', 'waitingCard');
    expect(await w.screen.sendPaymentCancel(line)).toBe(true);
    expect(await settled(w.screen, line)).toBe(false);
    expect(line.payment_status).toBe('retry');
    // Nothing charged; ECR Cloud's order existed since the push: booked cancelled (1263).
    expect(w.sim.transactions()).toEqual(w.mode === 'cloud' ? [expect.objectContaining({ respcd: '1263', amountMinor: 900 })] : []);
  });

  it('a reload during the payment resumes through the bridge, which kept the transaction', async () => {
    w = await world({ gen: 19, customer: { action: 'manual' } });
    w.pos.newOrder(6.5);
    w.screen.addPaymentLine(PM, 6.5);
    await w.sim.waitForScreen();
    const next = reloadHarness(w.pos);
    w.pos = next.pos;
    w.screen = next.screen;
    const line = w.pos.orders[0]?.payment[0] as HarnessLine;
    await waitFor(() => w!.logs.some((l) => l.message === 'resuming attempt'), 'resume');
    w.sim.customer.approve();
    await waitFor(() => line.payment_status === 'done', 'resumed line done', 15_000);
    expect(w.sim.requests().filter((r) => r.funcType === 1001)).toHaveLength(1);
  });

  it('a lost answer to the POST is retried safely: the bridge answers with the same job, one charge', async () => {
    let dropped = false;
    const flaky: FetchLike = async (input, init) => {
      const res = await globalThis.fetch(input, init);
      if (!dropped && init?.method === 'POST' && input.endsWith('/payments')) {
        dropped = true;
        await res.text();
        throw new TypeError('Failed to fetch');
      }
      return res;
    };
    w = await world({ gen: 18, fetch: flaky });
    w.pos.newOrder(4);
    const line = w.screen.addPaymentLine(PM, 4) as HarnessLine;
    expect(await settled(w.screen, line)).toBe(true);
    expect(dropped).toBe(true);
    expect(w.sim.requests().filter((r) => r.funcType === 1001)).toHaveLength(1);
  });

  it('bridge unreachable or token refused: retry at once with a clear message, nothing sent', async () => {
    const port = await closedPort();
    w = await world({ gen: 18, method: { qfpay_bridge_url: `http://127.0.0.1:${port}` } });
    w.pos.newOrder(3);
    const line = w.screen.addPaymentLine(PM, 3) as HarnessLine;
    expect(await settled(w.screen, line)).toBe(false);
    expect(w.pos.alerts.at(-1)?.message).toMatch(/cannot reach/i);
    await w.close();

    w = await world({ gen: 18, rpc: { qfpay_bridge_token: () => 'a-token-the-bridge-does-not-know' } });
    w.pos.newOrder(3);
    const second = w.screen.addPaymentLine(PM, 3) as HarnessLine;
    expect(await settled(w.screen, second)).toBe(false);
    expect(w.pos.alerts.at(-1)?.message).toMatch(/access token/);
    expect(JSON.stringify({ alerts: w.pos.alerts, logs: w.logs })).not.toContain('a-token-the-bridge-does-not-know');
    expect(w.sim.requests()).toEqual([]);
  });

  it('RemoteTerminal alone: events, query and print through the bridge', async () => {
    w = await world({ gen: 18 });
    const remote = new RemoteTerminal({ baseUrl: w.bridge.url, terminalId: 'till1', token: TOKEN, longPollMs: 1000 });
    const stages: string[] = [];
    remote.on('progress', (e) => stages.push(e.stage));
    const outcome = await remote.pay({ amountMinor: 700, channel: 'alipay', outTradeNo: 'remote-1' });
    expect(outcome).toMatchObject({ status: 'approved', outTradeNo: 'remote-1', amountMinor: 700 });
    expect(stages[0]).toBe('queued');
    expect(await remote.query({ outTradeNo: 'remote-1' })).toMatchObject({ found: true, state: 'paid' });
    await remote.printReceipt(outcome.status === 'approved' ? outcome.syssn : '');
    expect(w.sim.printed()).toHaveLength(1);
    await expect(remote.pay({ amountMinor: 1.5, channel: 'alipay' })).rejects.toThrow(/amountMinor/);
    await remote.close();
  });
});

