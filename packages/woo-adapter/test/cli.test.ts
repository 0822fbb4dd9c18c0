/**
 * `qfpay-woo` run in-process with configuration from the environment, against the fake and the
 * simulator (the terminal is built from the environment: host, port, POS-KEY, CA file, pin).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, runCli } from '../src/index.js';
import { CONSUMER_KEY, CONSUMER_SECRET, POS_KEY, startWorld, type World } from './support/world.js';

let w: World | undefined;
let dir: string | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function envFor(world: World): Record<string, string> {
  dir = mkdtempSync(join(tmpdir(), 'qfpay-woo-cli-'));
  const caFile = join(dir, 'sim-ca.pem');
  writeFileSync(caFile, world.sim.caPem as string);
  return {
    WOO_URL: world.fake.url,
    WOO_CONSUMER_KEY: CONSUMER_KEY,
    WOO_CONSUMER_SECRET: CONSUMER_SECRET,
    WOO_ALLOW_INSECURE_HTTP: '1',
    QFPAY_TERMINAL: `${world.sim.host}:${world.sim.port}`,
    QFPAY_POS_KEY: POS_KEY,
    QFPAY_CA: caFile,
    QFPAY_CA_PIN: world.sim.caFingerprint256 as string,
    QFPAY_TERMINAL_ID: 'till-1',
  };
}

async function run(argv: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { env, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { terminalOptions: { resolve: { deadlineMs: 3_000, minIntervalMs: 20, maxIntervalMs: 100 } } });
  expect(`${stdout}${stderr}`).not.toContain(CONSUMER_SECRET);
  expect(`${stdout}${stderr}`).not.toContain(POS_KEY);
  return { code, stdout, stderr };
}

describe('qfpay-woo', () => {
  it('help, unknown commands and bad flags', async () => {
    expect((await run(['help'], {})).stdout).toMatch(/Usage: qfpay-woo <command>/);
    expect((await run(['frobnicate'], {})).code).toBe(EXIT.usage);
    expect((await run(['pay', '--bogus'], {})).code).toBe(EXIT.usage);
  });

  it('missing configuration names the variables, never the values given', async () => {
    const r = await run(['reconcile'], { WOO_URL: 'https://shop.example', WOO_CONSUMER_KEY: CONSUMER_KEY, WOO_CONSUMER_SECRET: CONSUMER_SECRET });
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/QFPAY_TERMINAL is required/);
    expect(r.stderr).toMatch(/QFPAY_POS_KEY is required/);
  });

  it('pay, status and refund with the terminal built from the environment', async () => {
    w = await startWorld();
    const env = envFor(w);
    const id = w.order('15.00');
    const pay = await run(['pay', '--order', String(id), '--channel', 'alipay', '--json'], env);
    expect(pay.code).toBe(EXIT.ok);
    expect(JSON.parse(pay.stdout)).toMatchObject({ orderId: id, recorded: true, outcome: { status: 'approved', amountMinor: 1500 } });
    expect(w.fake.order(id)?.status).toBe('processing');

    const { WOO_URL, WOO_CONSUMER_KEY, WOO_CONSUMER_SECRET, WOO_ALLOW_INSECURE_HTTP } = env;
    const status = await run(['status', '--order', String(id)], { WOO_URL: WOO_URL!, WOO_CONSUMER_KEY: WOO_CONSUMER_KEY!, WOO_CONSUMER_SECRET: WOO_CONSUMER_SECRET!, WOO_ALLOW_INSECURE_HTTP: WOO_ALLOW_INSECURE_HTTP! });
    expect(status.code).toBe(EXIT.ok);
    expect(status.stdout).toMatch(new RegExp(`order ${id}: processing, 15.00 HKD, transaction \\d+`));
    expect(status.stdout).toMatch(/attempt 1 wc\d+-1-\w+: approved/);

    const refund = await run(['refund', '--order', String(id), '--amount', '4.50', '--reason', 'one cup'], env);
    expect(refund.code).toBe(EXIT.ok);
    expect(refund.stdout).toMatch(/refund of HK\$4\.50 approved — WooCommerce refund \d+/);
    expect(w.fake.refunds(id).map((r) => r.amount)).toEqual(['4.50']);
    expect((await run(['refund', '--order', String(id), '--amount', '4.505'], env)).code).toBe(EXIT.usage);
  });

  it('reconcile reports what it changed and exits 1 while something stays unresolved', async () => {
    w = await startWorld({ customer: { action: 'manual' }, terminal: { defaultPaymentTimeoutSec: 1, paymentReplyGraceMs: 50, resolve: { deadlineMs: 600, minIntervalMs: 20, maxIntervalMs: 100 } } });
    const env = envFor(w);
    const id = w.order('21.00');
    const result = await w.adapter.payOrder(id, { channel: 'card_payment' });
    expect(result.outcome.status).toBe('unknown');
    const pending = await run(['reconcile'], env);
    expect(pending.code).toBe(EXIT.attention);
    expect(pending.stdout).toMatch(new RegExp(`order ${id}: ${result.outTradeNo} still unresolved — still pending on the terminal`));
    w.sim.customer.approve();
    const done = await run(['reconcile'], env);
    expect(done.code).toBe(EXIT.ok);
    expect(done.stdout).toMatch(new RegExp(`order ${id}: ${result.outTradeNo} unknown → approved \\(order processing\\)`));
    expect(w.sim.paymentRequestCount(result.outTradeNo)).toBe(1);
  });

  it('wrong keys exit 3 with what to fix', async () => {
    w = await startWorld();
    const env = { ...envFor(w), WOO_CONSUMER_SECRET: 'cs_WrongWrongWrongWrongWrongWrong000000000' };
    const r = await run(['pay', '--order', String(w.order('1.00')), '--channel', 'card_payment'], env);
    expect(r.code).toBe(EXIT.unreachable);
    expect(r.stderr).toMatch(/check consumer key\/secret and that the key has read\/write permission/);
    expect(r.stderr).not.toContain('cs_WrongWrong');
  });

  it('a refused order exits 1 with the reason', async () => {
    w = await startWorld();
    const r = await run(['pay', '--order', String(w.order('1.00', { currency: 'USD' })), '--channel', 'card_payment'], envFor(w));
    expect(r.code).toBe(EXIT.attention);
    expect(r.stderr).toMatch(/QFPay terminals settle in HKD/);
  });
});
