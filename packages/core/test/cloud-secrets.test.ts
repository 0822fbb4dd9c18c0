/** The client key never appears in logs, outcomes, events, errors or the terminal object itself. */
import { createTestPki } from '@qfpay-ecr/simulator';
import { QFPayCloudTerminal } from '../src/cloud/index.js';
import { QfpayEcrError } from '../src/errors.js';
import { PATHS } from './support/fake-openapi.js';
import { APP_CODE, CLIENT_KEY, startCloudHarness, TERMID, type CloudHarness } from './support/cloud-harness.js';
import { expectNoKey } from './support/secrecy.js';

const WRONG_KEY = 'WrongCloudKey7Zq9Wx4Lm2Np8Rt5Vy1';

let h: CloudHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('client key secrecy', () => {
  it('across approve, decline, cancel, lost replies, unknown, refund, query, print, refusals and errors', async () => {
    const pki = await createTestPki();
    h = await startCloudHarness({ pki, api: { customer: { action: 'approve', afterMs: 20 } } });
    const t = h.makeTerminal({ notifications: h.api.notifications });
    const captured: unknown[] = [];
    const pay = await t.pay({ amountMinor: 1000, channel: 'card_payment' });
    captured.push(pay);
    h.api.setCustomer({ action: 'decline', afterMs: 20 });
    captured.push(await t.pay({ amountMinor: 1000, channel: 'card_payment' }));
    h.api.setCustomer({ action: 'cancel', afterMs: 20 });
    captured.push(await t.pay({ amountMinor: 1000, channel: 'alipay' }));
    h.api.setCustomer({ action: 'approve', afterMs: 20 });
    h.api.fault(PATHS.payment, { kind: 'drop-after' });
    captured.push(await t.pay({ amountMinor: 1000, channel: 'alipay' }));
    h.api.fault(PATHS.payment, { kind: 'drop-before' });
    captured.push(await t.pay({ amountMinor: 1000, channel: 'alipay', paymentTimeoutSec: 1 }));
    if (pay.status !== 'approved') throw new Error('not approved');
    captured.push(await t.refund({ syssn: pay.syssn, amountMinor: 100 }));
    captured.push(await t.query({ syssn: pay.syssn }));
    await t.printReceipt(pay.syssn);
    captured.push(await t.cancel({ evenIfIdle: true }));
    // A terminal with the wrong key: 1108 outcome, and a query/print/cancel that throw.
    const wrong = h.makeTerminal({ clientKey: WRONG_KEY });
    captured.push(await wrong.pay({ amountMinor: 1000, channel: 'card_payment' }));
    for (const call of [() => wrong.query({ outTradeNo: 'abc' }), () => wrong.printSummary(), () => wrong.cancel({ evenIfIdle: true })]) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(QfpayEcrError);
      captured.push(err);
    }
    // Configuration errors name the field, never the key.
    for (const bad of [{ clientKey: CLIENT_KEY, termid: '' }, { clientKey: CLIENT_KEY, environment: 'nope' }]) {
      try {
        new QFPayCloudTerminal({ environment: 'custom', baseUrl: h.api.baseUrl, ca: h.api.caPem, appCode: APP_CODE, termid: TERMID, ...bad } as never);
      } catch (err) {
        captured.push(err);
      }
    }
    expect(captured.filter((c) => c instanceof Error).length).toBeGreaterThanOrEqual(5);
    // The fake really did check signatures: every request of the right terminal verified.
    expect(h.api.received.filter((r) => r.params.termid === TERMID && r.signatureOk).length).toBeGreaterThan(10);

    expect(h.logs.length).toBeGreaterThan(20);
    expect(h.logs.some((l) => l.level === 'debug')).toBe(true);
    expectNoKey(h.logs, CLIENT_KEY, WRONG_KEY);
    expectNoKey(h.events, CLIENT_KEY, WRONG_KEY);
    for (const c of captured) expectNoKey(c, CLIENT_KEY, WRONG_KEY);
    expectNoKey(t, CLIENT_KEY);
    expectNoKey(wrong, WRONG_KEY);
  }, 20_000);

  it('a logger that echoes the key inside a message would still be scrubbed (defence in depth)', async () => {
    h = await startCloudHarness({ api: { customer: { action: 'approve', afterMs: 10 }, notify: false } });
    const t = h.makeTerminal({ id: `till-${CLIENT_KEY}` });
    await t.pay({ amountMinor: 100, channel: 'card_payment' });
    expect(h.logs.some((l) => String(l.obj.terminal).includes('[REDACTED]'))).toBe(true);
    expectNoKey(h.logs, CLIENT_KEY);
  });
});
