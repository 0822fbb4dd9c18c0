/** What the engine's parts share: its id, logger, timings, wire and progress events. Browser-safe. */
import type { EngineTimings, TerminalLogger } from './ports.js';
import { KeepPolling, poll, type Exchange, type Kind } from './support.js';
import type { ProgressStage } from './types.js';
import type { TerminalWire } from './wire.js';

/** The engine as seen by its parts (resolution, cancel, queue). */
export interface EngineContext {
  readonly id: string;
  readonly log: TerminalLogger;
  readonly cfg: EngineTimings;
  readonly wire: TerminalWire;
  /** Send a 4001 for the reference before each payment (see preflight.ts). */
  readonly probeBeforePayment: boolean;
  progress(kind: Kind, outTradeNo: string, stage: ProgressStage, detail?: string): void;
}

/** Polls with exponential backoff (minIntervalMs → maxIntervalMs) until a value or the deadline. */
export async function pollUntilDeadline<T>(ctx: EngineContext, attempt: (deadline: number) => Promise<T>): Promise<{ kind: 'done'; value: T } | { kind: 'deadline'; last: string }> {
  const { deadlineMs, minIntervalMs, maxIntervalMs } = ctx.cfg.resolve;
  const deadline = Date.now() + deadlineMs;
  let last = 'no answer yet';
  try {
    const value = await poll(() => attempt(deadline), {
      deadlineMs,
      minIntervalMs,
      maxIntervalMs,
      onFailedAttempt: (error, attemptNumber) => {
        last = error.message;
        ctx.log.debug({ terminal: ctx.id, attempt: attemptNumber, why: error.message }, 'not final yet');
      },
    });
    return { kind: 'done', value };
  } catch (err) {
    if (err instanceof KeepPolling) return { kind: 'deadline', last };
    throw err;
  }
}

/** Timeout of one query while polling: the request timeout, cut to what is left before the deadline. */
export function pollTimeout(ctx: EngineContext, deadline: number): number {
  return Math.max(250, Math.min(ctx.cfg.requestTimeoutMs, deadline - Date.now()));
}

/** A 5001 with the request timeout. */
export function send5001(ctx: EngineContext, signal?: AbortSignal): Promise<Exchange> {
  return ctx.wire.send5001(ctx.cfg.requestTimeoutMs, signal);
}

/** Emits `resolving` once per transaction, with the first reason. */
export function resolvingAnnouncer(ctx: EngineContext, kind: Kind, outTradeNo: string): (detail: string) => void {
  let announced = false;
  return (detail) => {
    if (announced) return;
    announced = true;
    ctx.progress(kind, outTradeNo, 'resolving', detail);
  };
}
