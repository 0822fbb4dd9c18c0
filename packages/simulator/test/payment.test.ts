import { startSimulator, type Simulator } from '../src/index.js';
import { cancelRequest, pay, POS_KEY, query } from './helpers.js';

describe('payments (1001) over real HTTPS', () => {
  let sim: Simulator;
  afterEach(async () => {
    await sim.close();
  });

  it('approves with the scripted customer: 6000 / 0000 with ids, HK time and the card', async () => {
    const clock = () => new Date('2025-11-26T04:05:06Z'); // 12:05:06 in Hong Kong
    sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 20 }, clock, merchantName: 'Test Shop', terminalId: 'T-1' });
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.caFingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const r = await pay(sim, 'ORDER-1', 12.5);
    expect(r.status).toBe(200);
    expect(r.respcd).toBe('6000');
    expect(r.encrypted).toBe(false);
    const d = r.data as Record<string, unknown>;
    expect(d).toMatchObject({
      respcd: '0000',
      out_trade_no: 'ORDER-1',
      txamt: 12.5,
      txcurrcd: 'HKD',
      busicd: '802808',
      cardscheme: 'VISA',
      cardno: '476173******0119',
      sysdtm: '2025-11-26 12:05:06',
      paydtm: '2025-11-26 12:05:06',
      mchntnm: 'Test Shop',
      udid: 'T-1',
    });
    expect(d.syssn).toMatch(/^20251126120506\d{12}$/);
    expect(typeof d.chnlsn).toBe('string');
    expect(typeof d.clisn).toBe('string');
    const [entry] = sim.transactions();
    expect(entry).toMatchObject({ kind: 'payment', syssn: d.syssn, respcd: '0000', amountMinor: 1250, cancel: 0 });
    expect(sim.paymentRequestCount('ORDER-1')).toBe(1);
    expect(sim.requests()).toEqual([expect.objectContaining({ path: '/api/pos/trade', funcType: 1001, respcd: '6000' })]);
  });

  it('uses the script card and the wallet pay types (MPM when scan_type is QRCODE_PAY)', async () => {
    sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0, card: { scheme: 'MASTERCARD', masked: '520000******1096' } } });
    const card = await pay(sim, 'C-1', 1);
    expect(card.data).toMatchObject({ cardscheme: 'MASTERCARD', cardno: '520000******1096' });
    const wx = await pay(sim, 'W-1', 3.3, 'wx', { scan_type: 'QRCODE_PAY' });
    expect(wx.data).toMatchObject({ respcd: '0000', busicd: '800201', txamt: 3.3 });
    expect(wx.data).not.toHaveProperty('cardscheme');
    const ali = await pay(sim, 'A-1', 3, 'alipay');
    expect(ali.data).toMatchObject({ busicd: '800108' });
  });

  it('declines: outer 6000, data.respcd = the code with its message, booked as failed', async () => {
    sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'decline', afterMs: 0, code: '1201' } });
    const r = await pay(sim, 'D-1', 5);
    expect(r.respcd).toBe('6000');
    expect(r.data).toMatchObject({ respcd: '1201', reserr: 'Insufficient balance', out_trade_no: 'D-1' });
    expect(sim.transactions()[0]).toMatchObject({ respcd: '1201' });
    const q = await query(sim, { out_trade_no: 'D-1' });
    expect(q.data).toMatchObject({ respcd: '1201', allow_refund_amt: 0 });
  });

  it('customer cancel: outer 6001, nothing booked, a query says 1136', async () => {
    sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'cancel', afterMs: 0 } });
    const r = await pay(sim, 'X-1', 5);
    expect(r.respcd).toBe('6001');
    expect(r.data).toBeNull();
    expect(sim.transactions()).toHaveLength(0);
    expect((await query(sim, { out_trade_no: 'X-1' })).data).toMatchObject({ respcd: '1136' });
  });

  it('manual: the request is held until sim.customer acts; the screen shows it', async () => {
    sim = await startSimulator({ posKey: POS_KEY });
    expect(sim.customer.approve()).toBe(false);
    const reply = pay(sim, 'M-1', 99.99, 'amex_card');
    const screen = await sim.waitForScreen();
    expect(screen).toMatchObject({ kind: 'payment', outTradeNo: 'M-1', amountMinor: 9999, channel: 'amex_card' });
    expect(screen.openedAt).toBeInstanceOf(Date);
    expect(sim.screen()).toMatchObject({ outTradeNo: 'M-1' });
    let settled = false;
    void reply.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(false);
    expect(sim.customer.approve()).toBe(true);
    expect((await reply).data).toMatchObject({ respcd: '0000', cardscheme: 'AMEX' });
    expect(sim.screen()).toBeNull();
  });

  it('manual decline and cancel through the customer API', async () => {
    sim = await startSimulator({ posKey: POS_KEY });
    const a = pay(sim, 'M-2', 1);
    await sim.waitForScreen();
    expect(sim.customer.decline('1294')).toBe(true);
    expect((await a).data).toMatchObject({ respcd: '1294' });
    const b = pay(sim, 'M-3', 1);
    await sim.waitForScreen();
    expect(sim.customer.cancel()).toBe(true);
    expect((await b).respcd).toBe('6001');
  });

  it('5001 ends the held request with 6001 and itself answers 6000; with nothing open it says 1136', async () => {
    sim = await startSimulator({ posKey: POS_KEY });
    const held = pay(sim, 'C5-1', 20);
    await sim.waitForScreen();
    const c = await cancelRequest(sim);
    expect(c.respcd).toBe('6000');
    expect(c.data).toMatchObject({ respcd: '0000', out_trade_no: 'C5-1' });
    const h = await held;
    expect(h.respcd).toBe('6001');
    expect(h.resperr).toMatch(/5001/);
    expect(sim.transactions()).toHaveLength(0);
    const none = await cancelRequest(sim);
    expect(none.respcd).toBe('6000');
    expect(none.data).toMatchObject({ respcd: '1136' });
  });

  it('one screen at a time: a second 1001 while one is open gets 6002 and does not disturb it', async () => {
    sim = await startSimulator({ posKey: POS_KEY });
    const first = pay(sim, 'B-1', 10);
    await sim.waitForScreen();
    const second = await pay(sim, 'B-2', 10);
    expect(second.respcd).toBe('6002');
    expect(sim.screen()).toMatchObject({ outTradeNo: 'B-1' });
    sim.customer.approve();
    expect((await first).data).toMatchObject({ respcd: '0000', out_trade_no: 'B-1' });
    expect(sim.paymentRequestCount('B-2')).toBe(1);
  });

  it('re-using an out_trade_no never charges again: 1260 for a paid order', async () => {
    sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 } });
    await pay(sim, 'DUP-1', 10);
    const again = await pay(sim, 'DUP-1', 10);
    expect(again.data).toMatchObject({ respcd: '1260' });
    expect(sim.transactions()).toHaveLength(1);
    expect(sim.paymentRequestCount('DUP-1')).toBe(2);
  });

  it('a client that disconnects leaves the screen open; approving still books the payment', async () => {
    sim = await startSimulator({ posKey: POS_KEY });
    const { request } = await import('node:https');
    const { encodeRequestBody } = await import('@qfpay-ecr/core');
    const body = encodeRequestBody({ func_type: 1001, amt: 8, channel: 'card_payment', out_trade_no: 'GONE-1' }, POS_KEY);
    const req = request(new URL('/api/pos/trade', sim.url), { method: 'POST', ca: sim.caPem ?? undefined, agent: false, headers: { 'Content-Type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(body);
    await sim.waitForScreen();
    req.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(sim.screen()).toMatchObject({ outTradeNo: 'GONE-1' });
    expect(sim.customer.approve()).toBe(true);
    expect(sim.transactions()[0]).toMatchObject({ outTradeNo: 'GONE-1', respcd: '0000' });
    expect((await query(sim, { out_trade_no: 'GONE-1' })).data).toMatchObject({ respcd: '0000', txamt: 800 });
  });

  it('a payment_timeout with nobody acting ends the screen with 6001', async () => {
    sim = await startSimulator({ posKey: POS_KEY });
    const r = await pay(sim, 'T-1', 1, 'card_payment', { payment_timeout: 1 });
    expect(r.respcd).toBe('6001');
    expect(r.resperr).toMatch(/timeout/);
  });
});

describe('events', () => {
  it('emits screen, screen-closed, transaction and request events in order', async () => {
    const sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 } });
    const seen: string[] = [];
    sim.on('screen', (s) => seen.push(`screen:${s.outTradeNo}`));
    sim.on('screen-closed', (s, r) => seen.push(`closed:${s.outTradeNo}:${r.action}`));
    sim.on('transaction', (e) => seen.push(`transaction:${e.outTradeNo}:${e.respcd}`));
    sim.on('request', (r) => seen.push(`request:${r.funcType}:${r.respcd}`));
    try {
      await pay(sim, 'EV-1', 1);
      expect(seen).toEqual(['screen:EV-1', 'transaction:EV-1:0000', 'closed:EV-1:approve', 'request:1001:6000']);
    } finally {
      await sim.close();
    }
  });

  it('waitForScreen rejects with a typed error when nothing opens', async () => {
    const sim = await startSimulator({ posKey: POS_KEY });
    try {
      await expect(sim.waitForScreen(50)).rejects.toMatchObject({ code: 'SIM_NO_SCREEN' });
      expect(() => sim.setCustomer({ action: 'decline', code: '0000' })).toThrow(/invalid customer script/);
      const waiting = sim.waitForScreen(60_000);
      await sim.close();
      await expect(waiting).rejects.toMatchObject({ code: 'SIM_CLOSED' });
    } finally {
      await sim.close();
    }
  });
});

describe('startup', () => {
  it('a taken port is a typed, actionable error', async () => {
    const first = await startSimulator({ posKey: POS_KEY, tls: false });
    try {
      await expect(startSimulator({ posKey: POS_KEY, tls: false, port: first.port })).rejects.toMatchObject({ code: 'SIM_LISTEN', message: expect.stringMatching(/EADDRINUSE/) });
    } finally {
      await first.close();
    }
  });
});

describe('queries (4001)', () => {
  let sim: Simulator;
  afterEach(async () => {
    await sim.close();
  });

  it('answers from the book with integer cents, by out_trade_no or syssn, and 1136 when unknown', async () => {
    sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 } });
    const p = await pay(sim, 'Q-1', 12.34);
    const syssn = (p.data as { syssn: string }).syssn;
    const byRef = await query(sim, { out_trade_no: 'Q-1' });
    expect(byRef.respcd).toBe('6000');
    expect(byRef.data).toMatchObject({
      respcd: '0000',
      syssn,
      out_trade_no: 'Q-1',
      tradetp: 'payment',
      cancel: 0,
      txamt: 1234,
      allow_refund_amt: 1234,
      txcurrcd: 'HKD',
      cardscheme: 'VISA',
      cardno: '476173******0119',
    });
    expect((await query(sim, { orderId: syssn })).data).toMatchObject({ out_trade_no: 'Q-1', txamt: 1234 });
    const missing = await query(sim, { out_trade_no: 'NOPE' });
    expect(missing.respcd).toBe('6000');
    expect(missing.data).toMatchObject({ respcd: '1136', reserr: 'Transaction does not exist' });
  });

  it('says 1145 (processing) for the open screen', async () => {
    sim = await startSimulator({ posKey: POS_KEY });
    const held = pay(sim, 'Q-2', 2);
    const screen = await sim.waitForScreen();
    const q = await query(sim, { out_trade_no: 'Q-2' });
    expect(q.data).toMatchObject({ respcd: '1145', syssn: screen.syssn, txamt: 200 });
    sim.customer.approve();
    await held;
    expect((await query(sim, { out_trade_no: 'Q-2' })).data).toMatchObject({ respcd: '0000', syssn: screen.syssn });
  });

  it('pending-then-approve: 1001 says pending, N queries say pending, then 0000', async () => {
    sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'pending-then-approve', afterMs: 0, pendingQueries: 2, code: '1298' } });
    const r = await pay(sim, 'P-1', 7);
    expect(r.respcd).toBe('6000');
    expect(r.data).toMatchObject({ respcd: '1298', out_trade_no: 'P-1' });
    expect((await query(sim, { out_trade_no: 'P-1' })).data).toMatchObject({ respcd: '1298', allow_refund_amt: 0 });
    expect((await query(sim, { out_trade_no: 'P-1' })).data).toMatchObject({ respcd: '1298' });
    expect((await query(sim, { out_trade_no: 'P-1' })).data).toMatchObject({ respcd: '0000', allow_refund_amt: 700 });
    expect(sim.transactions()[0]).toMatchObject({ respcd: '0000' });
  });

  it('pending-then-approve defaults to 1145 and two pending queries', async () => {
    sim = await startSimulator({ posKey: POS_KEY });
    sim.setCustomer({ action: 'pending-then-approve', afterMs: 0 });
    expect((await pay(sim, 'P-2', 1)).data).toMatchObject({ respcd: '1145' });
    const codes: unknown[] = [];
    for (let i = 0; i < 3; i += 1) codes.push((await query(sim, { out_trade_no: 'P-2' })).data?.respcd);
    expect(codes).toEqual(['1145', '1145', '0000']);
  });
});
