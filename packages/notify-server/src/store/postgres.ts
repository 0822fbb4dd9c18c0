/**
 * Shared store for several server instances: PostgreSQL through a `pg` Pool.
 *
 * - Dedupe: `UNIQUE (dedupe_key)` and `INSERT … ON CONFLICT DO NOTHING`, so two instances that
 *   receive the same retry at the same moment store it once.
 * - Order: each insert takes a transaction-scoped advisory lock (one per schema) before the id is
 *   drawn, so ids are assigned in commit order. A reader paging by id (the SSE feed of every
 *   instance) therefore never skips a row that commits late. Notifications are few; serialising
 *   their inserts costs nothing that matters.
 * - Durability: PostgreSQL's default `synchronous_commit = on`; the route answers after COMMIT.
 */
import pg from 'pg';
import type { NormalizedNotification } from '@qfpay-ecr/core';
import { StoreError, toStoreError } from '../errors.js';
import {
  DEFAULT_MAX_REJECTS,
  NOTIFICATION_COLUMNS,
  fromRejectRow,
  fromRow,
  rejectValues,
  toRowValues,
  type NotificationRowRead,
  type RejectRowRead,
} from './rows.js';
import type { InsertMeta, InsertResult, NotificationStore, RejectInput, RejectRecord, StoredNotification } from './types.js';

/** Options of {@link createPostgresStore}. Give `connectionString` or an existing `pool`. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/db`. The password is never logged or put in errors. */
  connectionString?: string;
  /** An existing pool (not ended by `close()`). */
  pool?: pg.Pool;
  /** Schema holding the tables (created if missing). Default `public`. Letters, digits, `_`. */
  schema?: string;
  /** Pool size when we create the pool. Default 10. */
  maxConnections?: number;
  /** Milliseconds to wait for a connection. Default 5000. */
  connectTimeoutMs?: number;
  /** Keep at most this many rejects. Default 10,000. */
  maxRejects?: number;
  /** Called with pool-level errors (idle client lost, …); default ignores them (the next query fails and reports). */
  onPoolError?: (error: StoreError) => void;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const HINT_PG = 'check --pg-url / QFPAY_NOTIFY_PG_URL and that PostgreSQL is running and reachable';

/** `postgres://user:secret@host/db` → `postgres://user:****@host/db`, for messages. */
export function redactConnectionString(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '****';
    return parsed.toString();
  } catch {
    return '(unparseable PostgreSQL URL)';
  }
}

// FNV-1a, 32-bit, as a signed integer: the advisory-lock id of a schema.
function lockIdOf(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(`qfpay-notify:${text}`, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/** The PostgreSQL {@link NotificationStore}. Create it with {@link createPostgresStore}. */
export class PostgresNotificationStore implements NotificationStore {
  readonly kind = 'postgres' as const;
  /** Schema holding the tables. */
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly where: string;
  private readonly lockId: number;
  private readonly maxRejects: number;
  private readonly t: { notifications: string; rejects: string };
  private ready: Promise<void> | undefined;
  private closed = false;

  constructor(options: PostgresStoreOptions) {
    const schema = options.schema ?? 'public';
    if (!IDENTIFIER.test(schema)) {
      throw new StoreError('STORE_PG_SCHEMA', `PostgreSQL schema name "${schema}" is not allowed`, 'use lower-case letters, digits and _ (max 63), starting with a letter or _');
    }
    if (!options.pool && !options.connectionString) {
      throw new StoreError('STORE_PG_CONFIG', 'no PostgreSQL connection given', 'pass connectionString (e.g. postgres://user@127.0.0.1:5432/db) or a pg Pool');
    }
    this.schema = schema;
    this.lockId = lockIdOf(schema);
    this.maxRejects = options.maxRejects ?? DEFAULT_MAX_REJECTS;
    this.where = options.connectionString ? redactConnectionString(options.connectionString) : 'the given pg Pool';
    this.t = { notifications: `"${schema}".qfpay_notifications`, rejects: `"${schema}".qfpay_notify_rejects` };
    this.ownsPool = !options.pool;
    this.pool =
      options.pool ??
      new pg.Pool({
        connectionString: options.connectionString,
        max: options.maxConnections ?? 10,
        connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
        idleTimeoutMillis: 30_000,
      });
    const onPoolError = options.onPoolError;
    // Without a listener, an idle client's error would crash the process.
    this.pool.on('error', (error) => onPoolError?.(toStoreError('STORE_PG_POOL', `PostgreSQL connection lost (${this.where})`, HINT_PG, error)));
  }

  init(): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    this.ready ??= this.createTables().catch((error: unknown) => {
      this.ready = undefined; // retry on next use (PostgreSQL may come back)
      throw error;
    });
    return this.ready;
  }

  async insert(notification: NormalizedNotification, meta: InsertMeta): Promise<InsertResult> {
    await this.init();
    const values = toRowValues(notification, meta);
    const params = NOTIFICATION_COLUMNS.map((c) => values[c]);
    const placeholders = NOTIFICATION_COLUMNS.map((c, i) => (c === 'notification' ? `$${i + 1}::jsonb` : `$${i + 1}`)).join(', ');
    return this.withClient('STORE_PG_WRITE', 'could not write the notification to PostgreSQL', async (client) => {
      try {
        // The lock id is our own integer, so it can be inlined into the simple-protocol query.
        await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${this.lockId})`);
        const inserted = await client.query<NotificationRowRead>(
          `INSERT INTO ${this.t.notifications} (${NOTIFICATION_COLUMNS.join(', ')}) VALUES (${placeholders}) ON CONFLICT (dedupe_key) DO NOTHING RETURNING *`,
          params,
        );
        const row = inserted.rows[0] ?? (await client.query<NotificationRowRead>(`SELECT * FROM ${this.t.notifications} WHERE dedupe_key = $1`, [values.dedupe_key])).rows[0];
        await client.query('COMMIT');
        if (!row) throw new StoreError('STORE_PG_DEDUPE', 'a duplicate was reported but the original row is missing', HINT_PG);
        const record = fromRow(row);
        return { inserted: inserted.rows.length > 0, id: record.id, record };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async since(afterId: number, limit: number): Promise<StoredNotification[]> {
    const rows = await this.query<NotificationRowRead>(`SELECT * FROM ${this.t.notifications} WHERE id > $1 ORDER BY id LIMIT $2`, [afterId, limit]);
    return rows.map(fromRow);
  }

  async lastId(): Promise<number> {
    const rows = await this.query<{ id: string | null }>(`SELECT max(id) AS id FROM ${this.t.notifications}`, []);
    return Number(rows[0]?.id ?? 0);
  }

  async byOutTradeNo(outTradeNo: string): Promise<StoredNotification[]> {
    const rows = await this.query<NotificationRowRead>(
      `SELECT * FROM ${this.t.notifications} WHERE out_trade_no = $1 OR orig_out_trade_no = $1 ORDER BY id`,
      [outTradeNo],
    );
    return rows.map(fromRow);
  }

  async recordRejects(rejects: readonly RejectInput[]): Promise<void> {
    if (rejects.length === 0) return;
    await this.init();
    const params: unknown[] = [];
    const tuples = rejects.map((r) => {
      const base = params.length;
      params.push(...rejectValues(r));
      return `(${[1, 2, 3, 4, 5, 6, 7].map((i) => `$${base + i}`).join(', ')})`;
    });
    await this.withClient('STORE_PG_WRITE', 'could not record rejected deliveries in PostgreSQL', async (client) => {
      await client.query(
        `INSERT INTO ${this.t.rejects} (at, reason, status, detail, remote_ip, body_length, body_sha256) VALUES ${tuples.join(', ')}`,
        params,
      );
      await client.query(`DELETE FROM ${this.t.rejects} WHERE id <= (SELECT max(id) FROM ${this.t.rejects}) - $1`, [this.maxRejects]);
    });
  }

  async rejects(limit = 100): Promise<RejectRecord[]> {
    const rows = await this.query<RejectRowRead>(`SELECT * FROM ${this.t.rejects} ORDER BY id DESC LIMIT $1`, [limit]);
    return rows.map(fromRejectRow);
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1', []);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.pool.end();
  }

  private async createTables(): Promise<void> {
    await this.withClient('STORE_PG_UNREACHABLE', `cannot prepare the PostgreSQL store at ${this.where}`, async (client) => {
      try {
        // Serialise DDL between instances starting together (CREATE … IF NOT EXISTS can race).
        await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${this.lockId})`);
        await client.query(`
          CREATE SCHEMA IF NOT EXISTS "${this.schema}";
          CREATE TABLE IF NOT EXISTS ${this.t.notifications} (
            id BIGSERIAL PRIMARY KEY,
            dedupe_key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            notify_type TEXT NOT NULL,
            syssn TEXT,
            out_trade_no TEXT,
            orig_syssn TEXT,
            orig_out_trade_no TEXT,
            amount_minor BIGINT,
            currency TEXT,
            success BOOLEAN NOT NULL,
            notification JSONB NOT NULL,
            body_sha256 TEXT NOT NULL,
            body_length INTEGER NOT NULL,
            key_index INTEGER NOT NULL,
            remote_ip TEXT,
            received_at TIMESTAMPTZ NOT NULL
          );
          CREATE INDEX IF NOT EXISTS qfpay_notifications_out_trade_no ON ${this.t.notifications} (out_trade_no);
          CREATE INDEX IF NOT EXISTS qfpay_notifications_orig_out_trade_no ON ${this.t.notifications} (orig_out_trade_no);
          CREATE TABLE IF NOT EXISTS ${this.t.rejects} (
            id BIGSERIAL PRIMARY KEY,
            at TIMESTAMPTZ NOT NULL,
            reason TEXT NOT NULL,
            status INTEGER NOT NULL,
            detail TEXT,
            remote_ip TEXT,
            body_length INTEGER,
            body_sha256 TEXT
          );
          COMMIT;`);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    await this.init();
    return this.withClient('STORE_PG_QUERY', `PostgreSQL query failed (${this.where})`, async (client) => (await client.query<R>(sql, params)).rows);
  }

  private async withClient<T>(code: string, what: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) throw this.closedError();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (cause) {
      throw toStoreError('STORE_PG_UNREACHABLE', `cannot connect to PostgreSQL at ${this.where}`, HINT_PG, cause);
    }
    let broken: Error | undefined;
    try {
      return await work(client);
    } catch (cause) {
      // A failure that may have left the connection unusable must not go back into the pool.
      if (!(cause instanceof StoreError)) broken = cause instanceof Error ? cause : new Error(String(cause));
      throw toStoreError(code, what, HINT_PG, cause);
    } finally {
      client.release(broken);
    }
  }

  private closedError(): StoreError {
    return new StoreError('STORE_CLOSED', 'the notification store is closed', 'the server is shutting down; the sender will retry');
  }
}

/** Creates the PostgreSQL store. Tables are created on `init()` or first use. */
export function createPostgresStore(options: PostgresStoreOptions): PostgresNotificationStore {
  return new PostgresNotificationStore(options);
}
