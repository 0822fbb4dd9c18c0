/** Small helpers shared by the WooCommerce and Odoo runners. */
import type { CustomerScript, NotificationRecord } from '@qfpay-ecr/simulator';
import { ChaosError } from './errors.js';
import type { BookView, ErpView } from './invariants.js';
import type { Lane } from './lane.js';
import type { ScenarioPlan } from './plan.js';
import { TIMINGS } from './timings.js';

/** What a runner hands to the checker. */
export interface ScenarioFacts {
  book: BookView;
  erp: ErpView;
  /** ERP-side texts to scan for secrets (order notes, cashier alerts, stored attempts). */
  texts: Array<{ source: string; text: string }>;
  /** What the cashier meant to refund in total (0 = no refund was started). */
  refundAsked: number;
  /** The scenario's attempt chain, for reading it again (and for `--sabotage`). */
  chain: AttemptChain;
}

/** Handles on one scenario's order, after the flow ran. */
export interface AttemptChain {
  /** A fresh payment reference inside this order's chain (what a new attempt would use). */
  newReference(): string;
  /** Reads the book again. */
  book(): BookView;
  /** Reads the ERP again. */
  erp(): ErpView;
  /** Makes the ERP forget the recorded payment (a broken ERP, for `--sabotage lost-payment`). */
  forgetPayment(): void;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A deadline for a `Promise.race`: `promise` resolves `'timeout'` after `ms`; `cancel()` clears the
 * timer (call it once the race is decided, so a step that answered in time leaves no timer behind
 * that would keep the process — a test worker, the CLI — alive for the rest of `ms`).
 */
export function deadline(ms: number): { promise: Promise<'timeout'>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** What happened in a scenario, step by step (shown for violations and with `--verbose`). */
export class RunReport {
  readonly steps: string[] = [];
  note(step: string): void {
    this.steps.push(step);
  }
}

/** Rejects with a `CHAOS_STUCK` error when `promise` takes longer than `ms` (the promise is left to settle on its own). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ChaosError('CHAOS_STUCK', `${what} did not finish within ${ms} ms`, 'a flow that never ends leaves a cashier stuck: look at the steps of this scenario')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every 10 ms until true or `ms` passed; resolves whether it became true. */
export async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await sleep(10);
  }
  return true;
}

/** The simulator's customer script for the first payment attempt of a plan. */
export function customerScript(plan: ScenarioPlan): CustomerScript {
  const afterMs = plan.customerDelayMs;
  switch (plan.customer) {
    case 'approve':
      return { action: 'approve', afterMs };
    case 'decline':
      return { action: 'decline', afterMs, code: '1205' };
    case 'cancel':
      return { action: 'cancel', afterMs };
    case 'pending-then-approve':
      return { action: 'pending-then-approve', afterMs, pendingQueries: plan.pendingQueries };
  }
}

/**
 * Waits (bounded) until QFPay is done with the scenario's notifications — each delivered to the
 * notify server or given up — and, for delivered ones, until `handled` says the ERP side has
 * seen them. What is still in flight after the bound is left to the reconciliation.
 */
export async function settleNotifications(lane: Lane, mine: (n: NotificationRecord) => boolean, handled: (kind: string, syssn: string) => boolean): Promise<void> {
  const end = Date.now() + TIMINGS.settleTimeoutMs;
  const ours = () => lane.sim.notifications().filter(mine);
  await waitUntil(() => ours().every((n) => n.delivered || n.gaveUp), Math.max(0, end - Date.now()));
  await waitUntil(() => ours().every((n) => !n.delivered || handled(n.notifyType, n.syssn)), Math.min(3_000, Math.max(0, end - Date.now())));
}
