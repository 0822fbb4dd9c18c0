/**
 * The same suites against PostgreSQL, plus what only a shared database can show: several
 * instances deduping a racing duplicate, and SSE on one instance seeing another's records.
 * PostgreSQL must be running (QFPAY_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test);
 * if it is not, these tests fail with a message saying so.
 */
import { parseNotification } from '@qfpay-ecr/core';
import { createNotifyApp, createPostgresStore, redactConnectionString, StoreError, type NotificationStore } from '../src/index.js';
import { describeNotifyApp } from './support/app-suite.js';
import { EVENTS_TOKEN, paymentBody, signedHeaders } from './support/fixtures.js';
import { startApp, type Running } from './support/harness.js';
import { get, postNotify } from './support/http.js';
import { captureLogs } from './support/logs.js';
import { openSse } from './support/sse.js';
import { describeStoreContract } from './support/store-contract.js';
import { PG_URL, postgresFactory, requirePostgres } from './support/stores.js';

describe('PostgreSQL store', () => {
  beforeAll(async () => {
    await requirePostgres();
  });

  describeStoreContract(postgresFactory);
  describeNotifyApp(postgresFactory);

  describe('several instances on one database', () => {
    const stores = postgresFactory();
    let schema: string;
    let a: Running;
    let b: Running;

    beforeEach(async () => {
      schema = stores.newSchema();
      a = await startApp(createPostgresStore({ connectionString: PG_URL, schema }));
      b = await startApp(createPostgresStore({ connectionString: PG_URL, schema }));
      await Promise.all([a.notify.store.init(), b.notify.store.init()]);
    });
    afterEach(async () => {
      await Promise.all([a.notify.close(), b.notify.close()]);
    });
    afterAll(async () => {
      await stores.dispose();
    });

    it('two instances receiving the same retry at once: both SUCCESS, one row, one event in the cluster', async () => {
      for (let round = 0; round < 5; round += 1) {
        const body = paymentBody();
        const replies = await Promise.all(
          Array.from({ length: 10 }, (_, i) => postNotify(i % 2 === 0 ? a.url : b.url, body, signedHeaders(body))),
        );
        expect(replies.map((r) => `${r.status} ${r.text}`)).toEqual(Array(10).fill('200 SUCCESS'));
      }
      const rows = await a.notify.store.since(0, 100);
      expect(rows).toHaveLength(5);
      expect(new Set(rows.map((r) => r.dedupeKey)).size).toBe(5);
      expect(a.emitted.length + b.emitted.length).toBe(5);
      expect([...a.emitted, ...b.emitted].map((r) => r.id).sort((x, y) => x - y)).toEqual(rows.map((r) => r.id));
    });

    it("an SSE client of instance A sees notifications stored by instance B, in id order", async () => {
      const stream = await openSse(a.url, '/qfpay/events', { Authorization: `Bearer ${EVENTS_TOKEN}` });
      try {
        await stream.waitForComment(/connected/);
        for (let i = 0; i < 3; i += 1) {
          const body = paymentBody();
          expect((await postNotify(b.url, body, signedHeaders(body))).text).toBe('SUCCESS');
        }
        const body = paymentBody();
        expect((await postNotify(a.url, body, signedHeaders(body))).text).toBe('SUCCESS');
        const events = await stream.waitForEvents(4);
        const rows = await b.notify.store.since(0, 10);
        expect(events.map((e) => Number(e.id))).toEqual(rows.map((r) => r.id));
        expect(b.emitted).toHaveLength(3);
        expect(a.emitted).toHaveLength(1);
      } finally {
        stream.close();
      }
    });

    it('ids follow commit order under concurrent inserts from two stores, so paging never skips', async () => {
      const bodies = Array.from({ length: 40 }, () => paymentBody());
      const results = await Promise.all(
        bodies.map((body, i) => {
          const target = i % 2 === 0 ? a : b;
          return target.notify.store.insert(parseNotification(body), { bodySha256: 'd'.repeat(64), bodyLength: body.length, keyIndex: 0 });
        }),
      );
      const ids = results.map((r) => r.id).sort((x, y) => x - y);
      expect(new Set(ids).size).toBe(40);
      expect((await a.notify.store.since(0, 100)).map((r) => r.id)).toEqual(ids);
    });
  });

  describe('when PostgreSQL is unreachable', () => {
    const deadUrl = 'postgres://someone:hunter2-secret@127.0.0.1:1/nowhere';
    let store: NotificationStore;
    beforeEach(() => {
      store = createPostgresStore({ connectionString: deadUrl, connectTimeoutMs: 500 });
    });
    afterEach(async () => {
      await store.close();
    });

    it('fails with a StoreError that hides the password', async () => {
      const error = await store.init().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe('STORE_PG_UNREACHABLE');
      expect((error as StoreError).message).toContain('127.0.0.1:1');
      expect((error as StoreError).message).not.toContain('hunter2');
      expect(redactConnectionString(deadUrl)).toBe('postgres://someone:****@127.0.0.1:1/nowhere');
    });

    it('the app answers 503 to a valid notification (so QFPay retries) and /healthz says 503', async () => {
      const logs = captureLogs();
      const notify = createNotifyApp({ keys: 'k-unreachable', store, logger: logs.logger });
      const { url } = await notify.listen({ port: 0 });
      try {
        const body = paymentBody();
        const reply = await postNotify(url, body, signedHeaders(body, 'k-unreachable'));
        expect(reply.status).toBe(503);
        expect(reply.text).not.toContain('SUCCESS');
        const health = await get(url, '/healthz');
        expect(health.status).toBe(503);
        expect(JSON.parse(health.text)).toMatchObject({ ok: false, store: 'postgres' });
        expect(logs.text()).not.toContain('hunter2');
        expect(logs.text()).not.toContain('k-unreachable');
      } finally {
        await notify.close();
      }
    });
  });
});
