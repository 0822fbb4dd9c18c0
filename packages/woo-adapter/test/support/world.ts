/**
 * A test world: the simulator (real HTTPS, its own CA pinned), a real terminal, the WooCommerce
 * fake on a real socket, a WooClient and the adapter, plus recorders for alerts. The terminal
 * follows `QFPAY_TEST_TERMINAL_MODE` (terminal-mode.ts): the LAN `QFPayTerminal`, or a
 * `QFPayCloudTerminal` through the simulator's fake QFPay OpenAPI (ECR Cloud).
 */
import { QFPayCloudTerminal, QFPayTerminal, type PaymentTerminal, type QFPayCloudTerminalOptions, type QFPayTerminalOptions } from '@qfpay-ecr/core';
import { startSimulator, type CustomerScript, type Simulator, type SimulatorOptions } from '@qfpay-ecr/simulator';
import { WooClient, WooQfpayAdapter, type AlertEvent, type NotificationFeed, type WooQfpayAdapterOptions } from '../../src/index.js';
import { startWooFake, type FakeOrderInput, type WooFake, type WooFakeOptions } from '../../src/testing/index.js';
import { CLOUD_APP_CODE, CLOUD_CLIENT_KEY, CLOUD_TERMID, sharedTerminalOptions, testTerminalMode, type TerminalMode } from './terminal-mode.js';

/** A distinctive POS-KEY (32 bytes), easy to search for in output. */
export const POS_KEY = 'WooAdapterPosKeyS3cretZq9Wx4Lm2N';
export const CONSUMER_KEY = 'ck_0123456789abcdef0123456789abcdef01234567';
export const CONSUMER_SECRET = 'cs_S3cretConsumerSecretValue0123456789abcdef';

/** Fast resolution for tests (no assertion depends on timing). */
export const FAST_RESOLVE = { deadlineMs: 5_000, minIntervalMs: 20, maxIntervalMs: 100 } as const;
export const FAST_RETRY = { retries: 2, minTimeoutMs: 5, maxTimeoutMs: 20 } as const;

export interface World {
  /** The terminal mode of this run. */
  mode: TerminalMode;
  sim: Simulator;
  fake: WooFake;
  terminal: PaymentTerminal;
  woo: WooClient;
  adapter: WooQfpayAdapter;
  alerts: AlertEvent[];
  /** Creates a pending HKD order for `total` ("12.50"). */
  order(total: string, extra?: FakeOrderInput): number;
  /** Another adapter on the same terminal and Woo client (e.g. "after a restart"). */
  makeAdapter(extra?: Partial<WooQfpayAdapterOptions>): WooQfpayAdapter;
  close(): Promise<void>;
}

export interface WorldOptions {
  customer?: CustomerScript;
  sim?: Partial<SimulatorOptions>;
  /** LAN terminal options; in cloud mode only those with a cloud meaning are allowed (terminal-mode.ts). */
  terminal?: Partial<QFPayTerminalOptions>;
  /** Cloud terminal options (cloud mode only). */
  cloudTerminal?: Partial<QFPayCloudTerminalOptions>;
  /** Notifications for the cloud terminal (cloud mode; a LAN terminal learns only from the terminal). */
  notifications?: NotificationFeed;
  fake?: WooFakeOptions;
  adapter?: Partial<WooQfpayAdapterOptions>;
}

/** Fast cloud timings for tests (no assertion depends on timing). */
export const FAST_CLOUD = { resolve: { minIntervalMs: 20, maxIntervalMs: 100 }, connectTimeoutMs: 2_000, requestTimeoutMs: 3_000, cancelWaitMs: 5_000 } as const;

/** The ECR Cloud credentials the simulator expects in cloud mode. */
export const CLOUD = { appCode: CLOUD_APP_CODE, clientKey: CLOUD_CLIENT_KEY, termid: CLOUD_TERMID } as const;

function makeTerminal(mode: TerminalMode, sim: Simulator, options: WorldOptions): PaymentTerminal {
  if (mode === 'lan') {
    return new QFPayTerminal({
      host: sim.host,
      port: sim.port,
      posKey: POS_KEY,
      ca: sim.caPem as string,
      pinnedCaFingerprint256: sim.caFingerprint256 as string,
      resolve: FAST_RESOLVE,
      connectTimeoutMs: 2_000,
      requestTimeoutMs: 3_000,
      cancelWaitMs: 5_000,
      ...options.terminal,
    });
  }
  if (!sim.cloud) throw new Error('cloud mode needs the simulator\'s OpenAPI (do not override sim.cloud)');
  return new QFPayCloudTerminal({
    environment: 'custom',
    baseUrl: sim.cloud.url,
    ca: sim.caPem as string,
    ...CLOUD,
    ...FAST_CLOUD,
    ...sharedTerminalOptions(options.terminal),
    ...(options.notifications ? { notifications: options.notifications } : {}),
    ...options.cloudTerminal,
  });
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const mode = testTerminalMode();
  const sim = await startSimulator({ posKey: POS_KEY, customer: options.customer ?? { action: 'approve', afterMs: 10 }, ...(mode === 'cloud' ? { cloud: { ...CLOUD } } : {}), ...options.sim });
  const fake = await startWooFake({ keys: [{ consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET, permissions: 'read_write' }], ...options.fake });
  let terminal: PaymentTerminal;
  try {
    terminal = makeTerminal(mode, sim, options);
  } catch (error) {
    await sim.close();
    await fake.close();
    throw error;
  }
  const woo = new WooClient({ url: fake.url, consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET, allowInsecureHttp: true, retry: FAST_RETRY, timeoutMs: 3_000 });
  const alerts: AlertEvent[] = [];
  const adapters: WooQfpayAdapter[] = [];
  const makeAdapter = (extra: Partial<WooQfpayAdapterOptions> = {}) => {
    const a = new WooQfpayAdapter({ woo, terminal, terminalId: 'till-1', writeRetry: FAST_RETRY, notificationRetry: FAST_RETRY, ...options.adapter, ...extra });
    a.on('alert', (e) => alerts.push(e));
    adapters.push(a);
    return a;
  };
  const adapter = makeAdapter();
  return {
    mode,
    sim,
    fake,
    terminal,
    woo,
    adapter,
    alerts,
    makeAdapter,
    order: (total, extra = {}) => fake.createOrder({ lineItems: [{ name: 'Milk tea', total }], ...extra }).id,
    async close() {
      // Faults left queued (e.g. an OpenAPI made unreadable) would keep a transaction polling.
      sim.clearFaults();
      sim.customer.cancel();
      await terminal.close();
      await woo.close();
      await sim.close();
      await fake.close();
    },
  };
}

/** Attempt meta of an order in the fake, parsed. */
export function attemptsOf(fake: WooFake, orderId: number): Array<{ n: number; outTradeNo: string; status: string; syssn?: string }> {
  const raw = fake.order(orderId)?.meta_data.find((m) => m.key === '_qfpay_attempts')?.value;
  return typeof raw === 'string' ? (JSON.parse(raw) as Array<{ n: number; outTradeNo: string; status: string; syssn?: string }>) : [];
}

export function metaOf(fake: WooFake, orderId: number, key: string): unknown {
  return fake.order(orderId)?.meta_data.find((m) => m.key === key)?.value;
}

/** Notes of an order written by the adapter (carrying a [qfpay:…] marker). */
export function qfpayNotes(fake: WooFake, orderId: number): string[] {
  return fake
    .notes(orderId)
    .map((n) => n.note)
    .filter((n) => n.includes('[qfpay:'));
}

/** Payment requests (LAN 1001s and cloud payment pushes) the simulator received. */
export function paymentRequests(world: World): number {
  return world.sim.requests().filter((r) => r.funcType === 1001).length;
}
