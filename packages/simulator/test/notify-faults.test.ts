/**
 * Notification faults: a notification lost, posted twice, posted late, posted after the one that
 * followed it, or posted with an altered body under the genuine signature — each against a real
 * HTTP receiver that checks X-QF-SIGN itself.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator, type Simulator } from '../src/index.js';
import { pay, POS_KEY, refund, sleep, until } from './helpers.js';

const NOTIFY_KEY = 'notify-fault-key-0123456789';

interface Received {
  body: string;
  sign: string | undefined;
  valid: boolean;
  fields: Record<string, string>;
}

/** Answers 200 SUCCESS to validly signed posts and 401 to the rest, recording everything in order. */
async function receiver() {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = createHash('md5').update(Buffer.concat([raw, Buffer.from(NOTIFY_KEY)])).digest('hex').toUpperCase();
      const sign = req.headers['x-qf-sign'] as string | undefined;
      const valid = sign === expected;
      received.push({ body: raw.toString('utf8'), sign, valid, fields: JSON.parse(raw.toString('utf8')) as Record<string, string> });
      res.writeHead(valid ? 200 : 401, { 'Content-Type': 'text/plain' }).end(valid ? 'SUCCESS' : 'bad signature');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/qfpay/notify`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('notification faults', () => {
  let sim: Simulator;
  let rx: Awaited<ReturnType<typeof receiver>>;
  beforeEach(async () => {
    rx = await receiver();
    sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 }, notify: { url: rx.url, key: NOTIFY_KEY, scheduleMs: [0, 40, 40] } });
  });
  afterEach(async () => {
    await sim.close();
    await rx.close();
  });

  it('notify-lost: the notification is never posted and gives up at once; the next one is delivered', async () => {
    sim.injectFault({ kind: 'notify-lost' });
    const lost = await pay(sim, 'NL-1', 12.5);
    const kept = await pay(sim, 'NL-2', 3);
    await until(() => sim.notifications().length === 2 && sim.notifications()[1]?.delivered === true);
    await sleep(150);
    expect(rx.received.map((r) => r.fields.syssn)).toEqual([kept.data?.syssn]);
    expect(sim.notifications()[0]).toMatchObject({ syssn: lost.data?.syssn, attempts: 0, delivered: false, gaveUp: true, fault: 'notify-lost' });
    expect(sim.notifications()[1]).toMatchObject({ delivered: true, attempts: 1, gaveUp: false });
    expect(sim.notifications()[1]?.fault).toBeUndefined();
  });

  it('notify-duplicate: once delivered, the same signed bytes are posted again', async () => {
    sim.injectFault({ kind: 'notify-duplicate' });
    const p = await pay(sim, 'ND-1', 7);
    await until(() => rx.received.length === 2);
    await sleep(150);
    expect(rx.received).toHaveLength(2);
    const [first, second] = rx.received;
    expect(second?.body).toBe(first?.body);
    expect(second?.sign).toBe(first?.sign);
    expect(first?.valid).toBe(true);
    expect(first?.fields).toMatchObject({ syssn: p.data?.syssn, txamt: '700' });
    expect(sim.notifications()[0]).toMatchObject({ delivered: true, attempts: 2, fault: 'notify-duplicate' });
  });

  it('notify-delay: the delayed notification arrives after a later one', async () => {
    sim.injectFault({ kind: 'notify-delay', ms: 400 });
    const slow = await pay(sim, 'NDL-1', 1);
    const quick = await pay(sim, 'NDL-2', 2);
    await until(() => rx.received.length === 2);
    expect(rx.received.map((r) => r.fields.syssn)).toEqual([quick.data?.syssn, slow.data?.syssn]);
    expect(rx.received.every((r) => r.valid)).toBe(true);
    expect(sim.notifications()[0]).toMatchObject({ fault: 'notify-delay', delivered: true, attempts: 1 });
  });

  it('notify-reorder: a payment notification held back arrives after its refund notification', async () => {
    sim.setCustomer({ action: 'approve', afterMs: 0 });
    sim.injectFault({ kind: 'notify-reorder', maxHoldMs: 5_000 });
    const p = await pay(sim, 'NR-1', 12, 'wx');
    await sleep(100);
    expect(rx.received).toHaveLength(0); // held until the next notification
    const r = await refund(sim, String(p.data?.syssn));
    await until(() => rx.received.length === 2);
    expect(rx.received.map((x) => x.fields.notify_type)).toEqual(['refund', 'payment']);
    expect(rx.received.map((x) => x.fields.syssn)).toEqual([r.data?.syssn, p.data?.syssn]);
    expect(rx.received.every((x) => x.valid)).toBe(true);
  });

  it('notify-reorder: released after maxHoldMs when no other notification comes', async () => {
    sim.injectFault({ kind: 'notify-reorder', maxHoldMs: 60 });
    const p = await pay(sim, 'NR-2', 4);
    await until(() => sim.notifications()[0]?.delivered === true);
    expect(rx.received.map((r) => r.fields.syssn)).toEqual([p.data?.syssn]);
    expect(sim.notifications()[0]).toMatchObject({ attempts: 1, fault: 'notify-reorder' });
  });

  it('notify-tamper: the first post has another amount under the genuine signature (refused), the retry is genuine', async () => {
    sim.injectFault({ kind: 'notify-tamper' });
    const p = await pay(sim, 'NT-1', 12.5);
    await until(() => sim.notifications()[0]?.delivered === true);
    expect(rx.received).toHaveLength(2);
    const [forged, genuine] = rx.received;
    expect(forged?.valid).toBe(false);
    expect(forged?.fields.txamt).not.toBe('1250');
    expect(forged?.fields.syssn).toBe(p.data?.syssn);
    expect(genuine?.valid).toBe(true);
    expect(genuine?.fields.txamt).toBe('1250');
    // The forged body carries the signature of the genuine one: a MITM cannot re-sign.
    expect(forged?.sign).toBe(genuine?.sign);
    expect(sim.notifications()[0]).toMatchObject({ delivered: true, attempts: 2, fault: 'notify-tamper' });
  });

  it('notification faults wait for a notification: declines and queries do not consume them', async () => {
    sim.setCustomer({ action: 'decline', afterMs: 0 });
    sim.injectFault({ kind: 'notify-lost' });
    await pay(sim, 'NW-1', 1);
    sim.setCustomer({ action: 'approve', afterMs: 0 });
    await pay(sim, 'NW-2', 1);
    await sleep(100);
    expect(rx.received).toHaveLength(0);
    expect(sim.notifications()).toEqual([expect.objectContaining({ fault: 'notify-lost', gaveUp: true })]);
  });

  it('faults are validated; clearFaults() drops queued ones and returns those that never applied', () => {
    expect(() => sim.injectFault({ kind: 'notify-delay', ms: -5 })).toThrow(/invalid fault/);
    expect(() => sim.injectFault({ kind: 'notify-reorder', maxHoldMs: 1.5 })).toThrow(/invalid fault/);
    sim.injectFault({ kind: 'notify-duplicate' });
    sim.injectFault({ kind: 'truncate' });
    expect(sim.clearFaults()).toEqual([{ kind: 'notify-duplicate' }, { kind: 'truncate' }]);
    expect(sim.clearFaults()).toEqual([]);
  });
});
