/**
 * What the simulator's two servers (the terminal's ECR port and the fake QFPay OpenAPI) share:
 * HTTP or HTTPS on one port, every socket tracked so `close()` can cut held requests, handshake
 * failures (a client with the wrong CA) neither crash nor leak, and fault delays that `close()`
 * ends at once.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { send } from './http-util.js';

export abstract class SimHttpServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  /** True once `close()` began: a request woken from a delay must not answer. */
  protected closing = false;

  constructor(tls: { key: string; cert: string } | undefined) {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      res.on('error', () => undefined);
      this.route(req, res).catch(() => {
        if (!res.headersSent) send(res, 500, { 'Content-Type': 'text/plain' }, 'internal simulator error');
        else res.destroy();
      });
    };
    this.server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler) : createHttpServer(handler);
    const track = (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    };
    this.server.on('connection', track);
    this.server.on('secureConnection', track);
    // Clients that fail the TLS handshake (wrong CA) must not crash or leak anything.
    this.server.on('tlsClientError', () => undefined);
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  /** Answers one request. */
  protected abstract route(req: IncomingMessage, res: ServerResponse): Promise<void>;

  /** Starts listening; resolves with the bound address. */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting, cuts every socket (including held requests) and pending delays. */
  async close(): Promise<void> {
    this.closing = true;
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** A delay that `close()` ends early. */
  protected sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => (this.timers.delete(entry), resolve()), ms), resolve };
      this.timers.add(entry);
    });
  }
}
