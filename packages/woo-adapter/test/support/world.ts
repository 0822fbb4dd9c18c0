/**
 * A test world: the simulator (real HTTPS, its own CA pinned), a real QFPayTerminal, the
 * WooCommerce fake on a real socket, a WooClient and the adapter, plus recorders for alerts.
 */
import { QFPayTerminal, type QFPayTerminalOptions } from '@qfpay-ecr/core';
import { startSimulator, type CustomerScript, type Simulator, type SimulatorOptions } from '@qfpay-ecr/simulator';
import { WooClient, WooQfpayAdapter, type AlertEvent, type WooQfpayAdapterOptions } from '../../src/index.js';
import { startWooFake, type FakeOrderInput, type WooFake, type WooFakeOptions } from '../../src/testing/index.js';

/** A distinctive POS-KEY (32 bytes), easy to search for in output. */
export const POS_KEY = 'WooAdapterPosKeyS3cretZq9Wx4Lm2N';
export const CONSUMER_KEY = 'ck_0123456789abcdef0123456789abcdef01234567';
export const CONSUMER_SECRET = 'cs_S3cretConsumerSecretValue0123456789abcdef';

/** Fast resolution for tests (no assertion depends on timing). */
export const FAST_RESOLVE = { deadlineMs: 5_000, minIntervalMs: 20, maxIntervalMs: 100 } as const;
export const FAST_RETRY = { retries: 2, minTimeoutMs: 5, maxTimeoutMs: 20 } as const;

export interface World {
  sim: Simulator;
  fake: WooFake;
  terminal: QFPayTerminal;
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
  terminal?: Partial<QFPayTerminalOptions>;
  fake?: WooFakeOptions;
  adapter?: Partial<WooQfpayAdapterOptions>;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const sim = await startSimulator({ posKey: POS_KEY, customer: options.customer ?? { action: 'approve', afterMs: 10 }, ...options.sim });
  const fake = await startWooFake({ keys: [{ consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET, permissions: 'read_write' }], ...options.fake });
  const terminal = new QFPayTerminal({
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
    sim,
    fake,
    terminal,
    woo,
    adapter,
    alerts,
    makeAdapter,
    order: (total, extra = {}) => fake.createOrder({ lineItems: [{ name: 'Milk tea', total }], ...extra }).id,
    async close() {
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
