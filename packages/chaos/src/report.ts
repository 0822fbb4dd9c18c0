/** The campaign's table (scenarios × fault kind × final outcome) and its JSON form. */
import { FINAL_OUTCOMES, type CampaignResult, type FinalOutcome } from './campaign.js';
import { INVARIANTS, type Violation } from './invariants.js';
import { describePlan, FAULT_KINDS, type FaultKind } from './plan.js';

/** One row of the table. */
export interface TableRow {
  fault: FaultKind;
  /** Scenarios that planned this fault. */
  scenarios: number;
  /** Of those, how many it really struck. */
  applied: number;
  outcomes: Record<FinalOutcome, number>;
  /** Scenarios with at least one violation. */
  violations: number;
}

/** The summary every output form shares. */
export interface CampaignSummary {
  seed: string;
  scenarios: number;
  lanes: number;
  erps: readonly string[];
  wallMs: number;
  table: TableRow[];
  byErp: Record<string, Record<FinalOutcome, number>>;
  byInvariant: Partial<Record<(typeof INVARIANTS)[number], number>>;
  violations: Violation[];
}

const emptyOutcomes = (): Record<FinalOutcome, number> => ({ paid: 0, refunded: 0, 'partially-refunded': 0, 'not-charged': 0 });

export function summarise(result: CampaignResult): CampaignSummary {
  const rows = new Map<FaultKind, TableRow>();
  const byErp: Record<string, Record<FinalOutcome, number>> = {};
  for (const r of result.results) {
    const bad = r.violations.length > 0;
    r.plan.faults.forEach((f, i) => {
      const row = rows.get(f.kind) ?? { fault: f.kind, scenarios: 0, applied: 0, outcomes: emptyOutcomes(), violations: 0 };
      row.scenarios += 1;
      if (r.applied[i]) row.applied += 1;
      row.outcomes[r.outcome] += 1;
      if (bad) row.violations += 1;
      rows.set(f.kind, row);
    });
    const erp = r.plan.erp === 'odoo' ? `odoo${r.plan.odooGeneration}` : 'woo';
    byErp[erp] ??= emptyOutcomes();
    byErp[erp][r.outcome] += 1;
  }
  const byInvariant: CampaignSummary['byInvariant'] = {};
  for (const v of result.violations) byInvariant[v.invariant] = (byInvariant[v.invariant] ?? 0) + 1;
  return {
    seed: result.seed,
    scenarios: result.results.length,
    lanes: result.lanes,
    erps: result.erps,
    wallMs: result.wallMs,
    table: FAULT_KINDS.flatMap((k) => (rows.has(k) ? [rows.get(k) as TableRow] : [])),
    byErp,
    byInvariant,
    violations: result.violations,
  };
}

function pad(text: string | number, width: number, right = false): string {
  const s = String(text);
  return right ? s.padEnd(width) : s.padStart(width);
}

/** The human-readable report. */
export function formatReport(result: CampaignResult, options: { verbose?: boolean } = {}): string {
  const s = summarise(result);
  const lines: string[] = [];
  const secs = (s.wallMs / 1000).toFixed(1);
  lines.push(`qfpay-ecr chaos: ${s.scenarios} scenarios, seed ${s.seed}, erp ${s.erps.join('+')}, ${s.lanes} lane(s), ${secs} s — ${s.violations.length === 0 ? 'no violations' : `${s.violations.length} VIOLATION(S)`}`);
  lines.push('');
  const cols: Array<[string, number]> = [
    ['fault kind', 22],
    ['scenarios', 9],
    ['struck', 7],
    ...FINAL_OUTCOMES.map((o): [string, number] => [o, Math.max(o.length, 6)]),
    ['violations', 10],
  ];
  lines.push(cols.map(([h, w], i) => pad(h, w, i === 0)).join('  '));
  lines.push(cols.map(([, w]) => '-'.repeat(w)).join('  '));
  const total = { scenarios: 0, applied: 0, outcomes: emptyOutcomes(), violations: 0 };
  for (const row of s.table) {
    lines.push([pad(row.fault, 22, true), pad(row.scenarios, 9), pad(row.applied, 7), ...FINAL_OUTCOMES.map((o) => pad(row.outcomes[o], Math.max(o.length, 6))), pad(row.violations, 10)].join('  '));
    total.scenarios += row.scenarios;
    total.applied += row.applied;
    for (const o of FINAL_OUTCOMES) total.outcomes[o] += row.outcomes[o];
    total.violations += row.violations;
  }
  lines.push(cols.map(([, w]) => '-'.repeat(w)).join('  '));
  lines.push([pad('(fault × scenario)', 22, true), pad(total.scenarios, 9), pad(total.applied, 7), ...FINAL_OUTCOMES.map((o) => pad(total.outcomes[o], Math.max(o.length, 6))), pad(total.violations, 10)].join('  '));
  lines.push('');
  const durations = result.results.map((r) => r.durationMs).sort((a, b) => a - b);
  const at = (q: number) => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))] ?? 0;
  if (durations.length > 0) lines.push(`scenario duration: median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${durations[durations.length - 1]} ms`);
  lines.push(`final outcome by ERP: ${Object.entries(s.byErp)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([erp, o]) => `${erp} ${FINAL_OUTCOMES.map((k) => `${k} ${o[k]}`).join(' / ')}`)
    .join('; ')}`);
  if (options.verbose) {
    lines.push('');
    for (const r of result.results) lines.push(`${describePlan(r.plan)} → ${r.outcome} (${r.durationMs} ms, struck ${r.applied.map((a) => (a ? 'y' : 'n')).join('')})${r.violations.length ? ' VIOLATION' : ''}`);
  }
  if (s.violations.length > 0) {
    lines.push('');
    lines.push('violations (replay one with --seed <seed> --only <index>):');
    for (const v of s.violations) {
      const r = result.results.find((x) => x.plan.index === v.scenario);
      lines.push(`  [${v.invariant}] seed ${v.seed} scenario ${v.scenario}: ${v.detail}`);
      if (r) {
        lines.push(`      plan: ${describePlan(r.plan)}`);
        lines.push(`      steps: ${r.steps.join(' | ')}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
