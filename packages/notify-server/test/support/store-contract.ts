/** The NotificationStore contract, run against every implementation. */
import { createHash } from 'node:crypto';
import { parseNotification } from '@qfpay-ecr/core';
import { StoreError, type InsertMeta, type NotificationStore } from '../../src/index.js';
import { FULL_PAN, MASKED_PAN, odooCancelBody, paymentBody, refundBody, uniqueOutTradeNo, uniqueSyssn } from './fixtures.js';
import type { StoreFactory } from './stores.js';

function meta(body: string, extra: Partial<InsertMeta> = {}): InsertMeta {
  return { bodySha256: createHash('sha256').update(body).digest('hex'), bodyLength: Buffer.byteLength(body), keyIndex: 0, remoteIp: '127.0.0.1', ...extra };
}

async function put(store: NotificationStore, body: string, extra: Partial<InsertMeta> = {}) {
  return store.insert(parseNotification(body), meta(body, extra));
}

export function describeStoreContract(factory: () => StoreFactory): void {
  describe('NotificationStore contract', () => {
    let stores: StoreFactory;
    let store: NotificationStore;

    beforeAll(() => {
      stores = factory();
    });
    beforeEach(async () => {
      store = await stores.create();
    });
    afterAll(async () => {
      await stores.dispose();
    });

    it('stores a new notification with its normalised fields and a positive id', async () => {
      const body = paymentBody({ cardcd: FULL_PAN });
      const result = await put(store, body, { keyIndex: 1 });
      expect(result.inserted).toBe(true);
      expect(result.id).toBeGreaterThan(0);
      const n = parseNotification(body);
      expect(result.record).toMatchObject({
        id: result.id,
        kind: 'payment',
        notifyType: 'payment',
        syssn: n.syssn,
        outTradeNo: n.outTradeNo,
        amountMinor: 1250,
        currency: 'HKD',
        success: true,
        keyIndex: 1,
        remoteIp: '127.0.0.1',
        dedupeKey: `payment:${n.syssn}`,
        bodyLength: Buffer.byteLength(body),
      });
      expect(new Date(result.record.receivedAt).toISOString()).toBe(result.record.receivedAt);
      expect(result.record.notification).toEqual(JSON.parse(JSON.stringify(n)));
      expect(JSON.stringify(await store.since(0, 10))).not.toContain(FULL_PAN);
      expect(JSON.stringify(await store.since(0, 10))).toContain(MASKED_PAN);
    });

    it('a duplicate changes nothing and returns the original record', async () => {
      const syssn = uniqueSyssn();
      const first = await put(store, paymentBody({ syssn, txamt: '100' }));
      const again = await put(store, paymentBody({ syssn, txamt: '999' }), { keyIndex: 3, remoteIp: '10.0.0.9' });
      expect(again).toMatchObject({ inserted: false, id: first.id });
      expect(again.record).toEqual(first.record);
      expect(await store.since(0, 10)).toHaveLength(1);
      expect(await store.lastId()).toBe(first.id);
    });

    it('20 concurrent inserts of one notification store it once', async () => {
      const body = paymentBody();
      const results = await Promise.all(Array.from({ length: 20 }, () => put(store, body)));
      expect(results.filter((r) => r.inserted)).toHaveLength(1);
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect(await store.since(0, 100)).toHaveLength(1);
    });

    it('payment and refund with the same syssn do not collide; refund and cancel with one syssn do', async () => {
      const syssn = uniqueSyssn();
      const orig = { syssn: uniqueSyssn(), out_trade_no: uniqueOutTradeNo() };
      const payment = await put(store, paymentBody({ syssn }));
      const refund = await put(store, refundBody(orig, { syssn }));
      const cancel = await put(store, odooCancelBody(orig, { syssn }));
      expect(payment.inserted).toBe(true);
      expect(refund.inserted).toBe(true);
      expect(refund.record.dedupeKey).toBe(`refund:${syssn}`);
      expect(cancel).toMatchObject({ inserted: false, id: refund.id });
    });

    it('unknown types dedupe on type + syssn, or on the body hash without a syssn', async () => {
      const withSyssn = JSON.stringify({ notify_type: 'preauth_done', syssn: '77' });
      const noSyssn = JSON.stringify({ notify_type: 'Settlement', batch: '1' });
      const other = JSON.stringify({ notify_type: 'Settlement', batch: '2' });
      expect((await put(store, withSyssn)).record).toMatchObject({ kind: 'other', dedupeKey: 'other:preauth_done:77' });
      expect((await put(store, withSyssn)).inserted).toBe(false);
      expect((await put(store, noSyssn)).inserted).toBe(true);
      expect((await put(store, noSyssn)).inserted).toBe(false);
      expect((await put(store, other)).inserted).toBe(true);
      expect(await store.since(0, 10)).toHaveLength(3);
    });

    it('ids increase in insert order; since() pages without gaps; lastId() follows', async () => {
      expect(await store.lastId()).toBe(0);
      const ids: number[] = [];
      for (let i = 0; i < 7; i += 1) ids.push((await put(store, paymentBody())).id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      const paged: number[] = [];
      let cursor = 0;
      for (;;) {
        const page = await store.since(cursor, 3);
        paged.push(...page.map((r) => r.id));
        if (page.length < 3) break;
        cursor = page[page.length - 1]?.id ?? cursor;
      }
      expect(paged).toEqual(ids);
      expect(await store.lastId()).toBe(ids[ids.length - 1]);
      expect(await store.since(ids[ids.length - 1] ?? 0, 10)).toEqual([]);
    });

    it('concurrent distinct inserts all get distinct ids and are all readable in order', async () => {
      const results = await Promise.all(Array.from({ length: 30 }, () => put(store, paymentBody())));
      const ids = results.map((r) => r.id).sort((a, b) => a - b);
      expect(new Set(ids).size).toBe(30);
      expect((await store.since(0, 100)).map((r) => r.id)).toEqual(ids);
    });

    it('byOutTradeNo finds the payment and the refunds pointing at it', async () => {
      const orig = { syssn: uniqueSyssn(), out_trade_no: uniqueOutTradeNo() };
      await put(store, paymentBody(orig));
      await put(store, paymentBody());
      await put(store, refundBody(orig, { txamt: '250' }));
      await put(store, odooCancelBody(orig, { txamt: '1000' }));
      const found = await store.byOutTradeNo(orig.out_trade_no);
      expect(found.map((r) => [r.kind, r.notifyType, r.amountMinor])).toEqual([
        ['payment', 'payment', 1250],
        ['refund', 'refund', 250],
        ['refund', 'cancel', 1000],
      ]);
      expect(found[1]).toMatchObject({ origSyssn: orig.syssn, origOutTradeNo: orig.out_trade_no });
      expect(await store.byOutTradeNo('nothing-here')).toEqual([]);
    });

    it('records rejects (newest first) and prunes beyond the cap', async () => {
      const capped = await stores.create({ maxRejects: 5 });
      await capped.recordRejects([]);
      await capped.recordRejects(
        Array.from({ length: 8 }, (_, i) => ({ reason: 'bad_signature' as const, status: 401, remoteIp: '10.0.0.1', bodyLength: i, bodySha256: 'ab'.repeat(32) })),
      );
      await capped.recordRejects([{ reason: 'too_large', status: 413, detail: 'limit is 1024 bytes' }]);
      const rows = await capped.rejects(100);
      expect(rows).toHaveLength(5);
      expect(rows[0]).toMatchObject({ reason: 'too_large', status: 413, detail: 'limit is 1024 bytes' });
      expect(rows[0]?.remoteIp).toBeUndefined();
      expect(rows[1]).toMatchObject({ reason: 'bad_signature', status: 401, remoteIp: '10.0.0.1', bodyLength: 7 });
      expect(new Date(rows[0]?.at ?? '').getTime()).not.toBeNaN();
      expect(await capped.rejects(2)).toHaveLength(2);
    });

    it('init is idempotent (also concurrently), ping answers, close is idempotent and final', async () => {
      await Promise.all([store.init(), store.init(), store.init()]);
      await expect(store.ping()).resolves.toBeUndefined();
      await put(store, paymentBody());
      await store.close();
      await store.close();
      const failed = await store.ping().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failed).toBeInstanceOf(StoreError);
      expect((failed as StoreError).code).toBe('STORE_CLOSED');
      await expect(put(store, paymentBody())).rejects.toBeInstanceOf(StoreError);
    });
  });
}
