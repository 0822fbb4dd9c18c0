/**
 * Pure parts: refund rules with an injected clock (Hong Kong time, no DST), line amounts,
 * notification intake shapes, and the resume store (zod-checked, degrades when storage fails).
 */
import fc from 'fast-check';
import {
  AttemptStore,
  checkRefund,
  hongKongDay,
  lineAmountToMinor,
  memoryStorage,
  normaliseNotification,
  syssnTime,
  withinRefundWindow,
  type AttemptRecord,
  type KeyValueStorage,
} from '../src/index.js';
import { hkt } from './support/rig.js';

const original = (over: Partial<Parameters<typeof checkRefund>[0]['original'] & object> = {}) => ({ syssn: '20250826100000000000000001', amountMinor: 1250, paidAt: hkt('2025-08-26T10:00:00'), channel: 'card_payment' as const, ...over });
const base = { channel: 'card_payment' as const, methodName: 'QFPay Card', refundMinor: 1250, now: hkt('2025-08-26T12:00:00') };

describe('refund rules', () => {
  it('the 23:00 HKT cutoff: 22:59:59.999 allowed, 23:00:00.000 refused', () => {
    expect(checkRefund({ ...base, original: original(), now: new Date(hkt('2025-08-26T23:00:00').getTime() - 1) }).ok).toBe(true);
    expect(checkRefund({ ...base, original: original(), now: hkt('2025-08-26T23:00:00') })).toMatchObject({ ok: false, code: 'REFUND_NOT_SAME_DAY' });
  });

  it('the day boundary is Hong Kong midnight, not UTC midnight', () => {
    // 23:30 HKT on the 25th is 15:30 UTC on the 25th; 00:10 HKT on the 26th is 16:10 UTC on the 25th (same UTC day!).
    const paidAt = hkt('2025-08-25T23:30:00');
    expect(paidAt.toISOString().slice(0, 10)).toBe(hkt('2025-08-26T00:10:00').toISOString().slice(0, 10));
    expect(checkRefund({ ...base, original: original({ paidAt }), now: hkt('2025-08-26T00:10:00') })).toMatchObject({ ok: false, code: 'REFUND_NOT_SAME_DAY' });
    // Paid at 00:00:00 HKT, refunded at 08:00 HKT the same morning: allowed.
    expect(checkRefund({ ...base, original: original({ paidAt: hkt('2025-08-26T00:00:00') }), now: hkt('2025-08-26T08:00:00') }).ok).toBe(true);
  });

  it('card channels: full amount only (one cent less refused); wallets may refund part', () => {
    for (const channel of ['card_payment', 'unionpay_card', 'amex_card'] as const) {
      expect(checkRefund({ ...base, channel, original: original({ channel }), refundMinor: 1249 })).toMatchObject({ ok: false, code: 'REFUND_CARD_FULL_ONLY', message: 'Credit card payments refund must be for the full amount.' });
      expect(checkRefund({ ...base, channel, original: original({ channel }), refundMinor: 1250 }).ok).toBe(true);
    }
    expect(checkRefund({ ...base, channel: 'alipay', original: original({ channel: 'alipay' }), refundMinor: 1 }).ok).toBe(true);
  });

  it('never above the original: the original amount allowed, one cent more refused', () => {
    expect(checkRefund({ ...base, channel: 'wx', original: original({ channel: 'wx' }), refundMinor: 1250 }).ok).toBe(true);
    expect(checkRefund({ ...base, channel: 'wx', original: original({ channel: 'wx' }), refundMinor: 1251 })).toMatchObject({ ok: false, code: 'REFUND_ABOVE_ORIGINAL' });
  });

  it('Octopus is never refundable; no original is refused with the method name', () => {
    expect(checkRefund({ ...base, channel: 'octopus', original: original({ channel: 'octopus' }) })).toMatchObject({ ok: false, code: 'REFUND_OCTOPUS' });
    expect(checkRefund({ ...base, original: undefined })).toMatchObject({ ok: false, code: 'REFUND_NO_ORIGINAL', message: 'No payment with QFPay Card found for this order.' });
  });

  it("falls back to the syssn's Hong Kong timestamp when Odoo has no payment date", () => {
    expect(syssnTime('20250826155400087645770447')?.toISOString()).toBe('2025-08-26T07:54:00.000Z');
    expect(syssnTime('not-a-syssn')).toBeUndefined();
    expect(syssnTime('20251399000000000')).toBeUndefined();
    const noDate = { syssn: '20250826225900000000000001', amountMinor: 1250, channel: 'card_payment' as const };
    expect(checkRefund({ ...base, original: noDate, now: hkt('2025-08-26T22:59:59') }).ok).toBe(true);
    expect(checkRefund({ ...base, original: noDate, now: hkt('2025-08-27T09:00:00') }).ok).toBe(false);
  });

  it('property: allowed exactly when same HK calendar day and HK hour < 23', () => {
    const t0 = Date.UTC(2024, 0, 1);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * 86_400_000 }), fc.integer({ min: 0, max: 3 * 86_400_000 }), (paidOffset, delta) => {
        const paidAt = new Date(t0 + paidOffset);
        const now = new Date(t0 + paidOffset + delta);
        const hkNow = new Date(now.getTime() + 8 * 3_600_000);
        const expected = hongKongDay(paidAt) === hongKongDay(now) && hkNow.getUTCHours() < 23;
        expect(withinRefundWindow(paidAt, now)).toBe(expected);
      }),
    );
  });
});

describe('line amounts', () => {
  it('converts Odoo floats to cents exactly and refuses a third decimal', () => {
    expect(lineAmountToMinor(12.5)).toBe(1250);
    expect(lineAmountToMinor(-12.5)).toBe(1250);
    expect(lineAmountToMinor(0.1 + 0.2)).toBe(30);
    expect(lineAmountToMinor(1234567.89)).toBe(123456789);
    expect(() => lineAmountToMinor(1.005)).toThrow(/more than 2 decimal/);
    expect(() => lineAmountToMinor(Number.NaN)).toThrow();
  });
});

describe('notification intake shapes', () => {
  const raw = { notify_type: 'payment', status: '1', respcd: '0000', syssn: '20250826155400087645770447', out_trade_no: 'a--1--2', txamt: '1250', txcurrcd: 'HKD', chnlsn: 'CH', cardcd: '4111111111111111' };

  it("reads pos_qfpay's bus shape, QFPay's raw body (object or text), core's normalised shape and wrappers", () => {
    const expected = { kind: 'payment', syssn: raw.syssn, amountMinor: 1250, currency: 'HKD', outTradeNo: 'a--1--2', success: true, channelRef: 'CH' };
    expect(normaliseNotification({ response: raw, line_uuid: 'u-1' }, 'bus')).toMatchObject({ ok: true, notification: { ...expected, lineUuid: 'u-1', source: 'bus' } });
    expect(normaliseNotification({ response: JSON.stringify(raw), line_uuid: null }, 'bus')).toMatchObject({ ok: true, notification: expected });
    expect(normaliseNotification(raw, 'events')).toMatchObject({ ok: true, notification: expected });
    expect(normaliseNotification(JSON.stringify(raw), 'events')).toMatchObject({ ok: true, notification: expected });
    const normalized = { kind: 'payment', notifyType: 'payment', success: true, syssn: raw.syssn, amountMinor: 1250, currency: 'HKD', outTradeNo: 'a--1--2', channelRef: 'CH', raw: {} };
    expect(normaliseNotification(normalized, 'events')).toMatchObject({ ok: true, notification: expected });
    expect(normaliseNotification({ notification: normalized }, 'lookup')).toMatchObject({ ok: true, notification: expected });
    expect(normaliseNotification({ data: raw }, 'events')).toMatchObject({ ok: true, notification: expected });
  });

  it('masks a full card number and accepts refunds as "refund" or Odoo\'s "cancel"', () => {
    const r = normaliseNotification(raw, 'events');
    expect(r.ok && r.notification.maskedCard).toBe('411111******1111');
    for (const notify_type of ['refund', 'cancel']) {
      const n = normaliseNotification({ ...raw, notify_type, orig_syssn: 'S0', orig_out_trade_no: 'a--1--2', out_trade_no: 'R1' }, 'bus');
      expect(n).toMatchObject({ ok: true, notification: { kind: 'refund', origSyssn: 'S0', origOutTradeNo: 'a--1--2' } });
    }
  });

  it('refuses what is not a payment/refund notification, without throwing', () => {
    expect(normaliseNotification({ ...raw, notify_type: 'settlement' }, 'events').ok).toBe(false);
    expect(normaliseNotification({ ...raw, txamt: '12.50' }, 'events').ok).toBe(false);
    expect(normaliseNotification([1, 2], 'events').ok).toBe(false);
    expect(normaliseNotification(null, 'events').ok).toBe(false);
    expect(normaliseNotification('{', 'events').ok).toBe(false);
  });
});

describe('resume store', () => {
  const rec = (over: Partial<AttemptRecord> = {}): AttemptRecord => ({
    v: 1,
    outTradeNo: `${globalThis.crypto.randomUUID()}--7--3`,
    kind: 'payment',
    lineKey: 'line-1',
    amountMinor: 100,
    currency: 'HKD',
    channel: 'card_payment',
    startedAt: 1,
    updatedAt: Date.now(),
    state: 'pending',
    ...over,
  });

  it('keeps records per payment method, validates what it reads, and updates in place', () => {
    const storage = memoryStorage();
    const a = new AttemptStore(storage, 3);
    const b = new AttemptStore(storage, 4);
    const r = rec();
    a.put(r);
    expect(a.get(r.outTradeNo)).toEqual(r);
    expect(b.list()).toEqual([]);
    a.update(r.outTradeNo, { state: 'approved', syssn: 'S1' });
    expect(a.pending()).toEqual([]);
    expect(a.forLine('line-1')[0]).toMatchObject({ state: 'approved', syssn: 'S1' });
    // A foreign or corrupt value is ignored, never trusted.
    storage.setItem('qfpay-ecr/odoo/v1/attempts/4', JSON.stringify([{ v: 1, outTradeNo: "x'; drop", state: 'pending' }, rec({ lineKey: 'ok' })]));
    expect(b.list().map((x) => x.lineKey)).toEqual(['ok']);
    storage.setItem('qfpay-ecr/odoo/v1/attempts/4', '{not json');
    expect(b.list()).toEqual([]);
  });

  it('prunes finished records after the retention period but keeps pending ones forever', () => {
    let now = 1_000_000;
    const store = new AttemptStore(memoryStorage(), 3, { retainMs: 1000, now: () => now });
    store.put(rec({ state: 'approved', updatedAt: now, lineKey: 'old' }));
    store.put(rec({ state: 'pending', updatedAt: now, lineKey: 'waiting' }));
    now += 5000;
    store.put(rec({ state: 'rejected', updatedAt: now, lineKey: 'new' }));
    expect(store.list().map((r) => r.lineKey).sort()).toEqual(['new', 'waiting']);
  });

  it('falls back to memory when storage throws (quota, privacy mode)', () => {
    const broken: KeyValueStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => undefined,
    };
    const warnings: string[] = [];
    const store = new AttemptStore(broken, 3, { logger: { debug() {}, info() {}, warn: (m) => void warnings.push(m), error() {} } });
    const r = rec();
    store.put(r);
    expect(store.get(r.outTradeNo)).toEqual(r);
    expect(warnings).toHaveLength(1);
  });
});
