import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseNotification, verifyNotification } from '@qfpay-ecr/core/notify';
import { createTestPki, startSimulator, type Simulator } from '../src/index.js';
import { pay, POS_KEY, query, refund, sleep, until } from './helpers.js';

const NOTIFY_KEY = 'notify-key-0123456789';

interface Received {
  body: string;
  sign: string | undefined;
  contentType: string | undefined;
  valid: boolean;
  at: number;
}

/** A receiver that checks X-QF-SIGN itself and answers what `answer` says for each call. */
async function receiver(answer: (n: number) => { status: number; body: string }, tls?: { key: string; cert: string }) {
  const received: Received[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = createHash('md5').update(Buffer.concat([raw, Buffer.from(NOTIFY_KEY)])).digest('hex').toUpperCase();
      const sign = req.headers['x-qf-sign'] as string | undefined;
      received.push({ body: raw.toString('utf8'), sign, contentType: req.headers['content-type'], valid: sign === expected, at: Date.now() });
      const a = answer(received.length);
      res.writeHead(a.status, { 'Content-Type': 'text/plain' }).end(a.body);
    });
  };
  const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/qfpay/notify`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('notifications', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('posts a signed payment notification (strings, cents) and stops at 200 SUCCESS', async () => {
    const rx = await receiver(() => ({ status: 200, body: 'SUCCESS\n' }));
    try {
      sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 }, notify: { url: rx.url, key: NOTIFY_KEY, scheduleMs: [0, 50, 50] }, merchantId: 'M-9' });
      const p = await pay(sim, 'N-1', 12.5);
      await until(() => sim?.notifications()[0]?.delivered === true);
      await sleep(150);
      expect(rx.received).toHaveLength(1);
      const [msg] = rx.received;
      expect(msg?.valid).toBe(true);
      expect(msg?.contentType).toBe('application/json');
      const body = JSON.parse(msg?.body ?? '{}') as Record<string, unknown>;
      expect(body).toMatchObject({
        notify_type: 'payment',
        status: '1',
        syssn: p.data?.syssn,
        out_trade_no: 'N-1',
        txamt: '1250',
        txcurrcd: 'HKD',
        pay_type: '802808',
        cancel: '0',
        respcd: '0000',
        cardcd: '476173******0119',
        mchid: 'M-9',
        customer_source: 'HK',
      });
      for (const key of ['txdtm', 'sysdtm', 'paydtm']) expect(body[key]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(Object.values(body).every((v) => typeof v === 'string')).toBe(true);
      expect(sim.notifications()).toEqual([expect.objectContaining({ syssn: p.data?.syssn, attempts: 1, delivered: true, lastStatus: 200, gaveUp: false })]);
      expect(msg?.body).not.toContain(NOTIFY_KEY);
      // What core's receiver side makes of it.
      expect(verifyNotification(msg?.body ?? '', msg?.sign, NOTIFY_KEY)).toEqual({ ok: true, keyIndex: 0 });
      expect(parseNotification(msg?.body ?? '')).toMatchObject({ kind: 'payment', success: true, syssn: p.data?.syssn, outTradeNo: 'N-1', amountMinor: 1250, currency: 'HKD', payType: '802808' });
    } finally {
      await rx.close();
    }
  });

  it('retries on the schedule when the receiver answers 500 or not SUCCESS, then stops after success', async () => {
    const rx = await receiver((n) => (n === 1 ? { status: 500, body: 'oops' } : n === 2 ? { status: 200, body: 'OK' } : { status: 200, body: 'SUCCESS' }));
    try {
      sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 }, notify: { url: rx.url, key: NOTIFY_KEY, scheduleMs: [0, 80, 80, 80, 80] } });
      const attempts: number[] = [];
      sim.on('notification', (r) => attempts.push(r.attempts));
      await pay(sim, 'N-2', 1);
      await until(() => sim?.notifications()[0]?.delivered === true);
      await sleep(250);
      expect(rx.received).toHaveLength(3);
      expect(rx.received.every((r) => r.valid)).toBe(true);
      expect(new Set(rx.received.map((r) => r.body)).size).toBe(1);
      expect((rx.received[1]?.at ?? 0) - (rx.received[0]?.at ?? 0)).toBeGreaterThanOrEqual(70);
      expect(attempts).toEqual([1, 2, 3]);
      expect(sim.notifications()[0]).toMatchObject({ attempts: 3, delivered: true, lastStatus: 200 });
    } finally {
      await rx.close();
    }
  });

  it('gives up after the last scheduled attempt', async () => {
    const rx = await receiver(() => ({ status: 503, body: 'down' }));
    try {
      sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 }, notify: { url: rx.url, key: NOTIFY_KEY, scheduleMs: [0, 20, 20] } });
      await pay(sim, 'N-3', 1, 'wx');
      await until(() => sim?.notifications()[0]?.gaveUp === true);
      await sleep(100);
      expect(rx.received).toHaveLength(3);
      expect(sim.notifications()[0]).toMatchObject({ attempts: 3, delivered: false, lastStatus: 503, gaveUp: true });
    } finally {
      await rx.close();
    }
  });

  it('reports an unreachable receiver by error code and keeps retrying', async () => {
    const rx = await receiver(() => ({ status: 200, body: 'SUCCESS' }));
    const url = rx.url;
    await rx.close();
    sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 }, notify: { url, key: NOTIFY_KEY, scheduleMs: [0, 10] } });
    await pay(sim, 'N-4', 1, 'wx');
    await until(() => sim?.notifications()[0]?.gaveUp === true);
    expect(sim.notifications()[0]).toMatchObject({ attempts: 2, delivered: false, lastError: 'ECONNREFUSED' });
  });

  it('notifies refunds with a new out_trade_no and the original ids; declines and cancels are never notified', async () => {
    const rx = await receiver(() => ({ status: 200, body: 'SUCCESS' }));
    try {
      sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 }, notify: { url: rx.url, key: NOTIFY_KEY, scheduleMs: [0] } });
      const p = await pay(sim, 'N-5', 20, 'alipay');
      const r = await refund(sim, String(p.data?.syssn), '5.00');
      sim.setCustomer({ action: 'decline', afterMs: 0 });
      await pay(sim, 'N-6', 1);
      sim.setCustomer({ action: 'cancel', afterMs: 0 });
      await pay(sim, 'N-7', 1);
      await until(() => rx.received.length >= 2);
      await sleep(100);
      expect(rx.received).toHaveLength(2);
      const refundNote = JSON.parse(rx.received[1]?.body ?? '{}') as Record<string, string>;
      expect(refundNote).toMatchObject({
        notify_type: 'refund',
        syssn: r.data?.syssn,
        out_trade_no: r.data?.out_trade_no,
        orig_syssn: p.data?.syssn,
        orig_out_trade_no: 'N-5',
        txamt: '500',
        pay_type: '800108',
        status: '1',
      });
      expect(refundNote.out_trade_no).not.toBe('N-5');
      expect(parseNotification(rx.received[1]?.body ?? '')).toMatchObject({ kind: 'refund', amountMinor: 500, origSyssn: p.data?.syssn, origOutTradeNo: 'N-5' });
      expect(rx.received[1]?.valid).toBe(true);
    } finally {
      await rx.close();
    }
  });

  it('notifies a pending payment when it settles, not before', async () => {
    const rx = await receiver(() => ({ status: 200, body: 'SUCCESS' }));
    try {
      sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'pending-then-approve', afterMs: 0, pendingQueries: 1 }, notify: { url: rx.url, key: NOTIFY_KEY, scheduleMs: [0] } });
      await pay(sim, 'N-8', 3, 'payme');
      await query(sim, { out_trade_no: 'N-8' });
      await sleep(100);
      expect(rx.received).toHaveLength(0);
      await query(sim, { out_trade_no: 'N-8' });
      await until(() => rx.received.length === 1);
      expect(JSON.parse(rx.received[0]?.body ?? '{}')).toMatchObject({ out_trade_no: 'N-8', txamt: '300' });
    } finally {
      await rx.close();
    }
  });

  it('posts over HTTPS trusting only the CA it was given', async () => {
    const pki = await createTestPki({ ipAddresses: ['127.0.0.1'] });
    const other = await createTestPki();
    const rx = await receiver(() => ({ status: 200, body: 'SUCCESS' }), { key: pki.leafKeyPem, cert: pki.leafCertPem });
    try {
      sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 }, notify: { url: rx.url, key: NOTIFY_KEY, ca: pki.caCertPem, scheduleMs: [0] } });
      await pay(sim, 'N-9', 1);
      await until(() => sim?.notifications()[0]?.delivered === true);
      await sim.close();
      sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 }, notify: { url: rx.url, key: NOTIFY_KEY, ca: other.caCertPem, scheduleMs: [0] } });
      await pay(sim, 'N-10', 1);
      await until(() => sim?.notifications()[0]?.gaveUp === true);
      expect(sim.notifications()[0]).toMatchObject({ delivered: false, lastError: expect.stringMatching(/CERT|SELF_SIGNED|UNABLE/) });
      expect(rx.received).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });

  it('close() stops pending retries', async () => {
    const rx = await receiver(() => ({ status: 500, body: '' }));
    try {
      sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 }, notify: { url: rx.url, key: NOTIFY_KEY, scheduleMs: [0, 100, 100] } });
      await pay(sim, 'N-11', 1);
      await until(() => rx.received.length === 1);
      await sim.close();
      await sleep(300);
      expect(rx.received).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });
});
