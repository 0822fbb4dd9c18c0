/**
 * `runDoctor` against the simulator (real TLS, real POS-KEY checks) and the notify server (real
 * Koa app behind HTTPS with a test CA), one test per ✗ path plus the all-✓ path. Network fixtures
 * stay on 127.0.0.1.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createNotifyApp, createSqliteStore, type NotifyApp } from '@qfpay-ecr/notify-server';
import { createTestPki, startSimulator, type Simulator, type TestPki } from '@qfpay-ecr/simulator';
import { ConfigError } from '../src/errors.js';
import { checkNotifyUrl } from '../src/doctor/notify-checks.js';
import { renderDoctorReport, runDoctor, type CheckId, type CheckResult, type DoctorOptions, type DoctorReport } from '../src/doctor/index.js';
import { QFPAY_CA_FINGERPRINT_SHA256 } from '../src/transport/index.js';
import { closedPort, startBlackhole, startHttp, startHttps, startSilent, type Running } from './support/net-fixtures.js';

const POS_KEY = 'DoctorKeyS3cret7Zq9Wx4Lm2Np8Rt5V';
const NOTIFY_KEY = 'doctor-notify-key-s3cret-0123456789';
const FAST = 1500;

let dir: string;
let sim: Simulator;
let simCaPath: string;
let notifyPki: TestPki;
let notify: NotifyApp;
let notifyServer: HttpsServer;
let notifyUrl: string;
let notifyBase: string;
const extra: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qfpay-doctor-'));
  sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 50 } });
  simCaPath = join(dir, 'sim-ca.pem');
  writeFileSync(simCaPath, sim.caPem as string);
  notifyPki = await createTestPki();
  notify = createNotifyApp({ keys: [NOTIFY_KEY], store: createSqliteStore({ path: join(dir, 'notify.db') }), logger: createLogger({ level: 'silent' }) });
  notifyServer = createHttpsServer({ cert: notifyPki.leafCertPem, key: notifyPki.leafKeyPem }, notify.app.callback());
  await new Promise<void>((resolve) => notifyServer.listen(0, '127.0.0.1', resolve));
  notifyBase = `https://127.0.0.1:${(notifyServer.address() as AddressInfo).port}`;
  notifyUrl = `${notifyBase}/qfpay/notify`;
});

afterAll(async () => {
  for (const e of extra) await e.close();
  await sim.close();
  notifyServer.closeAllConnections();
  await new Promise<void>((resolve) => notifyServer.close(() => resolve()));
  await notify.close();
});

/** Options for a healthy setup; each test breaks one thing. */
function healthy(overrides: Partial<DoctorOptions> = {}): DoctorOptions {
  return {
    terminal: { host: '127.0.0.1', port: sim.port },
    ca: simCaPath,
    pinnedCaFingerprint256: sim.caFingerprint256 as string,
    posKey: POS_KEY,
    notifyUrl,
    notifyKey: NOTIFY_KEY,
    notifyCa: notifyPki.caCertPem,
    notifyLocal: true,
    timeoutMs: FAST,
    ...overrides,
  };
}

function check(report: DoctorReport, id: CheckId): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
}

function expectFail(report: DoctorReport, id: CheckId, code: string, fix: RegExp): CheckResult {
  const c = check(report, id);
  expect(c).toMatchObject({ status: 'fail', code });
  expect(c.fix).toMatch(fix);
  expect(report.ok).toBe(false);
  expect(renderDoctorReport(report)).toContain(`✗ ${c.title}`);
  return c;
}

function expectNoSecrets(report: DoctorReport): void {
  const text = JSON.stringify(report) + renderDoctorReport(report);
  expect(text).not.toContain(POS_KEY);
  expect(text).not.toContain(NOTIFY_KEY);
}

async function track<T extends { close(): Promise<void> }>(running: T): Promise<T> {
  extra.push(running);
  return running;
}

describe('doctor: all ✓', () => {
  it('passes every check against the simulator and the notify server, and the test notification is stored as "other"', async () => {
    const before = await notify.store.lastId();
    const report = await runDoctor(healthy());
    const failed = report.checks.filter((c) => c.status === 'fail');
    expect(failed).toEqual([]);
    expect(report.ok).toBe(true);
    for (const id of ['ca.file', 'ca.fingerprint', 'terminal.reachable', 'terminal.tls', 'terminal.https', 'terminal.pos_key', 'notify.reachable', 'notify.signed'] as const) {
      expect(check(report, id).status).toBe('pass');
    }
    expect(check(report, 'terminal.version')).toMatchObject({ status: 'info' });
    expect(check(report, 'terminal.version').detail).toMatch(/cannot be told over ECR.*4\.34\.12/);
    // A port other than 443 on 127.0.0.1 is fine for a local test, and said so.
    expect(check(report, 'notify.url')).toMatchObject({ status: 'info' });
    const text = renderDoctorReport(report);
    expect(text).toMatch(/✓ CA certificate file/);
    expect(text).toMatch(/All 8 checks passed/);
    expectNoSecrets(report);

    const stored = await notify.store.since(before, 10);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ kind: 'other', notifyType: 'doctor_test' });
    expect(stored[0]?.syssn).toMatch(/^DOCTOR/);
    // The 4001 query changed nothing on the terminal.
    expect(sim.transactions()).toHaveLength(0);
  });

  it("passes the CA checks with QFPay's own ca3.crt (the default) and checks both fingerprints", async () => {
    const report = await runDoctor({ notifyUrl, notifyKey: NOTIFY_KEY, notifyCa: notifyPki.caCertPem, notifyLocal: true, timeoutMs: FAST });
    expect(check(report, 'ca.file').status).toBe('pass');
    expect(check(report, 'ca.fingerprint').detail).toMatch(/SHA-256 9C:0F.*SHA-1 A7:4C.*match QFPay's ca3\.crt/);
    expect(check(report, 'terminal.reachable')).toMatchObject({ status: 'skip' });
    expect(report.ok).toBe(true);
  });
});

describe('doctor: the CA', () => {
  it('✗ when the CA file is missing', async () => {
    const report = await runDoctor(healthy({ ca: join(dir, 'no-such-ca3.crt') }));
    expectFail(report, 'ca.file', 'CONFIG_CA_UNREADABLE', /ca3\.crt/);
    expect(check(report, 'ca.fingerprint').status).toBe('skip');
    expect(check(report, 'terminal.tls').status).toBe('skip');
  });

  it('✗ when the CA file is not a certificate', async () => {
    const path = join(dir, 'garbage.crt');
    writeFileSync(path, 'this is not a certificate\n');
    expectFail(await runDoctor(healthy({ ca: path })), 'ca.file', 'CONFIG_CA_INVALID', /download ca3\.crt/);
  });

  it("✗ when the file is the terminal's own (leaf) certificate instead of the CA", async () => {
    const pki = await createTestPki();
    const path = join(dir, 'leaf.pem');
    writeFileSync(path, pki.leafCertPem);
    expectFail(await runDoctor(healthy({ ca: path })), 'ca.file', 'CONFIG_CA_NOT_CA', /not the terminal's own certificate/);
  });

  it('✗ when the CA is expired', async () => {
    const pki = await createTestPki({ notBefore: new Date('2001-01-01T00:00:00Z'), notAfter: new Date('2002-01-01T00:00:00Z') });
    const path = join(dir, 'expired-ca.pem');
    writeFileSync(path, pki.caCertPem);
    expectFail(await runDoctor(healthy({ ca: path, pinnedCaFingerprint256: pki.caFingerprint256 })), 'ca.file', 'CONFIG_CA_EXPIRED', /clock/);
  });

  it("✗ when the fingerprints are not QFPay's, naming both published fingerprints", async () => {
    const report = await runDoctor(healthy({ pinnedCaFingerprint256: undefined }));
    const c = expectFail(report, 'ca.fingerprint', 'CONFIG_CA_FINGERPRINT', /ca3\.crt.*--pin-ca/);
    expect(c.detail).toContain(QFPAY_CA_FINGERPRINT_SHA256);
    expect(c.detail).toMatch(/SHA-1 is .*QFPay's is A7:4C/);
    expect(check(report, 'terminal.tls')).toMatchObject({ status: 'skip' });
  });

  it('✗ when the pinned fingerprint is another CA, or not a fingerprint at all', async () => {
    const other = await createTestPki();
    expectFail(await runDoctor(healthy({ pinnedCaFingerprint256: other.caFingerprint256 })), 'ca.fingerprint', 'CONFIG_CA_FINGERPRINT', /pin/);
    expectFail(await runDoctor(healthy({ pinnedCaFingerprint256: 'abc' })), 'ca.fingerprint', 'CONFIG_CA_PIN_INVALID', /openssl/);
  });
});

describe('doctor: reaching the terminal', () => {
  it('✗ on a connect timeout, with the fixed-IP and Wi-Fi isolation hints', async () => {
    const hole = await track(await startBlackhole());
    const report = await runDoctor(healthy({ terminal: { host: '127.0.0.1', port: hole.port }, timeoutMs: 500 }));
    const c = expectFail(report, 'terminal.reachable', 'CONNECT_TIMEOUT', /Wi-Fi .*isolation/i);
    expect(c.fix).toMatch(/fixed IP/);
    expect(check(report, 'terminal.tls').status).toBe('skip');
    expect(check(report, 'terminal.pos_key').status).toBe('skip');
  });

  it('✗ when the connection is refused, pointing at ECR Status', async () => {
    const port = await closedPort();
    expectFail(await runDoctor(healthy({ terminal: { host: '127.0.0.1', port } })), 'terminal.reachable', 'CONNECT_REFUSED', /ECR Status/);
  });
});

describe('doctor: TLS and HTTPS', () => {
  it("✗ when the terminal's certificate is not signed by the CA given (QFPay's ca3.crt against the simulator)", async () => {
    const report = await runDoctor(healthy({ ca: undefined, pinnedCaFingerprint256: undefined }));
    expect(check(report, 'ca.fingerprint').status).toBe('pass');
    expectFail(report, 'terminal.tls', 'TLS_UNTRUSTED_CERT', /ca3\.crt/);
    expect(check(report, 'terminal.https').status).toBe('skip');
  });

  it('✗ when the certificate is issued for another IP, with the fixed-IP hint', async () => {
    const pki = await createTestPki({ ipAddresses: ['10.9.8.7'] });
    const other = await track(await startSimulator({ posKey: POS_KEY, pki }));
    const path = join(dir, 'other-ip-ca.pem');
    writeFileSync(path, pki.caCertPem);
    const report = await runDoctor(healthy({ terminal: { host: '127.0.0.1', port: other.port }, ca: path, pinnedCaFingerprint256: pki.caFingerprint256 }));
    expectFail(report, 'terminal.tls', 'TLS_IDENTITY_MISMATCH', /fixed IP/);
  });

  it('✗ when the terminal answers only plain HTTP: enable HTTPS in MMS and re-login Haojin', async () => {
    const plain = await track(await startSimulator({ posKey: POS_KEY, tls: false }));
    const report = await runDoctor(healthy({ terminal: { host: '127.0.0.1', port: plain.port } }));
    const c = expectFail(report, 'terminal.tls', 'TLS_PLAIN_HTTP', /enable HTTPS in MMS.*re-login/);
    expect(c.fix).toMatch(/4\.34\.12/);
  });

  it('✗ when something accepts TCP but never completes the handshake', async () => {
    const silent = await track(await startSilent());
    expectFail(await runDoctor(healthy({ terminal: { host: '127.0.0.1', port: silent.port }, timeoutMs: 500 })), 'terminal.tls', 'TLS_HANDSHAKE_TIMEOUT', /ECR Status/);
  });

  it('✗ when HTTPS works but the ECR API is not there (HTTP 404)', async () => {
    const pki = await createTestPki();
    const server = await track(
      await startHttps(pki, (_req, res) => {
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end('<h1>Not Found</h1>');
      }),
    );
    const report = await runDoctor(healthy({ terminal: { host: '127.0.0.1', port: server.port }, ca: pki.caCertPem, pinnedCaFingerprint256: pki.caFingerprint256 }));
    expect(check(report, 'terminal.tls').status).toBe('pass');
    expectFail(report, 'terminal.https', 'HTTP_404', /9001/);
    expect(check(report, 'terminal.pos_key').status).toBe('skip');
  });

  it('✗ when HTTPS accepts the request but never answers', async () => {
    const pki = await createTestPki();
    const server = await track(await startHttps(pki, () => undefined));
    const report = await runDoctor(healthy({ terminal: { host: '127.0.0.1', port: server.port }, ca: pki.caCertPem, pinnedCaFingerprint256: pki.caFingerprint256, timeoutMs: 800 }));
    expectFail(report, 'terminal.https', 'RESPONSE_TIMEOUT', /Haojin app to the foreground/);
  });
});

describe('doctor: the POS-KEY', () => {
  it('✗ 4003 for a wrong POS-KEY, with the key-or-sync hint, never printing either key', async () => {
    const wrong = 'WrongKeyWrongKeyWrongKeyWrongKey';
    const report = await runDoctor(healthy({ posKey: wrong }));
    expect(check(report, 'terminal.https').status).toBe('pass');
    const c = expectFail(report, 'terminal.pos_key', '4003', /POS-KEY is wrong.*re-login the Haojin app/);
    expect(c.detail).toMatch(/request denied/);
    expect(JSON.stringify(report)).not.toContain(wrong);
    expectNoSecrets(report);
  });

  it("✗ when the terminal accepts QFPay's published factory-default POS-KEY, without printing it", async () => {
    const factory = 'f46b1f08bec1f39104792cc79ec9aacd';
    const sim = await track(await startSimulator({ posKey: factory }));
    const report = await runDoctor(
      healthy({ terminal: { host: sim.host, port: sim.port }, ca: sim.caPem as string, pinnedCaFingerprint256: sim.caFingerprint256 as string, posKey: factory }),
    );
    expect(check(report, 'terminal.https').status).toBe('pass');
    expectFail(report, 'terminal.pos_key', 'POS_KEY_FACTORY_DEFAULT', /regenerate the POS-KEY in MMS/);
    expect(JSON.stringify(report)).not.toContain(factory);
  });

  it('✗ 5001 when the terminal cannot decrypt the request', async () => {
    const pki = await createTestPki();
    const server = await track(
      await startHttps(pki, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ respcd: '5001', respmsg: 'Decryption failed', resperr: '', data: '' }));
      }),
    );
    const report = await runDoctor(healthy({ terminal: { host: '127.0.0.1', port: server.port }, ca: pki.caCertPem, pinnedCaFingerprint256: pki.caFingerprint256 }));
    expect(check(report, 'terminal.https').status).toBe('pass');
    expectFail(report, 'terminal.pos_key', '5001', /copy it again exactly/);
  });

  it('✗ for a POS-KEY AES cannot use, and when none is given (HTTPS is still checked)', async () => {
    const short = await runDoctor(healthy({ posKey: 'too-short' }));
    expectFail(short, 'terminal.pos_key', 'CONFIG_POS_KEY_LENGTH', /POS-Key/);
    expect(check(short, 'terminal.https').status).toBe('pass');
    const none = await runDoctor(healthy({ posKey: undefined }));
    expectFail(none, 'terminal.pos_key', 'POS_KEY_MISSING', /QFPAY_POS_KEY/);
    expect(check(none, 'terminal.https').status).toBe('pass');
  });
});

describe('doctor: the notify URL', () => {
  it('✗ for an http:// URL', async () => {
    const report = await runDoctor(healthy({ notifyUrl: notifyUrl.replace('https:', 'http:') }));
    expectFail(report, 'notify.url', 'NOTIFY_NOT_HTTPS', /HTTPS .*port 443/);
    expect(check(report, 'notify.reachable').status).toBe('skip');
  });

  it('✗ for a port QFPay will not post to, or an address the Internet cannot reach', async () => {
    const report = await runDoctor(healthy({ notifyLocal: false }));
    expectFail(report, 'notify.url', 'NOTIFY_PORT', /port 443/);
    expect(check(report, 'notify.url').detail).toMatch(/only posts to ports 80 and 443/);
    expect(checkNotifyUrl('https://192.168.1.10/qfpay/notify', false).result).toMatchObject({ status: 'fail', code: 'NOTIFY_NOT_PUBLIC' });
    expect(checkNotifyUrl('https://localhost/qfpay/notify', false).result).toMatchObject({ status: 'fail', code: 'NOTIFY_NOT_PUBLIC' });
    expect(checkNotifyUrl('https://shop.example.com/qfpay/notify', false).result).toMatchObject({ status: 'pass' });
    expect(checkNotifyUrl('not a url', false).result).toMatchObject({ status: 'fail', code: 'NOTIFY_URL_INVALID' });
  });

  it('✗ when nothing listens there', async () => {
    const port = await closedPort();
    expectFail(await runDoctor(healthy({ notifyUrl: `https://127.0.0.1:${port}/qfpay/notify` })), 'notify.reachable', 'CONNECT_REFUSED', /start the notify server/);
  });

  it('✗ when its certificate is not publicly trusted', async () => {
    const report = await runDoctor(healthy({ notifyCa: undefined }));
    expectFail(report, 'notify.reachable', 'TLS_UNTRUSTED_CERT', /public CA/);
    expect(check(report, 'notify.signed').status).toBe('skip');
  });

  it('✗ when the https:// URL is served in plain HTTP', async () => {
    const plain = await track(await startHttp((_req, res) => res.end('SUCCESS')));
    expectFail(await runDoctor(healthy({ notifyUrl: `https://127.0.0.1:${plain.port}/qfpay/notify` })), 'notify.reachable', 'TLS_PLAIN_HTTP', /terminate TLS/);
  });

  it('✗ when the notification key is not the server\'s (401)', async () => {
    const report = await runDoctor(healthy({ notifyKey: 'some-other-notification-key-0000' }));
    expect(check(report, 'notify.reachable').status).toBe('pass');
    expectFail(report, 'notify.signed', 'NOTIFY_BAD_SIGNATURE', /QFPAY_NOTIFY_KEYS/);
  });

  it('✗ when nothing handles the path (404)', async () => {
    expectFail(await runDoctor(healthy({ notifyUrl: `${notifyBase}/wrong/path` })), 'notify.signed', 'NOTIFY_NOT_FOUND', /\/qfpay\/notify/);
  });

  it('✗ when the receiver answers 200 without SUCCESS, or fails', async () => {
    const pki = await createTestPki();
    let status = 200;
    const server: Running<HttpsServer> = await track(
      await startHttps(pki, (_req, res) => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status === 200 ? 'OK' : 'database is down');
      }),
    );
    const url = `https://127.0.0.1:${server.port}/qfpay/notify`;
    expectFail(await runDoctor(healthy({ notifyUrl: url, notifyCa: pki.caCertPem })), 'notify.signed', 'NOTIFY_NOT_SUCCESS', /exactly SUCCESS/);
    status = 503;
    expectFail(await runDoctor(healthy({ notifyUrl: url, notifyCa: pki.caCertPem })), 'notify.signed', 'NOTIFY_SERVER_ERROR', /logs/);
  });

  it('without a notification key: reachability only, and the signed check says how to enable it', async () => {
    const report = await runDoctor(healthy({ notifyKey: undefined }));
    expect(check(report, 'notify.reachable').status).toBe('pass');
    expect(check(report, 'notify.signed')).toMatchObject({ status: 'skip' });
    expect(check(report, 'notify.signed').detail).toMatch(/QFPAY_NOTIFY_KEY/);
    expect(report.ok).toBe(true);
  });
});

describe('doctor: options', () => {
  it('refuses to run with neither a terminal nor a notify URL', async () => {
    await expect(runDoctor({})).rejects.toBeInstanceOf(ConfigError);
  });
});
