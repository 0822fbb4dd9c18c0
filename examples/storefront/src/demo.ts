/**
 * Starts the whole demo in one process, everything on 127.0.0.1:
 *
 * 1. the notify server (`@qfpay-ecr/notify-server`) with its embedded SQLite store under `dataDir`;
 * 2. the simulated terminal (`@qfpay-ecr/simulator`): real HTTPS with its own CA, a throw-away
 *    POS-KEY, a customer played by the person at the page, and signed notifications posted to (1);
 *    in cloud mode also its fake QFPay OpenAPI (ECR Cloud), same CA, throw-away app code and
 *    client key (which then signs the notifications, as QFPay does);
 * 3. the storefront: a `QFPayTerminal` (`@qfpay-ecr/core`) pinned to the simulator's CA — or, in
 *    cloud mode, a `QFPayCloudTerminal` against the fake OpenAPI that also hears (1)'s verified
 *    notifications — the cashier with its own SQLite orders under `dataDir`, and the Koa app.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notificationSourceFromEmitter, QFPayCloudTerminal, QFPayTerminal, type PaymentTerminal } from '@qfpay-ecr/core';
import { createLogger, createNotifyApp, createSqliteStore, type NotifyApp } from '@qfpay-ecr/notify-server';
import { startSimulator, type Simulator } from '@qfpay-ecr/simulator';
import { createStorefrontApp } from './app.js';
import { SHOP_NAME } from './catalog.js';
import { Cashier } from './cashier.js';
import { OrderStore } from './db.js';
import { SimulatorProxy } from './sim-proxy.js';

/** `examples/storefront/data/` (gitignored), wherever the process was started from. */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url));
/** The storefront's default port; `0` picks any free one. */
export const DEFAULT_PORT = 8080;

export interface DemoOptions {
  /** Storefront port on 127.0.0.1; default 8080 (a free port is used if 8080 is taken); 0 = any free port. */
  port?: number;
  /** Where orders and notifications are kept; default `examples/storefront/data/`. */
  dataDir?: string;
  /** One line per payment event (default: nothing). */
  log?: (line: string) => void;
  /**
   * How the storefront reaches the terminal: `lan` (default: `QFPayTerminal` over the shop LAN)
   * or `cloud` (ECR Cloud: `QFPayCloudTerminal` through the simulator's fake QFPay OpenAPI).
   */
  mode?: DemoMode;
}

/** How the demo's storefront reaches the (simulated) terminal. */
export type DemoMode = 'lan' | 'cloud';

/** The simulated terminal's Device ID in cloud mode (not a secret). */
export const DEMO_TERMID = 'CAFE-A8-0001';

export interface RunningDemo {
  /** The one URL to open: the storefront. */
  url: string;
  port: number;
  dataDir: string;
  mode: DemoMode;
  /** The simulated terminal (tests drive it directly too). */
  simulator: Simulator;
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolvePort((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

/** Starts notify server, simulated terminal and storefront; resolves once the storefront listens. */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const log = options.log ?? (() => undefined);
  const mode = options.mode ?? 'lan';
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  // Throw-away secrets for this run; never printed.
  const posKey = randomBytes(16).toString('hex');
  const clientKey = randomBytes(24).toString('hex');
  // ECR Cloud: QFPay signs its notifications with the client key.
  const notifyKey = mode === 'cloud' ? clientKey : randomBytes(24).toString('hex');
  const cloud = { appCode: `CAFE${randomBytes(6).toString('hex').toUpperCase()}`, clientKey, termid: DEMO_TERMID };

  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch {
        // keep closing the rest
      }
    }
  };

  try {
    const notifyStore = createSqliteStore({ path: join(dataDir, 'notifications.db') });
    const notify: NotifyApp = createNotifyApp({ keys: [notifyKey], store: notifyStore, logger: createLogger({ level: 'warn', destination: { write: (line: string) => void process.stderr.write(line) } }) });
    cleanups.push(() => notify.close());
    const notifyServer = await notify.listen({ port: 0, host: '127.0.0.1' });

    const sim = await startSimulator({
      posKey,
      customer: { action: 'manual' },
      merchantName: SHOP_NAME,
      notify: { url: `${notifyServer.url}/qfpay/notify`, key: notifyKey },
      ...(mode === 'cloud' ? { cloud } : {}),
    });
    cleanups.push(() => sim.close());

    const terminal: PaymentTerminal =
      mode === 'cloud'
        ? new QFPayCloudTerminal({
            // A fake OpenAPI, so environment "custom" with its URL and the simulator's CA (never a real QFPay host).
            environment: 'custom',
            baseUrl: sim.cloud?.url as string,
            ca: sim.caPem as string,
            ...cloud,
            id: 'simulated terminal (ECR Cloud)',
            // Payments settle as soon as the notify server has verified QFPay's notification.
            notifications: notificationSourceFromEmitter(notify.events),
            resolve: { minIntervalMs: 500, maxIntervalMs: 2_000 },
          })
        : new QFPayTerminal({
            host: sim.host,
            port: sim.port,
            posKey,
            ca: sim.caPem as string,
            // The simulator's CA is not QFPay's ca3.crt, so it is pinned explicitly.
            pinnedCaFingerprint256: sim.caFingerprint256 as string,
            id: 'simulated terminal',
            resolve: { deadlineMs: 60_000 },
          });
    const store = new OrderStore(join(dataDir, 'orders.db'));
    cleanups.push(() => store.close());
    const cashier = new Cashier({ store, terminal, notifications: notifyStore, terminalSession: randomUUID(), simulated: true, log });
    cleanups.push(async () => {
      // Leave nothing open on the terminal: cancel what is waiting, then let the outcome land.
      if (cashier.busy()) await terminal.cancel().catch(() => undefined);
      await Promise.race([terminal.close(), new Promise((r) => setTimeout(r, 5000).unref())]);
      await cashier.close();
    });
    notify.events.on('notification', (record) => {
      cashier.onNotification(record).catch((err: unknown) => log(`notification not linked: ${(err as Error).message}`));
    });

    const proxy = new SimulatorProxy(sim.url, sim.caPem);
    cleanups.push(() => proxy.close());
    const allowedHosts = new Set<string>();
    // ECR Cloud holds no reply open, so there is no reply to lose: the demo button is LAN only.
    const storefront = createStorefrontApp({ cashier, simulator: { proxy, ...(mode === 'lan' ? { injectLostReply: () => sim.injectFault({ kind: 'drop-after-payment' }) } : {}) }, allowedHosts, mode });
    const server = createServer(storefront.app.callback());
    let port: number;
    try {
      port = await listen(server, options.port ?? DEFAULT_PORT);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || options.port !== undefined) throw err;
      log(`port ${DEFAULT_PORT} is taken; using a free port instead`);
      port = await listen(server, 0);
    }
    cleanups.push(
      () =>
        new Promise<void>((done) => {
          storefront.closeStreams();
          server.close(() => done());
          server.closeIdleConnections();
        }),
    );
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) allowedHosts.add(host);

    cashier.recover();
    let closing: Promise<void> | undefined;
    return {
      url: `http://127.0.0.1:${port}/`,
      port,
      dataDir,
      mode,
      simulator: sim,
      close: () => (closing ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
