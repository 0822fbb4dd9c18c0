/**
 * A stand-in for notify-server's `GET /qfpay/transactions/:out_trade_no` (bearer auth), answering
 * from the notification bodies the simulator sent, so a test can resolve a payment through the
 * adapter's `httpTransactionLookup` without a notify server.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TransactionsStandIn {
  baseUrl: string;
  token: string;
  /** Requests seen so far. */
  hits(): number;
  close(): Promise<void>;
}

/** `notifications()` gives the raw JSON bodies delivered so far (e.g. `rig.notifications`). */
export async function startTransactionsStandIn(notifications: () => readonly string[]): Promise<TransactionsStandIn> {
  const token = 'lookup-token-0123456789';
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    if (req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end();
    const ref = decodeURIComponent((req.url ?? '').replace('/qfpay/transactions/', ''));
    const found = notifications().map((n) => JSON.parse(n) as Record<string, unknown>).filter((n) => n.out_trade_no === ref);
    if (found.length === 0) return void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"code":"NOT_FOUND","message":"none"}}');
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ notifications: found }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    hits: () => hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
