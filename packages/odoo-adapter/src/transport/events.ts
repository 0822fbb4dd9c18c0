/**
 * Notifications for the browser: a Server-Sent-Events client over `fetch` (so it can send an
 * `Authorization` header, which `EventSource` cannot), and the notify server's transaction
 * lookup used by the polling fallback. No Node built-ins.
 */
import { z } from 'zod';
import type { TransactionLookup } from '../lifecycle/flow.js';
import { normaliseNotification, type IntakeNotification } from '../lifecycle/notifications.js';
import { sleep } from '../lifecycle/polling.js';
import { errorFromAnswer, requestJson, resolveToken, type FetchLike, type TokenSource } from './http.js';

/** One SSE message. */
export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

/** Options of {@link subscribeEvents}. */
export interface SubscribeEventsOptions {
  /** Full URL of the stream, e.g. `https://notify.shop.example/qfpay/events`. */
  url: string;
  token: TokenSource;
  onMessage: (message: SseMessage) => void;
  /** Told about connection problems (never with the token). */
  onError?: (detail: string) => void;
  fetch?: FetchLike;
  /** First reconnection delay; default 1000 ms (doubles up to 30 s, or the server's `retry:`). */
  retryMs?: number;
}

/** Parses SSE text incrementally; returns the messages completed by `chunk`. */
export class SseParser {
  #buffer = '';
  #data: string[] = [];
  #event = '';
  #id: string | undefined;
  /** Last `retry:` the server asked for. */
  retryMs: number | undefined;
  /** Last event id seen (sent back as `Last-Event-ID` on reconnect). */
  lastEventId: string | undefined;

  push(chunk: string): SseMessage[] {
    this.#buffer += chunk;
    const out: SseMessage[] = [];
    let nl: number;
    while ((nl = this.#buffer.search(/\r\n|\r|\n/)) >= 0) {
      // A lone CR at the very end may be the first half of a CRLF split across chunks.
      if (nl === this.#buffer.length - 1 && this.#buffer.endsWith('\r')) break;
      const line = this.#buffer.slice(0, nl);
      const sep = this.#buffer.startsWith('\r\n', nl) ? 2 : 1;
      this.#buffer = this.#buffer.slice(nl + sep);
      if (line === '') {
        if (this.#data.length > 0) {
          const m: SseMessage = { event: this.#event || 'message', data: this.#data.join('\n') };
          if (this.#id !== undefined) m.id = this.#id;
          out.push(m);
        }
        this.#data = [];
        this.#event = '';
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') this.#data.push(value);
      else if (field === 'event') this.#event = value;
      else if (field === 'id' && !value.includes('\0')) this.#id = this.lastEventId = value;
      else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    }
    return out;
  }
}

/**
 * Follows an SSE stream until the returned `close()` is called, reconnecting with backoff and
 * `Last-Event-ID`. Resolves nothing; errors go to `onError`.
 */
export function subscribeEvents(options: SubscribeEventsOptions): { close(): void; done: Promise<void> } {
  const abort = new AbortController();
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const parser = new SseParser();
  const done = (async () => {
    let delay = options.retryMs ?? 1000;
    while (!abort.signal.aborted) {
      try {
        const token = await resolveToken(options.token);
        const headers: Record<string, string> = { Accept: 'text/event-stream', Authorization: `Bearer ${token}` };
        if (parser.lastEventId !== undefined) headers['Last-Event-ID'] = parser.lastEventId;
        const res = await fetchImpl(options.url, { headers, signal: abort.signal, cache: 'no-store' });
        if (!res.ok || !res.body) {
          options.onError?.(`event stream answered HTTP ${res.status}`);
        } else {
          delay = options.retryMs ?? 1000;
          const reader = res.body.getReader();
          const decoder = new TextDecoder();
          for (;;) {
            const { value, done: end } = await reader.read();
            if (end) break;
            for (const m of parser.push(decoder.decode(value, { stream: true }))) {
              try {
                options.onMessage(m);
              } catch {
                // The consumer's problem.
              }
            }
          }
          options.onError?.('event stream ended');
        }
      } catch (err) {
        if (abort.signal.aborted) break;
        options.onError?.(`event stream failed (${err instanceof Error ? err.name : 'error'})`);
      }
      await sleep(parser.retryMs ?? delay, abort.signal);
      delay = Math.min(delay * 2, 30_000);
    }
  })();
  return { close: () => abort.abort(), done };
}

/** Options of {@link httpTransactionLookup}. */
export interface TransactionLookupOptions {
  /** Origin of the notify server. */
  baseUrl: string;
  token: TokenSource;
  fetch?: FetchLike;
  timeoutMs?: number;
}

const LookupBodySchema = z.union([
  z.array(z.unknown()),
  z.looseObject({ notifications: z.array(z.unknown()) }),
  z.looseObject({ transactions: z.array(z.unknown()) }),
  z.looseObject({}),
]);

/**
 * `GET <baseUrl>/qfpay/transactions/:out_trade_no` on the notify server. Accepts a list of
 * notifications, `{ notifications: [...] }`, `{ transactions: [...] }` or a single one; 404 = none.
 */
export function httpTransactionLookup(options: TransactionLookupOptions): TransactionLookup {
  const base = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return async (outTradeNo, signal) => {
    const token = await resolveToken(options.token);
    const answer = await requestJson(fetchImpl, `${base}/qfpay/transactions/${encodeURIComponent(outTradeNo)}`, { method: 'GET', token, timeoutMs: options.timeoutMs ?? 10_000, ...(signal ? { signal } : {}) });
    if (answer.status === 404) return [];
    if (answer.status !== 200) throw errorFromAnswer(answer, 'transaction lookup');
    const body = LookupBodySchema.safeParse(answer.body);
    if (!body.success) return [];
    const b = body.data;
    const items: unknown[] = Array.isArray(b) ? b : Array.isArray(b.notifications) ? b.notifications : Array.isArray(b.transactions) ? b.transactions : [b];
    const out: IntakeNotification[] = [];
    for (const item of items) {
      const r = normaliseNotification(item, 'lookup');
      if (r.ok) out.push(r.notification);
    }
    return out;
  };
}
