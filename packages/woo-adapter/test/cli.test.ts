/**
 * `qfpay-woo` run in-process with configuration from the environment, against the fake and the
 * simulator. The terminal is built from the environment: host, port, POS-KEY, CA file, pin (LAN);
 * `QFPAY_MODE=cloud` with the simulator's fake OpenAPI, app code, client key, Device ID (cloud
 * project). Unknown-result cases per mode: cli.lan.test.ts, cli.cloud.test.ts.
 */
import { EXIT } from '../src/index.js';
import { envFor, removeEnvFiles, runCapturing as run } from './support/cli.js';
import { CONSUMER_KEY, CONSUMER_SECRET, startWorld, type World } from './support/world.js';

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
  removeEnvFiles();
});

describe('qfpay-woo', () => {
  it('help, unknown commands and bad flags', async () => {
    expect((await run(['help'], {})).stdout).toMatch(/Usage: qfpay-woo <command>/);
    expect((await run(['frobnicate'], {})).code).toBe(EXIT.usage);
    expect((await run(['pay', '--bogus'], {})).code).toBe(EXIT.usage);
  });

  it('order ids and page counts in digits only (0x10 is not order 16, 1e3 not order 1000)', async () => {
    const woo = { WOO_URL: 'https://shop.example', WOO_CONSUMER_KEY: CONSUMER_KEY, WOO_CONSUMER_SECRET: CONSUMER_SECRET };
    for (const value of ['0x10', '1e3', '12.0', ' ', '+7']) {
      const r = await run(['status', '--order', value], woo);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr).toMatch(/--order must be written in digits/);
    }
    expect((await run(['status', '--order', '-4'], woo)).code).toBe(EXIT.usage);
    const pages = await run(['reconcile', '--max-pages', '0x2'], { ...woo, QFPAY_TERMINAL: '192.0.2.1', QFPAY_POS_KEY: '0123456789abcdef0123456789abcdef' });
    expect(pages.code).toBe(EXIT.usage);
    expect(pages.stderr).toMatch(/--max-pages must be written in digits/);
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
