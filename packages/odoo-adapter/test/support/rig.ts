/**
 * A test rig: the simulator (real HTTPS, its own CA), a notification receiver that verifies
 * `X-QF-SIGN` and republishes on the harness bus the way pos_qfpay's `/qfpay/notify` controller
 * does (`QFPAY_LATEST_RESPONSE` with `{ response, line_uuid }`), a harness POS of one generation
 * with the adapter installed, and a clock shared by the simulator and the adapter.
 *
 * The terminal follows `QFPAY_TEST_TERMINAL_MODE` (terminal-mode.ts): `lan` hands the adapter a
 * QFPayTerminal; `cloud` is ECR Cloud's bridge topology: the adapter gets a RemoteTerminal talking
 * to the notify server's bridge routes, whose terminal is a QFPayCloudTerminal reaching the
 * simulator's fake QFPay OpenAPI and hearing the verified notifications server-side.
 */
import { EventEmitter, once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeOdooOutTradeNo,
  notificationSourceFromEmitter,
  parseNotification,
  QFPayCloudTerminal,
  QFPayTerminal,
  verifyNotification,
  type QFPayCloudTerminalOptions,
  type QFPayTerminalOptions,
  type TerminalLogger,
} from '@qfpay-ecr/core';
import { startSimulator, type CustomerScript, type Simulator } from '@qfpay-ecr/simulator';
import { createTerminalBridgeRouter, startBridgeServer, type RunningBridge } from '../../../notify-server/src/bridge/index.js';
import { installQfpay, memoryStorage, RemoteTerminal, type AdapterLogger, type QfpayInstallOptions } from '../../src/index.js';
import type { PaymentTerminal } from '@qfpay-ecr/core/terminal';
import { BRIDGE_TOKEN, CLOUD, sharedTerminalOptions, testTerminalMode, type TerminalMode } from './terminal-mode.js';
import { BASES, createHarness, reloadHarness, type Gen, type HarnessLine, type HarnessPos, type PaymentMethodRecord, type PaymentScreen } from '../../src/testing/index.js';

/** A distinctive POS-KEY and notification key, searched for in everything the tests capture. */
export const POS_KEY = 'OdooPosKey9Secret4Zx7Qw2Er5Ty8U1';
export const NOTIFY_KEY = 'NotifyKey-Odoo-S3cret-77';
export const SESSION_ID = 7;
export const METHOD_ID = 3;

export interface LogEntry {
  level: string;
  message: string;
  fields?: Record<string, unknown> | undefined;
}

export function captureAdapterLogger(into: LogEntry[]): AdapterLogger {
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void into.push({ level, message, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function captureTerminalLogger(into: LogEntry[]): TerminalLogger {
  const at = (level: string) => (obj: Record<string, unknown>, msg?: string) => void into.push({ level, message: msg ?? '', fields: obj });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Waits (bounded) until `check` is true. */
export async function waitFor(check: () => boolean, label: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for: ${label}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface RigOptions {
  gen: Gen;
  customer?: CustomerScript;
  method?: Partial<PaymentMethodRecord>;
  /** Extra methods (e.g. cash). */
  otherMethods?: PaymentMethodRecord[];
  /** LAN terminal options; in cloud mode only those with a cloud meaning are allowed (terminal-mode.ts). */
  terminal?: Partial<QFPayTerminalOptions>;
  /** Options of the bridge's QFPayCloudTerminal (cloud mode only). */
  cloudTerminal?: Partial<QFPayCloudTerminalOptions>;
  /** Cloud mode: whether the bridge's terminal hears the verified notifications (default true). */
  cloudHearsNotifications?: boolean;
  adapter?: Partial<QfpayInstallOptions>;
  /** Start time of the shared clock; default now. */
  now?: Date;
  /** Answer notifications with a failure this many times first (to make QFPay retry). */
  failFirstNotifications?: number;
}

export interface Rig {
  /** The terminal mode of this run. */
  readonly mode: TerminalMode;
  readonly sim: Simulator;
  /** Cloud mode: the bridge's QFPayCloudTerminal (server side); undefined on LAN. */
  readonly cloudTerminal: QFPayCloudTerminal | undefined;
  pos: HarnessPos;
  screen: PaymentScreen;
  readonly storage: ReturnType<typeof memoryStorage>;
  readonly logs: LogEntry[];
  /** The terminals handed to the adapter (QFPayTerminal on LAN, RemoteTerminal in cloud mode). */
  readonly terminals: PaymentTerminal[];
  /** Raw notification bodies received and verified. */
  readonly notifications: string[];
  /** Whether received notifications are republished on the POS bus (false = "bus message lost"). */
  forward: boolean;
  /** The shared clock. */
  now: Date;
  method(): PaymentMethodRecord;
  /** Payment line by index of the current order. */
  line(i?: number): HarnessLine;
  /** Waits for a line's request to settle. */
  settled(line: HarnessLine): Promise<boolean | undefined>;
  /** The `out_trade_no`s the terminal received for payments (LAN 1001s or cloud pushes), oldest first. */
  paymentRefs(): string[];
  /** What the terminal was asked to charge, per payment request, in either mode. */
  paymentRequests(): Array<{ outTradeNo: string; amountMinor: number; channel: string }>;
  /** What the terminal was asked to refund, per refund request, in either mode (`amountMinor` absent = all that is left). */
  refundRequests(): Array<{ syssn: string; amountMinor?: number }>;
  /** Transactions booked as paid or refunded (a cloud order cancelled on the terminal is booked too, as 1263). */
  charged(): ReturnType<Simulator['transactions']>;
  /** Where each settled attempt's outcome came from (`terminal:reply`, `terminal:query`, `terminal:notification`, `bus`…), from the adapter's log. */
  settledBy(): string[];
  reload(): void;
  /** Publishes a notification body on the POS bus, pos_qfpay style. */
  publish(body: Record<string, unknown>): void;
  close(): Promise<void>;
}

/** Starts everything; `close()` stops it. */
export async function startRig(options: RigOptions): Promise<Rig> {
  const mode = testTerminalMode();
  const state = { now: options.now ?? new Date() };
  const notifications: string[] = [];
  // Cloud mode: what the notify server would hand the bridge's terminal (verified, parsed).
  const serverSide = new EventEmitter();
  let failures = options.failFirstNotifications ?? 0;
  let rig!: Rig;
  const receiver: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const sign = req.headers['x-qf-sign'];
      const check = verifyNotification(raw, typeof sign === 'string' ? sign : undefined, NOTIFY_KEY);
      if (!check.ok) {
        res.writeHead(400).end('bad signature');
        return;
      }
      const text = raw.toString('utf8');
      notifications.push(text);
      if (rig?.forward) rig.publish(JSON.parse(text) as Record<string, unknown>);
      if (options.cloudHearsNotifications !== false) serverSide.emit('notification', parseNotification(raw));
      if (failures > 0) {
        failures -= 1;
        res.writeHead(500).end('try again');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('SUCCESS');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/qfpay/notify`;

  const sim = await startSimulator({
    posKey: POS_KEY,
    customer: options.customer ?? { action: 'approve', afterMs: 50 },
    notify: { url: notifyUrl, key: NOTIFY_KEY, scheduleMs: [0, 30, 60, 90] },
    clock: () => new Date(state.now.getTime()),
    ...(mode === 'cloud' ? { cloud: { ...CLOUD } } : {}),
  });
  const logs: LogEntry[] = [];
  const terminals: PaymentTerminal[] = [];
  const storage = memoryStorage();
  let cloudTerminal: QFPayCloudTerminal | undefined;
  let bridge: RunningBridge | undefined;
  if (mode === 'cloud') {
    try {
      cloudTerminal = new QFPayCloudTerminal({
        environment: 'custom',
        baseUrl: sim.cloud?.url as string,
        ca: sim.caPem as string,
        ...CLOUD,
        notifications: notificationSourceFromEmitter(serverSide),
        resolve: { minIntervalMs: 20, maxIntervalMs: 100 },
        cancelWaitMs: 3_000,
        connectTimeoutMs: 2_000,
        requestTimeoutMs: 3_000,
        logger: captureTerminalLogger(logs),
        ...sharedTerminalOptions(options.terminal),
        ...options.cloudTerminal,
      });
    } catch (error) {
      await sim.close();
      await new Promise<void>((r) => receiver.close(() => r()));
      throw error;
    }
    const routes = createTerminalBridgeRouter({ terminals: { till1: cloudTerminal }, tokens: [BRIDGE_TOKEN], maxWaitMs: 2_000 });
    bridge = await startBridgeServer({ routers: [routes.router], onClose: routes.close });
  }
  const makeTerminal = (): PaymentTerminal => {
    const t: PaymentTerminal = bridge
      ? new RemoteTerminal({ baseUrl: bridge.url, terminalId: 'till1', token: BRIDGE_TOKEN, requestTimeoutMs: 5_000, longPollMs: 2_000 })
      : new QFPayTerminal({
          host: '127.0.0.1',
          port: sim.port,
          posKey: POS_KEY,
          ca: sim.caPem as string,
          pinnedCaFingerprint256: sim.caFingerprint256 as string,
          resolve: { deadlineMs: 3_000, minIntervalMs: 20, maxIntervalMs: 100 },
          cancelWaitMs: 3_000,
          connectTimeoutMs: 2_000,
          requestTimeoutMs: 3_000,
          logger: captureTerminalLogger(logs),
          ...options.terminal,
        });
    terminals.push(t);
    return t;
  };
  const method: PaymentMethodRecord = {
    id: METHOD_ID,
    name: 'QFPay Card',
    use_payment_terminal: options.gen === 19 ? false : 'qfpay',
    payment_provider: options.gen === 19 ? 'qfpay' : false,
    qfpay_payment_type: 'card_payment',
    // The rig hands the adapter its terminal (options.terminal below); these say what it stands for.
    ...(mode === 'cloud' ? { qfpay_topology: 'bridge', qfpay_terminal_id: 'till1' } : { qfpay_terminal_ip_address: '127.0.0.1' }),
    qfpay_bridge_url: false,
    ...options.method,
  };
  const { pos, screen, registry } = createHarness({ gen: options.gen, methods: [method, ...(options.otherMethods ?? [])], sessionId: SESSION_ID });
  installQfpay(BASES[options.gen], options.gen === 17 ? registry.register_payment_method : registry, {
    terminal: () => makeTerminal(),
    storage,
    clock: () => new Date(state.now.getTime()),
    resolve: { intervalMs: 20, maxIntervalMs: 80, deadlineMs: 5_000, notFoundGrace: 3, backgroundMs: 5_000 },
    logger: captureAdapterLogger(logs),
    AlertDialog: { name: 'AlertDialog' },
    ErrorPopup: { name: 'ErrorPopup' },
    ...options.adapter,
  });
  pos.loadPaymentInterfaces();

  rig = {
    mode,
    sim,
    cloudTerminal,
    pos,
    screen,
    storage,
    logs,
    terminals,
    notifications,
    forward: true,
    get now() {
      return state.now;
    },
    set now(d: Date) {
      state.now = d;
    },
    method() {
      return rig.pos.method(METHOD_ID);
    },
    line(i = 0) {
      const order = rig.pos.selected;
      const l = order?.payment[i];
      if (!l) throw new Error(`no payment line ${i}`);
      return l;
    },
    async settled(line) {
      await waitFor(() => rig.screen.inFlight.has(line), 'request started');
      return rig.screen.inFlight.get(line) as Promise<boolean | undefined>;
    },
    paymentRefs() {
      return sim
        .requests()
        .filter((r) => r.funcType === 1001)
        .map((r) => String(r.content?.out_trade_no));
    },
    paymentRequests() {
      return sim
        .requests()
        .filter((r) => r.funcType === 1001 && r.content)
        .map((r) => {
          const c = r.content as Record<string, string | number>;
          // LAN: `amt` in dollars (a number); cloud: `txamt` in cents (form text).
          const amountMinor = c.txamt !== undefined ? Number(c.txamt) : Math.round(Number(c.amt) * 100);
          return { outTradeNo: String(c.out_trade_no), amountMinor, channel: String(c.channel) };
        });
    },
    refundRequests() {
      return sim
        .requests()
        .filter((r) => r.funcType === 1002 && r.content)
        .map((r) => {
          const c = r.content as Record<string, string | number>;
          // LAN: `orderId` and `refund_amount` in dollars (text); cloud: `syssn` and `txamt` in cents.
          const amount = c.txamt !== undefined ? Number(c.txamt) : c.refund_amount !== undefined ? Math.round(Number(c.refund_amount) * 100) : undefined;
          return { syssn: String(c.syssn ?? c.orderId), ...(amount !== undefined ? { amountMinor: amount } : {}) };
        });
    },
    charged() {
      return sim.transactions().filter((t) => t.respcd === '0000');
    },
    settledBy() {
      return logs.filter((l) => l.message === 'attempt settled').map((l) => String(l.fields?.source));
    },
    reload() {
      const next = reloadHarness(rig.pos);
      rig.pos = next.pos;
      rig.screen = next.screen;
    },
    publish(body) {
      const ref = String(body.orig_out_trade_no || body.out_trade_no || '');
      const parts = decodeOdooOutTradeNo(ref);
      rig.pos.busEmit('QFPAY_LATEST_RESPONSE', { response: body, line_uuid: parts?.lineUuid ?? null });
    },
    async close() {
      for (const m of rig.pos.methods) (m.payment_terminal as { close?: () => void } | undefined)?.close?.();
      // Faults left queued would keep a cloud transaction polling until its deadline.
      sim.clearFaults();
      sim.customer.cancel();
      await Promise.all(terminals.map((t) => t.close()));
      await bridge?.close();
      await cloudTerminal?.close();
      await sim.close();
      await new Promise<void>((r) => receiver.close(() => r()));
    },
  };
  return rig;
}

/** `YYYY-MM-DDTHH:MM:SS` in Hong Kong → Date. */
export function hkt(local: string): Date {
  return new Date(`${local}+08:00`);
}

/** Closes a rig after checking that neither key reached its logs, cashier alerts or storage. */
export async function closeRigCheckingSecrets(rig: Rig): Promise<void> {
  const everything = JSON.stringify({ logs: rig.logs, alerts: rig.pos.alerts, storage: rig.storage.dump() });
  for (const secret of [POS_KEY, NOTIFY_KEY, CLOUD.clientKey, BRIDGE_TOKEN]) expect(everything).not.toContain(secret);
  await rig.close();
}
