/** A minimal SSE client over node:http that records events and comments as they arrive. */
import { request, type IncomingMessage } from 'node:http';

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

export interface SseStream {
  status: number;
  events: SseEvent[];
  comments: string[];
  /** Resolves once at least `count` events have arrived (rejects if the stream ends first). */
  waitForEvents(count: number): Promise<SseEvent[]>;
  /** Resolves once a comment line matching `pattern` has arrived. */
  waitForComment(pattern: RegExp): Promise<string>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export function openSse(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, baseUrl), { method: 'GET', headers: { Accept: 'text/event-stream', ...headers }, agent: false }, (res: IncomingMessage) => {
      const events: SseEvent[] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      let done = false;
      let buffer = '';
      const wake = (): void => {
        for (const w of [...waiters]) w();
      };
      let endResolve: () => void = () => undefined;
      const ended = new Promise<void>((r) => {
        endResolve = r;
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let index: number;
        while ((index = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, index);
          buffer = buffer.slice(index + 2);
          const event: SseEvent = { data: '' };
          let hasField = false;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else {
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'id') event.id = value;
              else if (field === 'event') event.event = value;
              else if (field === 'data') data.push(value);
              else continue;
              hasField = true;
            }
          }
          if (hasField && data.length > 0) {
            event.data = data.join('\n');
            events.push(event);
          }
        }
        wake();
      });
      const finish = (): void => {
        done = true;
        wake();
        endResolve();
      };
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
      const waitFor = <T>(check: () => T | undefined, what: string): Promise<T> =>
        new Promise<T>((ok, fail) => {
          const test = (): void => {
            const value = check();
            if (value !== undefined) {
              waiters.delete(test);
              ok(value);
            } else if (done) {
              waiters.delete(test);
              fail(new Error(`SSE stream ended before ${what}`));
            }
          };
          waiters.add(test);
          test();
        });
      resolve({
        status: res.statusCode ?? 0,
        events,
        comments,
        ended,
        waitForEvents: (count) => waitFor(() => (events.length >= count ? events.slice(0, count) : undefined), `${count} events arrived`),
        waitForComment: (pattern) => waitFor(() => comments.find((c) => pattern.test(c)), `a comment matching ${pattern}`),
        close: () => {
          req.destroy();
          res.destroy();
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}
