/**
 * A cloud payment settled by QFPay's notification through the real notify server: QFPay's signed
 * POST → notify-server (HTTPS, SQLite) → its in-process `events` → notificationSourceFromEmitter →
 * QFPayCloudTerminal. The fake OpenAPI's book stays blind, so only the notification can settle it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { createLogger, createNotifyApp, createSqliteStore, type NotifyApp } from '@qfpay-ecr/notify-server';
import { createTestPki, type TestPki } from '@qfpay-ecr/simulator';
import type { NotificationFeed } from '@qfpay-ecr/woo-adapter';
import { notificationSourceFromEmitter, type CloudNotificationSource } from '../src/cloud/index.js';
import { PATHS } from './support/fake-openapi.js';
import { CLIENT_KEY, startCloudHarness, type CloudHarness } from './support/cloud-harness.js';

// The woo-adapter's feeds (in-process and SSE) plug in as they are (checked by the type checker).
const acceptsWooFeed = (feed: NotificationFeed): CloudNotificationSource => feed;
void acceptsWooFeed;

let pki: TestPki;
let notify: NotifyApp;
let server: HttpsServer;
let notifyUrl: string;
let agent: Agent;
let h: CloudHarness | undefined;

beforeAll(async () => {
  pki = await createTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'qfpay-cloud-notify-'));
  // QFPay signs notifications with the client key issued with the app code.
  notify = createNotifyApp({ keys: [CLIENT_KEY], store: createSqliteStore({ path: join(dir, 'notify.db') }), logger: createLogger({ level: 'silent' }) });
  server = createHttpsServer({ cert: pki.leafCertPem, key: pki.leafKeyPem }, notify.app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  notifyUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/qfpay/notify`;
  agent = new Agent({ connect: { ca: pki.caCertPem } });
});
afterAll(async () => {
  await agent.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await notify.close();
});
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Posts a notification as QFPay does: JSON body, X-QF-SIGN = MD5(raw body + key) upper-case. */
async function postNotification(body: Record<string, string>): Promise<string> {
  const raw = JSON.stringify(body);
  const res = await request(notifyUrl, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-qf-sign': createHash('md5').update(raw + CLIENT_KEY).digest('hex').toUpperCase() },
    body: raw,
  });
  return res.body.text();
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error('condition not met in time');
}

describe('cloud payment settled through notify-server', () => {
  it("the signed notification stored by notify-server settles the payment (resolvedBy 'notification')", async () => {
    h = await startCloudHarness({ pki, api: { customer: { action: 'hold' }, notify: false } });
    h.api.setQueryBlind(true);
    const errors: Error[] = [];
    const t = h.makeTerminal({ notifications: notificationSourceFromEmitter(notify.events, { onError: (e) => errors.push(e) }) });
    const paying = t.pay({ amountMinor: 2350, channel: 'card_payment' });
    await waitFor(() => h!.api.screenOpen());
    h.api.approve();
    const [syssn, entry] = [...h.api.book.entries()].at(-1)!;
    const ref = h.api.on(PATHS.payment)[0]!.params.out_trade_no!;
    // Another shop's success first (other reference): not ours, ignored.
    expect(await postNotification({ notify_type: 'payment', status: '1', respcd: '0000', syssn: '20250000000000000000009999', out_trade_no: 'someone-else', txamt: '2350', txcurrcd: 'HKD' })).toBe('SUCCESS');
    expect(
      await postNotification({ notify_type: 'payment', status: '1', respcd: '0000', syssn, out_trade_no: ref, txamt: '2350', txcurrcd: 'HKD', pay_type: String(entry.busicd), sysdtm: String(entry.sysdtm), cancel: '0', cardcd: '476173******0119' }),
    ).toBe('SUCCESS');
    const outcome = await paying;
    expect(outcome).toMatchObject({ status: 'approved', resolvedBy: 'notification', syssn, outTradeNo: ref, amountMinor: 2350, currency: 'HKD', payType: '802801', maskedCard: '476173******0119' });
    expect(errors).toEqual([]);
    // A redelivery after the outcome changes nothing (notify-server dedupes; no transaction waits).
    expect(await postNotification({ notify_type: 'payment', status: '1', respcd: '0000', syssn, out_trade_no: ref, txamt: '2350', txcurrcd: 'HKD' })).toBe('SUCCESS');
    expect(h.events.filter((e) => e.event === 'outcome')).toHaveLength(1);
  });
});
