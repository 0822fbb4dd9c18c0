/**
 * A minimal Koa server for the browser-facing routers alone (a standalone payment bridge, demos,
 * tests). In production the notify server mounts the same routers on its own app.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type Router from '@koa/router';
import Koa from 'koa';

/** A running bridge server. */
export interface RunningBridge {
  /** `http://host:port` */
  url: string;
  port: number;
  server: Server;
  /** Stops listening and drops open connections (long polls included). */
  close(): Promise<void>;
}

/** Serves `routers` over plain HTTP on `host:port` (default 127.0.0.1, any free port). */
export async function startBridgeServer(options: { routers: readonly Router[]; host?: string; port?: number; onClose?: () => void }): Promise<RunningBridge> {
  const app = new Koa();
  for (const r of options.routers) app.use(r.routes());
  const host = options.host ?? '127.0.0.1';
  const server = app.listen(options.port ?? 0, host);
  // As the notify app: a client that trickles its headers or body in is dropped (slow-loris).
  // Long polls are not affected: these bound receiving the request, not sending the answer.
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    server,
    async close() {
      options.onClose?.();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
