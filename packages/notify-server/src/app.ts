/**
 * `createNotifyApp(options)`: the Koa app behind `POST /qfpay/notify`, the subscriber endpoints
 * and `/healthz`, plus its lifecycle (listen, graceful close).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa, { type Context, type Next } from 'koa';
import { Router } from '@koa/router';
import type { Logger } from 'pino';
import { IpAllowlist } from './allowlist.js';
import { requireBearer } from './auth.js';
import { corsHeaders, corsPreflight, type AllowedOrigins } from './bridge/http.js';
import { createSigningRouter } from './bridge/signing-routes.js';
import { createTerminalBridgeRouter } from './bridge/terminal-routes.js';
import { ClientAbortedError, NotifyClosedError } from './errors.js';
import { createNotifyEvents, type NotifyEvents } from './events.js';
import { StoreFeed } from './feed.js';
import { sendError } from './http-util.js';
import { createLogger, withRedaction } from './logger.js';
import { resolveNotifyAppOptions, type NotifyAppOptions } from './options.js';
import { RejectRecorder } from './rejects.js';
import { eventsHandler, SseHub } from './routes/events.js';
import { healthHandler } from './routes/health.js';
import { notifyHandler } from './routes/notify.js';
import { transactionsHandler } from './routes/transactions.js';
import { scrubText } from './scrub.js';
import type { NotificationStore } from './store/types.js';

/** Route paths served by the app. */
export const ROUTES = Object.freeze({
  notify: '/qfpay/notify',
  events: '/qfpay/events',
  transactions: '/qfpay/transactions/:out_trade_no',
  health: '/healthz',
});

/** Where a {@link NotifyApp} listens. */
export interface ListenOptions {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default `127.0.0.1`. Use `0.0.0.0` only behind a firewall or proxy you control. */
  host?: string;
}

/** A listening server started by {@link NotifyApp.listen}. */
export interface ListeningServer {
  /** `http://host:port` (IPv6 hosts in brackets). */
  url: string;
  port: number;
  host: string;
  server: Server;
}

/** The notify server: the Koa app and what it is made of. */
export interface NotifyApp {
  /** The Koa app. Mount `app.callback()` in your own server, or call {@link NotifyApp.listen}. */
  readonly app: Koa;
  /** The store given in the options. */
  readonly store: NotificationStore;
  /** In-process events: `notification` (newly stored), `duplicate`, `rejected`. */
  readonly events: NotifyEvents;
  /** The (redacting) logger in use. */
  readonly logger: Logger;
  /** Starts an HTTP server for the app (several calls start several servers). */
  listen(options?: ListenOptions): Promise<ListeningServer>;
  /** Writes buffered reject records now (they are otherwise written within ~0.5 s). */
  flushRejects(): Promise<void>;
  /**
   * Graceful shutdown: stop accepting connections (new requests on open connections get 503),
   * end SSE streams, wait for in-flight requests (up to `shutdownGraceMs`), close the servers,
   * write pending rejects and close the store. Idempotent.
   */
  close(): Promise<void>;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Creates the notify server. Options are validated with zod.
 * @throws NotifyConfigError naming every invalid option (never echoing keys or tokens).
 */
export function createNotifyApp(options: NotifyAppOptions): NotifyApp {
  const opts = resolveNotifyAppOptions(options);
  const logger = opts.logger ? withRedaction(opts.logger) : createLogger();
  const keys = typeof opts.keys === 'string' ? [opts.keys] : [...opts.keys];
  const store = opts.store;
  const events = createNotifyEvents();
  const feed = new StoreFeed({ store, logger, pollMs: opts.pollMs });
  const hub = new SseHub();
  const rejects = new RejectRecorder({ store, logger });
  const allowlist = opts.allowlist ? new IpAllowlist(opts.allowlist) : undefined;

  // Behind a proxy, trust exactly `proxyHops` entries from the right of X-Forwarded-For
  // (the ones our proxies appended); anything further left is whatever the client claimed.
  const app = new Koa({ proxy: opts.trustProxy, maxIpsCount: opts.trustProxy ? opts.proxyHops : 0 });
  app.silent = true;
  app.on('error', (error: unknown) => logger.warn({ err: error }, 'HTTP error outside a handler'));

  let closing = false;
  let inflight = 0;
  let idleWaiters: Array<() => void> = [];
  const servers = new Set<Server>();

  app.use(async function errorBoundary(ctx: Context, next: Next) {
    try {
      await next();
    } catch (error) {
      if (error instanceof ClientAbortedError) {
        logger.debug({ path: ctx.path }, 'client went away before its body was complete');
        ctx.respond = false;
        if (!ctx.res.writableEnded) ctx.res.destroy();
        return;
      }
      const status = (error as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        sendError(ctx, status, 'bad_request', scrubText(String((error as Error).message ?? 'bad request'), 200));
        return;
      }
      logger.error({ err: error, path: ctx.path }, 'unexpected error');
      sendError(ctx, 500, 'internal', 'internal error');
    }
  });

  app.use(async function lifecycle(ctx: Context, next: Next) {
    if (closing) {
      ctx.set('Connection', 'close');
      sendError(ctx, 503, 'shutting_down', 'the server is shutting down; retry later');
      return;
    }
    inflight += 1;
    let released = false;
    ctx.res.once('close', () => {
      if (released) return;
      released = true;
      inflight -= 1;
      if (inflight === 0) for (const wake of idleWaiters.splice(0)) wake();
    });
    await next();
  });

  // Browser POSes (bridge topology) call the bridge and then follow outcomes on the subscriber
  // endpoints with the same token, from the POS origin.
  const bridge = opts.bridge ? createTerminalBridgeRouter({ ...opts.bridge, logger }) : undefined;
  if (bridge) app.use(bridge.router.routes());
  if (opts.signing) app.use(createSigningRouter({ ...opts.signing, logger }).routes());
  const subscriberTokens = [...(opts.eventsToken ? [opts.eventsToken] : []), ...(opts.bridge?.tokens ?? []), ...(opts.bridge?.refundTokens ?? [])];
  const subscriberOrigins: AllowedOrigins = opts.bridge?.allowedOrigins ?? [];

  const router = new Router();
  router.post(ROUTES.notify, notifyHandler({ keys, store, events, feed, rejects, allowlist, bodyLimitBytes: opts.bodyLimitBytes, logger }));
  router.options(ROUTES.events, corsPreflight(subscriberOrigins, 'GET'));
  router.options(ROUTES.transactions, corsPreflight(subscriberOrigins, 'GET'));
  router.get(ROUTES.events, corsHeaders(subscriberOrigins), requireBearer(subscriberTokens), eventsHandler({ store, feed, hub, heartbeatMs: opts.heartbeatMs, logger }));
  router.get(ROUTES.transactions, corsHeaders(subscriberOrigins), requireBearer(subscriberTokens), transactionsHandler({ store, logger }));
  router.get(ROUTES.health, healthHandler({ store, logger, isClosing: () => closing }));
  app.use(router.routes());
  app.use(router.allowedMethods());

  function waitIdle(timeoutMs: number): Promise<boolean> {
    if (inflight === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  let closed: Promise<void> | undefined;

  return {
    app,
    store,
    events,
    logger,

    async listen(listenOptions: ListenOptions = {}): Promise<ListeningServer> {
      if (closing) throw new NotifyClosedError('NOTIFY_CLOSED', 'this notify app is closed', 'create a new app with createNotifyApp()');
      const host = listenOptions.host ?? '127.0.0.1';
      const server = createServer(app.callback());
      server.requestTimeout = 30_000; // a body that trickles in for longer is dropped
      server.headersTimeout = 20_000;
      server.keepAliveTimeout = 5_000;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(listenOptions.port ?? 8080, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      servers.add(server);
      const port = (server.address() as AddressInfo).port;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      return { url, port, host, server };
    },

    flushRejects: () => rejects.flush(),

    close(): Promise<void> {
      closed ??= (async () => {
        closing = true;
        const serversClosed = [...servers].map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
        for (const server of servers) server.closeIdleConnections();
        hub.closeAll();
        bridge?.close();
        feed.stop();
        const drained = await waitIdle(opts.shutdownGraceMs);
        if (!drained) logger.warn({ inflight }, 'shutdown grace period over; closing remaining connections');
        for (const server of servers) server.closeIdleConnections();
        const allClosed = Promise.all(serversClosed).then(() => true);
        if (!(await Promise.race([allClosed, delay(1000).then(() => false)]))) {
          for (const server of servers) server.closeAllConnections();
          await allClosed;
        }
        await rejects.flush();
        await store.close();
        logger.info('notify server closed');
      })();
      return closed;
    },
  };
}
