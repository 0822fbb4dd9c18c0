/**
 * Notifications from the notify server's event stream (`GET /qfpay/events`, bearer token):
 * the SSE parser, the fetch-based client (Authorization header, reconnect with Last-Event-ID),
 * and the default wiring of a payment method with a bridge URL settling a line from an event.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QFPayTerminal } from '@qfpay-ecr/core';
import { startSimulator } from '@qfpay-ecr/simulator';
import { installQfpay, memoryStorage, SseParser, subscribeEvents, type SseMessage } from '../src/index.js';
import { BASES, createHarness, type HarnessLine } from '../src/testing/index.js';
import { captureAdapterLogger, waitFor, type LogEntry } from './support/rig.js';

const TOKEN = 'events-token-Np8Rt5VyQ1Lm2Zq8';

/** A stand-in for the notify server's SSE endpoint and transaction lookup. */
async function eventServer(): Promise<{ url: string; push(data: unknown, id?: string): void; endAll(): void; seen: IncomingMessage[]; close(): Promise<void> }> {
  const streams = new Set<ServerResponse>();
  const seen: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end();
    if (req.url === '/qfpay/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      res.write(': hello\n\nretry: 50\n\n');
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"code":"NOT_FOUND","message":"none"}}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    push(data, id) {
      for (const s of streams) s.write(`${id ? `id: ${id}\n` : ''}event: notification\ndata: ${JSON.stringify(data)}\n\n`);
    },
    endAll() {
      for (const s of streams) s.end();
    },
    async close() {
      for (const s of streams) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('SSE parser', () => {
  it('handles split chunks, CRLF, multi-line data, comments, ids and retry', () => {
    const p = new SseParser();
    expect(p.push(': comment\r\nid: 7\r\nevent: notif')).toEqual([]);
    expect(p.push('ication\r\ndata: {"a":\r\ndata: 1}\r\n\r\ndata:x\n\nretry: 250\n\n')).toEqual([
      { event: 'notification', data: '{"a":\n1}', id: '7' },
      { event: 'message', data: 'x', id: '7' },
    ]);
    expect(p.lastEventId).toBe('7');
    // A CRLF split across two chunks is one line end, not two.
    expect(p.push('data: y\r')).toEqual([]);
    expect(p.push('\n\r\n')).toEqual([{ event: 'message', data: 'y', id: '7' }]);
    expect(p.retryMs).toBe(250);
  });
});

describe('subscribeEvents', () => {
  it('sends the bearer token, delivers messages, and reconnects with Last-Event-ID', async () => {
    const server = await eventServer();
    const got: SseMessage[] = [];
    const sub = subscribeEvents({ url: `${server.url}/qfpay/events`, token: async () => TOKEN, onMessage: (m) => void got.push(m), retryMs: 20 });
    try {
      await waitFor(() => server.seen.length === 1, 'connected');
      server.push({ n: 1 }, 'e1');
      await waitFor(() => got.length === 1, 'first event');
      server.endAll();
      await waitFor(() => server.seen.length === 2, 'reconnected');
      expect(server.seen[1]?.headers['last-event-id']).toBe('e1');
      expect(server.seen[1]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
      server.push({ n: 2 }, 'e2');
      await waitFor(() => got.length === 2, 'second event');
      expect(got.map((m) => JSON.parse(m.data))).toEqual([{ n: 1 }, { n: 2 }]);
    } finally {
      sub.close();
      await sub.done;
      await server.close();
    }
  });
});

describe('a payment method with a bridge URL listens to the event stream', () => {
  it('settles the line from an event (core NormalizedNotification shape) before the terminal answers', async () => {
    const posKey = 'EventsP0sKey-S3cret-0123456789ab';
    const sim = await startSimulator({ posKey, customer: { action: 'manual' } });
    const terminal = new QFPayTerminal({ host: '127.0.0.1', port: sim.port, posKey, ca: sim.caPem as string, pinnedCaFingerprint256: sim.caFingerprint256 as string });
    const server = await eventServer();
    const logs: LogEntry[] = [];
    const { pos, screen, registry } = createHarness({
      gen: 18,
      sessionId: 7,
      methods: [{ id: 3, name: 'QFPay', use_payment_terminal: 'qfpay', qfpay_payment_type: 'wx', qfpay_bridge_url: server.url, qfpay_terminal_id: 'till1', qfpay_events: true }],
      rpc: { qfpay_bridge_token: () => TOKEN },
    });
    installQfpay(BASES[18], registry, { terminal: () => terminal, storage: memoryStorage(), logger: captureAdapterLogger(logs), AlertDialog: {} });
    pos.loadPaymentInterfaces();
    try {
      pos.newOrder(21);
      const line = screen.addPaymentLine(3, 21) as HarnessLine;
      const screenState = await sim.waitForScreen();
      await waitFor(() => server.seen.some((r) => r.url === '/qfpay/events'), 'stream open');
      server.push({ kind: 'payment', notifyType: 'payment', success: true, syssn: screenState.syssn, outTradeNo: screenState.outTradeNo, amountMinor: 2100, currency: 'HKD', channelRef: 'WX9', raw: {} });
      await waitFor(() => line.payment_status === 'done', 'done from the event');
      expect(line.transaction_id).toBe(screenState.syssn);
      expect(logs.find((l) => l.message === 'attempt settled')?.fields?.source).toBe('notification:events');
      expect(JSON.stringify(logs)).not.toContain(TOKEN);
    } finally {
      for (const m of pos.methods) (m.payment_terminal as { close?: () => void }).close?.();
      sim.customer.cancel();
      await terminal.close();
      await server.close();
      await sim.close();
    }
  });
});
