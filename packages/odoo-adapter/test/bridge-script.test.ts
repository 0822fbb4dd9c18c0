/**
 * `examples/odoo-addon/bridge.mjs` as a real process (needs `pnpm run build`): the notify server
 * with the terminal bridge routes, configured from the environment. `QFPAY_MODE` selects the
 * terminal: the LAN QFPayTerminal (lan project) or a QFPayCloudTerminal through the simulator's
 * fake OpenAPI with QFPay's notifications verified at /qfpay/notify (cloud project). A
 * RemoteTerminal — what the Odoo POS uses — takes a payment and a refund through it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startSimulator, type Simulator } from '@qfpay-ecr/simulator';
import { RemoteTerminal } from '../src/index.js';
import { CLOUD, testTerminalMode } from './support/terminal-mode.js';

const script = fileURLToPath(new URL('../../../examples/odoo-addon/bridge.mjs', import.meta.url));
const POS_KEY = 'BridgeScriptP0sKey-0123456789abc';
const NOTIFY_KEY = 'bridge-script-notify-key-S3cret';
const TOKEN = 'bridge-script-token-Wq7Rt2Zm9Xk';
const MANAGER = 'bridge-script-manager-Hb7Kq2Xp9';
const mode = testTerminalMode();

async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  url: string;
  output: () => string;
}

async function startScript(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const started = Date.now();
  while (!/bridge running at (http:\/\/\S+):/.test(out)) {
    if (child.exitCode !== null) throw new Error(`bridge.mjs exited ${child.exitCode}: ${out}`);
    if (Date.now() - started > 15_000) throw new Error(`bridge.mjs did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return { child, url: /bridge running at (http:\/\/\S+):/.exec(out)?.[1] as string, output: () => out };
}

async function runToExit(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, out };
}

let sim: Simulator | undefined;
let running: Running | undefined;
afterEach(async () => {
  if (running && running.child.exitCode === null) {
    running.child.kill('SIGTERM');
    await once(running.child, 'close');
  }
  running = undefined;
  sim?.customer.cancel();
  await sim?.close();
  sim = undefined;
});

it(`QFPAY_MODE=${mode}: a RemoteTerminal pays and refunds through the bridge the script runs; it stops cleanly`, async () => {
  const port = await freePort();
  const notifyKey = mode === 'cloud' ? CLOUD.clientKey : NOTIFY_KEY;
  sim = await startSimulator({
    posKey: POS_KEY,
    customer: { action: 'approve', afterMs: 50 },
    notify: { url: `http://127.0.0.1:${port}/qfpay/notify`, key: notifyKey, scheduleMs: [0, 100, 200] },
    ...(mode === 'cloud' ? { cloud: { ...CLOUD } } : {}),
  });
  const common = { QFPAY_BRIDGE_TOKENS: TOKEN, QFPAY_BRIDGE_REFUND_TOKENS: MANAGER, QFPAY_NOTIFY_PORT: String(port), QFPAY_NOTIFY_SQLITE_PATH: ':memory:' };
  const env =
    mode === 'cloud'
      ? { ...common, QFPAY_MODE: 'cloud', QFPAY_CLOUD_ENV: 'custom', QFPAY_CLOUD_URL: sim.cloud?.url as string, QFPAY_CLOUD_CA: sim.caPem as string, QFPAY_APP_CODE: CLOUD.appCode, QFPAY_CLIENT_KEY: CLOUD.clientKey, QFPAY_TERMID: CLOUD.termid }
      : { ...common, QFPAY_TERMINAL: `127.0.0.1:${sim.port}`, QFPAY_POS_KEY: POS_KEY, QFPAY_CA: sim.caPem as string, QFPAY_CA_PIN: sim.caFingerprint256 as string, QFPAY_NOTIFY_KEYS: NOTIFY_KEY };
  running = await startScript(env);
  expect(running.output()).toMatch(mode === 'cloud' ? /→ ECR Cloud \(custom, device ODOOSIMA80001\)/ : /→ terminal 127\.0\.0\.1:\d+/);

  const remote = new RemoteTerminal({ baseUrl: running.url, terminalId: 'till1', token: TOKEN, longPollMs: 1_000 });
  const manager = new RemoteTerminal({ baseUrl: running.url, terminalId: 'till1', token: MANAGER, longPollMs: 1_000 });
  try {
    const paid = await remote.pay({ amountMinor: 1800, channel: 'wx', outTradeNo: `script-${mode}-1` });
    expect(paid).toMatchObject({ status: 'approved', amountMinor: 1800, outTradeNo: `script-${mode}-1` });
    if (paid.status !== 'approved') throw new Error('not approved');
    expect(paid.syssn).toBe(sim.transactions()[0]?.syssn);
    // QFPAY_BRIDGE_REFUND_TOKENS: the till's token may not refund, the manager's may.
    expect(await remote.refund({ syssn: paid.syssn, amountMinor: 800 })).toMatchObject({ status: 'failed', kind: 'refund', error: { code: 'BRIDGE_REFUND_FORBIDDEN' } });
    expect(await manager.refund({ syssn: paid.syssn, amountMinor: 800 })).toMatchObject({ status: 'approved', kind: 'refund', amountMinor: 800 });
    expect(sim.paymentRequestCount(`script-${mode}-1`)).toBe(1);
    // QFPay's notifications reached the script's /qfpay/notify and were verified (SUCCESS).
    for (let i = 0; i < 200 && sim.notifications().filter((n) => n.delivered).length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    expect(sim.notifications().filter((n) => n.delivered)).toHaveLength(2);
  } finally {
    await remote.close();
    await manager.close();
  }
  running.child.kill('SIGTERM');
  const [code] = (await once(running.child, 'close')) as [number | null];
  expect(code).toBe(0);
  for (const secret of [POS_KEY, NOTIFY_KEY, TOKEN, MANAGER, CLOUD.clientKey]) expect(running.output()).not.toContain(secret);
});

it('names what is missing for the chosen mode and exits 2, printing no secret', async () => {
  const cloud = await runToExit({ QFPAY_MODE: 'cloud', QFPAY_BRIDGE_TOKENS: TOKEN, QFPAY_CLIENT_KEY: CLOUD.clientKey });
  expect(cloud.code).toBe(2);
  expect(cloud.out).toMatch(/QFPAY_CLOUD_ENV is required/);
  expect(cloud.out).toMatch(/QFPAY_APP_CODE is required/);
  expect(cloud.out).toMatch(/QFPAY_TERMID is required/);
  expect(cloud.out).not.toMatch(/QFPAY_POS_KEY/);
  const lan = await runToExit({ QFPAY_POS_KEY: POS_KEY });
  expect(lan.code).toBe(2);
  expect(lan.out).toMatch(/QFPAY_BRIDGE_TOKENS is required/);
  expect(lan.out).toMatch(/QFPAY_TERMINAL is required/);
  expect(lan.out).toMatch(/QFPAY_NOTIFY_KEYS is required/);
  const custom = await runToExit({ QFPAY_MODE: 'cloud', QFPAY_BRIDGE_TOKENS: TOKEN, QFPAY_CLOUD_ENV: 'production', QFPAY_CLOUD_URL: 'https://elsewhere.example', QFPAY_APP_CODE: 'A', QFPAY_CLIENT_KEY: CLOUD.clientKey, QFPAY_TERMID: 'D' });
  expect(custom.code).toBe(2);
  expect(custom.out).toMatch(/only for environment "custom"/);
  for (const r of [cloud, lan, custom]) for (const secret of [POS_KEY, TOKEN, CLOUD.clientKey]) expect(r.out).not.toContain(secret);
});
