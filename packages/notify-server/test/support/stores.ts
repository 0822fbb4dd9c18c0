/**
 * Store factories for the shared suites. SQLite: a temp directory per test file, a fresh file
 * per store. PostgreSQL: a unique schema prefix per test file, a fresh schema per store, all
 * dropped afterwards. PostgreSQL being unreachable fails the tests (it never skips them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPostgresStore, createSqliteStore, redactConnectionString, type NotificationStore, type SqliteStoreOptions } from '../../src/index.js';

export const PG_URL = process.env.QFPAY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface StoreFactoryOptions {
  maxRejects?: number;
}

export interface StoreFactory {
  label: 'sqlite' | 'postgres';
  create(options?: StoreFactoryOptions): Promise<NotificationStore>;
  /** Closes every store made and removes their files / schemas. */
  dispose(): Promise<void>;
}

/** `extra`: options for every store made, e.g. `{ writer: 'inline' }`. */
export function sqliteFactory(extra: Omit<SqliteStoreOptions, 'path'> = {}): StoreFactory {
  const dir = mkdtempSync(join(tmpdir(), 'qfpay-notify-test-'));
  const made: NotificationStore[] = [];
  let n = 0;
  return {
    label: 'sqlite',
    async create(options = {}) {
      n += 1;
      const store = createSqliteStore({ path: join(dir, `store-${n}`, 'notify.db'), ...extra, ...options });
      await store.init();
      made.push(store);
      return store;
    },
    async dispose() {
      for (const store of made) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fails with a clear message when PostgreSQL cannot be reached. */
export async function requirePostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is required for these tests but ${redactConnectionString(PG_URL)} is unreachable (${error instanceof Error ? error.message : String(error)}). ` +
        'Start PostgreSQL on 127.0.0.1:5432 with a "test" database (.ci/run does this) or point QFPAY_TEST_PG_URL at one.',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function postgresFactory(): StoreFactory & { schemaPrefix: string; newSchema(): string } {
  const schemaPrefix = `qfn_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const schemas: string[] = [];
  const made: NotificationStore[] = [];
  const newSchema = (): string => {
    const schema = `${schemaPrefix}_${schemas.length + 1}`;
    schemas.push(schema);
    return schema;
  };
  return {
    label: 'postgres',
    schemaPrefix,
    newSchema,
    async create(options = {}) {
      const store = createPostgresStore({ connectionString: PG_URL, schema: newSchema(), connectTimeoutMs: 3000, ...options });
      made.push(store);
      await store.init();
      return store;
    },
    async dispose() {
      for (const store of made) await store.close().catch(() => undefined);
      if (schemas.length === 0) return;
      const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
      try {
        await client.connect();
        for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}
