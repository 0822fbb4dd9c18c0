/**
 * The topology tests' world: a harness POS of one generation whose payment method points at a
 * bridge (the notify server's terminal and signing routes on a bridge server) in front of the
 * simulator, or is direct. The bridge's terminal follows `QFPAY_TEST_TERMINAL_MODE`: core's
 * QFPayTerminal (LAN) or a QFPayCloudTerminal through the simulator's fake OpenAPI (ECR Cloud).
 */
import { once } from 'node:events';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { QFPayCloudTerminal, QFPayTerminal, type PaymentTerminal } from '@qfpay-ecr/core';
import { startSimulator, type CustomerScript, type Simulator } from '@qfpay-ecr/simulator';
import { createSigningRouter, createTerminalBridgeRouter, startBridgeServer, type RunningBridge } from '../../../notify-server/src/bridge/index.js';
import { installQfpay, memoryStorage, type FetchLike } from '../../src/index.js';
import { BASES, createHarness, type Gen, type HarnessLine, type HarnessPos, type PaymentMethodRecord, type PaymentScreen } from '../../src/testing/index.js';
import { captureAdapterLogger, waitFor, type LogEntry } from './rig.js';
import { CLOUD, testTerminalMode, type TerminalMode } from './terminal-mode.js';

export const POS_KEY = 'TopologyP0sKey-S3cret-0123456789';
export const TOKEN = 'topology-bridge-token-8Rt5VyQ1';
export const SESSION = 11;
export const PM = 5;

export async function closedPort(): Promise<number> {
  const s = createNetServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface World {
  mode: TerminalMode;
  sim: Simulator;
  /** The bridge's terminal: QFPayTerminal (LAN) or QFPayCloudTerminal (cloud). */
  serverTerminal: PaymentTerminal;
  bridge: RunningBridge;
  pos: HarnessPos;
  screen: PaymentScreen;
  logs: LogEntry[];
  storage: ReturnType<typeof memoryStorage>;
  close(): Promise<void>;
}

/** A harness POS of `gen` whose payment method points at a bridge (or is direct with `method`). */
export async function world(options: { gen: Gen; customer?: CustomerScript; method?: Partial<PaymentMethodRecord>; fetch?: FetchLike; simOptions?: { encryptReplies?: boolean }; rpc?: Record<string, (args: unknown[]) => unknown>; mode?: TerminalMode }): Promise<World> {
  const mode = options.mode ?? testTerminalMode();
  const sim = await startSimulator({ posKey: POS_KEY, customer: options.customer ?? { action: 'approve', afterMs: 30 }, ...options.simOptions, ...(mode === 'cloud' ? { cloud: { ...CLOUD } } : {}) });
  const serverTerminal: PaymentTerminal =
    mode === 'cloud'
      ? new QFPayCloudTerminal({ environment: 'custom', baseUrl: sim.cloud?.url as string, ca: sim.caPem as string, ...CLOUD, resolve: { minIntervalMs: 20, maxIntervalMs: 100 }, cancelWaitMs: 3000 })
      : new QFPayTerminal({ host: '127.0.0.1', port: sim.port, posKey: POS_KEY, ca: sim.caPem as string, pinnedCaFingerprint256: sim.caFingerprint256 as string, resolve: { deadlineMs: 3000, minIntervalMs: 20, maxIntervalMs: 100 }, cancelWaitMs: 3000 });
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
    mode,
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

/** Checks that no secret reached the logs, alerts or storage, then closes the world. */
export async function closeCheckingSecrets(w: World): Promise<void> {
  const everything = JSON.stringify({ logs: w.logs, alerts: w.pos.alerts, storage: w.storage.dump() });
  for (const secret of [POS_KEY, TOKEN, CLOUD.clientKey]) expect(everything).not.toContain(secret);
  await w.close();
}

export async function settled(screen: PaymentScreen, line: HarnessLine): Promise<boolean | undefined> {
  await waitFor(() => screen.inFlight.has(line), 'request started');
  return screen.inFlight.get(line) as Promise<boolean | undefined>;
}
