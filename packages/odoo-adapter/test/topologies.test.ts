/**
 * The two ways a browser reaches the terminal, each end to end with real sockets:
 * - bridge: the harness POS (default configuration read from the payment method, bridge token
 *   fetched by RPC) → `RemoteTerminal` → the notify server's bridge routes → `QFPayTerminal` →
 *   simulator over HTTPS;
 * - direct: the harness POS → `DirectTerminal` (signing by Odoo 19's `qfpay_sign_request` RPC, or
 *   by the notify server's signing route) → simulator over HTTPS.
 * Secrets (POS-KEY, bridge token) never show up in alerts, logs or storage.
 */
import { once } from 'node:events';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { encodeRequestBody, QFPayTerminal, type EcrRequestContent } from '@qfpay-ecr/core';
import { startSimulator, type CustomerScript, type Simulator } from '@qfpay-ecr/simulator';
import { createSigningRouter, createTerminalBridgeRouter, startBridgeServer, type RunningBridge } from '../../notify-server/src/bridge/index.js';
import { bridgeSigner, DirectTerminal, installQfpay, memoryStorage, RemoteTerminal, type FetchLike } from '../src/index.js';
import { BASES, createHarness, reloadHarness, type Gen, type HarnessLine, type HarnessPos, type PaymentMethodRecord, type PaymentScreen } from './support/odoo-harness.js';
import { captureAdapterLogger, waitFor, type LogEntry } from './support/rig.js';

const POS_KEY = 'TopologyP0sKey-S3cret-0123456789';
const TOKEN = 'topology-bridge-token-8Rt5VyQ1';
const SESSION = 11;
const PM = 5;

async function closedPort(): Promise<number> {
  const s = createNetServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface World {
  sim: Simulator;
  serverTerminal: QFPayTerminal;
  bridge: RunningBridge;
  pos: HarnessPos;
  screen: PaymentScreen;
  logs: LogEntry[];
  storage: ReturnType<typeof memoryStorage>;
  close(): Promise<void>;
}

/** A harness POS of `gen` whose payment method points at a bridge (or is direct with `direct`). */
async function world(options: { gen: Gen; customer?: CustomerScript; method?: Partial<PaymentMethodRecord>; fetch?: FetchLike; simOptions?: { encryptReplies?: boolean }; rpc?: Record<string, (args: unknown[]) => unknown> }): Promise<World> {
  const sim = await startSimulator({ posKey: POS_KEY, customer: options.customer ?? { action: 'approve', afterMs: 30 }, ...options.simOptions });
  const serverTerminal = new QFPayTerminal({ host: '127.0.0.1', port: sim.port, posKey: POS_KEY, ca: sim.caPem as string, pinnedCaFingerprint256: sim.caFingerprint256 as string, resolve: { deadlineMs: 3000, minIntervalMs: 20, maxIntervalMs: 100 }, cancelWaitMs: 3000 });
  const terminalRoutes = createTerminalBridgeRouter({ terminals: { till1: serverTerminal }, tokens: [TOKEN], maxWaitMs: 2000 });
  const signing = createSigningRouter({ posKeys: { till1: POS_KEY }, tokens: [TOKEN] });
  const bridge = await startBridgeServer({ routers: [terminalRoutes.router, signing], onClose: terminalRoutes.close });
  const method: PaymentMethodRecord = {
    id: PM,
    name: 'QFPay',
    use_payment_terminal: options.gen === 19 ? false : 'qfpay',
    payment_provider: options.gen === 19 ? 'qfpay' : false,
    qfpay_payment_type: 'card_payment',
    qfpay_topology: 'bridge',
    qfpay_bridge_url: bridge.url,
    qfpay_terminal_id: 'till1',
    qfpay_events: false,
    ...options.method,
  };
  const rpc = options.rpc ?? { qfpay_bridge_token: () => TOKEN };
  const { pos, screen, registry } = createHarness({ gen: options.gen, methods: [method], sessionId: SESSION, rpc });
  const logs: LogEntry[] = [];
  const storage = memoryStorage();
  installQfpay(BASES[options.gen], options.gen === 17 ? registry.register_payment_method : registry, {
    storage,
    logger: captureAdapterLogger(logs),
    resolve: { intervalMs: 30, maxIntervalMs: 100, deadlineMs: 8000, notFoundGrace: 3, backgroundMs: 1000 },
    AlertDialog: {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  pos.loadPaymentInterfaces();
  const w: World = {
    sim,
    serverTerminal,
    bridge,
    pos,
    screen,
    logs,
    storage,
    async close() {
      for (const m of w.pos.methods) (m.payment_terminal as { close?: () => void } | undefined)?.close?.();
      sim.customer.cancel();
      await bridge.close();
      await serverTerminal.close();
      await sim.close();
    },
  };
  return w;
}

let w: World | undefined;
afterEach(async () => {
  if (w) {
    const everything = JSON.stringify({ logs: w.logs, alerts: w.pos.alerts, storage: w.storage.dump() });
    expect(everything).not.toContain(POS_KEY);
    expect(everything).not.toContain(TOKEN);
    await w.close();
  }
  w = undefined;
});

async function settled(screen: PaymentScreen, line: HarnessLine): Promise<boolean | undefined> {
  await waitFor(() => screen.inFlight.has(line), 'request started');
  return screen.inFlight.get(line) as Promise<boolean | undefined>;
}

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
    expect(w.sim.transactions()).toEqual([]);
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

describe('direct topology (DirectTerminal, server-side signing)', () => {
  function caFetch(sim: Simulator): FetchLike {
    const agent = new Agent({ connect: { ca: sim.caPem as string } });
    return (input, init) => undiciFetch(input, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>;
  }
  const signRpc = (key: string) => ({ qfpay_sign_request: (args: unknown[]) => JSON.parse(encodeRequestBody((args as [number[], EcrRequestContent])[1], key)) as string });

  async function direct(options: { customer?: CustomerScript; key?: string; port?: number; encryptReplies?: boolean; rpc?: Record<string, (args: unknown[]) => unknown> } = {}): Promise<World> {
    const made = await world({ gen: 19, customer: options.customer ?? { action: 'approve', afterMs: 30 }, simOptions: { encryptReplies: options.encryptReplies ?? false }, rpc: options.rpc ?? signRpc(options.key ?? POS_KEY), method: { qfpay_topology: 'direct', qfpay_bridge_url: false, qfpay_terminal_ip_address: '127.0.0.1' } });
    // The simulator's port and CA are known only now: point the method at them.
    const m = made.pos.method(PM);
    m.qfpay_terminal_port = options.port ?? made.sim.port;
    for (const mm of made.pos.methods) (mm.payment_terminal as { close?: () => void } | undefined)?.close?.();
    const { pos, screen, registry } = createHarness({ gen: 19, methods: [m], sessionId: SESSION, rpc: options.rpc ?? signRpc(options.key ?? POS_KEY) });
    installQfpay(BASES[19], registry, { storage: made.storage, logger: captureAdapterLogger(made.logs), fetch: caFetch(made.sim), AlertDialog: {}, resolve: { intervalMs: 30, maxIntervalMs: 100, deadlineMs: 5000, notFoundGrace: 3, backgroundMs: 500 } });
    pos.loadPaymentInterfaces();
    made.pos = pos;
    made.screen = screen;
    return made;
  }

  it("Odoo 19 signs through pos_qfpay's qfpay_sign_request and the browser talks to the terminal", async () => {
    w = await direct({ customer: { action: 'approve', afterMs: 30, card: { scheme: 'MASTERCARD', masked: '520000******1096' } } });
    w.pos.newOrder(12.5);
    const line = w.screen.addPaymentLine(PM, 12.5) as HarnessLine;
    expect(await settled(w.screen, line)).toBe(true);
    expect(line.card_type).toBe('MASTERCARD');
    expect(w.pos.rpcCalls.map((c) => c.method)).toEqual(['qfpay_sign_request', 'qfpay_sign_request']);
    expect(w.pos.rpcCalls[1]?.args).toEqual([[PM], expect.objectContaining({ func_type: 1001, amt: 12.5, channel: 'card_payment' })]);
    // A 4001 for the fresh reference first (reachability), then the payment.
    expect(w.sim.requests().map((r) => r.funcType)).toEqual([4001, 1001]);
  });

  it('customer cancel (6001) is confirmed by a query, cashier cancel sends 5001, decline shows the reason', async () => {
    w = await direct({ customer: { action: 'cancel', afterMs: 30 } });
    w.pos.newOrder(5);
    const a = w.screen.addPaymentLine(PM, 5) as HarnessLine;
    expect(await settled(w.screen, a)).toBe(false);
    expect(w.pos.alerts).toEqual([]);
    expect(w.sim.requests().map((r) => r.funcType)).toEqual([4001, 1001, 4001]);

    w.sim.setCustomer({ action: 'manual' });
    const b = w.screen.addPaymentLine(PM, 5) as HarnessLine;
    await w.sim.waitForScreen();
    await waitFor(() => b.payment_status === 'waitingCard', 'waitingCard');
    expect(await w.screen.sendPaymentCancel(b)).toBe(true);
    expect(b.payment_status).toBe('retry');

    w.sim.setCustomer({ action: 'decline', code: '1205', afterMs: 20 });
    const c = w.screen.addPaymentLine(PM, 5) as HarnessLine;
    expect(await settled(w.screen, c)).toBe(false);
    expect(w.pos.alerts.at(-1)?.message).toContain('QFPay payment failed');
    expect(w.sim.transactions().filter((t) => t.respcd === '0000')).toEqual([]);
  });

  it('unreachable terminal, wrong POS-KEY, refused signing, encrypted replies: nothing is ever sent', async () => {
    w = await direct({ port: await closedPort() });
    w.pos.newOrder(2);
    const a = w.screen.addPaymentLine(PM, 2) as HarnessLine;
    expect(await settled(w.screen, a)).toBe(false);
    expect(w.pos.alerts.at(-1)?.message).toContain('Cannot reach the QFPay terminal. Nothing was charged.');
    expect(w.pos.alerts.at(-1)?.message).toContain('ca3.crt');
    await w.close();

    w = await direct({ key: 'AnotherPosKeyOfThirtyTwoBytes!!!' });
    w.pos.newOrder(2);
    const b = w.screen.addPaymentLine(PM, 2) as HarnessLine;
    expect(await settled(w.screen, b)).toBe(false);
    expect(w.pos.alerts.at(-1)?.message).toContain('Error Code: 4003');
    expect(w.sim.requests().every((r) => r.funcType !== 1001)).toBe(true);
    await w.close();

    w = await direct({ rpc: { qfpay_sign_request: () => Promise.reject(new Error('AccessDenied')) } });
    w.pos.newOrder(2);
    const c = w.screen.addPaymentLine(PM, 2) as HarnessLine;
    expect(await settled(w.screen, c)).toBe(false);
    expect(w.pos.alerts.at(-1)?.message).toContain('AccessDenied');
    expect(w.sim.requests()).toEqual([]);
    await w.close();

    w = await direct({ encryptReplies: true });
    w.pos.newOrder(2);
    const d = w.screen.addPaymentLine(PM, 2) as HarnessLine;
    expect(await settled(w.screen, d)).toBe(false);
    expect(w.pos.alerts.at(-1)?.message).toMatch(/bridge/);
    expect(w.sim.requests().map((r) => r.funcType)).toEqual([4001]);
  });

  it("DirectTerminal with the notify server's signing route", async () => {
    w = await world({ gen: 18 });
    const terminal = new DirectTerminal({ host: '127.0.0.1', port: w.sim.port, signer: bridgeSigner({ baseUrl: w.bridge.url, terminalId: 'till1', token: TOKEN }), fetch: caFetch(w.sim) });
    const outcome = await terminal.pay({ amountMinor: 880, channel: 'payme' });
    expect(outcome).toMatchObject({ status: 'approved', amountMinor: 880 });
    expect(await terminal.query({ outTradeNo: outcome.outTradeNo })).toMatchObject({ found: true, state: 'paid' });
    if (outcome.status !== 'approved') throw new Error('not approved');
    const refund = await terminal.refund({ syssn: outcome.syssn, amountMinor: 880 });
    expect(refund).toMatchObject({ status: 'approved', kind: 'refund', amountMinor: 880 });
    const wrongToken = new DirectTerminal({ host: '127.0.0.1', port: w.sim.port, signer: bridgeSigner({ baseUrl: w.bridge.url, terminalId: 'till1', token: 'not-the-token-000000' }), fetch: caFetch(w.sim) });
    const refused = await wrongToken.pay({ amountMinor: 100, channel: 'payme' });
    expect(refused).toMatchObject({ status: 'failed' });
    await terminal.close();
  });
});
