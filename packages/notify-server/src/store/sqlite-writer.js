// @ts-check
/**
 * The SQLite store's writer thread (see `sqlite.ts`). Plain JavaScript, type-checked through
 * JSDoc (`checkJs`), so the same file runs from `src/` under Jest and from `dist/` when built: a
 * worker thread cannot load TypeScript sources.
 *
 * It owns the only writing connection to the database file (WAL, `synchronous=FULL`) and executes
 * what the main thread posts, one message at a time:
 * - `insert`: notification rows, committed in ONE transaction (one fsync) together with the
 *   other `insert` messages already waiting in the queue — group commit: while one commit is
 *   being fsynced the main thread keeps posting, and all of that becomes the next commit (merging
 *   stops once the transaction holds `maxBatch` rows or more). Each message still gets its own
 *   answer, in order. Dedupe is `INSERT … ON CONFLICT(dedupe_key) DO NOTHING RETURNING id`; a
 *   row that conflicts resolves to the stored original. Answers are posted only after `COMMIT`
 *   returned, i.e. after the WAL was fsynced: the main thread acknowledges a notification only then.
 * - `rejects`: a batch of reject rows plus pruning, in one transaction.
 * - `durability`: the pragmas of this (the writing) connection.
 * - `close`: closes the connection and ends the thread.
 *
 * The SQL comes from the main thread (workerData), so schema and column lists live in one place.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * @typedef {object} WriterSql
 * @property {string} insert  INSERT … ON CONFLICT(dedupe_key) DO NOTHING RETURNING id (named parameters)
 * @property {string} byKey   SELECT * … WHERE dedupe_key = ?
 * @property {string} reject  INSERT INTO the rejects table (7 positional parameters)
 * @property {string} prune   DELETE the rejects beyond the cap (1 parameter: the cap)
 */

/**
 * @typedef {object} WriterData
 * @property {string} path        database file (absolute)
 * @property {WriterSql} sql
 * @property {number} maxRejects
 * @property {number} maxBatch    most rows per transaction (messages are merged up to this)
 */

/**
 * @typedef {{ type: 'insert', rows: Record<string, unknown>[] }
 *   | { type: 'rejects', rows: unknown[][] }
 *   | { type: 'durability' }
 *   | { type: 'close' }} WriterRequest
 */

/**
 * Per inserted row its new id (a number); per duplicate the stored row (an object).
 * @typedef {{ ok: true, results?: Array<number | Record<string, unknown>>, durability?: { journalMode: string, synchronous: number } }
 *   | { ok: false, error: { message: string, code?: string } }} WriterReply
 */

if (!parentPort) throw new Error('sqlite-writer.js must run as a worker thread');
const port = parentPort;
const { path, sql, maxRejects, maxBatch } = /** @type {WriterData} */ (workerData);

const db = new Database(path);
db.pragma('journal_mode = WAL');
// FULL: the WAL is fsynced at every commit, so a committed row survives power loss too.
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
const durability = () => ({
  journalMode: String(db.pragma('journal_mode', { simple: true })),
  synchronous: Number(db.pragma('synchronous', { simple: true })),
});
{
  const d = durability();
  // Never acknowledge anything over a connection that would not make it durable.
  if (d.journalMode !== 'wal' || d.synchronous !== 2) {
    throw new Error(`the SQLite writer could not enable WAL + synchronous=FULL (got journal_mode=${d.journalMode}, synchronous=${d.synchronous})`);
  }
}

const insertStmt = db.prepare(sql.insert);
const byKeyStmt = db.prepare(sql.byKey);
const rejectStmt = db.prepare(sql.reject);
const pruneStmt = db.prepare(sql.prune);

const insertBatch = db.transaction(
  /**
   * @param {Record<string, unknown>[]} rows
   * @returns {Array<number | Record<string, unknown>>}
   */
  (rows) =>
    rows.map((row) => {
      const inserted = /** @type {{ id: number | bigint } | undefined} */ (insertStmt.get(row));
      if (inserted) return Number(inserted.id);
      const existing = /** @type {Record<string, unknown> | undefined} */ (byKeyStmt.get(row.dedupe_key));
      if (!existing) throw Object.assign(new Error('a duplicate was reported but the original row is missing'), { code: 'STORE_SQLITE_DEDUPE' });
      return existing;
    }),
);

const recordRejects = db.transaction(
  /** @param {unknown[][]} rows */
  (rows) => {
    for (const values of rows) rejectStmt.run(...values);
    pruneStmt.run(maxRejects);
  },
);

/**
 * @param {unknown} error
 * @returns {{ message: string, code?: string }}
 */
function describe(error) {
  const e = /** @type {{ message?: unknown, code?: unknown }} */ (error ?? {});
  const message = typeof e.message === 'string' ? e.message : String(error);
  return typeof e.code === 'string' ? { message, code: e.code } : { message };
}

/** A non-insert request taken off the queue while gathering inserts; handled right after them. */
/** @type {WriterRequest | undefined} */
let held;

port.on('message', (/** @type {WriterRequest} */ request) => {
  handle(request);
  while (held) {
    const next = held;
    held = undefined;
    handle(next);
  }
});

/** @param {WriterRequest} request */
function handle(request) {
  if (request.type === 'insert') {
    commitInserts(request.rows);
    return;
  }
  /** @type {WriterReply} */
  let reply;
  try {
    switch (request.type) {
      case 'rejects':
        recordRejects.immediate(request.rows);
        reply = { ok: true };
        break;
      case 'durability':
        reply = { ok: true, durability: durability() };
        break;
      case 'close':
        db.close();
        port.close();
        return;
      default:
        reply = { ok: false, error: { message: 'unknown writer request' } };
    }
  } catch (error) {
    reply = { ok: false, error: describe(error) };
  }
  port.postMessage(reply);
}

/**
 * Commits `first` and every insert message already queued behind it in one transaction, then
 * answers each message with its own slice of the results.
 * @param {Record<string, unknown>[]} first
 */
function commitInserts(first) {
  const batches = [first];
  let count = first.length;
  while (count < maxBatch) {
    const next = receiveMessageOnPort(port);
    if (!next) break;
    const request = /** @type {WriterRequest} */ (next.message);
    if (request.type !== 'insert') {
      held = request;
      break;
    }
    batches.push(request.rows);
    count += request.rows.length;
  }
  /** @type {Array<number | Record<string, unknown>>} */
  let results;
  try {
    // IMMEDIATE: take the write lock up front (no upgrade deadlock with another writer).
    results = insertBatch.immediate(batches.length === 1 ? first : batches.flat());
  } catch (error) {
    const reply = { ok: false, error: describe(error) };
    for (let i = 0; i < batches.length; i += 1) port.postMessage(reply);
    return;
  }
  // Only now, after COMMIT returned (the WAL is fsynced), does anyone learn the outcome.
  let offset = 0;
  for (const rows of batches) {
    port.postMessage({ ok: true, results: batches.length === 1 ? results : results.slice(offset, offset + rows.length) });
    offset += rows.length;
  }
}
