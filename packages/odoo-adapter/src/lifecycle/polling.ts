/** Timing helpers of the polling fallback: abortable sleep and capped exponential backoff. */

/** How unknown outcomes are resolved by polling. */
export interface ResolveSettings {
  /** First pause between two polls; default 1000 ms (doubles each time). */
  intervalMs: number;
  /** Longest pause between two polls; default 5000 ms. */
  maxIntervalMs: number;
  /** After this long without a final answer the line goes to `force_done`; default 120000 ms. */
  deadlineMs: number;
  /** "Not found" answers in a row before concluding nothing was charged; default 3. */
  notFoundGrace: number;
  /** Polling goes on this long after the deadline (the line is `force_done` meanwhile); default 15 min. */
  backgroundMs: number;
}

/** Defaults of {@link ResolveSettings}. */
export const RESOLVE_DEFAULTS: Readonly<ResolveSettings> = Object.freeze({
  intervalMs: 1000,
  maxIntervalMs: 5000,
  deadlineMs: 120_000,
  notFoundGrace: 3,
  backgroundMs: 15 * 60_000,
});

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The next pause: doubled, capped. */
export function nextInterval(current: number, settings: Pick<ResolveSettings, 'maxIntervalMs'>): number {
  return Math.min(current * 2, settings.maxIntervalMs);
}
