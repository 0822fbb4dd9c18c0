/**
 * A streaming parser for `text/event-stream` as the WHATWG HTML standard defines it
 * ("Interpreting an event stream"): lines end in CRLF, LF or CR; `data` lines are joined with
 * LF; `id` persists until changed (and is ignored when it contains NUL); `retry` sets the
 * reconnection time; lines starting with `:` are comments; a blank line dispatches.
 */

/** One dispatched event. */
export interface SseEvent {
  /** `event` field, default `message`. */
  event: string;
  data: string;
  /** The last event ID buffer at dispatch time (empty string when none was ever set). */
  id: string;
}

/** Incremental parser: feed decoded text chunks, get complete events. */
export class SseParser {
  #buffer = '';
  #data: string[] = [];
  #event = '';
  #lastId = '';
  #skipLf = false;
  #first = true;
  /** Latest `retry` value sent by the server, in ms. */
  retryMs: number | undefined;

  constructor(initialLastEventId = '') {
    this.#lastId = initialLastEventId;
  }

  /** Parses a chunk of text; returns the events it completed. */
  push(chunk: string): SseEvent[] {
    let text = chunk;
    if (this.#first && text.length > 0) {
      this.#first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.#skipLf && text.startsWith('\n')) text = text.slice(1);
    this.#skipLf = false;
    this.#buffer += text;
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.#buffer);
      if (!match) break;
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (match[0] === '\r' && match.index === this.#buffer.length - 1) {
        this.#skipLf = true;
      }
      const line = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      const event = this.#line(line);
      if (event) events.push(event);
    }
    return events;
  }

  #line(line: string): SseEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        break;
      case 'id':
        if (!value.includes('\u0000')) this.#lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break;
    }
    return undefined;
  }

  #dispatch(): SseEvent | undefined {
    const data = this.#data;
    const event = this.#event;
    this.#data = [];
    this.#event = '';
    if (data.length === 0) return undefined;
    return { event: event === '' ? 'message' : event, data: data.join('\n'), id: this.#lastId };
  }
}
