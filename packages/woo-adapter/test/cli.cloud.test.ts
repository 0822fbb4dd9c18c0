/**
 * `qfpay-woo` in ECR Cloud mode (`QFPAY_MODE=cloud`): the configuration names what is missing or
 * wrong without echoing the client key, and `reconcile` settles a payment left `unknown` while
 * QFPay could not be read, from QFPay's book. The LAN counterpart: cli.lan.test.ts.
 */
import { EXIT } from '../src/index.js';
import { envFor, removeEnvFiles, runCapturing as run } from './support/cli.js';
import { payWhileQfpayUnreachable, restoreOpenApi, SHORT_CLOUD } from './support/cloud.js';
import { CLOUD, CONSUMER_KEY, CONSUMER_SECRET, startWorld, type World } from './support/world.js';

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
  removeEnvFiles();
});

describe('qfpay-woo (ECR Cloud)', () => {
  it('missing or inconsistent cloud configuration names the variables, never the client key', async () => {
    const woo = { WOO_URL: 'https://shop.example', WOO_CONSUMER_KEY: CONSUMER_KEY, WOO_CONSUMER_SECRET: CONSUMER_SECRET };
    const missing = await run(['reconcile'], { ...woo, QFPAY_MODE: 'cloud', QFPAY_CLIENT_KEY: CLOUD.clientKey });
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toMatch(/QFPAY_CLOUD_ENV must be one of production, live-test, sandbox, custom/);
    expect(missing.stderr).toMatch(/QFPAY_APP_CODE is required/);
    expect(missing.stderr).toMatch(/QFPAY_TERMID is required/);
    expect(missing.stderr).not.toMatch(/QFPAY_TERMINAL is required|QFPAY_POS_KEY/);
    const custom = await run(['reconcile'], { ...woo, QFPAY_MODE: 'cloud', QFPAY_CLOUD_ENV: 'custom', QFPAY_APP_CODE: CLOUD.appCode, QFPAY_CLIENT_KEY: CLOUD.clientKey, QFPAY_TERMID: CLOUD.termid });
    expect(custom.code).toBe(EXIT.usage);
    expect(custom.stderr).toMatch(/QFPAY_CLOUD_URL is required with QFPAY_CLOUD_ENV=custom/);
    const elsewhere = await run(['reconcile'], { ...woo, QFPAY_MODE: 'cloud', QFPAY_CLOUD_ENV: 'production', QFPAY_CLOUD_URL: 'https://evil.example', QFPAY_APP_CODE: CLOUD.appCode, QFPAY_CLIENT_KEY: CLOUD.clientKey, QFPAY_TERMID: CLOUD.termid });
    expect(elsewhere.code).toBe(EXIT.usage);
    expect(elsewhere.stderr).toMatch(/QFPAY_CLOUD_URL is only for QFPAY_CLOUD_ENV=custom/);
    const badMode = await run(['reconcile'], { ...woo, QFPAY_MODE: 'wifi' });
    expect(badMode.code).toBe(EXIT.usage);
    expect(badMode.stderr).toMatch(/QFPAY_MODE must be lan .* or cloud/);
  });

  it('reconcile reports what it changed and exits 1 while QFPay cannot be read', async () => {
    w = await startWorld({ customer: { action: 'manual' }, cloudTerminal: SHORT_CLOUD });
    const env = envFor(w);
    const id = w.order('21.00');
    const result = await payWhileQfpayUnreachable(w, id, 'card_payment', { approve: true });
    expect(result.outcome.status).toBe('unknown');
    const pending = await run(['reconcile'], env);
    expect(pending.code).toBe(EXIT.attention);
    expect(pending.stdout).toMatch(new RegExp(`order ${id}: ${result.outTradeNo} still unresolved — the terminal could not be asked`));
    restoreOpenApi(w.sim);
    const done = await run(['reconcile'], env);
    expect(done.code).toBe(EXIT.ok);
    expect(done.stdout).toMatch(new RegExp(`order ${id}: ${result.outTradeNo} unknown → approved \\(order processing\\)`));
    expect(w.sim.paymentRequestCount(result.outTradeNo)).toBe(1);
  });
});
