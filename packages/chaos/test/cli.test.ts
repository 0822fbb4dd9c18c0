/**
 * The command: a campaign with a deliberately broken ERP side (`--sabotage`) reports the
 * violations with seed and scenario index and exits 1; a sound one exits 0; bad arguments exit 2.
 * In process (runChaosCli) and as the built binary in a real child process.
 */
import { spawn } from 'node:child_process';
import { EXIT, runChaosCli, TEST_PAN } from '../src/index.js';
import { CHAOS_CLI, requireChaosBuild, requireNotifyBuild } from './support/build.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runChaosCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('runChaosCli', () => {
  beforeAll(() => {
    requireNotifyBuild();
  });

  it('--sabotage double-charge: every charged scenario is reported, with seed and index; exit 1', async () => {
    const r = await run(['--scenarios', '4', '--seed', 'sab-1', '--erp', 'woo', '--sabotage', 'double-charge', '--concurrency', '2']);
    expect(r.code).toBe(EXIT.violations);
    expect(r.out).toMatch(/VIOLATION/);
    expect(r.out).toMatch(/\[double-charge\] seed sab-1 scenario \d+: 2 payments took or may take money/);
    expect(r.out).toMatch(/replay one with --seed <seed> --only <index>/);
  }, 60_000);

  it('--sabotage lost-payment (Odoo and WooCommerce): reported as lost-payment; exit 1', async () => {
    const r = await run(['--scenarios', '6', '--seed', 'sab-2', '--sabotage', 'lost-payment', '--json']);
    expect(r.code).toBe(EXIT.violations);
    const summary = JSON.parse(r.out) as { violations: Array<{ invariant: string; scenario: number; seed: string }>; byInvariant: Record<string, number> };
    expect(summary.byInvariant['lost-payment']).toBeGreaterThan(0);
    expect(summary.violations.every((v) => v.seed === 'sab-2' && v.scenario >= 0 && v.scenario < 6)).toBe(true);
  }, 60_000);

  it('--sabotage leak-secret: the POS-KEY and a card number in a log are found, and not printed', async () => {
    const r = await run(['--scenarios', '2', '--seed', 'sab-3', '--sabotage', 'leak-secret']);
    expect(r.code).toBe(EXIT.violations);
    expect(r.out).toMatch(/\[secret-leak\].*pos-key in sabotage: \[redacted, 32 chars\]/);
    expect(r.out).toMatch(/\[secret-leak\].*card-number in sabotage: 411111…1111/);
    expect(r.out).not.toContain(TEST_PAN);
  }, 60_000);

  it('bad arguments exit 2 without running anything; --help exits 0', async () => {
    const bad = await run(['--scenarios', '-1']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err).toMatch(/qfpay-chaos: /);
    const help = await run(['--help']);
    expect(help.code).toBe(EXIT.ok);
    expect(help.out).toMatch(/^Usage: qfpay-chaos --scenarios <n> --seed <seed>/);
  });
});

describe('the built qfpay-chaos binary (real child process)', () => {
  beforeAll(() => {
    requireChaosBuild();
  });

  const spawnCli = (args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [CHAOS_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
      child.stderr.resume();
      child.on('exit', (code) => resolve({ code, out }));
    });

  it('exits 0 with the table when nothing is violated, 1 when the ERP loses a payment', async () => {
    const ok = await spawnCli(['--scenarios', '4', '--seed', 'bin-1']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/4 scenarios, seed bin-1.* no violations/);
    expect(ok.out).toMatch(/fault kind\s+scenarios\s+struck\s+paid\s+refunded\s+partially-refunded\s+not-charged\s+violations/);
    const bad = await spawnCli(['--scenarios', '4', '--seed', 'bin-2', '--sabotage', 'lost-payment']);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/\[lost-payment\] seed bin-2 scenario \d/);
  }, 90_000);

  it('an unhandled rejection is recorded as a violation, the campaign carries on; exit 1', async () => {
    // In its own process: under Jest, Jest itself takes unhandled rejections.
    const r = await spawnCli(['--scenarios', '2', '--seed', 'bin-3', '--sabotage', 'unhandled-rejection', '--concurrency', '1']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/2 scenarios, seed bin-3/);
    expect(r.out).toMatch(/\[unhandled-rejection\] seed bin-3 scenario \d: unhandled rejection while scenarios \[\d\] ran: Error: sabotage: a rejection nobody handles/);
  }, 90_000);
});
