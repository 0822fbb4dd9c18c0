import { startSimulator, type Simulator } from '../src/index.js';
import { pay, POS_KEY, query, refund } from './helpers.js';

describe('refunds (1002)', () => {
  let sim: Simulator;
  let now: Date;
  const syssnOf = (r: { data: Record<string, unknown> | null }) => String(r.data?.syssn);

  beforeEach(async () => {
    now = new Date('2025-11-26T02:00:00Z'); // 10:00 Hong Kong time
    sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 }, clock: () => now });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('a same-day card payment can only be refunded in full (1271 for partial), then is fully refunded (cancel 3)', async () => {
    const p = await pay(sim, 'R-1', 12.5);
    const syssn = syssnOf(p);
    const partial = await refund(sim, syssn, '5.00');
    expect(partial.respcd).toBe('6000');
    expect(partial.data).toMatchObject({ respcd: '1271' });
    expect(sim.transactions()).toHaveLength(1);

    const full = await refund(sim, syssn, '12.50');
    expect(full.respcd).toBe('6000');
    expect(full.data).toMatchObject({ respcd: '0000', orig_syssn: syssn, txamt: '12.50', originTxamt: 12.5, txcurrcd: 'HKD' });
    const refundSyssn = syssnOf(full);
    expect(refundSyssn).not.toBe(syssn);
    expect(String(full.data?.out_trade_no)).toMatch(/^R\d+$/);

    expect((await query(sim, { orderId: syssn })).data).toMatchObject({ cancel: 3, allow_refund_amt: 0, txamt: 1250 });
    expect((await query(sim, { orderId: refundSyssn })).data).toMatchObject({ tradetp: 'refund', origssn: syssn, txamt: 1250, respcd: '0000' });
    expect((await refund(sim, syssn)).data).toMatchObject({ respcd: '1125' });
  });

  it('a card payment from an earlier Hong Kong day may be refunded in part', async () => {
    const p = await pay(sim, 'R-2', 100);
    now = new Date('2025-11-26T16:30:00Z'); // 00:30 the next day in Hong Kong
    const r = await refund(sim, syssnOf(p), '40.00');
    expect(r.data).toMatchObject({ respcd: '0000', txamt: '40.00' });
    expect((await query(sim, { out_trade_no: 'R-2' })).data).toMatchObject({ cancel: 5, allow_refund_amt: 6000 });
  });

  it('the same-day rule follows the Hong Kong calendar, not UTC', async () => {
    now = new Date('2025-11-26T15:00:00Z'); // 23:00 HK
    const p = await pay(sim, 'R-3', 10);
    now = new Date('2025-11-26T15:50:00Z'); // 23:50 HK, same UTC and HK day
    expect((await refund(sim, syssnOf(p), '1.00')).data).toMatchObject({ respcd: '1271' });
    now = new Date('2025-11-26T16:10:00Z'); // 00:10 HK next day, still 26 Nov in UTC
    expect((await refund(sim, syssnOf(p), '1.00')).data).toMatchObject({ respcd: '0000' });
  });

  it('wallet payments refund partially, several times, up to the refundable amount (1272 above it)', async () => {
    const p = await pay(sim, 'W-1', 30, 'wx');
    const syssn = syssnOf(p);
    expect((await refund(sim, syssn, '10.00')).data).toMatchObject({ respcd: '0000' });
    expect((await query(sim, { orderId: syssn })).data).toMatchObject({ cancel: 5, allow_refund_amt: 2000 });
    expect((await refund(sim, syssn, '20.01')).data).toMatchObject({ respcd: '1272' });
    const rest = await refund(sim, syssn);
    expect(rest.data).toMatchObject({ respcd: '0000', txamt: '20.00' });
    expect((await query(sim, { orderId: syssn })).data).toMatchObject({ cancel: 3, allow_refund_amt: 0 });
    const entry = sim.transactions().find((e) => e.syssn === syssn);
    expect(entry).toMatchObject({ refundedMinor: 3000, cancel: 3 });
  });

  it('refuses Octopus (1155), unknown syssn (1136), declined payments (1136) and refunds of refunds (1136)', async () => {
    const o = await pay(sim, 'O-1', 5, 'octopus');
    expect((await refund(sim, syssnOf(o))).data).toMatchObject({ respcd: '1155' });
    expect((await refund(sim, '20250101000000999999999999')).data).toMatchObject({ respcd: '1136', reserr: 'Transaction does not exist' });
    sim.setCustomer({ action: 'decline', afterMs: 0 });
    const d = await pay(sim, 'D-1', 5, 'wx');
    expect((await refund(sim, syssnOf(d))).data).toMatchObject({ respcd: '1136' });
    sim.setCustomer({ action: 'approve', afterMs: 0 });
    const w = await pay(sim, 'W-2', 5, 'wx');
    const r = await refund(sim, syssnOf(w), '1.00');
    expect((await refund(sim, syssnOf(r))).data).toMatchObject({ respcd: '1136' });
    expect(sim.transactions().filter((e) => e.kind === 'refund')).toHaveLength(1);
  });

  it('accepts the payment out_trade_no as orderId too (older docs)', async () => {
    await pay(sim, 'OLD-1', 5, 'alipay');
    expect((await refund(sim, 'OLD-1')).data).toMatchObject({ respcd: '0000', txamt: '5.00' });
  });

  it('opens a refund screen held until the operator confirms; cancel gives 6001 and refunds nothing', async () => {
    const p = await pay(sim, 'S-1', 8, 'payme');
    sim.setCustomer({ action: 'manual' });
    const pending = refund(sim, syssnOf(p), '3.00');
    const screen = await sim.waitForScreen();
    expect(screen).toMatchObject({ kind: 'refund', amountMinor: 300, channel: 'payme', origSyssn: syssnOf(p) });
    expect(sim.customer.cancel()).toBe(true);
    expect((await pending).respcd).toBe('6001');
    expect((await query(sim, { orderId: syssnOf(p) })).data).toMatchObject({ cancel: 0, allow_refund_amt: 800 });

    const again = refund(sim, syssnOf(p), '3.00');
    await sim.waitForScreen();
    sim.customer.approve();
    expect((await again).data).toMatchObject({ respcd: '0000' });
  });

  it('a refund declined by the host keeps the payment refundable', async () => {
    const p = await pay(sim, 'S-2', 8, 'wx');
    sim.setCustomer({ action: 'decline', afterMs: 0, code: '1269' });
    expect((await refund(sim, syssnOf(p))).data).toMatchObject({ respcd: '1269' });
    expect((await query(sim, { orderId: syssnOf(p) })).data).toMatchObject({ cancel: 0, allow_refund_amt: 800 });
  });
});
