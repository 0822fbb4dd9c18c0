/**
 * Per-line references kept in localStorage-like storage, so a page reload can resume any line
 * left in `waiting`/`waitingCard` (odoo-lifecycle.md §4 idea 4). One JSON array per payment
 * method, validated with zod on every read (a corrupt or foreign value is dropped, never trusted).
 */
import { z } from 'zod';
import { CHANNELS } from '@qfpay-ecr/core/terminal';
import type { AdapterLogger } from './types.js';
import { SILENT_LOGGER } from './types.js';

/** The subset of the Web Storage API the adapter uses (`window.localStorage` fits). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** An in-memory {@link KeyValueStorage} (tests, or when localStorage is unavailable). */
export function memoryStorage(): KeyValueStorage & { dump(): Record<string, string> } {
  const map = new Map<string, string>();
  return {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, String(v)),
    removeItem: (k) => void map.delete(k),
    dump: () => Object.fromEntries(map),
  };
}

const REF = /^[A-Za-z0-9_-]{1,64}$/;

/** One attempt to take (or refund) money for a line. */
export const AttemptRecordSchema = z.object({
  v: z.literal(1),
  outTradeNo: z.string().regex(REF),
  kind: z.enum(['payment', 'refund']),
  lineKey: z.string().min(1).max(200),
  lineUuid: z.string().max(64).optional(),
  orderRef: z.string().max(200).optional(),
  amountMinor: z.number().int().positive(),
  currency: z.literal('HKD'),
  channel: z.enum(CHANNELS),
  /** Refunds: the original payment's syssn. */
  origSyssn: z.string().regex(REF).optional(),
  startedAt: z.number().int().nonnegative(),
  updatedAt: z.number().int().nonnegative(),
  /** `pending` until an outcome is known; `mismatch` = approved for another amount. */
  state: z.enum(['pending', 'approved', 'rejected', 'mismatch']),
  /** The transaction's syssn once approved (or mismatched). */
  syssn: z.string().max(64).optional(),
});
export type AttemptRecord = z.infer<typeof AttemptRecordSchema>;

const RecordListSchema = z.array(z.unknown());

/** Options of {@link AttemptStore}. */
export interface AttemptStoreOptions {
  /** Finished records are kept this long (dedupe of late notifications, fresh references); default 48 h. */
  retainMs?: number;
  /** At most this many records per payment method; default 200 (oldest finished ones go first). */
  maxRecords?: number;
  now?: () => number;
  logger?: AdapterLogger;
}

/** Storage key of a payment method's attempts. */
export function attemptStorageKey(paymentMethodId: number): string {
  return `qfpay-ecr/odoo/v1/attempts/${paymentMethodId}`;
}

/**
 * The attempts of one payment method. Reads and writes go straight to storage (several tabs or
 * a reloaded page see the same records); when storage throws (quota, privacy mode) it falls back
 * to memory and logs a warning.
 */
export class AttemptStore {
  readonly #storage: KeyValueStorage;
  readonly #key: string;
  readonly #retainMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #log: AdapterLogger;
  #fallback: AttemptRecord[] | undefined;

  constructor(storage: KeyValueStorage, paymentMethodId: number, options: AttemptStoreOptions = {}) {
    this.#storage = storage;
    this.#key = attemptStorageKey(paymentMethodId);
    this.#retainMs = options.retainMs ?? 48 * 60 * 60 * 1000;
    this.#max = options.maxRecords ?? 200;
    this.#now = options.now ?? (() => Date.now());
    this.#log = options.logger ?? SILENT_LOGGER;
  }

  /** Every valid record, oldest first. */
  list(): AttemptRecord[] {
    if (this.#fallback) return this.#fallback.map((r) => ({ ...r }));
    let raw: string | null;
    try {
      raw = this.#storage.getItem(this.#key);
    } catch (err) {
      this.#degrade(err);
      return [];
    }
    if (raw === null) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      this.#log.warn('stored QFPay attempts are not JSON; ignoring them', { key: this.#key });
      return [];
    }
    const list = RecordListSchema.safeParse(parsed);
    if (!list.success) return [];
    const out: AttemptRecord[] = [];
    for (const item of list.data) {
      const r = AttemptRecordSchema.safeParse(item);
      if (r.success) out.push(r.data);
    }
    return out;
  }

  get(outTradeNo: string): AttemptRecord | undefined {
    return this.list().find((r) => r.outTradeNo === outTradeNo);
  }

  /** Records still waiting for an outcome. */
  pending(): AttemptRecord[] {
    return this.list().filter((r) => r.state === 'pending');
  }

  /** Every record of one line, oldest first. */
  forLine(lineKey: string): AttemptRecord[] {
    return this.list().filter((r) => r.lineKey === lineKey);
  }

  /** Inserts or replaces a record (by `outTradeNo`), then prunes. */
  put(record: AttemptRecord): void {
    const checked = AttemptRecordSchema.parse(record);
    const list = this.list().filter((r) => r.outTradeNo !== checked.outTradeNo);
    list.push(checked);
    this.#write(this.#prune(list));
  }

  /** Updates a record in place; no-op when it is gone. */
  update(outTradeNo: string, patch: Partial<Omit<AttemptRecord, 'v' | 'outTradeNo'>>): AttemptRecord | undefined {
    const current = this.get(outTradeNo);
    if (!current) return undefined;
    const next = { ...current, ...patch, updatedAt: this.#now() };
    this.put(next);
    return next;
  }

  #prune(list: AttemptRecord[]): AttemptRecord[] {
    const cutoff = this.#now() - this.#retainMs;
    let kept = list.filter((r) => r.state === 'pending' || r.updatedAt >= cutoff);
    while (kept.length > this.#max) {
      const i = kept.findIndex((r) => r.state !== 'pending');
      if (i < 0) break;
      kept = kept.slice(0, i).concat(kept.slice(i + 1));
    }
    return kept;
  }

  #write(list: AttemptRecord[]): void {
    if (this.#fallback) {
      this.#fallback = list;
      return;
    }
    try {
      this.#storage.setItem(this.#key, JSON.stringify(list));
    } catch (err) {
      this.#degrade(err);
      this.#fallback = list;
    }
  }

  #degrade(err: unknown): void {
    if (!this.#fallback) {
      this.#log.warn('storage unavailable: QFPay attempts are kept in memory only (a reload cannot resume them)', { error: err instanceof Error ? err.name : 'unknown' });
      this.#fallback = [];
    }
  }
}
