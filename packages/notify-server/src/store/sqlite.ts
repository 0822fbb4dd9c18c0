/**
 * Embedded store: one SQLite file (better-sqlite3), WAL journal with `synchronous=FULL`, so a
 * notification is on disk before `SUCCESS` is sent and survives a crash or SIGKILL.
 *
 * Writes are group-committed: inserts that arrive while the event loop is busy are written in
 * one transaction (one fsync) on the next turn of the loop, and each caller is answered only
 * after that commit. Dedupe is `INSERT … ON CONFLICT(dedupe_key) DO NOTHING` inside the
 * transaction, so duplicates in one batch or across batches resolve the same way.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { NormalizedNotification } from '@qfpay-ecr/core';
import { StoreError, toStoreError } from '../errors.js';
import {
  DEFAULT_MAX_REJECTS,
  NOTIFICATION_COLUMNS,
  fromRejectRow,
  fromRow,
  recordFromValues,
  rejectValues,
  toRowValues,
  type NotificationRowRead,
  type NotificationRowValues,
  type RejectRowRead,
} from './rows.js';
import type { InsertMeta, InsertResult, NotificationStore, RejectInput, RejectRecord, StoredNotification } from './types.js';

/** Default database file, relative to the working directory. */
export const DEFAULT_SQLITE_PATH = './data/qfpay-notify.db';

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file; parent directories are created. Default {@link DEFAULT_SQLITE_PATH}. `:memory:` for throwaway tests. */
  path?: string;
  /** Keep at most this many rejects (oldest pruned). Default 10,000. */
  maxRejects?: number;
  /** Largest number of inserts written in one transaction. Default 256. */
  maxBatch?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS qfpay_notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  dedupe_key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  notify_type TEXT NOT NULL,
  syssn TEXT,
  out_trade_no TEXT,
  orig_syssn TEXT,
  orig_out_trade_no TEXT,
  amount_minor INTEGER,
  currency TEXT,
  success INTEGER NOT NULL,
  notification TEXT NOT NULL,
  body_sha256 TEXT NOT NULL,
  body_length INTEGER NOT NULL,
  key_index INTEGER NOT NULL,
  remote_ip TEXT,
  received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS qfpay_notifications_out_trade_no ON qfpay_notifications (out_trade_no);
CREATE INDEX IF NOT EXISTS qfpay_notifications_orig_out_trade_no ON qfpay_notifications (orig_out_trade_no);
CREATE TABLE IF NOT EXISTS qfpay_notify_rejects (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  reason TEXT NOT NULL,
  status INTEGER NOT NULL,
  detail TEXT,
  remote_ip TEXT,
  body_length INTEGER,
  body_sha256 TEXT
);
`;

interface PendingInsert {
  notification: NormalizedNotification;
  values: NotificationRowValues;
  resolve: (result: InsertResult) => void;
  reject: (error: unknown) => void;
}

type SqliteRow = Omit<NotificationRowValues, 'success'> & { success: number };

const HINT_FILE = 'check that the SQLite path is on a local, writable disk and not used by another program';

/** The SQLite {@link NotificationStore}. Create it with {@link createSqliteStore}. */
export class SqliteNotificationStore implements NotificationStore {
  readonly kind = 'sqlite' as const;
  /** Absolute path of the database file (or `:memory:`). */
  readonly path: string;
  private readonly db: Database.Database;
  private readonly maxRejects: number;
  private readonly maxBatch: number;
  private queue: PendingInsert[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly stmt: {
    insert: Database.Statement<SqliteRow, { id: number }>;
    byKey: Database.Statement<[string], NotificationRowRead>;
    since: Database.Statement<[number, number], NotificationRowRead>;
    lastId: Database.Statement<[], { id: number | null }>;
    byRef: Database.Statement<[string, string], NotificationRowRead>;
    reject: Database.Statement<unknown[]>;
    prune: Database.Statement<[number]>;
    rejects: Database.Statement<[number], RejectRowRead>;
    ping: Database.Statement<[], { ok: number }>;
  };

  constructor(options: SqliteStoreOptions = {}) {
    const path = options.path ?? DEFAULT_SQLITE_PATH;
    this.path = path === ':memory:' ? path : resolve(path);
    this.maxRejects = options.maxRejects ?? DEFAULT_MAX_REJECTS;
    this.maxBatch = options.maxBatch ?? 256;
    try {
      if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
      this.db = new Database(this.path);
      this.db.pragma('journal_mode = WAL');
      // FULL: the WAL is fsynced at every commit, so a committed row survives power loss too.
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
    } catch (cause) {
      throw toStoreError('STORE_SQLITE_OPEN', `cannot open the SQLite store at ${this.path}`, HINT_FILE, cause);
    }
    const placeholders = NOTIFICATION_COLUMNS.map((c) => `@${c}`).join(', ');
    this.stmt = {
      insert: this.db.prepare<SqliteRow, { id: number }>(
        `INSERT INTO qfpay_notifications (${NOTIFICATION_COLUMNS.join(', ')}) VALUES (${placeholders}) ON CONFLICT(dedupe_key) DO NOTHING RETURNING id`,
      ),
      byKey: this.db.prepare<[string], NotificationRowRead>('SELECT * FROM qfpay_notifications WHERE dedupe_key = ?'),
      since: this.db.prepare<[number, number], NotificationRowRead>('SELECT * FROM qfpay_notifications WHERE id > ? ORDER BY id LIMIT ?'),
      lastId: this.db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM qfpay_notifications'),
      byRef: this.db.prepare<[string, string], NotificationRowRead>(
        'SELECT * FROM qfpay_notifications WHERE out_trade_no = ? OR orig_out_trade_no = ? ORDER BY id',
      ),
      reject: this.db.prepare(
        'INSERT INTO qfpay_notify_rejects (at, reason, status, detail, remote_ip, body_length, body_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      prune: this.db.prepare<[number]>('DELETE FROM qfpay_notify_rejects WHERE id <= (SELECT max(id) FROM qfpay_notify_rejects) - ?'),
      rejects: this.db.prepare<[number], RejectRowRead>('SELECT * FROM qfpay_notify_rejects ORDER BY id DESC LIMIT ?'),
      ping: this.db.prepare<[], { ok: number }>('SELECT 1 AS ok'),
    };
  }

  /** The SQLite pragmas that make commits durable (exposed for tests and diagnostics). */
  durability(): { journalMode: string; synchronous: number } {
    const journalMode = String(this.db.pragma('journal_mode', { simple: true }));
    const synchronous = Number(this.db.pragma('synchronous', { simple: true }));
    return { journalMode, synchronous };
  }

  init(): Promise<void> {
    return this.guard(() => undefined);
  }

  insert(notification: NormalizedNotification, meta: InsertMeta): Promise<InsertResult> {
    if (this.closed) return Promise.reject(this.closedError());
    const values = toRowValues(notification, meta);
    return new Promise<InsertResult>((resolve, reject) => {
      this.queue.push({ notification, values, resolve, reject });
      this.scheduleFlush();
    });
  }

  since(afterId: number, limit: number): Promise<StoredNotification[]> {
    return this.guard(() => this.stmt.since.all(afterId, limit).map(fromRow));
  }

  lastId(): Promise<number> {
    return this.guard(() => Number(this.stmt.lastId.get()?.id ?? 0));
  }

  byOutTradeNo(outTradeNo: string): Promise<StoredNotification[]> {
    return this.guard(() => this.stmt.byRef.all(outTradeNo, outTradeNo).map(fromRow));
  }

  recordRejects(rejects: readonly RejectInput[]): Promise<void> {
    return this.guard(() => {
      if (rejects.length === 0) return;
      this.db.transaction(() => {
        for (const r of rejects) this.stmt.reject.run(...rejectValues(r));
        this.stmt.prune.run(this.maxRejects);
      })();
    });
  }

  rejects(limit = 100): Promise<RejectRecord[]> {
    return this.guard(() => this.stmt.rejects.all(limit).map(fromRejectRow));
  }

  ping(): Promise<void> {
    return this.guard(() => {
      this.stmt.ping.get();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }

  private guard<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError());
    try {
      return Promise.resolve(work());
    } catch (cause) {
      return Promise.reject(toStoreError('STORE_SQLITE', 'the SQLite store failed', HINT_FILE, cause));
    }
  }

  private closedError(): StoreError {
    return new StoreError('STORE_CLOSED', 'the notification store is closed', 'the server is shutting down; the sender will retry');
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate: requests that arrived during the previous fsync join this batch.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      let results: InsertResult[];
      try {
        results = this.db.transaction(() => batch.map((p) => this.insertOne(p.notification, p.values))).immediate();
      } catch (cause) {
        const error = toStoreError('STORE_SQLITE_WRITE', 'could not write the notification to SQLite', HINT_FILE, cause);
        for (const p of batch) p.reject(error);
        continue;
      }
      batch.forEach((p, i) => p.resolve(results[i] as InsertResult));
    }
  }

  private insertOne(notification: NormalizedNotification, values: NotificationRowValues): InsertResult {
    const row = this.stmt.insert.get({ ...values, success: values.success ? 1 : 0 });
    if (row) {
      const record = recordFromValues(Number(row.id), values, notification);
      return { inserted: true, id: record.id, record };
    }
    const existing = this.stmt.byKey.get(values.dedupe_key);
    if (!existing) throw new StoreError('STORE_SQLITE_DEDUPE', 'a duplicate was reported but the original row is missing', HINT_FILE);
    const record = fromRow(existing);
    return { inserted: false, id: record.id, record };
  }
}

/** Opens (creating if needed) the SQLite store. @throws StoreError when the file cannot be opened. */
export function createSqliteStore(options: SqliteStoreOptions = {}): SqliteNotificationStore {
  return new SqliteNotificationStore(options);
}
