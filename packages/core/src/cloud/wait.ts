/**
 * Waiting for a cloud transaction's result: whichever comes first of an outcome offered from
 * outside (a matching notification, or a cancel's confirmation) and the query loop (the
 * terminal layer's `poll` backoff), until a deadline. At the deadline the caller reports
 * `unknown`: money may still move, so a cloud result is never guessed.
 */
import { KeepPolling, poll, within } from '../terminal/support.js';
import type { TransactionOutcome } from '../terminal/types.js';
import type { CloudContext } from './context.js';

/** What the wait ended with. */
export type WaitResult = { outcome: TransactionOutcome } | { deadline: string };

/** Options of {@link waitForResult}. */
export interface WaitOptions {
  /** `Date.now()` after which no more queries are made. */
  deadlineAt: number;
  /** One query round: a final outcome, or why not yet. */
  check: (timeoutMs: number) => Promise<TransactionOutcome | KeepPolling>;
  /** Resolves with an outcome from outside (notification, cancel confirmation). */
  external: Promise<TransactionOutcome>;
  /** Called with each reason to keep waiting. */
  onKeepWaiting?: (reason: string) => void;
}

/** Waits for the result; see the module comment. Rejects only on a bug in `check`. */
export async function waitForResult(ctx: CloudContext, o: WaitOptions): Promise<WaitResult> {
  const left = () => o.deadlineAt - Date.now();
  // The customer needs a moment; an outcome from outside may come first anyway.
  const early = await within(o.external, Math.max(0, Math.min(ctx.cfg.minIntervalMs, left())));
  if (early) return { outcome: early };
  let stopped = false;
  let last = 'no answer yet';
  const polled: Promise<WaitResult | undefined> = poll(
    async () => {
      if (stopped) return undefined;
      const verdict = await o.check(Math.max(250, Math.min(ctx.cfg.requestTimeoutMs, left())));
      if (verdict instanceof KeepPolling) throw verdict;
      return verdict;
    },
    {
      deadlineMs: Math.max(1, left()),
      minIntervalMs: ctx.cfg.minIntervalMs,
      maxIntervalMs: ctx.cfg.maxIntervalMs,
      onFailedAttempt: (error, attempt) => {
        last = error.message;
        if (!stopped) o.onKeepWaiting?.(error.message);
        ctx.log.debug({ terminal: ctx.id, attempt, why: error.message }, 'not final yet');
      },
    },
  ).then(
    (value) => (value === undefined ? undefined : { outcome: value }),
    (err: unknown) => {
      if (err instanceof KeepPolling) return { deadline: last };
      throw err;
    },
  );
  // After an outside outcome wins, the loop ends at its next round (at most one pause later).
  ctx.track(polled.catch(() => undefined));
  try {
    const winner = await Promise.race([polled, o.external.then((outcome): WaitResult => ({ outcome }))]);
    return winner ?? { deadline: last };
  } finally {
    stopped = true;
  }
}
