/**
 * The direct topology, LAN only (the browser cannot reach QFPay's OpenAPI with a client key, so
 * ECR Cloud always goes through the bridge): the harness POS → `DirectTerminal` (signing by
 * Odoo 19's `qfpay_sign_request` RPC, or by the notify server's signing route) → simulator over
 * HTTPS. Secrets (POS-KEY, bridge token) never show up in alerts, logs or storage.
 */
import { Agent, fetch as undiciFetch } from 'undici';
import { encodeRequestBody, type EcrRequestContent } from '@qfpay-ecr/core';
import type { CustomerScript, Simulator } from '@qfpay-ecr/simulator';
import { bridgeSigner, DirectTerminal, installQfpay, type FetchLike } from '../src/index.js';
import { BASES, createHarness, type HarnessLine } from '../src/testing/index.js';
import { captureAdapterLogger, waitFor } from './support/rig.js';
import { closedPort, closeCheckingSecrets, PM, POS_KEY, SESSION, settled, TOKEN, world, type World } from './support/topology.js';

let w: World | undefined;
afterEach(async () => {
  if (w) await closeCheckingSecrets(w);
  w = undefined;
});

describe('direct topology (DirectTerminal, server-side signing)', () => {
  function caFetch(sim: Simulator): FetchLike {
    const agent = new Agent({ connect: { ca: sim.caPem as string } });
    return (input, init) => undiciFetch(input, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>;
  }
  const signRpc = (key: string) => ({ qfpay_sign_request: (args: unknown[]) => JSON.parse(encodeRequestBody((args as [number[], EcrRequestContent])[1], key)) as string });

  async function direct(options: { customer?: CustomerScript; key?: string; port?: number; encryptReplies?: boolean; rpc?: Record<string, (args: unknown[]) => unknown> } = {}): Promise<World> {
    const made = await world({ mode: 'lan', gen: 19, customer: options.customer ?? { action: 'approve', afterMs: 30 }, simOptions: { encryptReplies: options.encryptReplies ?? false }, rpc: options.rpc ?? signRpc(options.key ?? POS_KEY), method: { qfpay_topology: 'direct', qfpay_bridge_url: false, qfpay_terminal_ip_address: '127.0.0.1' } });
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
    w = await world({ mode: 'lan', gen: 18 });
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
