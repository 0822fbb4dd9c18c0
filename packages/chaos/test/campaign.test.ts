/**
 * The campaign CI runs: 200 seeded scenarios through the real packages (terminal, simulator, the
 * built notify-server CLI as a child process, Odoo POS harness, WooCommerce fake), four batches
 * of 50 with the same seed, and not one violation. Needs `npm run build` (the notify server runs
 * from its dist, as the product does). Wall times are printed, not asserted.
 */
import { FAULT_KINDS, formatReport, runCampaign, type CampaignResult } from '../src/index.js';
import { requireNotifyBuild } from './support/build.js';

const SEED = 'ci-200';
const BATCH = 50;
const results: CampaignResult[] = [];

beforeAll(() => {
  requireNotifyBuild();
});

afterAll(() => {
  const all = results.flatMap((r) => r.results);
  const struck = new Map<string, number>();
  for (const r of all) r.plan.faults.forEach((f, i) => r.applied[i] && struck.set(f.kind, (struck.get(f.kind) ?? 0) + 1));
  // Printed for the reader; the per-batch tests assert.
  process.stdout.write(`chaos ${SEED}: ${all.length} scenarios in ${results.map((r) => `${(r.wallMs / 1000).toFixed(1)} s`).join(' + ')}; struck per fault kind: ${FAULT_KINDS.map((k) => `${k} ${struck.get(k) ?? 0}`).join(', ')}\n`);
});

describe(`chaos campaign, seed ${SEED}, 200 scenarios`, () => {
  it.each([0, 1, 2, 3])('batch %i (50 scenarios): no violation', async (batch) => {
    const only = Array.from({ length: BATCH }, (_, i) => batch * BATCH + i);
    const result = await runCampaign({ seed: SEED, scenarios: 0, only, concurrency: 4 });
    results.push(result);
    expect(result.results.map((r) => r.plan.index)).toEqual(only);
    if (result.violations.length > 0) process.stdout.write(formatReport(result));
    expect(result.violations).toEqual([]);
    // Every scenario ended in one of the four outcomes and had its faults tracked.
    for (const r of result.results) expect(r.applied).toHaveLength(r.plan.faults.length);
  }, 150_000);

  it('the 200 scenarios exercised every fault kind, both ERPs, every flow and every outcome', () => {
    const all = results.flatMap((r) => r.results);
    expect(all).toHaveLength(200);
    const struck = new Set(all.flatMap((r) => r.plan.faults.filter((_, i) => r.applied[i]).map((f) => f.kind)));
    expect([...struck].sort()).toEqual([...FAULT_KINDS].sort());
    expect(new Set(all.map((r) => r.plan.erp))).toEqual(new Set(['odoo', 'woo']));
    expect(new Set(all.map((r) => r.plan.flow)).size).toBe(4);
    expect(new Set(all.map((r) => r.outcome))).toEqual(new Set(['paid', 'refunded', 'partially-refunded', 'not-charged']));
  });
});
