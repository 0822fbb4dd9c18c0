/**
 * Loopback-only network fixtures for transport tests: servers that misbehave in the ways a shop
 * LAN does (nothing listening, silent, plain HTTP, never accepting). Nothing leaves 127.0.0.1.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface Running<S> {
  server: S;
  port: number;
  close(): Promise<void>;
}

async function listen<S extends NetServer>(server: S): Promise<Running<S>> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An HTTPS server on 127.0.0.1:0 with the given leaf; `handler` sees the request body. */
export async function startHttps(cert: { leafCertPem: string; leafKeyPem: string }, handler: Handler): Promise<Running<HttpsServer>> {
  const server = createHttpsServer({ cert: cert.leafCertPem, key: cert.leafKeyPem }, (req, res) => {
    void readBody(req).then((body) => handler(req, res, body));
  });
  server.on('tlsClientError', () => undefined);
  return listen(server);
}

/** A plain HTTP server on 127.0.0.1:0. */
export async function startHttp(handler: Handler): Promise<Running<HttpServer>> {
  const server = createHttpServer((req, res) => {
    void readBody(req).then((body) => handler(req, res, body));
  });
  return listen(server);
}

/** A TCP server that accepts connections and never says a word (TLS never completes). */
export async function startSilent(): Promise<Running<NetServer>> {
  return listen(createNetServer(() => undefined));
}

/** A port on 127.0.0.1 where nothing listens (bound once, then released). */
export async function closedPort(): Promise<number> {
  const running = await listen(createNetServer());
  const { port } = running;
  await running.close();
  return port;
}

/**
 * A listening socket whose accept queue is full, so further SYNs are dropped and a client's
 * connect genuinely times out — on loopback. The listener lives in a worker thread that is
 * blocked, so nothing is ever accepted; the queue is filled by a few idle connections.
 */
export async function startBlackhole(): Promise<{ port: number; close(): Promise<void> }> {
  const shared = new SharedArrayBuffer(4);
  const flag = new Int32Array(shared);
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const net = require('node:net');
     const server = net.createServer(() => {});
     server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       Atomics.wait(new Int32Array(workerData), 0, 0);
       server.close();
     });`,
    { eval: true, workerData: shared },
  );
  const [port] = (await once(worker, 'message')) as [number];
  const fillers: Socket[] = [];
  // The kernel completes handshakes for a backlog of 1 (+1) connections; wait for those, and
  // keep a few more pending so the queue is certainly full.
  const established: Promise<unknown>[] = [];
  for (let i = 0; i < 6; i++) {
    const s = netConnect({ host: '127.0.0.1', port });
    s.on('error', () => undefined);
    fillers.push(s);
    if (i < 2) established.push(once(s, 'connect'));
  }
  await Promise.all(established);
  return {
    port,
    async close() {
      for (const s of fillers) s.destroy();
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      await worker.terminate();
    },
  };
}
