/**
 * The campaign: lanes (each a simulator, a notify-server process, a WooCommerce fake and bridge)
 * pull scenario indices from one queue, run each plan through the real packages, and check it.
 * Process-wide, unhandled rejections and uncaught exceptions are recorded as violations.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QfpayEcrError } from '@qfpay-ecr/core';
import { ScenarioFaults } from './faults.js';
import { checkScenario, type Violation } from './invariants.js';
import { Lane } from './lane.js';
import { runOdooScenario } from './odoo-flow.js';
import { ERPS, planScenario, type Erp, type ScenarioPlan } from './plan.js';
import { RunReport, type ScenarioFacts } from './run-support.js';
import { sabotage, type Sabotage } from './sabotage.js';
import { scanForLeaks, type CampaignSecrets } from './secrets.js';
import { runWooScenario } from './woo-flow.js';

/** How a scenario ended, by the terminal's own book. */
export const FINAL_OUTCOMES = ['paid', 'refunded', 'partially-refunded', 'not-charged'] as const;
export type FinalOutcome = (typeof FINAL_OUTCOMES)[number];

/** One scenario's result. */
export interface ScenarioResult {
  plan: ScenarioPlan;
  lane: number;
  outcome: FinalOutcome;
  /** Per planned fault (plan order): whether it struck. */
  applied: boolean[];
  violations: Violation[];
  steps: string[];
  durationMs: number;
}

/** Options of {@link runCampaign}. */
export interface CampaignOptions {
  seed: string;
  /** How many scenarios (indices 0 … n-1), unless `only` is given. */
  scenarios: number;
  /** Run only these scenario indices (replay). */
  only?: readonly number[];
  erps?: readonly Erp[];
  /** Lanes running at once; default 4. */
  concurrency?: number;
  /** Deliberately break the ERP side (proves the checker catches it). */
  sabotage?: Sabotage;
  /** Called after each scenario (progress). */
  onResult?: (result: ScenarioResult) => void;
}

/** The whole campaign's result. */
export interface CampaignResult {
  seed: string;
  erps: readonly Erp[];
  lanes: number;
  results: ScenarioResult[];
  /** Every violation, scenario ones and campaign-wide ones (unhandled rejections…). */
  violations: Violation[];
  wallMs: number;
}

/** Fresh secrets for a campaign: distinctive, random, never printed. */
export function newSecrets(): CampaignSecrets {
  const hex = (n: number) => randomBytes(n).toString('hex');
  return {
    posKey: `Chs${hex(14)}P`.slice(0, 32),
    notifyKey: `ChaosNotifyKey-${hex(12)}`,
    eventsToken: `ChaosEventsToken-${hex(12)}`,
    wooConsumerKey: `ck_${hex(20)}`,
    wooConsumerSecret: `cs_${hex(20)}`,
  };
}

/**
 * A clock at 10:00 Hong Kong time today plus the real time elapsed since the campaign started:
 * refund rules that depend on the hour (no refunds after 23:00 HKT) never depend on when the
 * campaign is run. Shared by the terminal, the adapters and the WooCommerce fake.
 */
export function campaignClock(): () => Date {
  const startedAt = Date.now();
  const day = 86_400_000;
  const hk = 8 * 3_600_000;
  const base = Math.floor((startedAt + hk) / day) * day - hk + 10 * 3_600_000;
  return () => new Date(base + (Date.now() - startedAt));
}

function finalOutcome(facts: ScenarioFacts | undefined): FinalOutcome {
  if (!facts) return 'not-charged';
  const paid = facts.book.payments.filter((p) => p.respcd === '0000');
  if (paid.length === 0) return 'not-charged';
  const refunded = facts.book.refunds.filter((r) => r.respcd === '0000').reduce((s, r) => s + r.amountMinor, 0);
  const paidTotal = paid.reduce((s, p) => s + p.amountMinor, 0);
  if (refunded === 0) return 'paid';
  return refunded >= paidTotal ? 'refunded' : 'partially-refunded';
}

/** Runs one planned scenario on a lane and checks it. */
export async function runScenario(lane: Lane, plan: ScenarioPlan, options: { sabotage?: Sabotage } = {}): Promise<ScenarioResult> {
  const started = Date.now();
  const mark = lane.logs.mark();
  const report = new RunReport();
  const faults = new ScenarioFaults(lane, plan.faults);
  const violations: Violation[] = [];
  let facts: ScenarioFacts | undefined;
  try {
    facts = plan.erp === 'woo' ? await runWooScenario(lane, plan, faults, report) : await runOdooScenario(lane, plan, faults, report);
    if (options.sabotage) facts = await sabotage(options.sabotage, lane, plan, facts, report);
  } catch (error) {
    const what = error instanceof QfpayEcrError ? `${error.name} ${error.code}: ${error.message}` : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    violations.push({ invariant: 'crash', scenario: plan.index, seed: plan.seed, detail: what });
  } finally {
    await faults.finish().catch((error: unknown) => report.note(`fault cleanup failed: ${String(error)}`));
  }
  if (facts) violations.push(...checkScenario({ scenario: plan.index, seed: plan.seed, book: facts.book, erp: facts.erp, refundAsked: facts.refundAsked }));
  // Secrets: everything captured while the scenario ran, plus what the ERP shows a person.
  const allowed = new Set<string>();
  for (const e of lane.sim.transactions()) for (const n of [e.syssn, e.chnlsn, e.clisn]) allowed.add(n);
  const captured = [...lane.logs.since(mark), ...(facts?.texts ?? []), { source: 'steps', text: report.steps.join('\n') }];
  const leaks = captured.flatMap((c) => scanForLeaks(c.source, c.text, lane.secrets, allowed));
  for (const leak of leaks) violations.push({ invariant: 'secret-leak', scenario: plan.index, seed: plan.seed, detail: `${leak.what} in ${leak.source}: ${leak.hint}` });
  lane.logs.dropBefore(mark);
  return { plan, lane: lane.index, outcome: finalOutcome(facts), applied: faults.applied(), violations, steps: report.steps, durationMs: Date.now() - started };
}

/** Runs a campaign. Never throws for a scenario's failure (it becomes a violation); throws a ChaosError when lanes cannot start. */
export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const started = Date.now();
  const erps = options.erps ?? ERPS;
  const indices = options.only ? [...options.only] : Array.from({ length: options.scenarios }, (_, i) => i);
  const laneCount = Math.max(1, Math.min(options.concurrency ?? 4, indices.length));
  const secrets = newSecrets();
  const clock = campaignClock();
  const dir = mkdtempSync(join(tmpdir(), 'qfpay-chaos-'));
  const campaignViolations: Violation[] = [];
  const running = new Set<number>();
  const onRejection = (reason: unknown) => {
    campaignViolations.push({ invariant: 'unhandled-rejection', scenario: running.size === 1 ? [...running][0] ?? -1 : -1, seed: options.seed, detail: `unhandled rejection while scenarios [${[...running].join(', ')}] ran: ${describeReason(reason)}` });
  };
  const onException = (error: Error) => {
    campaignViolations.push({ invariant: 'unhandled-rejection', scenario: running.size === 1 ? [...running][0] ?? -1 : -1, seed: options.seed, detail: `uncaught exception while scenarios [${[...running].join(', ')}] ran: ${describeReason(error)}` });
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  const lanes: Lane[] = [];
  const results: ScenarioResult[] = [];
  try {
    for (let i = 0; i < laneCount; i++) lanes.push(await Lane.start({ index: i, dir, secrets, clock }));
    let next = 0;
    await Promise.all(
      lanes.map(async (lane) => {
        for (;;) {
          const i = next++;
          if (i >= indices.length) return;
          const index = indices[i] as number;
          const plan = planScenario(options.seed, index, erps);
          running.add(index);
          try {
            const result = await runScenario(lane, plan, options.sabotage ? { sabotage: options.sabotage } : {});
            results.push(result);
            options.onResult?.(result);
          } finally {
            running.delete(index);
          }
        }
      }),
    );
  } finally {
    await Promise.allSettled(lanes.map((l) => l.close()));
    // Late rejections of the last scenarios still count.
    await new Promise((r) => setTimeout(r, 50));
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    rmSync(dir, { recursive: true, force: true });
  }
  results.sort((a, b) => a.plan.index - b.plan.index);
  return {
    seed: options.seed,
    erps,
    lanes: laneCount,
    results,
    violations: [...results.flatMap((r) => r.violations), ...campaignViolations],
    wallMs: Date.now() - started,
  };
}

function describeReason(reason: unknown): string {
  if (reason instanceof QfpayEcrError) return `${reason.name} ${reason.code}: ${reason.message}`;
  if (reason instanceof Error) return `${reason.name}: ${reason.message}${reason.stack ? ` @ ${reason.stack.split('\n')[1]?.trim() ?? ''}` : ''}`;
  return String(reason);
}
