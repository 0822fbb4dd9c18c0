/**
 * Records refused deliveries without letting a flood of junk turn into a flood of fsyncs:
 * rejects are buffered and written in batches (every `flushMs`, or at `batchSize`). When the
 * buffer is full, further rejects are counted and logged but not stored.
 */
import type { Logger } from 'pino';
import type { NotificationStore, RejectInput } from './store/types.js';

/** Options of {@link RejectRecorder}. */
export interface RejectRecorderOptions {
  store: NotificationStore;
  logger: Logger;
  /** Default 500 ms. */
  flushMs?: number;
  /** Default 100. */
  batchSize?: number;
  /** Default 1000. */
  maxBuffered?: number;
}

/** Buffered writer of {@link RejectInput}s. */
export class RejectRecorder {
  private readonly store: NotificationStore;
  private readonly logger: Logger;
  private readonly flushMs: number;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private buffer: RejectInput[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** Rejects dropped because the buffer was full (not stored, still logged). */
  dropped = 0;

  constructor(options: RejectRecorderOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.flushMs = options.flushMs ?? 500;
    this.batchSize = options.batchSize ?? 100;
    this.maxBuffered = options.maxBuffered ?? 1000;
  }

  /** Queues a reject for storage. */
  record(reject: RejectInput): void {
    if (this.buffer.length >= this.maxBuffered) {
      this.dropped += 1;
      return;
    }
    this.buffer.push({ ...reject, at: reject.at ?? new Date() });
    if (this.buffer.length >= this.batchSize) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes everything buffered so far; resolves when it is stored (or failed and was logged). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.store.recordRejects(batch);
      } catch (error) {
        this.logger.error({ err: error, count: batch.length }, 'could not record rejected deliveries');
      }
    });
    return this.writing;
  }
}
