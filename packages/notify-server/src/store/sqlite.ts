/**
 * Embedded store: one SQLite file (better-sqlite3), WAL journal with `synchronous=FULL`, so a
 * notification is on disk before `SUCCESS` is sent and survives a crash, SIGKILL or power loss.
 *
 * Writes happen off the main thread: a worker thread (`sqlite-writer.js`) owns the only writing
 * connection and group-commits. Inserts that arrive in one turn of the event loop are posted
 * together; everything posted while a commit is being fsynced is written in the next ONE
 * transaction (one fsync), and each caller's promise resolves only after that COMMIT returned. Dedupe is `INSERT … ON CONFLICT(dedupe_key) DO
 * NOTHING` inside the transaction, so duplicates in one batch or across batches resolve the same
 * way. Reads (`since`, `lastId`, `byOutTradeNo`, `rejects`, `ping`) run on the main thread's own
 * connection: WAL lets it read committed rows while the writer commits. The HTTP thread thus
 * never blocks on an fsync.
 *
 * `:memory:` databases cannot be shared between connections, so they (and `writer: 'inline'`)
 * write on the main thread with the same batching.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
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
  /** Rows per posted batch; the writer merges queued batches while a transaction holds fewer. Default 256. */
  maxBatch?: number;
  /**
   * Where writes run. `thread` (default for files): a worker thread owns the writing connection,
   * so commits and their fsync never block the HTTP thread. `inline`: on the calling thread
   * (always the case for `:memory:`).
   */
  writer?: 'thread' | 'inline';
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

/** Outcome of one row of an insert batch: the new id, or (duplicate) the row already stored. */
type BatchResult = number | NotificationRowRead;

/** The pragmas that make commits durable. */
export interface SqliteDurability {
  journalMode: string;
  synchronous: number;
}

/** Statements the writer prepares (the worker receives them as text). */
interface WriterSql {
  insert: string;
  byKey: string;
  reject: string;
  prune: string;
}

/** Executes the store's writes: in the worker thread, or inline on the main thread. */
interface Writer {
  /** Writes the rows in one transaction; resolves after COMMIT (fsync) with one result per row. */
  insertBatch(rows: SqliteRow[]): Promise<BatchResult[]>;
  recordRejects(rows: unknown[][]): Promise<void>;
  durability(): Promise<SqliteDurability>;
  /** Called once no request is pending. */
  close(): Promise<void>;
}

const HINT_FILE = 'check that the SQLite path is on a local, writable disk and not used by another program';

// Plain JavaScript (type-checked with checkJs), so it exists in src/ (tests) and dist/ alike.
const WRITER_URL = new URL('./sqlite-writer.js', import.meta.url);

/** Messages answered by the worker (see sqlite-writer.js). */
type WriterReply =
  | { ok: true; results?: BatchResult[]; durability?: SqliteDurability }
  | { ok: false; error: { message: string; code?: string } };

/**
 * The writing connection in a worker thread. Requests are answered in the order they were posted
 * (the worker handles one message at a time). The thread starts on first use; it only keeps the
 * process alive while a request is pending. If it dies, pending requests fail (→ 503, QFPay
 * retries) and the next request starts a new one.
 */
class WorkerWriter implements Writer {
  private worker: Worker | undefined;
  private readonly waiting: Array<{ resolve: (reply: WriterReply & { ok: true }) => void; reject: (error: unknown) => void }> = [];

  constructor(private readonly data: { path: string; sql: WriterSql; maxRejects: number; maxBatch: number }) {}

  start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WRITER_URL, {
      workerData: this.data,
      // It holds one transaction's rows at a time (queued messages wait off-heap): a small heap is plenty.
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 },
    });
    worker.unref();
    worker.on('message', (reply: WriterReply) => {
      const waiter = this.waiting.shift();
      if (this.waiting.length === 0) worker.unref();
      if (!waiter) return;
      if (reply.ok) waiter.resolve(reply);
      else waiter.reject(reply.error);
    });
    const fail = (cause: unknown): void => {
      if (this.worker === worker) this.worker = undefined;
      const error = toStoreError('STORE_SQLITE_WRITER', 'the SQLite writer thread failed', HINT_FILE, cause);
      for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the SQLite writer thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private request(message: { type: string; rows?: unknown[] }): Promise<WriterReply & { ok: true }> {
    const worker = this.start();
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (this.waiting.length === 1) worker.ref();
      worker.postMessage(message);
    });
  }

  async insertBatch(rows: SqliteRow[]): Promise<BatchResult[]> {
    return (await this.request({ type: 'insert', rows })).results ?? [];
  }

  async recordRejects(rows: unknown[][]): Promise<void> {
    await this.request({ type: 'rejects', rows });
  }

  async durability(): Promise<SqliteDurability> {
    const reply = await this.request({ type: 'durability' });
    if (!reply.durability) throw new Error('the SQLite writer did not report its pragmas');
    return reply.durability;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ type: 'close' });
    await exited;
  }
}

/** The writing statements on the main thread's connection (`:memory:`, or `writer: 'inline'`). */
class InlineWriter implements Writer {
  private readonly insertTx: Database.Transaction<(rows: SqliteRow[]) => BatchResult[]>;
  private readonly rejectTx: Database.Transaction<(rows: unknown[][]) => void>;

  constructor(private readonly db: Database.Database, sql: WriterSql, maxRejects: number) {
    const insert = db.prepare<SqliteRow, { id: number | bigint }>(sql.insert);
    const byKey = db.prepare<[string], NotificationRowRead>(sql.byKey);
    const reject = db.prepare(sql.reject);
    const prune = db.prepare<[number]>(sql.prune);
    this.insertTx = db.transaction((rows: SqliteRow[]) =>
      rows.map((row): BatchResult => {
        const inserted = insert.get(row);
        if (inserted) return Number(inserted.id);
        const existing = byKey.get(row.dedupe_key);
        if (!existing) throw new StoreError('STORE_SQLITE_DEDUPE', 'a duplicate was reported but the original row is missing', HINT_FILE);
        return existing;
      }),
    );
    this.rejectTx = db.transaction((rows: unknown[][]) => {
      for (const values of rows) reject.run(...values);
      prune.run(maxRejects);
    });
  }

  insertBatch(rows: SqliteRow[]): Promise<BatchResult[]> {
    try {
      return Promise.resolve(this.insertTx.immediate(rows));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  recordRejects(rows: unknown[][]): Promise<void> {
    try {
      this.rejectTx.immediate(rows);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  durability(): Promise<SqliteDurability> {
    return Promise.resolve(readDurability(this.db));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function readDurability(db: Database.Database): SqliteDurability {
  return { journalMode: String(db.pragma('journal_mode', { simple: true })), synchronous: Number(db.pragma('synchronous', { simple: true })) };
}

/** The SQLite {@link NotificationStore}. Create it with {@link createSqliteStore}. */
export class SqliteNotificationStore implements NotificationStore {
  readonly kind = 'sqlite' as const;
  /** Absolute path of the database file (or `:memory:`). */
  readonly path: string;
  /** Where writes run (see {@link SqliteStoreOptions.writer}). */
  readonly writerMode: 'thread' | 'inline';
  /** The main thread's connection: schema creation and reads (and writes when inline). */
  private readonly db: Database.Database;
  private readonly writer: Writer;
  private readonly maxBatch: number;
  private queue: PendingInsert[] = [];
  private flushScheduled = false;
  /** Insert batches handed to the writer and not answered yet. */
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly stmt: {
    since: Database.Statement<[number, number], NotificationRowRead>;
    lastId: Database.Statement<[], { id: number | null }>;
    byRef: Database.Statement<[string, string], NotificationRowRead>;
    rejects: Database.Statement<[number], RejectRowRead>;
    ping: Database.Statement<[], { ok: number }>;
  };

  constructor(options: SqliteStoreOptions = {}) {
    const path = options.path ?? DEFAULT_SQLITE_PATH;
    this.path = path === ':memory:' ? path : resolve(path);
    this.writerMode = this.path === ':memory:' ? 'inline' : (options.writer ?? 'thread');
    const maxRejects = options.maxRejects ?? DEFAULT_MAX_REJECTS;
    this.maxBatch = options.maxBatch ?? 256;
    try {
      if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
      this.db = new Database(this.path);
      this.db.pragma('journal_mode = WAL');
      // FULL: the WAL is fsynced at every commit, so a committed row survives power loss too.
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
      // With a writer thread this connection only reads; make that a guarantee.
      if (this.writerMode === 'thread') this.db.pragma('query_only = ON');
    } catch (cause) {
      throw toStoreError('STORE_SQLITE_OPEN', `cannot open the SQLite store at ${this.path}`, HINT_FILE, cause);
    }
    const placeholders = NOTIFICATION_COLUMNS.map((c) => `@${c}`).join(', ');
    const sql: WriterSql = {
      insert: `INSERT INTO qfpay_notifications (${NOTIFICATION_COLUMNS.join(', ')}) VALUES (${placeholders}) ON CONFLICT(dedupe_key) DO NOTHING RETURNING id`,
      byKey: 'SELECT * FROM qfpay_notifications WHERE dedupe_key = ?',
      reject: 'INSERT INTO qfpay_notify_rejects (at, reason, status, detail, remote_ip, body_length, body_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)',
      prune: 'DELETE FROM qfpay_notify_rejects WHERE id <= (SELECT max(id) FROM qfpay_notify_rejects) - ?',
    };
    this.writer = this.writerMode === 'thread' ? new WorkerWriter({ path: this.path, sql, maxRejects, maxBatch: this.maxBatch }) : new InlineWriter(this.db, sql, maxRejects);
    this.stmt = {
      since: this.db.prepare<[number, number], NotificationRowRead>('SELECT * FROM qfpay_notifications WHERE id > ? ORDER BY id LIMIT ?'),
      lastId: this.db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM qfpay_notifications'),
      byRef: this.db.prepare<[string, string], NotificationRowRead>(
        'SELECT * FROM qfpay_notifications WHERE out_trade_no = ? OR orig_out_trade_no = ? ORDER BY id',
      ),
      rejects: this.db.prepare<[number], RejectRowRead>('SELECT * FROM qfpay_notify_rejects ORDER BY id DESC LIMIT ?'),
      ping: this.db.prepare<[], { ok: number }>('SELECT 1 AS ok'),
    };
  }

  /** The pragmas of the main thread's connection (exposed for tests and diagnostics). */
  durability(): SqliteDurability {
    return readDurability(this.db);
  }

  /** The pragmas of the connection that commits the writes (the writer thread's, when there is one). */
  writerDurability(): Promise<SqliteDurability> {
    if (this.closed) return Promise.reject(this.closedError());
    return this.writer.durability().catch((cause: unknown) => Promise.reject(toStoreError('STORE_SQLITE', 'the SQLite store failed', HINT_FILE, cause)));
  }

  /** Starts the writer and checks that its commits are durable (WAL + synchronous=FULL). */
  async init(): Promise<void> {
    if (this.path === ':memory:') return this.guard(() => undefined); // nothing to make durable
    const durability = await this.writerDurability();
    if (durability.journalMode !== 'wal' || durability.synchronous !== 2) {
      throw new StoreError('STORE_SQLITE_DURABILITY', `the SQLite writer is not durable (journal_mode=${durability.journalMode}, synchronous=${durability.synchronous})`, HINT_FILE);
    }
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
    if (this.closed) return Promise.reject(this.closedError());
    if (rejects.length === 0) return Promise.resolve();
    return this.writer
      .recordRejects(rejects.map(rejectValues))
      .catch((cause: unknown) => Promise.reject(toStoreError('STORE_SQLITE', 'the SQLite store failed', HINT_FILE, cause)));
  }

  rejects(limit = 100): Promise<RejectRecord[]> {
    return this.guard(() => this.stmt.rejects.all(limit).map(fromRejectRow));
  }

  ping(): Promise<void> {
    return this.guard(() => {
      this.stmt.ping.get();
    });
  }

  /** Refuses new work, writes what is queued, stops the writer thread and closes the file. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      await this.drained();
      try {
        await this.writer.close();
      } finally {
        this.db.close();
      }
    })();
    return this.closing;
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
    // setImmediate: requests whose bodies arrived in the same turn of the loop are posted together.
    // The writer thread merges whatever is waiting when a commit ends into the next commit.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      const rows = batch.map((p): SqliteRow => ({ ...p.values, success: p.values.success ? 1 : 0 }));
      this.inFlight += 1;
      this.writer.insertBatch(rows).then(
        (results) => {
          this.inFlight -= 1;
          batch.forEach((p, i) => settle(p, results[i]));
          this.wakeIfIdle();
        },
        (cause: unknown) => {
          this.inFlight -= 1;
          const error = toStoreError('STORE_SQLITE_WRITE', 'could not write the notification to SQLite', HINT_FILE, cause);
          for (const p of batch) p.reject(error);
          this.wakeIfIdle();
        },
      );
    }
    this.wakeIfIdle();
  }

  private wakeIfIdle(): void {
    if (this.inFlight === 0 && this.queue.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private drained(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.scheduleFlush();
    });
  }
}

/** Resolves one caller of a committed batch (never throws). */
function settle(p: PendingInsert, result: BatchResult | undefined): void {
  try {
    if (typeof result === 'number') {
      const record = recordFromValues(result, p.values, p.notification);
      p.resolve({ inserted: true, id: record.id, record });
    } else if (result) {
      const record = fromRow(result);
      p.resolve({ inserted: false, id: record.id, record });
    } else {
      p.reject(new StoreError('STORE_SQLITE_WRITE', 'the SQLite writer returned no result for a row', HINT_FILE));
    }
  } catch (cause) {
    p.reject(toStoreError('STORE_SQLITE', 'the SQLite store failed', HINT_FILE, cause));
  }
}

/** Opens (creating if needed) the SQLite store. @throws StoreError when the file cannot be opened. */
export function createSqliteStore(options: SqliteStoreOptions = {}): SqliteNotificationStore {
  return new SqliteNotificationStore(options);
}
