/**
 * QFPayCloudTerminal against the REAL simulator's fake OpenAPI (not the core test fake): signed
 * form pushes over real TLS to a simulated terminal whose screen the scripted customer (or the
 * test) ends, results from QFPay's book or from the simulator's signed notifications. Proves the
 * two independent implementations agree on approved, declined, customer-cancelled, POS-cancelled,
 * timed-out and refund outcomes.
 */
import { EventEmitter, once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator, type CustomerScript, type Simulator } from '@qfpay-ecr/simulator';
import { notificationSourceFromEmitter, QFPayCloudTerminal, type QFPayCloudTerminalOptions } from '../src/cloud/index.js';
import { parseNotification, verifyNotification } from '../src/notify/index.js';

const POS_KEY = '0123456789abcdef0123456789abcdef';
const CLOUD = { appCode: 'SIMAPPCODE0001', clientKey: 'sim-cloud-client-key-S3cret-0042', termid: 'SIMDEVICE0001' };

interface World {
  sim: Simulator;
  terminal: QFPayCloudTerminal;
  /** Verified notification bodies received from the simulator. */
  notified: string[];
  close(): Promise<void>;
}

/** A notification receiver that verifies X-QF-SIGN with the client key (QFPay signs them with it) and re-emits them parsed. */
async function receiver(events: EventEmitter, notified: string[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const sign = req.headers['x-qf-sign'];
      if (!verifyNotification(raw, typeof sign === 'string' ? sign : undefined, CLOUD.clientKey).ok) {
        res.writeHead(400).end('bad signature');
        return;
      }
      notified.push(raw.toString('utf8'));
      events.emit('notification', parseNotification(raw));
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('SUCCESS');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function startWorld(customer: CustomerScript, extra: Partial<QFPayCloudTerminalOptions> = {}, notify = true): Promise<World> {
  const events = new EventEmitter();
  const notified: string[] = [];
  const rx = await receiver(events, notified);
  const sim = await startSimulator({
    posKey: POS_KEY,
    customer,
    cloud: CLOUD,
    ...(notify ? { notify: { url: `http://127.0.0.1:${(rx.address() as AddressInfo).port}/qfpay/notify`, key: CLOUD.clientKey, scheduleMs: [0, 50] } } : {}),
  });
  if (!sim.cloud || !sim.caPem) throw new Error('the simulator did not start its OpenAPI');
  const terminal = new QFPayCloudTerminal({
    environment: 'custom',
    baseUrl: sim.cloud.url,
    ca: sim.caPem,
    ...CLOUD,
    notifications: notificationSourceFromEmitter(events),
    resolve: { minIntervalMs: 20, maxIntervalMs: 100 },
    resultMarginMs: 3_000,
    cancelWaitMs: 3_000,
    requestTimeoutMs: 3_000,
    connectTimeoutMs: 2_000,
    ...extra,
  });
  return {
    sim,
    terminal,
    notified,
    async close() {
      sim.customer.cancel();
      await terminal.close();
      await sim.close();
      await new Promise<void>((r) => rx.close(() => r()));
    },
  };
}

let w: World | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('QFPayCloudTerminal against the simulator', () => {
  it('approved: one push, the outcome from QFPay\'s book matches what the terminal booked', async () => {
    // No notification: the query is the only way (notifications carry no card scheme).
    w = await startWorld({ action: 'approve', afterMs: 50, card: { scheme: 'MASTERCARD', masked: '543210******0042' } }, {}, false);
    const outcome = await w.terminal.pay({ amountMinor: 1250, channel: 'card_payment' });
    const [booked] = w.sim.transactions();
    expect(booked).toMatchObject({ respcd: '0000', amountMinor: 1250, kind: 'payment' });
    expect(outcome).toMatchObject({ status: 'approved', kind: 'payment', amountMinor: 1250, currency: 'HKD', syssn: booked?.syssn, outTradeNo: booked?.outTradeNo, cardScheme: 'MASTERCARD', maskedCard: '543210******0042', payType: booked?.busicd });
    expect(outcome).toMatchObject({ resolvedBy: 'query' });
    expect(w.sim.paymentRequestCount(outcome.outTradeNo)).toBe(1);
    expect(w.sim.requests().filter((r) => r.path === '/ecr/v1/payment/async')).toHaveLength(1);
  });

  it('approved by the signed notification while QFPay\'s book cannot be read', async () => {
    w = await startWorld({ action: 'manual' });
    const paying = w.terminal.pay({ amountMinor: 880, channel: 'alipay' });
    await w.sim.waitForScreen();
    // From now on every OpenAPI call fails with HTTP 500: only the notification can settle it.
    for (let i = 0; i < 500; i++) w.sim.injectFault({ kind: 'http500' });
    expect(w.sim.customer.approve()).toBe(true);
    const outcome = await paying;
    w.sim.clearFaults();
    expect(outcome).toMatchObject({ status: 'approved', resolvedBy: 'notification', amountMinor: 880, syssn: w.sim.transactions()[0]?.syssn });
    expect(w.notified).toHaveLength(1);
    expect(w.sim.paymentRequestCount(outcome.outTradeNo)).toBe(1);
  });

  it('declined: the transaction code from the book, nothing notified', async () => {
    w = await startWorld({ action: 'decline', afterMs: 30, code: '1205' });
    const outcome = await w.terminal.pay({ amountMinor: 500, channel: 'card_payment' });
    expect(outcome).toMatchObject({ status: 'declined', resolvedBy: 'query', codes: { txnRespcd: '1205' } });
    expect(w.notified).toEqual([]);
  });

  it('cancelled by the customer on the terminal: cancelled (1263), not unknown', async () => {
    w = await startWorld({ action: 'cancel', afterMs: 30 });
    const outcome = await w.terminal.pay({ amountMinor: 700, channel: 'wx' });
    expect(outcome).toMatchObject({ status: 'cancelled', by: 'customer', resolvedBy: 'query', codes: { txnRespcd: '1263' } });
    expect(w.sim.transactions().filter((t) => t.respcd === '0000')).toEqual([]);
  });

  it('the screen times out (payment_timeout): cancelled, not unknown', async () => {
    w = await startWorld({ action: 'manual' });
    const outcome = await w.terminal.pay({ amountMinor: 300, channel: 'fps', paymentTimeoutSec: 1 });
    expect(outcome).toMatchObject({ status: 'cancelled', by: 'customer', codes: { txnRespcd: '1263' } });
  });

  it('cancelled from the POS: the cancel push closes the screen and is confirmed', async () => {
    w = await startWorld({ action: 'manual' });
    const paying = w.terminal.pay({ amountMinor: 1500, channel: 'card_payment' });
    await w.sim.waitForScreen();
    const closed = new Promise((resolve) => w?.sim.once('screen-closed', (_s, result) => resolve(result)));
    const cancel = await w.terminal.cancel();
    const outcome = await paying;
    expect(await closed).toEqual({ action: 'cancel', by: 'pos' });
    expect(cancel).toEqual({ status: 'confirmed', outTradeNo: outcome.outTradeNo });
    expect(outcome).toMatchObject({ status: 'cancelled', by: 'pos', codes: { txnRespcd: '1263' } });
    expect(w.sim.requests().filter((r) => r.path === '/ecr/v1/cancel/async')).toHaveLength(1);
    expect(w.sim.screen()).toBeNull();
  });

  it('refund approved (wallet, in part) under our own reference; a card payment refunded in full; an operator cancel is cancelled', async () => {
    w = await startWorld({ action: 'approve', afterMs: 30 });
    const paid = await w.terminal.pay({ amountMinor: 2000, channel: 'wx' });
    if (paid.status !== 'approved') throw new Error(`not approved: ${paid.status}`);
    const refund = await w.terminal.refund({ syssn: paid.syssn, amountMinor: 600 });
    const booked = w.sim.transactions().find((t) => t.kind === 'refund');
    expect(refund).toMatchObject({ status: 'approved', kind: 'refund', amountMinor: 600, origSyssn: paid.syssn, syssn: booked?.syssn, outTradeNo: booked?.outTradeNo });
    expect(await w.terminal.query({ syssn: paid.syssn })).toMatchObject({ found: true, state: 'partially_refunded', refundableMinor: 1400 });

    const card = await w.terminal.pay({ amountMinor: 990, channel: 'card_payment' });
    if (card.status !== 'approved') throw new Error(`not approved: ${card.status}`);
    expect(await w.terminal.refund({ syssn: card.syssn })).toMatchObject({ status: 'approved', amountMinor: 990, origSyssn: card.syssn });

    w.sim.setCustomer({ action: 'cancel', afterMs: 30 });
    expect(await w.terminal.refund({ syssn: paid.syssn, amountMinor: 100 })).toMatchObject({ status: 'cancelled', kind: 'refund', codes: { txnRespcd: '1263' } });
    expect(await w.terminal.query({ syssn: paid.syssn })).toMatchObject({ found: true, refundableMinor: 1400 });
  });
});
