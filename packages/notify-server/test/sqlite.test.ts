import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNotification } from '@qfpay-ecr/core';
import { createSqliteStore, DEFAULT_SQLITE_PATH, StoreError } from '../src/index.js';
import { describeNotifyApp } from './support/app-suite.js';
import { paymentBody } from './support/fixtures.js';
import { describeStoreContract } from './support/store-contract.js';
import { sqliteFactory } from './support/stores.js';

describe('SQLite store', () => {
  describeStoreContract(sqliteFactory);
  describeNotifyApp(sqliteFactory);

  describe('with the inline writer (no writer thread)', () => {
    describeStoreContract(() => sqliteFactory({ writer: 'inline' }));
  });

  describe('SQLite specifics', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'qfpay-notify-sqlite-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('creates parent directories and uses WAL with synchronous=FULL', async () => {
      const path = join(dir, 'a', 'b', 'notify.db');
      const store = createSqliteStore({ path });
      expect(existsSync(path)).toBe(true);
      expect(store.durability()).toEqual({ journalMode: 'wal', synchronous: 2 });
      await store.close();
      expect(DEFAULT_SQLITE_PATH).toBe('./data/qfpay-notify.db');
    });

    it('commits through a writer thread whose own connection is WAL with synchronous=FULL; :memory: writes inline', async () => {
      const store = createSqliteStore({ path: join(dir, 'writer.db') });
      expect(store.writerMode).toBe('thread');
      await store.init();
      expect(await store.writerDurability()).toEqual({ journalMode: 'wal', synchronous: 2 });
      await store.close();
      await expect(store.writerDurability()).rejects.toMatchObject({ code: 'STORE_CLOSED' });
      const memory = createSqliteStore({ path: ':memory:' });
      expect(memory.writerMode).toBe('inline');
      await memory.init();
      await memory.close();
    });

    it('a writer thread that dies loses nothing committed and is replaced on the next write', async () => {
      const store = createSqliteStore({ path: join(dir, 'respawn.db') });
      const first = paymentBody();
      expect((await store.insert(parseNotification(first), { bodySha256: 'd'.repeat(64), bodyLength: first.length, keyIndex: 0 })).inserted).toBe(true);
      const writer = (store as unknown as { writer: { worker?: { terminate(): Promise<number> } } }).writer;
      await writer.worker?.terminate();
      const second = paymentBody();
      expect((await store.insert(parseNotification(second), { bodySha256: 'e'.repeat(64), bodyLength: second.length, keyIndex: 0 })).inserted).toBe(true);
      expect((await store.since(0, 10)).map((r) => r.syssn)).toEqual([JSON.parse(first).syssn, JSON.parse(second).syssn]);
      await store.close();
    });

    it('keeps committed rows across reopen (same file)', async () => {
      const path = join(dir, 'notify.db');
      const first = createSqliteStore({ path });
      const body = paymentBody();
      const inserted = await first.insert(parseNotification(body), { bodySha256: 'a'.repeat(64), bodyLength: body.length, keyIndex: 0 });
      await first.close();
      const second = createSqliteStore({ path });
      expect((await second.since(0, 10)).map((r) => r.id)).toEqual([inserted.id]);
      expect((await second.insert(parseNotification(body), { bodySha256: 'b'.repeat(64), bodyLength: 1, keyIndex: 0 })).inserted).toBe(false);
      await second.close();
    });

    it('group-commits a burst in batches and still dedupes inside one batch', async () => {
      const store = createSqliteStore({ path: join(dir, 'burst.db'), maxBatch: 7 });
      const bodies = Array.from({ length: 40 }, () => paymentBody());
      const all = [...bodies, ...bodies.slice(0, 10)];
      const results = await Promise.all(all.map((b) => store.insert(parseNotification(b), { bodySha256: 'c'.repeat(64), bodyLength: b.length, keyIndex: 0 })));
      expect(results.filter((r) => r.inserted)).toHaveLength(40);
      expect(results.slice(40).every((r, i) => !r.inserted && r.id === results[i]?.id)).toBe(true);
      expect(await store.since(0, 100)).toHaveLength(40);
      await store.close();
    });

    it('an unopenable path is a StoreError naming the path', () => {
      const blocker = join(dir, 'file');
      createSqliteStore({ path: blocker }).close();
      let error: unknown;
      try {
        createSqliteStore({ path: join(blocker, 'nested.db') });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe('STORE_SQLITE_OPEN');
      expect((error as StoreError).message).toContain(join(blocker, 'nested.db'));
    });
  });
});
