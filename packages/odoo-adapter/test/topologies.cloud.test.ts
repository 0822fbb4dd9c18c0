/**
 * ECR Cloud's bridge topology with QFPay's notifications heard server-side: the real notify
 * server verifies them (QFPay signs them with the client key) and its `events` feed the bridge's
 * QFPayCloudTerminal (notificationSourceFromEmitter), so a payment settles even while QFPay's book
 * cannot be read; the outcome (`resolvedBy: 'notification'`) travels through the bridge to
 * RemoteTerminal and the Odoo payment screen.
 */
import { notificationSourceFromEmitter, QFPayCloudTerminal } from '@qfpay-ecr/core';
import { startSimulator, type Simulator } from '@qfpay-ecr/simulator';
import { createTerminalBridgeRouter, startBridgeServer, type RunningBridge } from '../../notify-server/src/bridge/index.js';
import { createLogger, createNotifyApp, createSqliteStore, type NotifyApp } from '../../notify-server/src/index.js';
import { installQfpay, memoryStorage, RemoteTerminal } from '../src/index.js';
import { BASES, createHarness, type HarnessLine } from '../src/testing/index.js';
import { captureAdapterLogger, waitFor, type LogEntry } from './support/rig.js';
import { CLOUD } from './support/terminal-mode.js';

const POS_KEY = 'CloudTopologyP0sKey-0123456789ab';
const TOKEN = 'cloud-topology-bridge-token-4Tq8';
const PM = 6;

interface CloudWorld {
  sim: Simulator;
  notify: NotifyApp;
  terminal: QFPayCloudTerminal;
  bridge: RunningBridge;
  close(): Promise<void>;
}

async function cloudWorld(): Promise<CloudWorld> {
  const notify = createNotifyApp({ keys: CLOUD.clientKey, store: createSqliteStore({ path: ':memory:' }), logger: createLogger({ level: 'silent' }), shutdownGraceMs: 200 });
  const listening = await notify.listen({ port: 0 });
  const sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'manual' }, cloud: { ...CLOUD }, notify: { url: `${listening.url}/qfpay/notify`, key: CLOUD.clientKey, scheduleMs: [0, 50, 100] } });
  const terminal = new QFPayCloudTerminal({
    environment: 'custom',
    baseUrl: sim.cloud?.url as string,
    ca: sim.caPem as string,
    ...CLOUD,
    notifications: notificationSourceFromEmitter(notify.events),
    resolve: { minIntervalMs: 20, maxIntervalMs: 100 },
  });
  const routes = createTerminalBridgeRouter({ terminals: { till1: terminal }, tokens: [TOKEN], maxWaitMs: 2_000 });
  const bridge = await startBridgeServer({ routers: [routes.router], onClose: routes.close });
  return {
    sim,
    notify,
    terminal,
    bridge,
    async close() {
      sim.clearFaults();
      sim.customer.cancel();
      await bridge.close();
      await terminal.close();
      await sim.close();
      await notify.close();
    },
  };
}

let w: CloudWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** Every OpenAPI call fails with HTTP 500 from now on (one fault per request), until `sim.clearFaults()`. */
function blindOpenApi(sim: Simulator): void {
  for (let i = 0; i < 2_000; i++) sim.injectFault({ kind: 'http500' });
}

describe('ECR Cloud bridge with notifications heard server-side', () => {
  it('RemoteTerminal gets the notification-settled approval through the bridge while QFPay\'s book is unreadable', async () => {
    w = await cloudWorld();
    const remote = new RemoteTerminal({ baseUrl: w.bridge.url, terminalId: 'till1', token: TOKEN, longPollMs: 1_000 });
    try {
      const paying = remote.pay({ amountMinor: 2300, channel: 'alipay', outTradeNo: 'cloud-remote-1' });
      await w.sim.waitForScreen();
      blindOpenApi(w.sim);
      expect(w.sim.customer.approve()).toBe(true);
      const outcome = await paying;
      expect(outcome).toMatchObject({ status: 'approved', resolvedBy: 'notification', outTradeNo: 'cloud-remote-1', amountMinor: 2300, syssn: w.sim.transactions()[0]?.syssn });
      expect(w.sim.paymentRequestCount('cloud-remote-1')).toBe(1);
    } finally {
      await remote.close();
    }
  });

  it.each([17, 19] as const)('Odoo %i: the line is done from the notification, configured as bridge topology (URL, terminal id, token by RPC)', async (gen) => {
    w = await cloudWorld();
    const method = {
      id: PM,
      name: 'QFPay Alipay',
      use_payment_terminal: gen === 19 ? false : 'qfpay',
      payment_provider: gen === 19 ? 'qfpay' : false,
      qfpay_payment_type: 'alipay',
      qfpay_topology: 'bridge',
      qfpay_bridge_url: w.bridge.url,
      qfpay_terminal_id: 'till1',
      qfpay_events: false,
    } as const;
    const { pos, screen, registry } = createHarness({ gen, methods: [{ ...method }], sessionId: 12, rpc: { qfpay_bridge_token: () => TOKEN } });
    const logs: LogEntry[] = [];
    const storage = memoryStorage();
    installQfpay(BASES[gen], gen === 17 ? registry.register_payment_method : registry, { storage, logger: captureAdapterLogger(logs), resolve: { intervalMs: 30, maxIntervalMs: 100, deadlineMs: 8000, notFoundGrace: 3, backgroundMs: 1000 }, AlertDialog: {}, ErrorPopup: {} });
    pos.loadPaymentInterfaces();
    try {
      pos.newOrder(23);
      const line = screen.addPaymentLine(PM, 23) as HarnessLine;
      if (gen === 17) void screen.sendPaymentRequest(line);
      await w.sim.waitForScreen();
      blindOpenApi(w.sim);
      w.sim.customer.approve();
      await waitFor(() => line.payment_status === 'done', 'line done', 15_000);
      expect(line.transaction_id).toBe(w.sim.transactions()[0]?.syssn);
      expect(logs.filter((l) => l.message === 'attempt settled').map((l) => l.fields?.source)).toEqual(['terminal:notification']);
      expect(pos.alerts).toEqual([]);
      const everything = JSON.stringify({ logs, alerts: pos.alerts, storage: storage.dump() });
      for (const secret of [TOKEN, CLOUD.clientKey, POS_KEY]) expect(everything).not.toContain(secret);
    } finally {
      for (const m of pos.methods) (m.payment_terminal as { close?: () => void } | undefined)?.close?.();
    }
  });
});
