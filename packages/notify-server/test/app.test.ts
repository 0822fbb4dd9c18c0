/** App behaviour that does not depend on the store kind: lifecycle, failures, helpers. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseNotification } from '@qfpay-ecr/core';
import {
  bearerMatches,
  createNotifyApp,
  createSqliteStore,
  dedupeKeyOf,
  isJsonContentType,
  scrubText,
  StoreError,
  type InsertMeta,
  type InsertResult,
  type NotificationStore,
} from '../src/index.js';
import { EVENTS_TOKEN, FULL_PAN, KEY, paymentBody, signedHeaders, uniqueSyssn } from './support/fixtures.js';
import { startApp } from './support/harness.js';
import { get, postNotify, send } from './support/http.js';
import { captureLogs } from './support/logs.js';
import { openSse } from './support/sse.js';
import { sqliteFactory, type StoreFactory } from './support/stores.js';

/** A store whose writes fail until `healthy` is set, to exercise the 503 path. */
class FlakyStore implements NotificationStore {
  readonly kind = 'sqlite' as const;
  healthy = false;
  constructor(private readonly inner: NotificationStore) {}
  init = () => this.inner.init();
  insert = (n: Parameters<NotificationStore['insert']>[0], m: InsertMeta): Promise<InsertResult> =>
    this.healthy ? this.inner.insert(n, m) : Promise.reject(new StoreError('STORE_TEST_DOWN', 'disk on fire', 'test'));
  since = (a: number, l: number) => this.inner.since(a, l);
  lastId = () => this.inner.lastId();
  byOutTradeNo = (r: string) => this.inner.byOutTradeNo(r);
  recordRejects = (r: Parameters<NotificationStore['recordRejects']>[0]) => this.inner.recordRejects(r);
  rejects = (l?: number) => this.inner.rejects(l);
  ping = () => (this.healthy ? this.inner.ping() : Promise.reject(new StoreError('STORE_TEST_DOWN', 'disk on fire', 'test')));
  close = () => this.inner.close();
}

describe('notify app', () => {
  let stores: StoreFactory;
  beforeAll(() => {
    stores = sqliteFactory();
  });
  afterAll(async () => {
    await stores.dispose();
  });

  it('store failure → 503 (never SUCCESS, QFPay retries) and /healthz 503; recovery → SUCCESS and 200', async () => {
    const flaky = new FlakyStore(await stores.create());
    const run = await startApp(flaky);
    try {
      const body = paymentBody();
      const failed = await postNotify(run.url, body, signedHeaders(body));
      expect(failed.status).toBe(503);
      expect(failed.text).not.toContain('SUCCESS');
      expect((await get(run.url, '/healthz')).status).toBe(503);
      expect(run.emitted).toEqual([]);
      flaky.healthy = true;
      expect((await postNotify(run.url, body, signedHeaders(body))).text).toBe('SUCCESS');
      expect((await get(run.url, '/healthz')).status).toBe(200);
      expect(run.emitted).toHaveLength(1);
    } finally {
      await run.notify.close();
    }
  });

  it("a throwing 'notification' listener does not turn a stored notification into an error", async () => {
    const run = await startApp(await stores.create());
    try {
      run.notify.events.on('notification', () => {
        throw new Error('adapter bug');
      });
      const body = paymentBody();
      expect((await postNotify(run.url, body, signedHeaders(body))).text).toBe('SUCCESS');
      expect(await run.notify.store.since(0, 10)).toHaveLength(1);
      expect(run.logs.text()).toContain('listener threw');
    } finally {
      await run.notify.close();
    }
  });

  it('subscriber endpoints are 404 when no events token is configured', async () => {
    const run = await startApp(await stores.create(), { eventsToken: undefined });
    try {
      expect((await get(run.url, '/qfpay/events', EVENTS_TOKEN)).status).toBe(404);
      expect((await get(run.url, '/qfpay/transactions/abc', EVENTS_TOKEN)).status).toBe(404);
    } finally {
      await run.notify.close();
    }
  });

  it('graceful close: an in-flight request finishes with SUCCESS, SSE streams end, new connections are refused, the store is closed', async () => {
    const store = await stores.create();
    const run = await startApp(store);
    const stream = await openSse(run.url, '/qfpay/events', { Authorization: `Bearer ${EVENTS_TOKEN}` });
    await stream.waitForComment(/connected/);
    const body = paymentBody();
    let closing: Promise<void> | undefined;
    let closed = false;
    let closedBeforeBodySent: boolean | undefined;
    const requestArrived = new Promise((r) => run.server.once('request', r));
    const reply = await send(run.url, '/qfpay/notify', {
      headers: { ...signedHeaders(body), 'Content-Length': String(Buffer.byteLength(body)) },
      chunks: [body],
      beforeBody: async () => {
        // The server is now reading this request's body: shut down.
        await requestArrived;
        closing = run.notify.close().then(() => {
          closed = true;
        });
        await stream.ended;
        await new Promise((r) => setTimeout(r, 30));
        closedBeforeBodySent = closed;
      },
    });
    expect(closedBeforeBodySent).toBe(false);
    expect(reply).toMatchObject({ status: 200, text: 'SUCCESS' });
    await closing;
    expect(await send(run.url, '/healthz', { method: 'GET' }).catch((e: NodeJS.ErrnoException) => e.code)).toBe('ECONNREFUSED');
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    const reopened = createSqliteStore({ path: (store as unknown as { path: string }).path });
    expect((await reopened.since(0, 10)).map((r) => r.syssn)).toEqual([JSON.parse(body).syssn]);
    await reopened.close();
  });

  it('mounted in a caller-owned server: after close() starts, new requests get 503 with Connection: close', async () => {
    const logs = captureLogs();
    const notify = createNotifyApp({ keys: KEY, store: await stores.create(), logger: logs.logger });
    const server = createServer(notify.app.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const body = paymentBody();
      expect((await postNotify(url, body, signedHeaders(body))).text).toBe('SUCCESS');
      await notify.close();
      const late = await postNotify(url, paymentBody(), signedHeaders(body));
      expect(late.status).toBe(503);
      expect(late.headers.connection).toBe('close');
      expect(JSON.parse(late.text).error).toBe('shutting_down');
      expect((await get(url, '/healthz')).status).toBe(503);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('helpers', () => {
  it('isJsonContentType accepts application/json with an optional UTF-8 charset only', () => {
    expect(isJsonContentType('application/json')).toBe(true);
    expect(isJsonContentType('application/json; charset=utf-8')).toBe(true);
    expect(isJsonContentType('APPLICATION/JSON;charset="UTF8"')).toBe(true);
    expect(isJsonContentType('application/json; charset=iso-8859-1')).toBe(false);
    expect(isJsonContentType('text/json')).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
  });

  it('bearerMatches compares the whole token', () => {
    expect(bearerMatches(`Bearer ${EVENTS_TOKEN}`, EVENTS_TOKEN)).toBe(true);
    expect(bearerMatches(`bearer   ${EVENTS_TOKEN}  `, EVENTS_TOKEN)).toBe(true);
    expect(bearerMatches(`Bearer ${EVENTS_TOKEN.slice(0, -1)}`, EVENTS_TOKEN)).toBe(false);
    expect(bearerMatches(`Bearer ${EVENTS_TOKEN}x`, EVENTS_TOKEN)).toBe(false);
    expect(bearerMatches(`Basic ${EVENTS_TOKEN}`, EVENTS_TOKEN)).toBe(false);
    expect(bearerMatches(undefined, EVENTS_TOKEN)).toBe(false);
    expect(bearerMatches('Bearer ', '')).toBe(false);
  });

  it('scrubText masks card numbers and control characters in free text, keeps other digits', () => {
    expect(scrubText(`card ${FULL_PAN} and 4111 1111 1111 1111\nend`)).toBe('card 411111******1111 and 411111******1111 end');
    expect(scrubText('syssn 20250826155400087645770447 ok')).toBe('syssn 20250826155400087645770447 ok');
    expect(scrubText('x'.repeat(400)).length).toBe(301);
  });

  it('dedupeKeyOf: kind + syssn; cancel and refund share the refund kind', () => {
    const syssn = uniqueSyssn();
    const pay = parseNotification(paymentBody({ syssn }));
    const cancel = parseNotification(JSON.stringify({ notify_type: ' CANCEL ', syssn, status: '1', txamt: '1', txcurrcd: 'HKD' }));
    expect(dedupeKeyOf(pay, 'h')).toBe(`payment:${syssn}`);
    expect(dedupeKeyOf(cancel, 'h')).toBe(`refund:${syssn}`);
    expect(dedupeKeyOf(parseNotification('{"notify_type":"X"}'), 'abc')).toBe('other:x:sha256:abc');
  });

  it('createNotifyApp with a caller logger still redacts secret-named fields', async () => {
    const logs = captureLogs();
    const store = createSqliteStore({ path: ':memory:' });
    const notify = createNotifyApp({ keys: KEY, store, logger: logs.logger });
    notify.logger.info({ key: KEY, headers: { authorization: `Bearer ${EVENTS_TOKEN}`, 'x-qf-sign': 'ABCDEF' }, cardcd: FULL_PAN }, 'probe');
    await notify.close();
    expect(logs.text()).toContain('probe');
    for (const secret of [KEY, EVENTS_TOKEN, 'ABCDEF', FULL_PAN]) expect(logs.text()).not.toContain(secret);
  });
});
