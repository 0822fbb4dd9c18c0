/**
 * SSE client for `@qfpay-ecr/notify-server`'s `GET /qfpay/events` over undici.
 *
 * - `Authorization: Bearer <token>` (never in the URL, never in errors);
 * - events are delivered one at a time, in order; the cursor (`id:`) advances only after every
 *   listener has finished with the event, and reconnects send it as `Last-Event-ID` so the
 *   server replays what was missed;
 * - reconnects with exponential backoff (`minDelayMs` doubling to `maxDelayMs`; the server's
 *   `retry:` replaces `minDelayMs`), reset after each successful connection;
 * - a 401/403 is reported (`onError`, `FEED_UNAUTHORIZED`) and retried at `maxDelayMs`.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { FeedError, WooConfigError } from '../errors.js';
import { toNotification } from './schema.js';
import { SseParser, type SseEvent } from './sse-parser.js';
import type { NotificationFeed, NotificationListener } from './types.js';

/** Options of {@link SseNotificationFeed}. */
export interface SseFeedOptions {
  /** Events URL, e.g. `https://pay.shop.hk/qfpay/events` (a bare origin gets `/qfpay/events`). */
  url: string;
  /** The notify-server's events token. Never logged, never in errors. */
  token: string;
  /** Resume after this event id (e.g. persisted from `onCursor`). */
  lastEventId?: string;
  /** Allow `http://` to a non-loopback host. Default false (the token would travel in clear). */
  allowInsecureHttp?: boolean;
  /** Extra CA (PEM) for a notify-server with a private certificate. */
  ca?: string | string[];
  /** First reconnect delay; default 500 ms. */
  minDelayMs?: number;
  /** Longest reconnect delay; default 30000 ms. */
  maxDelayMs?: number;
  /** Reconnect when nothing (not even a comment) arrives for this long; default 0 = never. */
  idleTimeoutMs?: number;
  /** Event names carrying notifications; default `['notification', 'message']`. */
  eventNames?: readonly string[];
  /** Errors: connection failures, refused token, malformed events, listener failures. */
  onError?: (error: Error) => void;
  /** After each delivered event, with its id (persist it to resume after a restart). */
  onCursor?: (lastEventId: string) => void;
  /** Each time the stream is (re)connected. */
  onConnect?: () => void;
  /** A prebuilt undici dispatcher (tests, proxies). */
  dispatcher?: Dispatcher;
}

const OptionsSchema = z.strictObject({
  url: z.string().url({ message: 'url must be the notify-server events URL, e.g. https://pay.shop.hk/qfpay/events' }),
  token: z
    .string({ error: 'token is required (the notify-server events token)' })
    .min(16, { message: 'token must be at least 16 characters' })
    .regex(/^[\x21-\x7e]+$/, { message: 'token must be printable ASCII without spaces' }),
  lastEventId: z.string().optional(),
  allowInsecureHttp: z.boolean().optional(),
  ca: z.union([z.string(), z.array(z.string())]).optional(),
  minDelayMs: z.number().int().positive().optional(),
  maxDelayMs: z.number().int().positive().optional(),
  idleTimeoutMs: z.number().int().min(0).optional(),
  eventNames: z.array(z.string().min(1)).optional(),
  onError: z.custom<(e: Error) => void>((v) => typeof v === 'function').optional(),
  onCursor: z.custom<(id: string) => void>((v) => typeof v === 'function').optional(),
  onConnect: z.custom<() => void>((v) => typeof v === 'function').optional(),
  dispatcher: z.custom<Dispatcher>((v) => typeof v === 'object' && v !== null).optional(),
});

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** A {@link NotificationFeed} over notify-server's SSE stream. Connects on the first subscriber. */
export class SseNotificationFeed implements NotificationFeed {
  readonly url: string;
  readonly #token: string;
  readonly #listeners = new Set<NotificationListener>();
  readonly #opts: SseFeedOptions;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #eventNames: ReadonlySet<string>;
  #lastEventId: string;
  #running: Promise<void> | undefined;
  #controller: AbortController | undefined;
  #wake: (() => void) | undefined;
  #stopped = false;
  #connected = false;

  constructor(options: SseFeedOptions) {
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success) {
      const what = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ');
      throw new WooConfigError('FEED_CONFIG', `invalid SSE feed options: ${what}`, 'fix the listed options');
    }
    const url = new URL(options.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WooConfigError('FEED_CONFIG', 'the events URL must be https://', 'use the https:// address of the notify server');
    if (url.protocol === 'http:' && !options.allowInsecureHttp && !LOOPBACK.has(url.hostname)) {
      throw new WooConfigError('FEED_INSECURE_HTTP', 'the events URL is plain http:// to another host: the token would travel unencrypted', 'use https://, or set allowInsecureHttp on a trusted network');
    }
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/qfpay/events';
    url.hash = '';
    this.url = url.toString();
    this.#token = options.token;
    this.#opts = options;
    this.#lastEventId = options.lastEventId ?? '';
    this.#eventNames = new Set(options.eventNames ?? ['notification', 'message']);
    if (options.dispatcher) {
      this.#dispatcher = options.dispatcher;
      this.#ownsDispatcher = false;
    } else {
      this.#dispatcher = new Agent({ connect: options.ca !== undefined ? { ca: options.ca } : {} });
      this.#ownsDispatcher = true;
    }
  }

  /** Id of the last event every listener finished with (`''` before the first). */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Whether the stream is currently open. */
  get connected(): boolean {
    return this.#connected;
  }

  subscribe(listener: NotificationListener): () => void {
    if (this.#stopped) throw new FeedError('FEED_CLOSED', 'the SSE feed is closed', 'create a new feed');
    this.#listeners.add(listener);
    this.#running ??= this.#loop().finally(() => {
      this.#running = undefined;
    });
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#controller?.abort();
    };
  }

  /** Disconnects and stops reconnecting; resolves when the loop has ended. */
  async close(): Promise<void> {
    this.#stopped = true;
    this.#controller?.abort();
    this.#wake?.();
    await this.#running;
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  #report(error: Error): void {
    try {
      this.#opts.onError?.(error);
    } catch {
      // Reporting must never break the feed.
    }
  }

  async #sleep(ms: number): Promise<void> {
    if (this.#stopped) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
  }

  async #loop(): Promise<void> {
    const min = this.#opts.minDelayMs ?? 500;
    const max = Math.max(min, this.#opts.maxDelayMs ?? 30_000);
    let failures = 0;
    let base = min;
    while (!this.#stopped && this.#listeners.size > 0) {
      const outcome = await this.#connectOnce();
      if (this.#stopped || this.#listeners.size === 0) break;
      if (outcome.retryMs !== undefined) base = Math.min(max, Math.max(1, outcome.retryMs));
      if (outcome.kind === 'opened') failures = 0;
      failures += 1;
      const delay = outcome.kind === 'unauthorized' ? max : Math.min(max, base * 2 ** (failures - 1));
      await this.#sleep(delay);
    }
  }

  async #connectOnce(): Promise<{ kind: 'opened' | 'failed' | 'unauthorized'; retryMs?: number }> {
    const controller = new AbortController();
    this.#controller = controller;
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      'cache-control': 'no-cache',
      authorization: `Bearer ${this.#token}`,
    };
    if (this.#lastEventId !== '') headers['last-event-id'] = this.#lastEventId;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(this.url, {
        method: 'GET',
        headers,
        dispatcher: this.#dispatcher,
        signal: controller.signal,
        headersTimeout: 15_000,
        bodyTimeout: this.#opts.idleTimeoutMs ?? 0,
      });
    } catch (error) {
      if (!this.#stopped && !controller.signal.aborted) {
        const code = (error as { code?: unknown }).code;
        this.#report(new FeedError('FEED_UNREACHABLE', `cannot reach the notify server events stream (${typeof code === 'string' ? code : 'network error'})`, 'check the events URL and that qfpay-notify is running; reconnecting', { cause: error }));
      }
      return { kind: 'failed' };
    }
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      if (res.statusCode === 401 || res.statusCode === 403) {
        this.#report(new FeedError('FEED_UNAUTHORIZED', `the notify server refused the events token (HTTP ${res.statusCode})`, 'check the bearer token matches the notify server’s events token'));
        return { kind: 'unauthorized' };
      }
      const hint = res.statusCode === 404 ? 'check the URL (…/qfpay/events) and that the notify server was started with an events token' : 'reconnecting';
      this.#report(new FeedError('FEED_HTTP', `the events stream answered HTTP ${res.statusCode}`, hint));
      return { kind: 'failed' };
    }
    const type = String(res.headers['content-type'] ?? '');
    if (!type.toLowerCase().startsWith('text/event-stream')) {
      await res.body.dump().catch(() => undefined);
      this.#report(new FeedError('FEED_NOT_SSE', `the events URL did not answer with an event stream (${type.split(';')[0] || 'no content type'})`, 'check the URL points to the notify server’s /qfpay/events'));
      return { kind: 'failed' };
    }
    this.#connected = true;
    try {
      this.#opts.onConnect?.();
    } catch {
      // ignore
    }
    const parser = new SseParser(this.#lastEventId);
    const decoder = new TextDecoder('utf-8');
    try {
      for await (const chunk of res.body) {
        const text = decoder.decode(chunk as Uint8Array, { stream: true });
        for (const event of parser.push(text)) {
          if (this.#stopped) break;
          await this.#deliver(event);
        }
        if (this.#stopped || controller.signal.aborted) break;
      }
    } catch (error) {
      if (!this.#stopped && !controller.signal.aborted) {
        this.#report(new FeedError('FEED_DISCONNECTED', 'the events stream was interrupted', 'reconnecting with Last-Event-ID', { cause: error }));
      }
    } finally {
      this.#connected = false;
      res.body.destroy();
    }
    return { kind: 'opened', ...(parser.retryMs !== undefined ? { retryMs: parser.retryMs } : {}) };
  }

  async #deliver(event: SseEvent): Promise<void> {
    if (this.#eventNames.has(event.event)) {
      let payload: unknown;
      let ok = true;
      try {
        payload = JSON.parse(event.data);
      } catch {
        ok = false;
        this.#report(new FeedError('FEED_BAD_EVENT', `event ${event.id || '(no id)'} is not JSON; skipped`, 'check the notify server version'));
      }
      if (ok) {
        const checked = toNotification(payload);
        if (!checked.ok) {
          this.#report(new FeedError('FEED_BAD_EVENT', `event ${event.id || '(no id)'} is not a notification (${checked.reason}); skipped`, 'check the notify server version'));
        } else {
          for (const listener of [...this.#listeners]) {
            try {
              await listener(checked.notification);
            } catch (error) {
              this.#report(error instanceof Error ? error : new Error(String(error)));
            }
          }
        }
      }
    }
    // The cursor moves only after every listener finished with the event.
    this.#lastEventId = event.id;
    if (event.id !== '') {
      try {
        this.#opts.onCursor?.(event.id);
      } catch {
        // ignore
      }
    }
  }
}
