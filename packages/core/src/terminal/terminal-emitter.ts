/**
 * The event emitter the Node terminals (`QFPayTerminal`, `QFPayCloudTerminal`) extend: the same
 * eventemitter3 emitter, with overloads that give `on`/`once`/`off` listeners the exact
 * {@link TerminalEvents} signatures (eventemitter3's own generics are hard to read in editors).
 */
import { EventEmitter } from 'eventemitter3';
import type { TerminalEvents } from './types.js';

export class TerminalEventEmitter extends EventEmitter<TerminalEvents> {
  /** Subscribes to `progress`, `outcome` or `cancel`. */
  override on<E extends keyof TerminalEvents>(event: E, listener: TerminalEvents[E]): this;
  override on<T extends keyof TerminalEvents>(event: T, fn: EventEmitter.EventListener<TerminalEvents, T>, context?: unknown): this;
  override on(event: keyof TerminalEvents, fn: (...args: never[]) => void, context?: unknown): this {
    return super.on(event, fn as never, context);
  }

  /** Subscribes for one event. */
  override once<E extends keyof TerminalEvents>(event: E, listener: TerminalEvents[E]): this;
  override once<T extends keyof TerminalEvents>(event: T, fn: EventEmitter.EventListener<TerminalEvents, T>, context?: unknown): this;
  override once(event: keyof TerminalEvents, fn: (...args: never[]) => void, context?: unknown): this {
    return super.once(event, fn as never, context);
  }

  /** Unsubscribes. */
  override off<E extends keyof TerminalEvents>(event: E, listener?: TerminalEvents[E]): this;
  override off<T extends keyof TerminalEvents>(event: T, fn?: EventEmitter.EventListener<TerminalEvents, T>, context?: unknown, once?: boolean): this;
  override off(event: keyof TerminalEvents, fn?: (...args: never[]) => void, context?: unknown, once?: boolean): this {
    return super.off(event, fn as never, context, once);
  }
}
