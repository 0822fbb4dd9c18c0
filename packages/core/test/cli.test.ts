/**
 * The `qfpay-ecr` CLI as a real child process (built dist) against the simulator over HTTPS.
 * `npm test` builds before running Jest, so dist/ is current.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '@qfpay-ecr/simulator';
import { runCli, type CliRun } from './support/run-cli.js';

const POS_KEY = 'CliKeyS3cret7Zq9Wx4Lm2Np8Rt5Vy1B';

type Run = CliRun;

let sim: Simulator;
let caPath: string;

beforeAll(async () => {
  sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 600, card: { scheme: 'MASTERCARD', masked: '520000******1096' } } });
  caPath = join(mkdtempSync(join(tmpdir(), 'qfpay-cli-')), 'ca.pem');
  writeFileSync(caPath, sim.caPem as string);
});
afterAll(async () => {
  await sim.close();
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    QFPAY_TERMINAL: `127.0.0.1:${sim.port}`,
    QFPAY_POS_KEY: POS_KEY,
    QFPAY_CA: caPath,
    QFPAY_CA_PIN: sim.caFingerprint256 as string,
    ...extra,
  };
}

function cli(args: string[], extraEnv: Record<string, string> = {}, onStderr?: (chunk: string) => void): Promise<Run> {
  return runCli(args, env(extraEnv), onStderr ? { onStderr } : {});
}

function expectNoKey(run: Run): void {
  expect(run.stdout).not.toContain(POS_KEY);
  expect(run.stderr).not.toContain(POS_KEY);
}

describe('qfpay-ecr CLI', () => {
  it('pays with an amount typed in dollars, shows live status, and exits 0 on approval', async () => {
    const run = await cli(['pay', '--amount', '12.50', '--channel', 'card_payment', '--json']);
    expect(run.code).toBe(0);
    const outcome = JSON.parse(run.stdout) as { status: string; amountMinor: number; syssn: string; outTradeNo: string; maskedCard: string };
    expect(outcome).toMatchObject({ status: 'approved', amountMinor: 1250, maskedCard: '520000******1096' });
    expect(run.stderr).toMatch(/Waiting for the customer/);
    expect(sim.paymentRequestCount(outcome.outTradeNo)).toBe(1);
    expectNoKey(run);

    const query = await cli(['query', '--syssn', outcome.syssn]);
    expect(query.code).toBe(0);
    expect(query.stdout).toMatch(/paid/);
    expect(query.stdout).toMatch(/HK\$12\.50/);

    const receipt = await cli(['print-receipt', '--syssn', outcome.syssn]);
    expect(receipt.code).toBe(0);
    const refund = await cli(['refund', '--syssn', outcome.syssn]);
    expect(refund.code).toBe(0);
    expect(refund.stdout).toMatch(/Refund approved: HK\$12\.50/);
    const summary = await cli(['print-summary']);
    expect(summary.code).toBe(0);
  });

  it('exits 3 on a decline and 4 on a customer cancel', async () => {
    sim.setCustomer({ action: 'decline', afterMs: 20, code: '1201' });
    const declined = await cli(['pay', '--amount', '5', '--channel', 'wx']);
    expect(declined.code).toBe(3);
    expect(declined.stdout).toMatch(/declined/);
    sim.setCustomer({ action: 'cancel', afterMs: 20 });
    const cancelled = await cli(['pay', '--amount', '5', '--channel', 'alipay']);
    expect(cancelled.code).toBe(4);
    expect(cancelled.stdout).toMatch(/cancelled by the customer/);
    sim.setCustomer({ action: 'approve', afterMs: 50 });
  });

  it('cancels from a second process while the first waits for the customer', async () => {
    sim.setCustomer({ action: 'manual' });
    let sawWaiting!: () => void;
    const waiting = new Promise<void>((r) => (sawWaiting = r));
    const pay = cli(['pay', '--amount', '8.00', '--channel', 'fps'], {}, (chunk) => /Waiting for the customer/.test(chunk) && sawWaiting());
    await waiting;
    await sim.waitForScreen(5000);
    const cancel = await cli(['cancel']);
    const paid = await pay;
    expect(cancel.code).toBe(0);
    expect(paid.code).toBe(4);
    expect(paid.stdout).toMatch(/nothing was charged/);
    const idle = await cli(['cancel']);
    expect(idle.stdout).toMatch(/Nothing was waiting/);
    sim.setCustomer({ action: 'approve', afterMs: 50 });
  });

  it('exits 5 with the re-login hint when the POS-KEY is wrong, without printing either key', async () => {
    const wrongKey = 'WrongKeyWrongKeyWrongKeyWrongKey';
    const run = await cli(['pay', '--amount', '1.00', '--channel', 'card_payment'], { QFPAY_POS_KEY: wrongKey });
    expect(run.code).toBe(5);
    expect(run.stdout).toMatch(/re-login/i);
    expect(run.stdout + run.stderr).not.toContain(wrongKey);
    expectNoKey(run);
  });

  it('exits 7 when a query finds nothing, and 2 with usage for bad input', async () => {
    expect((await cli(['query', '--out-trade-no', 'no-such-order'])).code).toBe(7);
    const badAmount = await cli(['pay', '--amount', '12.345', '--channel', 'card_payment']);
    expect(badAmount.code).toBe(2);
    expect(badAmount.stderr).toMatch(/decimal places/);
    const badChannel = await cli(['pay', '--amount', '1', '--channel', 'bitcoin']);
    expect(badChannel.code).toBe(2);
    expect(badChannel.stderr).toMatch(/--channel must be one of/);
    const noKey = await cli(['pay', '--amount', '1', '--channel', 'wx'], { QFPAY_POS_KEY: '' });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/QFPAY_POS_KEY/);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: qfpay-ecr/);
  });

  it('refuses a CA that is neither QFPay\'s nor pinned, with the ca3.crt hint', async () => {
    const run = await cli(['query', '--out-trade-no', 'x'], { QFPAY_CA_PIN: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/ca3\.crt/);
  });
});
