/**
 * The bridge's record of payments and refunds it started on a terminal: one job per client
 * reference, versioned so a browser can long-poll for the next change. In memory; a restart
 * forgets jobs (clients then resolve by querying the terminal, never by re-sending).
 */
import type { ProgressStage, TransactionOutcome } from '@qfpay-ecr/core/terminal';

/** Stages a job goes through; `final` carries the outcome. */
export type JobStage = 'accepted' | ProgressStage | 'final';

/** What clients see of a job. */
export interface JobView {
  ref: string;
  kind: 'payment' | 'refund';
  version: number;
  stage: JobStage;
  outcome?: TransactionOutcome;
}

interface Job extends JobView {
  /** Canonical JSON of the request, to tell a retry from a conflicting reuse of `ref`. */
  fingerprint: string;
  updatedAt: number;
  waiters: Set<() => void>;
}

/** Jobs of one terminal. */
export class JobTable {
  readonly #jobs = new Map<string, Job>();
  readonly #retainMs: number;
  readonly #max: number;

  constructor(options: { retainMs: number; maxJobs: number }) {
    this.#retainMs = options.retainMs;
    this.#max = options.maxJobs;
  }

  get(ref: string): Job | undefined {
    return this.#jobs.get(ref);
  }

  /** The job not yet final, if any (one transaction at a time per terminal). */
  active(): Job | undefined {
    for (const j of this.#jobs.values()) if (j.stage !== 'final') return j;
    return undefined;
  }

  create(ref: string, kind: 'payment' | 'refund', fingerprint: string): Job {
    this.#prune();
    const job: Job = { ref, kind, version: 1, stage: 'accepted', fingerprint, updatedAt: Date.now(), waiters: new Set() };
    this.#jobs.set(ref, job);
    return job;
  }

  /** Moves a job to a later stage (never backwards) and wakes its waiters. */
  advance(job: Job, stage: JobStage, outcome?: TransactionOutcome): void {
    if (job.stage === 'final') return;
    if (stage === job.stage && !outcome) return;
    job.stage = stage;
    if (outcome) job.outcome = outcome;
    job.version += 1;
    job.updatedAt = Date.now();
    for (const wake of job.waiters) wake();
    job.waiters.clear();
  }

  /** Resolves when the job's version exceeds `since`, or after `waitMs`, or when `abort` fires. */
  waitForChange(job: Job, since: number, waitMs: number, abort: AbortSignal): Promise<void> {
    if (job.version > since || waitMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        job.waiters.delete(done);
        abort.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      job.waiters.add(done);
      abort.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes every waiter (shutdown). */
  wakeAll(): void {
    for (const j of this.#jobs.values()) {
      for (const wake of j.waiters) wake();
      j.waiters.clear();
    }
  }

  #prune(): void {
    const cutoff = Date.now() - this.#retainMs;
    for (const [ref, j] of this.#jobs) if (j.stage === 'final' && j.updatedAt < cutoff) this.#jobs.delete(ref);
    if (this.#jobs.size < this.#max) return;
    for (const [ref, j] of this.#jobs) {
      if (this.#jobs.size < this.#max) break;
      if (j.stage === 'final') this.#jobs.delete(ref);
    }
  }
}

/** The client view of a job. */
export function viewOf(job: JobView): JobView {
  const view: JobView = { ref: job.ref, kind: job.kind, version: job.version, stage: job.stage };
  if (job.outcome) view.outcome = job.outcome;
  return view;
}
