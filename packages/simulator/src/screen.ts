import type { ScreenResult, ScreenState } from './types.js';

interface OpenScreen {
  state: ScreenState;
  /** Runs synchronously when the screen ends, so the book is updated before `end()` returns. */
  settle: (result: ScreenResult) => void;
  timers: Set<NodeJS.Timeout>;
}

/**
 * The terminal's single screen. At most one payment/refund screen is open; it ends exactly once,
 * by the customer, the operator, a 5001, its timeout or shutdown. Timers belong to the screen
 * and die with it.
 */
export class Screen {
  private open: OpenScreen | null = null;

  constructor(
    private readonly onOpen: (state: ScreenState) => void,
    private readonly onClose: (state: ScreenState, result: ScreenResult) => void,
  ) {}

  /** A copy of the open screen, or null when idle. */
  current(): ScreenState | null {
    return this.open ? { ...this.open.state } : null;
  }

  /**
   * Opens a screen, or returns null when one is already open (busy). When the screen ends,
   * `settle` runs synchronously with the result (so whoever ended it sees its effects at once)
   * and the promise resolves with what `settle` returned. After `timeoutMs` without an action
   * the screen ends as cancelled by timeout.
   */
  tryOpen<T>(state: ScreenState, timeoutMs: number, settle: (result: ScreenResult) => T): Promise<T> | null {
    if (this.open) return null;
    let resolve!: (value: T) => void;
    let reject!: (error: unknown) => void;
    const settled = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const run = (result: ScreenResult) => {
      try {
        resolve(settle(result));
      } catch (error) {
        reject(error);
      }
    };
    this.open = { state: { ...state }, settle: run, timers: new Set() };
    this.schedule(timeoutMs, { action: 'cancel', by: 'timeout' });
    this.onOpen({ ...state });
    return settled;
  }

  /** Ends the open screen with `result`; false when no screen is open. */
  end(result: ScreenResult): boolean {
    const open = this.open;
    if (!open) return false;
    this.open = null;
    for (const t of open.timers) clearTimeout(t);
    open.settle(result);
    this.onClose({ ...open.state }, result);
    return true;
  }

  /** Ends the open screen with `result` after `ms`, unless it ends earlier. */
  schedule(ms: number, result: ScreenResult): void {
    const open = this.open;
    if (!open) return;
    const timer = setTimeout(() => {
      open.timers.delete(timer);
      if (this.open === open) this.end(result);
    }, ms);
    open.timers.add(timer);
  }

  /** Ends any open screen as cancelled by shutdown. */
  shutdown(): void {
    this.end({ action: 'cancel', by: 'shutdown' });
  }
}
