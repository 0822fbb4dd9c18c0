/** The HTTP behaviour of the notify server, run against every store. */
import { signNotification } from '@qfpay-ecr/core';
import type { NotificationStore, StoredNotification } from '../../src/index.js';
import {
  EVENTS_TOKEN,
  FULL_PAN,
  KEY,
  MASKED_PAN,
  OLD_KEY,
  WRONG_KEY,
  odooCancelBody,
  paymentBody,
  refundBody,
  signedHeaders,
  uniqueOutTradeNo,
  uniqueSyssn,
} from './fixtures.js';
import { get, postNotify, send } from './http.js';
import { startApp, type Running } from './harness.js';
import { openSse, type SseStream } from './sse.js';
import type { StoreFactory } from './stores.js';

export function describeNotifyApp(factory: () => StoreFactory): void {
  describe('notify server over HTTP', () => {
    let stores: StoreFactory;
    let store: NotificationStore;
    let run: Running;
    const streams: SseStream[] = [];

    beforeAll(() => {
      stores = factory();
    });
    beforeEach(async () => {
      store = await stores.create();
      run = await startApp(store);
    });
    afterEach(async () => {
      for (const s of streams.splice(0)) s.close();
      await run.notify.close();
    });
    afterAll(async () => {
      await stores.dispose();
    });

    async function all(): Promise<StoredNotification[]> {
      return store.since(0, 1000);
    }

    async function deliver(body: string, key = KEY) {
      return postNotify(run.url, body, signedHeaders(body, key));
    }

    it('stores a valid payment, answers 200 SUCCESS after the write and emits it once', async () => {
      const syssn = uniqueSyssn();
      const outTradeNo = uniqueOutTradeNo();
      const reply = await deliver(paymentBody({ syssn, out_trade_no: outTradeNo }));
      expect(reply.status).toBe(200);
      expect(reply.text).toBe('SUCCESS');
      expect(reply.headers['content-type']).toMatch(/^text\/plain/);
      const rows = await all();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ kind: 'payment', syssn, outTradeNo, amountMinor: 1250, currency: 'HKD', success: true, keyIndex: 0, remoteIp: '127.0.0.1' });
      expect(run.emitted.map((r) => r.id)).toEqual([rows[0]?.id]);
      const health = await get(run.url, '/healthz');
      expect(health.status).toBe(200);
      expect(JSON.parse(health.text)).toEqual({ ok: true, store: stores.label });
    });

    it('stores refunds in both shapes: QFPay refund and Odoo cancel (orig_syssn / orig_out_trade_no)', async () => {
      const orig = { syssn: uniqueSyssn(), out_trade_no: uniqueOutTradeNo() };
      expect((await deliver(paymentBody(orig))).text).toBe('SUCCESS');
      const refund = refundBody(orig, { txamt: '250' });
      const cancel = odooCancelBody(orig, { txamt: '1000' });
      expect((await deliver(refund)).text).toBe('SUCCESS');
      expect((await deliver(cancel)).text).toBe('SUCCESS');
      const rows = await all();
      expect(rows.map((r) => [r.kind, r.notifyType, r.amountMinor, r.origSyssn, r.origOutTradeNo])).toEqual([
        ['payment', 'payment', 1250, undefined, undefined],
        ['refund', 'refund', 250, orig.syssn, orig.out_trade_no],
        ['refund', 'cancel', 1000, orig.syssn, orig.out_trade_no],
      ]);
      expect(rows[2]?.syssn).toBe(JSON.parse(cancel).syssn);
      expect(run.emitted).toHaveLength(3);
    });

    it("treats Odoo's cancel and QFPay's refund with the same syssn as one refund", async () => {
      const orig = { syssn: uniqueSyssn(), out_trade_no: uniqueOutTradeNo() };
      const syssn = uniqueSyssn();
      expect((await deliver(odooCancelBody(orig, { syssn }))).text).toBe('SUCCESS');
      expect((await deliver(refundBody(orig, { syssn }))).text).toBe('SUCCESS');
      expect(await all()).toHaveLength(1);
      expect(run.emitted).toHaveLength(1);
      expect(run.duplicates).toHaveLength(1);
    });

    it('verifies the raw bytes: odd whitespace, key order, CRLF and non-ASCII are signed as sent, never re-serialised', async () => {
      const syssn = uniqueSyssn();
      const body = Buffer.from(
        `{ "txamt" :"1250",\n\t"notify_type":"payment",   "cancel":"0","pay_type":"802808","out_trade_no":"odd-${syssn}",` +
          `"syssn":"${syssn}","status":"1" , "goods_name":"咖啡 Coffee","txcurrcd":"HKD","respcd":"0000", "brand_new_field": {"x": [1, 2]} }\r\n`,
        'utf8',
      );
      const reply = await postNotify(run.url, body, signedHeaders(body));
      expect(reply).toMatchObject({ status: 200, text: 'SUCCESS' });
      // The same JSON re-serialised is a different byte string: a signature over it must not verify this body.
      const reserialised = JSON.stringify(JSON.parse(body.toString('utf8')));
      const other = await postNotify(run.url, body, { 'Content-Type': 'application/json', 'X-QF-SIGN': signNotification(reserialised, KEY) });
      expect(other.status).toBe(401);
      const rows = await all();
      expect(rows).toHaveLength(1);
      expect(rows[0]?.notification.raw).toMatchObject({ goods_name: '咖啡 Coffee', brand_new_field: { x: [1, 2] } });
      expect(rows[0]?.bodyLength).toBe(body.length);
    });

    it('accepts the previous key during rotation and reports which key matched', async () => {
      expect((await deliver(paymentBody(), OLD_KEY)).text).toBe('SUCCESS');
      expect((await all())[0]?.keyIndex).toBe(1);
    });

    it('a tampered body, a wrong key or a missing signature → 401, nothing stored, reject recorded without secrets', async () => {
      const body = paymentBody({ txamt: '1250', cardcd: FULL_PAN });
      const headers = signedHeaders(body);
      const tampered = body.replace('"txamt":"1250"', '"txamt":"9250"');
      expect(tampered).not.toBe(body);
      const r1 = await postNotify(run.url, tampered, headers);
      const r2 = await deliver(body, WRONG_KEY);
      const r3 = await postNotify(run.url, body, { 'Content-Type': 'application/json' });
      const r4 = await postNotify(run.url, body, { 'Content-Type': 'application/json', 'X-QF-SIGN': 'short' });
      for (const r of [r1, r2, r3, r4]) {
        expect(r.status).toBe(401);
        expect(r.text).not.toContain('SUCCESS');
      }
      expect(JSON.parse(r3.text).error).toBe('missing_signature');
      expect(await all()).toEqual([]);
      expect(run.emitted).toEqual([]);
      await run.notify.flushRejects();
      const rejects = await store.rejects();
      expect(rejects.map((r) => r.reason).sort()).toEqual(['bad_signature', 'bad_signature', 'bad_signature', 'missing_signature']);
      expect(rejects.every((r) => r.status === 401 && r.remoteIp === '127.0.0.1' && /^[0-9a-f]{64}$/.test(r.bodySha256 ?? ''))).toBe(true);
      const dump = JSON.stringify(rejects) + run.logs.text();
      for (const secret of [KEY, OLD_KEY, WRONG_KEY, headers['X-QF-SIGN'] as string, FULL_PAN, MASKED_PAN]) expect(dump).not.toContain(secret);
    });

    it('a duplicate delivery → SUCCESS, nothing changed, no second event', async () => {
      const body = paymentBody();
      expect((await deliver(body)).text).toBe('SUCCESS');
      const before = await all();
      expect((await deliver(body)).text).toBe('SUCCESS');
      expect(await all()).toEqual(before);
      expect(run.emitted).toHaveLength(1);
      expect(run.duplicates).toHaveLength(1);
    });

    it('20 concurrent duplicates → all SUCCESS, one record, one event', async () => {
      const body = paymentBody();
      const replies = await Promise.all(Array.from({ length: 20 }, () => deliver(body)));
      expect(replies.map((r) => `${r.status} ${r.text}`)).toEqual(Array(20).fill('200 SUCCESS'));
      expect(await all()).toHaveLength(1);
      expect(run.emitted).toHaveLength(1);
      expect(run.duplicates).toHaveLength(19);
    });

    it('a body over the limit → 413 (declared length and chunked), nothing stored', async () => {
      const big = paymentBody({ goods_info: 'x'.repeat(70 * 1024) });
      const declared = await postNotify(run.url, big, signedHeaders(big));
      expect(declared.status).toBe(413);
      const half = Math.floor(big.length / 2);
      const chunked = await send(run.url, '/qfpay/notify', { headers: signedHeaders(big), chunks: [big.slice(0, half), big.slice(half)] });
      expect(chunked.status).toBe(413);
      const huge = await postNotify(run.url, 'y'.repeat(2 * 1024 * 1024), signedHeaders('y'));
      expect(huge.status).toBe(413);
      expect(await all()).toEqual([]);
      await run.notify.flushRejects();
      expect((await store.rejects()).map((r) => r.reason)).toEqual(['too_large', 'too_large', 'too_large']);
      expect((await deliver(paymentBody())).text).toBe('SUCCESS');
    });

    it('a wrong or missing content type → 400; non-JSON, a non-object and a bad schema → 400 even when signed', async () => {
      const body = paymentBody();
      const sign = signNotification(body, KEY);
      const types = ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/jsonx'];
      for (const type of types) {
        const r = await postNotify(run.url, body, { 'Content-Type': type, 'X-QF-SIGN': sign });
        expect([r.status, JSON.parse(r.text).error]).toEqual([400, 'bad_content_type']);
      }
      const noType = await postNotify(run.url, body, { 'X-QF-SIGN': sign });
      expect(noType.status).toBe(400);
      const withCharset = await postNotify(run.url, body, { 'Content-Type': 'Application/JSON; charset="UTF-8"', 'X-QF-SIGN': sign });
      expect(withCharset.text).toBe('SUCCESS');

      const cases: Array<[string, string]> = [
        ['notify_type=payment&syssn=1', 'not_json'],
        ['{"notify_type":"payment",', 'not_json'],
        ['[1,2,3]', 'bad_schema'],
        ['"payment"', 'bad_schema'],
        [JSON.stringify({ notify_type: 'payment', syssn: uniqueSyssn(), status: '1', txcurrcd: 'HKD' }), 'bad_schema'],
        [JSON.stringify({ notify_type: 'refund', syssn: uniqueSyssn(), status: '1', txamt: '12.5', txcurrcd: 'HKD' }), 'bad_schema'],
        [JSON.stringify({ syssn: uniqueSyssn() }), 'bad_schema'],
      ];
      for (const [bad, reason] of cases) {
        const r = await deliver(bad);
        expect([bad, r.status, JSON.parse(r.text).error]).toEqual([bad, 400, reason]);
      }
      const gz = await postNotify(run.url, body, { ...signedHeaders(body), 'Content-Encoding': 'gzip' });
      expect(gz.status).toBe(400);
      expect(await all()).toHaveLength(1);
      await run.notify.flushRejects();
      const reasons = (await store.rejects(100)).map((r) => r.reason);
      expect(reasons.filter((r) => r === 'bad_content_type')).toHaveLength(5);
      expect(reasons.filter((r) => r === 'not_json')).toHaveLength(2);
      expect(reasons.filter((r) => r === 'bad_schema')).toHaveLength(5);
      expect(reasons.filter((r) => r === 'unsupported_encoding')).toHaveLength(1);
    });

    it('an unknown notify_type with a valid signature is stored as "other" and acknowledged', async () => {
      const body = JSON.stringify({ notify_type: 'preauth_finished', syssn: uniqueSyssn(), status: '1', whatever: { nested: true } });
      expect((await deliver(body)).text).toBe('SUCCESS');
      expect((await deliver(body)).text).toBe('SUCCESS');
      const rows = await all();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ kind: 'other', notifyType: 'preauth_finished' });
      expect(run.emitted).toHaveLength(1);
    });

    it('wrong methods and paths do not reach the handler', async () => {
      expect((await get(run.url, '/qfpay/notify')).status).toBe(405);
      expect((await postNotify(run.url, '{}', {})).status).toBe(400);
      expect((await send(run.url, '/qfpay/notify/x', { body: '{}' })).status).toBe(404);
    });

    it('GET /qfpay/transactions/:out_trade_no needs the token and returns the payment with its refunds', async () => {
      const orig = { syssn: uniqueSyssn(), out_trade_no: uniqueOutTradeNo() };
      await deliver(paymentBody({ ...orig, cardcd: FULL_PAN }));
      await deliver(refundBody(orig));
      await deliver(paymentBody());
      const path = `/qfpay/transactions/${encodeURIComponent(orig.out_trade_no)}`;
      expect((await get(run.url, path)).status).toBe(401);
      const wrong = await get(run.url, path, `${EVENTS_TOKEN}x`);
      expect(wrong.status).toBe(401);
      expect(wrong.headers['www-authenticate']).toMatch(/^Bearer/);
      const ok = await get(run.url, path, EVENTS_TOKEN);
      expect(ok.status).toBe(200);
      const answer = JSON.parse(ok.text) as { outTradeNo: string; notifications: StoredNotification[] };
      expect(answer.outTradeNo).toBe(orig.out_trade_no);
      expect(answer.notifications.map((n) => n.kind)).toEqual(['payment', 'refund']);
      expect(ok.text).not.toContain(FULL_PAN);
      expect(ok.text).toContain(MASKED_PAN);
      const none = await get(run.url, '/qfpay/transactions/unknown-ref', EVENTS_TOKEN);
      expect(JSON.parse(none.text)).toEqual({ ok: true, outTradeNo: 'unknown-ref', notifications: [] });
      expect((await get(run.url, `/qfpay/transactions/${'a'.repeat(129)}`, EVENTS_TOKEN)).status).toBe(400);
    });

    it('SSE: bearer token required; live events carry the store id', async () => {
      expect((await openSse(run.url, '/qfpay/events').then((s) => (s.close(), s.status)))).toBe(401);
      const wrong = await openSse(run.url, '/qfpay/events', { Authorization: 'Bearer nope' });
      wrong.close();
      expect(wrong.status).toBe(401);
      const bad = await openSse(run.url, '/qfpay/events', { Authorization: `Bearer ${EVENTS_TOKEN}`, 'Last-Event-ID': 'abc' });
      bad.close();
      expect(bad.status).toBe(400);

      const stream = await openSse(run.url, '/qfpay/events', { Authorization: `Bearer ${EVENTS_TOKEN}` });
      streams.push(stream);
      expect(stream.status).toBe(200);
      await stream.waitForComment(/connected/);
      await deliver(paymentBody());
      await deliver(paymentBody());
      const events = await stream.waitForEvents(2);
      const rows = await all();
      expect(events.map((e) => [e.id, e.event])).toEqual(rows.map((r) => [String(r.id), 'notification']));
      expect(JSON.parse(events[0]?.data ?? '')).toEqual(JSON.parse(JSON.stringify(rows[0])));
    });

    it('SSE: a reconnecting client (Last-Event-ID) gets what it missed, then live events; ?since=0 replays all', async () => {
      const auth = { Authorization: `Bearer ${EVENTS_TOKEN}` };
      const first = await openSse(run.url, '/qfpay/events', auth);
      streams.push(first);
      await first.waitForComment(/connected/);
      await deliver(paymentBody());
      await deliver(paymentBody());
      const seen = await first.waitForEvents(2);
      first.close();
      await first.ended;

      await deliver(paymentBody());
      await deliver(refundBody({ syssn: uniqueSyssn(), out_trade_no: uniqueOutTradeNo() }));
      await deliver(paymentBody()); // not missed by anyone; keeps the duplicate check honest below
      const rows = await all();
      expect(rows).toHaveLength(5);

      const again = await openSse(run.url, '/qfpay/events', { ...auth, 'Last-Event-ID': seen[1]?.id ?? '' });
      streams.push(again);
      const replayed = await again.waitForEvents(3);
      expect(replayed.map((e) => Number(e.id))).toEqual(rows.slice(2).map((r) => r.id));
      await deliver(paymentBody());
      const withLive = await again.waitForEvents(4);
      const ids = withLive.map((e) => Number(e.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(4);
      expect(ids[3]).toBe((await store.lastId()));

      const everything = await openSse(run.url, '/qfpay/events?since=0', auth);
      streams.push(everything);
      expect((await everything.waitForEvents(6)).map((e) => Number(e.id))).toEqual((await all()).map((r) => r.id));
      // Last-Event-ID wins over ?since= (EventSource keeps the URL and adds the header on reconnect).
      const both = await openSse(run.url, '/qfpay/events?since=0', { ...auth, 'Last-Event-ID': String(rows[3]?.id) });
      streams.push(both);
      expect((await both.waitForEvents(2)).map((e) => Number(e.id))).toEqual((await all()).slice(4).map((r) => r.id));
    });

    it('SSE: heartbeats are comment lines; close() ends open streams', async () => {
      await run.notify.close();
      store = await stores.create();
      run = await startApp(store, { heartbeatMs: 30 });
      const stream = await openSse(run.url, '/qfpay/events', { Authorization: `Bearer ${EVENTS_TOKEN}` });
      streams.push(stream);
      await stream.waitForComment(/^heartbeat$/);
      await run.notify.close();
      await stream.ended;
    });

    it('never logs or answers with keys, tokens, signatures or full card numbers', async () => {
      const orig = { syssn: uniqueSyssn(), out_trade_no: uniqueOutTradeNo() };
      const body = paymentBody({ ...orig, cardcd: FULL_PAN });
      const headers = signedHeaders(body);
      expect((await postNotify(run.url, body, { ...headers, Authorization: `Bearer ${EVENTS_TOKEN}` })).text).toBe('SUCCESS');
      await postNotify(run.url, body.replace('1250', '1251'), headers);
      await postNotify(run.url, `{"cardcd":"${FULL_PAN}",`, signedHeaders(`{"cardcd":"${FULL_PAN}",`));
      await postNotify(run.url, JSON.stringify({ notify_type: 'payment', cardcd: FULL_PAN }), signedHeaders(JSON.stringify({ notify_type: 'payment', cardcd: FULL_PAN })));
      await postNotify(run.url, body, { 'Content-Type': `text/plain; x=${FULL_PAN}`, 'X-QF-SIGN': headers['X-QF-SIGN'] as string });
      await get(run.url, `/qfpay/transactions/${orig.out_trade_no}`, EVENTS_TOKEN);
      await get(run.url, `/qfpay/transactions/${orig.out_trade_no}`, 'wrong-token-wrong-token');
      await run.notify.flushRejects();
      const logs = run.logs.text();
      expect(run.logs.records().length).toBeGreaterThan(3);
      const rejects = JSON.stringify(await store.rejects());
      const rows = JSON.stringify(await all());
      for (const secret of [KEY, OLD_KEY, EVENTS_TOKEN, headers['X-QF-SIGN'] as string, FULL_PAN]) {
        expect(logs).not.toContain(secret);
        expect(rejects).not.toContain(secret);
        expect(rows).not.toContain(secret);
      }
    });
  });
}
