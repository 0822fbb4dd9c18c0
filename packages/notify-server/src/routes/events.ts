/**
 * `GET /qfpay/events`: Server-Sent Events of stored notifications (bearer token required).
 *
 * Protocol:
 * - every event is `id: <store sequence id>`, `event: notification`, `data: <StoredNotification JSON>`;
 * - `Last-Event-ID: <id>` (what EventSource sends on reconnect) or `?since=<id>` replays every
 *   record with a larger id from the store, then continues live; `Last-Event-ID` wins when both
 *   are given; with neither, the stream starts live from "now" (`?since=0` replays everything);
 * - a comment line (`: heartbeat`) every `heartbeatMs` keeps proxies from closing an idle stream;
 * - a client that does not read (more than 1 MiB queued) is disconnected; it reconnects with
 *   `Last-Event-ID` and misses nothing.
 */
import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { FeedSubscription, StoreFeed } from '../feed.js';
import { parseEventId, sendError } from '../http-util.js';
import type { NotificationStore, StoredNotification } from '../store/types.js';

const MAX_QUEUED_BYTES = 1024 * 1024;
const REPLAY_PAGE = 500;

/** Formats one SSE event. JSON never contains a raw newline, so `data:` is one line. */
export function formatSseEvent(record: StoredNotification): string {
  return `id: ${record.id}\nevent: notification\ndata: ${JSON.stringify(record)}\n\n`;
}

/** Tracks open SSE streams so shutdown can end them. */
export class SseHub {
  private readonly streams = new Set<() => void>();

  /** Number of open streams. */
  get size(): number {
    return this.streams.size;
  }

  /** Registers a stream's closer; returns the function that unregisters it. */
  add(close: () => void): () => void {
    this.streams.add(close);
    return () => this.streams.delete(close);
  }

  /** Ends every open stream. */
  closeAll(): void {
    for (const close of [...this.streams]) close();
  }
}

/** What the events route needs. */
export interface EventsRouteDeps {
  store: NotificationStore;
  feed: StoreFeed;
  hub: SseHub;
  heartbeatMs: number;
  logger: Logger;
}

/** Builds the Koa handler of `GET /qfpay/events` (mount it behind the bearer check). */
export function eventsHandler(deps: EventsRouteDeps) {
  const { store, feed, hub, heartbeatMs, logger } = deps;

  return async function events(ctx: Context): Promise<void> {
    const fromHeader = parseEventId(ctx.get('last-event-id') || undefined);
    const sinceParam = ctx.query.since;
    const fromQuery = parseEventId(typeof sinceParam === 'string' ? sinceParam : undefined);
    if (fromHeader === null || fromQuery === null || Array.isArray(sinceParam)) {
      sendError(ctx, 400, 'bad_event_id', 'Last-Event-ID and ?since= must be a non-negative integer event id');
      return;
    }
    const replayFrom = fromHeader ?? fromQuery;
    if (ctx.method === 'HEAD') {
      // Node sends no headers for a HEAD answer that is never ended: answer it, open no stream.
      ctx.status = 200;
      ctx.type = 'text/event-stream; charset=utf-8';
      ctx.set('Cache-Control', 'no-cache, no-transform');
      return;
    }

    ctx.respond = false;
    const res: ServerResponse = ctx.res;
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n: connected\n\n');

    let ended = false;
    let lastSent = 0;
    let live = false;
    const buffered: StoredNotification[] = [];
    let subscription: FeedSubscription | undefined;
    let heartbeat: NodeJS.Timeout | undefined;

    const end = (): void => {
      if (ended) return;
      ended = true;
      unregister();
      subscription?.unsubscribe();
      if (heartbeat) clearInterval(heartbeat);
      if (!res.writableEnded) res.end();
    };
    const unregister = hub.add(end);
    res.on('close', end);

    const send = (record: StoredNotification): void => {
      if (ended || record.id <= lastSent) return;
      lastSent = record.id;
      res.write(formatSseEvent(record));
      if (res.writableLength > MAX_QUEUED_BYTES) {
        logger.warn({ queuedBytes: res.writableLength }, 'SSE client is not reading; disconnecting it (it can resume with Last-Event-ID)');
        res.destroy();
        end();
      }
    };

    try {
      subscription = await feed.subscribe((record) => (live ? send(record) : buffered.push(record)));
      if (ended) {
        subscription.unsubscribe();
        return;
      }
      if (replayFrom === undefined) {
        lastSent = subscription.startId;
      } else {
        lastSent = replayFrom;
        // Page through the store until caught up; records the feed delivers meanwhile are buffered.
        for (;;) {
          const page = await store.since(lastSent, REPLAY_PAGE);
          for (const record of page) send(record);
          if (page.length < REPLAY_PAGE || ended) break;
        }
      }
      for (const record of buffered.splice(0)) send(record);
      live = true;
      heartbeat = setInterval(() => {
        if (!ended) res.write(': heartbeat\n\n');
      }, heartbeatMs);
      heartbeat.unref();
    } catch (error) {
      logger.warn({ err: error }, 'SSE stream could not start; closing it so the client reconnects');
      end();
    }
  };
}
