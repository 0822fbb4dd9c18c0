/**
 * `doctor --cloud`: `runDoctor({ cloud })` against the fake OpenAPI over real TLS (✓ and each ✗),
 * then the `qfpay-ecr` CLI as a real child process (built dist): doctor --cloud and pay --cloud.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPki, type TestPki } from '@qfpay-ecr/simulator';
import { renderDoctorReport, runDoctor, type CheckId, type CheckResult, type DoctorReport } from '../src/doctor/index.js';
import type { CloudDoctorOptions } from '../src/doctor/index.js';
import { PATHS, startFakeOpenApi, type FakeOpenApi } from './support/fake-openapi.js';
import { APP_CODE, CLIENT_KEY, TERMID } from './support/cloud-harness.js';
import { closedPort } from './support/net-fixtures.js';
import { runCli, type CliRun } from './support/run-cli.js';

const FAST = 2_000;
const CLOUD_IDS = ['cloud.environment', 'cloud.credentials', 'cloud.https', 'cloud.signature', 'cloud.device'] as const;

let pki: TestPki;
let api: FakeOpenApi;
let caPath: string;

beforeAll(async () => {
  pki = await createTestPki();
  api = await startFakeOpenApi({ appCode: APP_CODE, clientKey: CLIENT_KEY, termids: [TERMID], pki, customer: { action: 'approve', afterMs: 300 }, notify: false });
  caPath = join(mkdtempSync(join(tmpdir(), 'qfpay-cloud-doctor-')), 'openapi-ca.pem');
  writeFileSync(caPath, pki.caCertPem);
});
afterAll(async () => {
  await api.close();
});

const healthy = (extra: Partial<CloudDoctorOptions> = {}): CloudDoctorOptions => ({
  environment: 'custom',
  baseUrl: api.baseUrl,
  ca: caPath,
  appCode: APP_CODE,
  clientKey: CLIENT_KEY,
  termid: TERMID,
  ...extra,
});

function check(report: DoctorReport, id: CheckId): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
}

function expectFail(report: DoctorReport, id: CheckId, code: string, fix: RegExp): void {
  expect(report.ok).toBe(false);
  const c = check(report, id);
  expect(c).toMatchObject({ status: 'fail', code });
  expect(c.fix).toMatch(fix);
  expect(renderDoctorReport(report)).toContain(`✗ ${c.title}`);
  expect(renderDoctorReport(report)).toMatch(new RegExp(`^ {4}fix: `, 'm'));
}

function expectNoSecret(report: DoctorReport): void {
  const text = JSON.stringify(report) + renderDoctorReport(report);
  expect(text).not.toContain(CLIENT_KEY);
  expect(text).not.toContain(CLIENT_KEY.slice(0, 16));
  expect(text).not.toContain(APP_CODE);
}

describe('doctor --cloud (runDoctor)', () => {
  it('✓ every cloud check with one signed query for a made-up reference (1136 = credentials good, device bound); no LAN checks', async () => {
    const before = api.received.length;
    const report = await runDoctor({ cloud: healthy(), timeoutMs: FAST });
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual([...CLOUD_IDS, 'notify.url', 'notify.reachable', 'notify.signed']);
    for (const id of CLOUD_IDS) expect(check(report, id).status).toBe('pass');
    expect(check(report, 'cloud.device').detail).toMatch(/TERM0001A8S is bound.*1136/);
    expect(report.target).toEqual({ cloud: `custom ${api.baseUrl}, termid ${TERMID}` });
    const sent = api.received.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ path: PATHS.query, signatureOk: true });
    expect(sent[0]?.params.out_trade_no).toMatch(/^qfpay-ecr-doctor-[0-9a-f]{12}$/);
    const text = renderDoctorReport(report);
    expect(text).toMatch(/^ {2}cloud {5}custom https:\/\/127\.0\.0\.1:\d+, termid TERM0001A8S$/m);
    expect(text).toMatch(/^✓ Signature accepted/m);
    expect(text).toMatch(/All 5 checks passed/);
    expect(text).not.toMatch(/CA certificate file/);
    expectNoSecret(report);
  });

  it('✗ no environment chosen: says how to choose one; later checks skipped', async () => {
    const report = await runDoctor({ cloud: healthy({ environment: undefined, baseUrl: undefined, ca: undefined }), timeoutMs: FAST });
    expectFail(report, 'cloud.environment', 'CONFIG_CLOUD_ENVIRONMENT', /--cloud-env production\|live-test\|sandbox/);
    for (const id of ['cloud.https', 'cloud.signature', 'cloud.device'] as const) expect(check(report, id).status).toBe('skip');
  });

  it('✗ credentials missing: lists which, without values', async () => {
    const report = await runDoctor({ cloud: healthy({ clientKey: undefined, termid: undefined }), timeoutMs: FAST });
    expectFail(report, 'cloud.credentials', 'CLOUD_CREDENTIALS_MISSING', /one pair per environment/);
    expect(check(report, 'cloud.credentials').detail).toMatch(/client key.*termid/);
    expect(check(report, 'cloud.https').status).toBe('skip');
  });

  it('✗ 1108: signature refused, with the app code / client key / environment fix', async () => {
    const report = await runDoctor({ cloud: healthy({ clientKey: 'WrongCloudKey7Zq9Wx4Lm2Np8Rt5Vy1' }), timeoutMs: FAST });
    expect(check(report, 'cloud.https').status).toBe('pass');
    expectFail(report, 'cloud.signature', '1108', /app code and client key.*belong to this environment/);
    expect(check(report, 'cloud.device').status).toBe('skip');
    expect(JSON.stringify(report)).not.toContain('WrongCloudKey7Zq9');
  });

  it('✗ 1106: the device is not bound, with the Haojin login fix', async () => {
    const report = await runDoctor({ cloud: healthy({ termid: 'NOT-BOUND-7' }), timeoutMs: FAST });
    expect(check(report, 'cloud.signature').status).toBe('pass');
    expectFail(report, 'cloud.device', '1106', /log in to the Haojin merchant app.*Device ID/);
    expect(check(report, 'cloud.device').detail).toMatch(/NOT-BOUND-7 is not bound/);
  });

  it('✗ network: nothing listening', async () => {
    const report = await runDoctor({ cloud: healthy({ baseUrl: `https://127.0.0.1:${await closedPort()}` }), timeoutMs: FAST });
    expectFail(report, 'cloud.https', 'CONNECT_REFUSED', /base URL/);
    expect(check(report, 'cloud.signature').status).toBe('skip');
  });

  it('✗ TLS: a certificate the given CA did not issue', async () => {
    const other = await createTestPki();
    const report = await runDoctor({ cloud: healthy({ ca: other.caCertPem }), timeoutMs: FAST });
    expectFail(report, 'cloud.https', 'TLS_UNTRUSTED_CERT', /CA that issued it/);
  });

  it('✗ HTTP 404 on both query paths: wrong base URL or ECR Cloud not enabled', async () => {
    const bare = await startFakeOpenApi({ appCode: APP_CODE, clientKey: CLIENT_KEY, termids: [TERMID], pki, queryPaths: [] });
    try {
      const report = await runDoctor({ cloud: healthy({ baseUrl: bare.baseUrl }), timeoutMs: FAST });
      expectFail(report, 'cloud.https', 'HTTP_404', /ECR Cloud is enabled/);
      expect(bare.on(PATHS.query)).toHaveLength(1);
      expect(bare.on(PATHS.queryAsync)).toHaveLength(1);
    } finally {
      await bare.close();
    }
  });

  it('refuses a baseUrl for a documented environment (credentials stay in their environment)', async () => {
    const report = await runDoctor({ cloud: healthy({ environment: 'sandbox' }), timeoutMs: FAST });
    expectFail(report, 'cloud.environment', 'CONFIG_CLOUD_ENVIRONMENT', /choose environment "custom" on purpose/);
  });
});

type Run = CliRun;

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return runCli(args, {
    QFPAY_CLOUD_ENV: 'custom',
    QFPAY_CLOUD_URL: api.baseUrl,
    QFPAY_CLOUD_CA: caPath,
    QFPAY_APP_CODE: APP_CODE,
    QFPAY_CLIENT_KEY: CLIENT_KEY,
    QFPAY_TERMID: TERMID,
    ...env,
  });
}

describe('qfpay-ecr --cloud (child process)', () => {
  it('doctor --cloud: ✓ checklist, exit 0; ✗ unbound device exits 5 with --json; no secret printed', async () => {
    const ok = await cli(['doctor', '--cloud', '--timeout', '2']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^✓ Device bound \(termid\)/m);
    expect(ok.stdout).toMatch(/All 5 checks passed/);
    const bad = await cli(['doctor', '--cloud', '--json', '--timeout', '2', '--termid', 'NOT-BOUND-8']);
    expect(bad.code).toBe(5);
    const report = JSON.parse(bad.stdout) as DoctorReport;
    expect(report.checks.find((c) => c.id === 'cloud.device')).toMatchObject({ status: 'fail', code: '1106' });
    for (const run of [ok, bad]) expect(run.stdout + run.stderr).not.toContain(CLIENT_KEY);
  });

  it('pay --cloud takes a payment through the OpenAPI and prints the syssn; usage errors exit 2', async () => {
    const paid = await cli(['pay', '--cloud', '--amount', '12.50', '--channel', 'card_payment', '--json']);
    expect(paid.code).toBe(0);
    const outcome = JSON.parse(paid.stdout) as { status: string; amountMinor: number; syssn: string; resolvedBy: string };
    expect(outcome).toMatchObject({ status: 'approved', amountMinor: 1250, resolvedBy: 'query' });
    expect(api.book.has(outcome.syssn)).toBe(true);
    expect(paid.stdout + paid.stderr).not.toContain(CLIENT_KEY);

    const noEnv = await cli(['query', '--cloud', '--syssn', outcome.syssn], { QFPAY_CLOUD_ENV: '' });
    expect(noEnv.code).toBe(2);
    expect(noEnv.stderr).toMatch(/--cloud needs --cloud-env/);
    const lanFlag = await cli(['query', '--cloud', '--syssn', outcome.syssn, '--pos-key', 'x']);
    expect(lanFlag.code).toBe(2);
    expect(lanFlag.stderr).toMatch(/--pos-key is for the LAN terminal/);
    const stray = await cli(['query', '--syssn', outcome.syssn, '--termid', 'X'], { QFPAY_TERMINAL: '127.0.0.1', QFPAY_POS_KEY: 'k' });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--termid needs --cloud/);
    const found = await cli(['query', '--cloud', '--syssn', outcome.syssn]);
    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(/paid/);
  }, 20_000);
});
