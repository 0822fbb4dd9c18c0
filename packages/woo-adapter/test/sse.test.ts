/**
 * The SSE notification feed: the parser (WHATWG "Interpreting an event stream"), the client
 * against a small SSE server of our own (token, ordering, Last-Event-ID, backoff, errors), and
 * the real notify-server's token check. End to end (a notification signed with core's
 * signNotification is POSTed to the notify-server, streamed over SSE and applied to WooCommerce)
 * per terminal mode: sse.lan.test.ts, sse.cloud.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NormalizedNotification } from '@qfpay-ecr/core';
import { FeedError, SseNotificationFeed, SseParser, WooConfigError } from '../src/index.js';
import { startNotify, type NotifyHarness } from './support/notify.js';

const TOKEN = 'SseTestTokenS3cret0000000000000001';

function notif(i: number): NormalizedNotification {
  return { kind: 'payment', notifyType: 'payment', success: true, status: '1', syssn: `S${i}`, outTradeNo: `wc1-1-x${i}`, amountMinor: 100 * i, currency: 'HKD', raw: {} };
}

describe('SseParser', () => {
  it('handles LF, CRLF and CR line ends, also split across chunks', () => {
    const p = new SseParser();
    expect(p.push('data: a\r')).toEqual([]);
    expect(p.push('\n\r\n')).toEqual([{ event: 'message', data: 'a', id: '' }]);
    expect(p.push('event: x\rdata: b\r\r')).toEqual([{ event: 'x', data: 'b', id: '' }]);
    expect(p.push('data: c\n\n')).toEqual([{ event: 'message', data: 'c', id: '' }]);
  });

  it('joins data lines, ignores comments and unknown fields, strips one leading space and a BOM', () => {
    const p = new SseParser();
    expect(p.push('\uFEFF: hello\nfoo: bar\ndata:one\ndata:  two\n\n')).toEqual([{ event: 'message', data: 'one\n two', id: '' }]);
  });

  it('keeps the last event id until changed, ignores ids with NUL, reads retry, needs data to dispatch', () => {
    const p = new SseParser('7');
    expect(p.push('event: ping\n\n')).toEqual([]);
    expect(p.push('data: x\n\n')).toEqual([{ event: 'message', data: 'x', id: '7' }]);
    expect(p.push('id: 8\ndata: y\n\nid: 9\u0000\ndata: z\n\nretry: 1500\nretry: soon\n')).toEqual([
      { event: 'message', data: 'y', id: '8' },
      { event: 'message', data: 'z', id: '8' },
    ]);
    expect(p.retryMs).toBe(1500);
  });
});

/** A scriptable SSE server: each connection gets the next script. */
class SseServer {
  readonly connections: Array<{ auth?: string; lastEventId?: string }> = [];
  readonly scripts: Array<(req: IncomingMessage, res: ServerResponse) => void> = [];
  private server: Server;
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      this.connections.push({ ...(req.headers.authorization ? { auth: req.headers.authorization } : {}), ...(req.headers['last-event-id'] ? { lastEventId: String(req.headers['last-event-id']) } : {}) });
      const script = this.scripts.shift() ?? ((_q, r) => r.writeHead(200, { 'content-type': 'text/event-stream' }));
      script(req, res);
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/qfpay/events`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const stream = (body: string, end = true) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  res.write(body);
  if (end) res.end();
};
const event = (id: number, data: unknown, name = 'notification') => `id: ${id}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

describe('SseNotificationFeed against our own SSE server', () => {
  let server: SseServer;
  let feed: SseNotificationFeed | undefined;
  beforeEach(async () => {
    server = await new SseServer().start();
  });
  afterEach(async () => {
    await feed?.close();
    feed = undefined;
    await server.close();
  });

  function collect(count: number, options: Partial<ConstructorParameters<typeof SseNotificationFeed>[0]> = {}) {
    const got: NormalizedNotification[] = [];
    const errors: Error[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    feed = new SseNotificationFeed({ url: server.url, token: TOKEN, minDelayMs: 5, maxDelayMs: 20, onError: (e) => errors.push(e), ...options });
    feed.subscribe(async (n) => {
      got.push(n);
      if (got.length === count) done();
    });
    return { got, errors, finished };
  }

  it('sends the bearer token, delivers events in order (StoredNotification-wrapped or bare) and reports the cursor', async () => {
    server.scripts.push(stream(`retry: 10\n: hi\n\n${event(1, { id: 1, notification: notif(1) })}${event(2, notif(2), 'message')}${event(3, { ignored: true }, 'ping')}`, false));
    const cursors: string[] = [];
    let cursorAt2!: () => void;
    const cursorDone = new Promise<void>((resolve) => (cursorAt2 = resolve));
    const { got, finished } = collect(2, {
      onCursor: (id) => {
        cursors.push(id);
        if (id === '2') cursorAt2();
      },
    });
    await finished;
    // The cursor moves only once the listener has finished with the event.
    await cursorDone;
    expect(got.map((n) => n.syssn)).toEqual(['S1', 'S2']);
    expect(server.connections[0]?.auth).toBe(`Bearer ${TOKEN}`);
    expect(server.connections[0]?.lastEventId).toBeUndefined();
    expect(cursors.slice(0, 2)).toEqual(['1', '2']);
  });

  it('reconnects after the stream ends, sending Last-Event-ID of the last event it finished', async () => {
    server.scripts.push(stream(event(1, notif(1)) + event(2, notif(2))));
    server.scripts.push(stream(event(3, notif(3)), false));
    let atThree!: () => void;
    const cursorDone = new Promise<void>((resolve) => (atThree = resolve));
    const { got, finished } = collect(3, { onCursor: (id) => id === '3' && atThree() });
    await finished;
    await cursorDone;
    expect(got.map((n) => n.syssn)).toEqual(['S1', 'S2', 'S3']);
    expect(server.connections[1]?.lastEventId).toBe('2');
    expect(feed?.lastEventId).toBe('3');
  });

  it('resumes from a persisted cursor (lastEventId option)', async () => {
    server.scripts.push(stream(event(8, notif(8)), false));
    const { finished } = collect(1, { lastEventId: '7' });
    await finished;
    expect(server.connections[0]?.lastEventId).toBe('7');
  });

  it('backs off through refusals and server errors, reports them without the token, then connects', async () => {
    server.scripts.push((_q, r) => r.writeHead(401, { 'www-authenticate': 'Bearer' }).end());
    server.scripts.push((_q, r) => r.writeHead(500).end());
    server.scripts.push((_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'));
    server.scripts.push(stream(event(1, notif(1)), false));
    const { got, errors, finished } = collect(1);
    await finished;
    expect(got).toHaveLength(1);
    expect(server.connections.length).toBe(4);
    expect(errors.map((e) => (e as FeedError).code)).toEqual(['FEED_UNAUTHORIZED', 'FEED_HTTP', 'FEED_NOT_SSE']);
    expect(errors[0]?.message).toMatch(/refused the events token/);
    expect(JSON.stringify(errors.map((e) => [e.message, e.stack]))).not.toContain(TOKEN);
  });

  it('skips malformed events (reported) and keeps going', async () => {
    server.scripts.push(stream(`id: 1\nevent: notification\ndata: {not json\n\n${event(2, { kind: 'payment' })}${event(3, notif(3))}`, false));
    const { got, errors, finished } = collect(1);
    await finished;
    expect(got.map((n) => n.syssn)).toEqual(['S3']);
    expect(errors.map((e) => (e as FeedError).code)).toEqual(['FEED_BAD_EVENT', 'FEED_BAD_EVENT']);
  });

  it('waits for an async listener before the next event (order and cursor are safe)', async () => {
    server.scripts.push(stream(event(1, notif(1)) + event(2, notif(2)), false));
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    let started!: () => void;
    const firstStarted = new Promise<void>((resolve) => (started = resolve));
    feed = new SseNotificationFeed({ url: server.url, token: TOKEN, minDelayMs: 5, maxDelayMs: 20 });
    feed.subscribe(async (n) => {
      seen.push(`start ${n.syssn}`);
      started();
      if (n.syssn === 'S1') await gate;
      seen.push(`end ${n.syssn}`);
      if (n.syssn === 'S2') done();
    });
    await firstStarted;
    expect(feed.lastEventId).toBe('');
    release();
    await finished;
    expect(seen).toEqual(['start S1', 'end S1', 'start S2', 'end S2']);
  });

  it('refuses http:// to another host and weak tokens at construction, without echoing the token', () => {
    expect(() => new SseNotificationFeed({ url: 'http://192.0.2.10/qfpay/events', token: TOKEN })).toThrow(WooConfigError);
    expect(() => new SseNotificationFeed({ url: 'http://192.0.2.10/qfpay/events', token: TOKEN, allowInsecureHttp: true })).not.toThrow();
    let err: unknown;
    try {
      new SseNotificationFeed({ url: 'https://pay.example/qfpay/events', token: 'short secret' });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toMatch(/token must be at least 16 characters/);
    expect((err as Error).message).not.toContain('short secret');
    expect(new SseNotificationFeed({ url: 'https://pay.example', token: TOKEN }).url).toBe('https://pay.example/qfpay/events');
  });
});

describe('the real notify-server over SSE', () => {
  let n: NotifyHarness | undefined;
  const feeds: SseNotificationFeed[] = [];
  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((f) => f.close()));
    await n?.close();
    n = undefined;
  });

  it('a wrong token is reported as FEED_UNAUTHORIZED by the real server', async () => {
    n = await startNotify();
    const error = await new Promise<Error>((resolve) => {
      const feed = new SseNotificationFeed({ url: `${n!.url}/qfpay/events`, token: 'WrongTokenWrongToken0000000001', minDelayMs: 10, maxDelayMs: 50, onError: resolve });
      feeds.push(feed);
      feed.subscribe(() => undefined);
    });
    expect(error).toMatchObject({ code: 'FEED_UNAUTHORIZED' });
  });
});
