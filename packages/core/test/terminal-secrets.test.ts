/** The POS-KEY never appears in logs, outcomes, events, errors or the terminal object itself. */
import { createTestPki } from '@qfpay-ecr/simulator';
import { QfpayEcrError } from '../src/errors.js';
import { QFPayTerminal } from '../src/terminal/index.js';
import { closedPort } from './support/net-fixtures.js';
import { captureLogger, OTHER_KEY, POS_KEY, startHarness, type Harness, type LogLine } from './support/terminal-harness.js';
import { expectNoKey } from './support/secrecy.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('POS-KEY secrecy', () => {
  it('across approve, decline, cancel, recovery, refund, query, print and errors', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    const captured: unknown[] = [];
    const pay = await h.terminal.pay({ amountMinor: 1000, channel: 'card_payment' });
    captured.push(pay);
    h.sim.setCustomer({ action: 'decline' });
    captured.push(await h.terminal.pay({ amountMinor: 1000, channel: 'card_payment' }));
    h.sim.setCustomer({ action: 'cancel' });
    captured.push(await h.terminal.pay({ amountMinor: 1000, channel: 'card_payment' }));
    h.sim.setCustomer({ action: 'approve' });
    h.sim.injectFault({ kind: 'garbage' });
    captured.push(await h.terminal.pay({ amountMinor: 1000, channel: 'alipay' }));
    h.sim.injectFault({ kind: 'drop-after-payment' });
    captured.push(await h.terminal.pay({ amountMinor: 1000, channel: 'alipay' }));
    if (pay.status === 'approved') {
      captured.push(await h.terminal.refund({ syssn: pay.syssn }));
      captured.push(await h.terminal.query({ syssn: pay.syssn }));
      await h.terminal.printReceipt(pay.syssn);
    }
    captured.push(await h.terminal.cancel());
    // A terminal with the wrong key: 4003 outcome, and a query/print that throw.
    const wrong = h.makeTerminal({ posKey: OTHER_KEY });
    captured.push(await wrong.pay({ amountMinor: 1000, channel: 'card_payment' }));
    for (const call of [() => wrong.query({ outTradeNo: 'abc' }), () => wrong.printSummary(), () => wrong.cancel({ evenIfIdle: true })]) {
      try {
        await call();
        throw new Error('expected a typed error');
      } catch (err) {
        expect(err).toBeInstanceOf(QfpayEcrError);
        captured.push(err);
      }
    }
    captured.push(h.events, h.terminal, wrong);
    expect(h.logs.length).toBeGreaterThan(20);
    for (const item of [...captured, ...h.logs]) expectNoKey(item, POS_KEY, OTHER_KEY);
    // Logs never carry raw bodies either.
    for (const line of h.logs) expect(JSON.stringify(line)).not.toMatch(/[A-Za-z0-9+/]{40,}={0,2}/);
  });

  it('in configuration errors and transport errors', async () => {
    const errors: unknown[] = [];
    const keyOfWrongLength = 'ThisKeyIs20BytesLong';
    for (const make of [
      () => new QFPayTerminal({ host: '127.0.0.1', posKey: keyOfWrongLength, protocol: 'http' }),
      () => new QFPayTerminal({ host: 'not a host!', posKey: POS_KEY, protocol: 'http' }),
      () => new QFPayTerminal({ host: '127.0.0.1', posKey: POS_KEY }),
      () => new QFPayTerminal({ host: '127.0.0.1', posKey: POS_KEY, protocol: 'http', bogus: POS_KEY } as never),
      () => new QFPayTerminal({ host: '127.0.0.1', posKey: 42 as unknown as string, protocol: 'http' }),
    ]) {
      try {
        make();
        throw new Error('expected a ConfigError');
      } catch (err) {
        expect(err).toBeInstanceOf(QfpayEcrError);
        errors.push(err);
      }
    }
    const pki = await createTestPki();
    const lines: LogLine[] = [];
    const t = new QFPayTerminal({ host: '127.0.0.1', port: await closedPort(), posKey: POS_KEY, ca: pki.caCertPem, pinnedCaFingerprint256: pki.caFingerprint256, logger: captureLogger(lines) });
    errors.push(await t.pay({ amountMinor: 100, channel: 'card_payment' }));
    await t.query({ outTradeNo: 'x' }).catch((err: unknown) => errors.push(err));
    await t.close();
    for (const item of [...errors, ...lines, t]) expectNoKey(item, POS_KEY, keyOfWrongLength);
  });

  it('scrubs the key even if a message would carry it', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    // A reference that happens to contain the key must not leak it through logs.
    const ref = POS_KEY;
    await h.terminal.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: ref });
    for (const line of h.logs) expect(JSON.stringify(line)).not.toContain(POS_KEY);
  });
});
