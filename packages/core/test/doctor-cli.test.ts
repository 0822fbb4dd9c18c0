/**
 * `qfpay-ecr doctor` as a real child process (built dist) against the simulator and the notify
 * server over HTTPS: the ✓/✗ checklist, --json, exit codes, and no secret in the output.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createNotifyApp, createSqliteStore, type NotifyApp } from '@qfpay-ecr/notify-server';
import { createTestPki, startSimulator, type Simulator } from '@qfpay-ecr/simulator';
import type { DoctorReport } from '../src/doctor/index.js';
import { runCli, type CliRun } from './support/run-cli.js';

const POS_KEY = 'CliDoctorKey7Zq9Wx4Lm2Np8Rt5Vy1B';
const NOTIFY_KEY = 'cli-doctor-notify-key-0123456789';

let dir: string;
let sim: Simulator;
let notify: NotifyApp;
let server: HttpsServer;
let notifyUrl: string;
let notifyCaPath: string;
let simCaPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qfpay-doctor-cli-'));
  sim = await startSimulator({ posKey: POS_KEY });
  simCaPath = join(dir, 'sim-ca.pem');
  writeFileSync(simCaPath, sim.caPem as string);
  const pki = await createTestPki();
  notifyCaPath = join(dir, 'notify-ca.pem');
  writeFileSync(notifyCaPath, pki.caCertPem);
  notify = createNotifyApp({ keys: NOTIFY_KEY, store: createSqliteStore({ path: join(dir, 'notify.db') }), logger: createLogger({ level: 'silent' }) });
  server = createHttpsServer({ cert: pki.leafCertPem, key: pki.leafKeyPem }, notify.app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  notifyUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/qfpay/notify`;
});

afterAll(async () => {
  await sim.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await notify.close();
});

function doctor(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(['doctor', ...args], {
    QFPAY_TERMINAL: `127.0.0.1:${sim.port}`,
    QFPAY_POS_KEY: POS_KEY,
    QFPAY_CA: simCaPath,
    QFPAY_CA_PIN: sim.caFingerprint256 as string,
    QFPAY_NOTIFY_KEY: NOTIFY_KEY,
    ...env,
  });
}

describe('qfpay-ecr doctor', () => {
  it('prints a ✓ checklist and exits 0 when everything passes', async () => {
    const run = await doctor(['--notify-url', notifyUrl, '--notify-ca', notifyCaPath, '--notify-local', '--timeout', '2']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^✓ CA certificate file/m);
    expect(run.stdout).toMatch(/^✓ POS-KEY accepted/m);
    expect(run.stdout).toMatch(/^✓ Signed test notification/m);
    expect(run.stdout).toMatch(/^ℹ Haojin version .*4\.34\.12/m);
    expect(run.stdout).toMatch(/All \d+ checks passed/);
    expect(run.stdout + run.stderr).not.toContain(POS_KEY);
    expect(run.stdout + run.stderr).not.toContain(NOTIFY_KEY);
  });

  it('exits 5 with ✗ and the fix for each failure; --json gives the same report to machines', async () => {
    const wrongKey = 'WrongKeyWrongKeyWrongKeyWrongKey';
    const text = await doctor(['--notify-url', notifyUrl, '--notify-local', '--timeout', '2'], { QFPAY_POS_KEY: wrongKey });
    expect(text.code).toBe(5);
    expect(text.stdout).toMatch(/^✗ POS-KEY accepted .*4003/m);
    expect(text.stdout).toMatch(/^ {4}fix: .*re-login the Haojin app/m);
    expect(text.stdout).toMatch(/^✗ Notify URL over HTTPS/m);
    expect(text.stdout).toMatch(/2 checks failed/);
    expect(text.stdout + text.stderr).not.toContain(wrongKey);

    const json = await doctor(['--json', '--timeout', '2'], { QFPAY_POS_KEY: wrongKey, QFPAY_CA_PIN: '' });
    expect(json.code).toBe(5);
    const report = JSON.parse(json.stdout) as DoctorReport;
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.id === 'ca.fingerprint')).toMatchObject({ status: 'fail', code: 'CONFIG_CA_FINGERPRINT' });
    expect(report.checks.find((c) => c.id === 'notify.url')).toMatchObject({ status: 'skip' });
    expect(json.stdout).not.toContain(wrongKey);
  });

  it('exits 2 with usage when there is nothing to check, or a flag belongs to another command', async () => {
    const nothing = await doctor([], { QFPAY_TERMINAL: '' });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/doctor needs a terminal/);
    const misplaced = await doctor(['--amount', '1']);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toMatch(/doctor does not take --amount/);
  });
});
