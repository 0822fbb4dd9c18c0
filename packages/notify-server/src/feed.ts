/**
 * The store as a live feed, for SSE. One poller per server reads `store.since(cursor)` and hands
 * new records, in id order, to every subscriber. It polls every `pollMs` while anyone listens
 * (records written by other instances sharing the PostgreSQL arrive this way) and immediately
 * when this process stores something (`kick()`). Ids are assigned in commit order by both stores,
 * so paging by id never skips a record.
 */
import type { Logger } from 'pino';
import type { NotificationStore, StoredNotification } from './store/types.js';

/** A subscriber callback; called in strictly increasing id order. */
export type FeedListener = (record: StoredNotification) => void;

/** Options of {@link StoreFeed}. */
export interface StoreFeedOptions {
  store: NotificationStore;
  logger: Logger;
  /** Poll interval while subscribed. Default 250 ms. */
  pollMs?: number;
  /** Rows per query. Default 500. */
  pageSize?: number;
}

/** Handle returned by {@link StoreFeed.subscribe}. */
export interface FeedSubscription {
  /** Feed position when the subscription started: every record with a larger id will be delivered. */
  readonly startId: number;
  unsubscribe(): void;
}

/** Shared poller over a {@link NotificationStore}. */
export class StoreFeed {
  private readonly store: NotificationStore;
  private readonly logger: Logger;
  private readonly pollMs: number;
  private readonly pageSize: number;
  private readonly listeners = new Set<FeedListener>();
  private cursor: number | undefined;
  private starting: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private again = false;
  private stopped = false;

  constructor(options: StoreFeedOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.pollMs = options.pollMs ?? 250;
    this.pageSize = options.pageSize ?? 500;
  }

  /**
   * Starts delivering records with ids above the feed's current position to `listener`.
   * Resolves once the position is known, so the caller can replay older records from the
   * store without a gap: everything above `startId` comes through the listener.
   */
  async subscribe(listener: FeedListener): Promise<FeedSubscription> {
    if (this.stopped) throw new Error('the feed is stopped');
    if (this.cursor === undefined) {
      this.starting ??= this.store.lastId().finally(() => {
        this.starting = undefined;
      });
      const start = await this.starting;
      this.cursor ??= start;
    }
    this.listeners.add(listener);
    this.arm();
    const startId = this.cursor;
    return {
      startId,
      unsubscribe: () => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0) this.disarm();
      },
    };
  }

  /** Polls soon (this process just stored something). */
  kick(): void {
    if (this.listeners.size > 0) void this.poll();
  }

  /** Stops polling and drops all subscribers. */
  stop(): void {
    this.stopped = true;
    this.listeners.clear();
    this.disarm();
  }

  private arm(): void {
    this.timer ??= setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // Forget the position: the next subscriber starts from the store's then-current end.
    this.cursor = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = true;
    try {
      do {
        this.again = false;
        if (this.cursor === undefined || this.listeners.size === 0) break;
        const rows = await this.store.since(this.cursor, this.pageSize);
        for (const row of rows) {
          if (this.cursor === undefined || row.id <= this.cursor) continue;
          this.cursor = row.id;
          for (const listener of [...this.listeners]) {
            try {
              listener(row);
            } catch (error) {
              this.logger.error({ err: error }, 'SSE feed listener failed');
            }
          }
        }
        if (rows.length === this.pageSize) this.again = true;
      } while (this.again && !this.stopped);
    } catch (error) {
      this.logger.warn({ err: error }, 'SSE feed could not read the store; will retry');
    } finally {
      this.polling = false;
    }
  }
}
