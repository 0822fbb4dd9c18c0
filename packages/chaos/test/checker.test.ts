/**
 * The checker itself: given broken facts it must report each broken invariant (a checker that
 * cannot fail proves nothing), and given sound facts nothing. Also the secret scan, the seeded
 * plans and the argument parser.
 */
import type { BookEntry } from '@qfpay-ecr/simulator';
import { checkScenario, describePlan, ERPS, FAULT_KINDS, faultAppliesTo, luhnValid, parseChaosArgs, planScenario, Prng, scanForLeaks, type BookView, type CampaignSecrets, type ErpView } from '../src/index.js';

function entry(p: Partial<BookEntry> & Pick<BookEntry, 'kind' | 'syssn' | 'amountMinor'>): BookEntry {
  return {
    outTradeNo: `wc100-1-${p.syssn}`,
    channel: 'wx',
    busicd: '800201',
    currency: 'HKD',
    wireAmount: p.amountMinor / 100,
    respcd: '0000',
    cancel: 0,
    refundedMinor: 0,
    pendingQueriesLeft: 0,
    chnlsn: '250826154000123456',
    clisn: '100001',
    sysdtm: '2025-08-26 15:40:00',
    createdAt: new Date(),
    ...p,
  };
}

const PAY = entry({ kind: 'payment', syssn: '20250826154000000000000001', amountMinor: 1250 });
const REFUND = entry({ kind: 'refund', syssn: '20250826154000000000000002', amountMinor: 500, origSyssn: PAY.syssn, outTradeNo: 'R2' });
const paidErp = (): ErpView => ({ payments: [{ syssn: PAY.syssn, amountMinor: 1250 }], flagged: [], refunds: [], unresolved: [] });
const check = (book: BookView, erp: ErpView, refundAsked = 0) => checkScenario({ scenario: 7, seed: 'seed-x', book, erp, refundAsked }).map((v) => v.invariant);

describe('checkScenario', () => {
  it('sound facts: no violation (paid; paid and partly refunded; nothing charged)', () => {
    expect(check({ payments: [PAY], refunds: [] }, paidErp())).toEqual([]);
    expect(check({ payments: [PAY], refunds: [REFUND] }, { ...paidErp(), refunds: [{ syssn: REFUND.syssn, amountMinor: 500 }] }, 500)).toEqual([]);
    // A refund resolved from the original's book has no syssn of its own: totals still agree.
    expect(check({ payments: [PAY], refunds: [REFUND] }, { ...paidErp(), refunds: [{ amountMinor: 500 }] }, 500)).toEqual([]);
    const declined = entry({ kind: 'payment', syssn: '20250826154000000000000009', amountMinor: 1250, respcd: '1205' });
    expect(check({ payments: [declined], refunds: [] }, { payments: [], flagged: [], refunds: [], unresolved: [] })).toEqual([]);
  });

  it('two approved payments for one order: double-charge (and the unrecorded one is lost)', () => {
    const second = entry({ kind: 'payment', syssn: '20250826154000000000000003', amountMinor: 1250 });
    expect(check({ payments: [PAY, second], refunds: [] }, paidErp())).toEqual(['double-charge', 'lost-payment']);
  });

  it('a payment still pending on the terminal next to an approved one counts as a possible double charge, and as unresolved', () => {
    const pending = entry({ kind: 'payment', syssn: '20250826154000000000000004', amountMinor: 1250, respcd: '1145' });
    expect(check({ payments: [PAY, pending], refunds: [] }, paidErp())).toEqual(['double-charge', 'unresolved']);
  });

  it('an approved payment the ERP does not show: lost-payment; flagged for review is known, not lost', () => {
    expect(check({ payments: [PAY], refunds: [] }, { payments: [], flagged: [], refunds: [], unresolved: [] })).toEqual(['lost-payment']);
    expect(check({ payments: [PAY], refunds: [] }, { payments: [], flagged: [PAY.syssn], refunds: [], unresolved: [] })).toEqual([]);
  });

  it('the ERP shows a payment the terminal never approved, or another amount (a tampered notification): phantom-payment', () => {
    expect(check({ payments: [], refunds: [] }, paidErp())).toEqual(['phantom-payment']);
    expect(check({ payments: [PAY], refunds: [] }, { ...paidErp(), payments: [{ syssn: PAY.syssn, amountMinor: 1 }] })).toEqual(['phantom-payment']);
  });

  it('anything left pending/unknown: unresolved', () => {
    expect(check({ payments: [PAY], refunds: [] }, { ...paidErp(), unresolved: ['attempt 2 is still unknown'] })).toEqual(['unresolved']);
  });

  it('refunds: not recorded, recorded twice or never made, refunded twice', () => {
    expect(check({ payments: [PAY], refunds: [REFUND] }, paidErp(), 500)).toEqual(['refund-not-recorded']);
    expect(check({ payments: [PAY], refunds: [REFUND] }, { ...paidErp(), refunds: [{ syssn: REFUND.syssn, amountMinor: 500 }, { amountMinor: 500 }] }, 500)).toEqual(['phantom-refund']);
    expect(check({ payments: [PAY], refunds: [] }, { ...paidErp(), refunds: [{ syssn: 'NOPE', amountMinor: 500 }] }, 500)).toEqual(['phantom-refund', 'phantom-refund']);
    const again = entry({ kind: 'refund', syssn: '20250826154000000000000005', amountMinor: 500, origSyssn: PAY.syssn, outTradeNo: 'R5' });
    expect(check({ payments: [PAY], refunds: [REFUND, again] }, { ...paidErp(), refunds: [{ syssn: REFUND.syssn, amountMinor: 500 }, { syssn: again.syssn, amountMinor: 500 }] }, 500)).toEqual(['double-refund']);
  });

  it('violations carry the seed and the scenario index (for --only)', () => {
    const [v] = checkScenario({ scenario: 42, seed: 'abc', book: { payments: [PAY], refunds: [] }, erp: { payments: [], flagged: [], refunds: [], unresolved: [] }, refundAsked: 0 });
    expect(v).toMatchObject({ invariant: 'lost-payment', scenario: 42, seed: 'abc' });
    expect(v?.detail).toContain(PAY.syssn);
  });
});

describe('scanForLeaks', () => {
  const secrets: CampaignSecrets = {
    posKey: 'PosKeyS3cret0123456789abcdefABCD',
    notifyKey: 'NotifyKeyS3cret-0001',
    eventsToken: 'EventsTokenS3cret-0001',
    wooConsumerKey: 'ck_0123456789abcdef',
    wooConsumerSecret: 'cs_fedcba9876543210',
  };

  it('finds each secret, a bearer token and a full card number, and never echoes a secret', () => {
    const text = `key=${secrets.posKey} n=${secrets.notifyKey} t=${secrets.eventsToken} ${secrets.wooConsumerKey}:${secrets.wooConsumerSecret} Authorization: Bearer abcdefgh12345678 card 4111 1111 1111 1111 and 5555555555554444`;
    const leaks = scanForLeaks('log', text, secrets);
    expect(leaks.map((l) => l.what).sort()).toEqual(['bearer-token', 'card-number', 'card-number', 'events-token', 'notify-key', 'pos-key', 'woo-consumer-key', 'woo-consumer-secret']);
    const shown = JSON.stringify(leaks);
    for (const s of Object.values(secrets)) expect(shown).not.toContain(s);
    expect(shown).not.toContain('abcdefgh12345678');
    expect(shown).not.toContain('5555555555554444');
  });

  it('does not flag masked cards, syssn (26 digits), hex hashes, timestamps, known references or Luhn-invalid runs', () => {
    const now = Date.now();
    const text = [
      'card 476173******0119',
      'syssn 20250826154000000000000001',
      `sha256 ${'a1'.repeat(4)}4111111111111111${'b2'.repeat(4)}`,
      `{"time":${now}}`,
      'chnlsn 250826154000123456',
      'order 4111111111111112',
      'Bearer [redacted]',
    ].join('\n');
    const luhnRef = '250826154000123459'.split('');
    // Find a Luhn-valid 18-digit reference and allow it explicitly.
    for (let d = 0; d < 10; d++) {
      luhnRef[17] = String(d);
      if (luhnValid(luhnRef.join(''))) break;
    }
    const ref = luhnRef.join('');
    expect(luhnValid(ref)).toBe(true);
    expect(scanForLeaks('log', `${text}\nref ${ref}`, secrets, new Set([ref]), now)).toEqual([]);
    expect(scanForLeaks('log', `ref ${ref}`, secrets, new Set(), now).map((l) => l.what)).toEqual(['card-number']);
  });

  it('luhnValid', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('12a4')).toBe(false);
  });
});

describe('seeded plans', () => {
  it('the same seed and index give the same plan, whatever ran before', () => {
    const a = planScenario('s1', 17);
    for (let i = 0; i < 5; i++) planScenario('s1', i);
    expect(planScenario('s1', 17)).toEqual(a);
    expect(planScenario('s2', 17)).not.toEqual(a);
    expect(describePlan(a)).toMatch(/^#17 (odoo1[789]|woo) /);
  });

  it('plans respect the ERP filter, carry 1–2 distinct faults that apply to their ERP, and cover every fault kind', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const p = planScenario('cover', i, ['woo']);
      expect(p.erp).toBe('woo');
      expect(p.faults.length).toBeGreaterThanOrEqual(1);
      expect(p.faults.length).toBeLessThanOrEqual(2);
      expect(new Set(p.faults.map((f) => f.kind)).size).toBe(p.faults.length);
      for (const f of p.faults) {
        expect(faultAppliesTo(f.kind, 'woo')).toBe(true);
        if (f.phase === 'refund') expect(['pay-refund-full', 'pay-refund-partial']).toContain(p.flow);
        seen.add(f.kind);
      }
      if (p.flow === 'pay-refund-partial') {
        expect(p.refundMinor).toBeLessThan(p.amountMinor);
        expect(['wx', 'alipay', 'payme', 'fps']).toContain(p.channel);
      }
    }
    expect([...seen].sort()).toEqual(FAULT_KINDS.filter((k) => faultAppliesTo(k, 'woo')).sort());
    expect(planScenario('cover', 1, ERPS).erp).toMatch(/^(odoo|woo)$/);
  });

  it('Prng streams are deterministic and within bounds', () => {
    const a = new Prng('x');
    const b = new Prng('x');
    const xs = Array.from({ length: 50 }, () => a.int(3, 9));
    expect(Array.from({ length: 50 }, () => b.int(3, 9))).toEqual(xs);
    expect(xs.every((x) => x >= 3 && x <= 9)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(3);
  });
});

describe('parseChaosArgs', () => {
  it('parses the documented flags', () => {
    expect(parseChaosArgs(['--scenarios', '200', '--seed', 'ci-1', '--erp', 'woo', '--only', '3,17,3', '--json'])).toMatchObject({ scenarios: 200, seed: 'ci-1', erps: ['woo'], only: [3, 17], json: true, concurrency: 4 });
    expect(parseChaosArgs([])).toMatchObject({ scenarios: 100, seed: undefined, erps: ['odoo', 'woo'] });
  });

  it('refuses bad input with a message naming the flag', () => {
    expect(() => parseChaosArgs(['--scenarios', '0'])).toThrow(/--scenarios must be at least 1/);
    expect(() => parseChaosArgs(['--scenarios', 'many'])).toThrow(/--scenarios must be a whole number/);
    expect(() => parseChaosArgs(['--seed', 'a b'])).toThrow(/--seed/);
    expect(() => parseChaosArgs(['--erp', 'sap'])).toThrow(/--erp must be odoo, woo or both/);
    expect(() => parseChaosArgs(['--only', '1;2'])).toThrow(/--only/);
    expect(() => parseChaosArgs(['--sabotage', 'fire'])).toThrow(/--sabotage must be one of/);
    expect(() => parseChaosArgs(['--what'])).toThrow(/Unknown option/);
  });
});
