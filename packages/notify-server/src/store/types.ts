/**
 * The storage contract behind `POST /qfpay/notify`. Two implementations ship: SQLite
 * (embedded, one server) and PostgreSQL (several servers behind a load balancer). Both pass the
 * same contract test suite.
 */
import type { NormalizedNotification, NotificationKind } from '@qfpay-ecr/core';

/** Which implementation a store is (reported by `/healthz`). */
export type StoreKind = 'sqlite' | 'postgres';

/** Facts about the HTTP delivery that are stored with a notification. */
export interface InsertMeta {
  /** SHA-256 (hex) of the raw body bytes whose signature was verified. */
  bodySha256: string;
  /** Length of the raw body in bytes. */
  bodyLength: number;
  /** Which configured key verified the signature (0-based; the key itself is never stored). */
  keyIndex: number;
  /** Sender address as seen by the server (after trust-proxy handling). */
  remoteIp?: string;
  /** When the delivery arrived; default now. */
  receivedAt?: Date;
}

/** A notification as stored. `id` is the store's sequence number (SSE event id). */
export interface StoredNotification {
  /** Monotonically increasing sequence id; a later commit always has a larger id. */
  id: number;
  /** What makes two deliveries "the same notification" (see {@link dedupeKeyOf}). */
  dedupeKey: string;
  kind: NotificationKind;
  /** `notify_type` as sent (`payment`, `refund`, `cancel`, …). */
  notifyType: string;
  syssn?: string;
  outTradeNo?: string;
  origSyssn?: string;
  origOutTradeNo?: string;
  amountMinor?: number;
  currency?: string;
  /** `status === "1"` and `respcd` absent or `0000`. */
  success: boolean;
  /** ISO-8601 UTC time the first delivery was received. */
  receivedAt: string;
  bodySha256: string;
  bodyLength: number;
  keyIndex: number;
  remoteIp?: string;
  /** core's normalised notification (card fields masked). */
  notification: NormalizedNotification;
}

/** Result of {@link NotificationStore.insert}. */
export interface InsertResult {
  /** `false` when a record with the same dedupe key already existed: nothing was changed. */
  inserted: boolean;
  /** Sequence id of the stored record (the new one, or the one that was already there). */
  id: number;
  /** The stored record (for a duplicate: the original, not the new delivery). */
  record: StoredNotification;
}

/** Why a delivery to `POST /qfpay/notify` was refused. */
export const REJECT_REASONS = [
  'ip_not_allowed',
  'bad_content_type',
  'unsupported_encoding',
  'too_large',
  'missing_signature',
  'bad_signature',
  'not_json',
  'bad_schema',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** A refused delivery, as recorded. Never holds the body, the signature or a key. */
export interface RejectInput {
  reason: RejectReason;
  /** HTTP status we answered. */
  status: number;
  /** Short, scrubbed explanation (e.g. which field failed the schema). */
  detail?: string;
  remoteIp?: string;
  /** Bytes received (or declared, when the body was not read). */
  bodyLength?: number;
  /** SHA-256 (hex) of the body, when it was read in full. */
  bodySha256?: string;
  at?: Date;
}

/** A recorded reject. */
export interface RejectRecord extends Omit<RejectInput, 'at'> {
  id: number;
  /** ISO-8601 UTC. */
  at: string;
}

/**
 * Durable, idempotent storage for verified notifications.
 *
 * Contract (tested against every implementation):
 * - `insert` commits durably before it resolves; a duplicate dedupe key changes nothing and
 *   resolves `{ inserted: false }` with the original record, also under concurrent calls from
 *   several processes (a UNIQUE constraint with `ON CONFLICT DO NOTHING`, never read-then-write);
 * - ids increase in commit order, so a reader paging with `since(lastSeenId)` never skips a record;
 * - every method may be called before `init()`; the store initialises itself on first use.
 */
export interface NotificationStore {
  readonly kind: StoreKind;
  /** Creates tables if needed. Idempotent; safe to call from several processes at once. */
  init(): Promise<void>;
  /** Stores a verified notification unless its dedupe key is already stored. */
  insert(notification: NormalizedNotification, meta: InsertMeta): Promise<InsertResult>;
  /** Records with `id > afterId`, oldest first, at most `limit`. */
  since(afterId: number, limit: number): Promise<StoredNotification[]>;
  /** Largest id stored so far (0 when empty). */
  lastId(): Promise<number>;
  /** Notifications whose `out_trade_no` or `orig_out_trade_no` equals `outTradeNo`, oldest first. */
  byOutTradeNo(outTradeNo: string): Promise<StoredNotification[]>;
  /** Appends refused deliveries in one transaction; may prune the oldest beyond a cap. */
  recordRejects(rejects: readonly RejectInput[]): Promise<void>;
  /** The most recent refused deliveries, newest first. */
  rejects(limit?: number): Promise<RejectRecord[]>;
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  /** Finishes pending writes and releases the file or connections. Idempotent. */
  close(): Promise<void>;
}

/** Whether `value` has the shape of a {@link NotificationStore} (used to validate options). */
export function isNotificationStore(value: unknown): value is NotificationStore {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    (v.kind === 'sqlite' || v.kind === 'postgres') &&
    ['init', 'insert', 'since', 'lastId', 'byOutTradeNo', 'recordRejects', 'rejects', 'ping', 'close'].every((m) => typeof v[m] === 'function')
  );
}
