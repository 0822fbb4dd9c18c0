/** A tiny typed event emitter satisfying core's `TerminalEventSource`, without Node's `events`. */
import type { TerminalEvents } from '@qfpay-ecr/core/terminal';

type Listener = (...args: never[]) => void;

/** Base class of the browser-side terminals: typed `on` / `off` / `once`, listeners isolated. */
export class TerminalEmitter {
  readonly #listeners = new Map<keyof TerminalEvents, Array<{ fn: Listener; once: boolean }>>();

  on<E extends keyof TerminalEvents>(event: E, listener: TerminalEvents[E]): this {
    this.#add(event, listener as Listener, false);
    return this;
  }

  once<E extends keyof TerminalEvents>(event: E, listener: TerminalEvents[E]): this {
    this.#add(event, listener as Listener, true);
    return this;
  }

  off<E extends keyof TerminalEvents>(event: E, listener: TerminalEvents[E]): this {
    const list = this.#listeners.get(event);
    if (list) this.#listeners.set(event, list.filter((l) => l.fn !== (listener as Listener)));
    return this;
  }

  /** Calls every listener; a throwing listener never breaks the terminal or the others. */
  protected emit<E extends keyof TerminalEvents>(event: E, ...args: Parameters<TerminalEvents[E]>): void {
    const list = this.#listeners.get(event);
    if (!list) return;
    this.#listeners.set(event, list.filter((l) => !l.once));
    for (const l of list) {
      try {
        (l.fn as unknown as (...a: Parameters<TerminalEvents[E]>) => void)(...args);
      } catch {
        // Listener errors are the listener's business.
      }
    }
  }

  #add(event: keyof TerminalEvents, fn: Listener, once: boolean): void {
    const list = this.#listeners.get(event) ?? [];
    list.push({ fn, once });
    this.#listeners.set(event, list);
  }
}
