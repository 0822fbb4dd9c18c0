import { decodeResponseBody, encodeRequestBody } from '@qfpay-ecr/core';
import { GARBAGE_BODY, startSimulator, type Simulator } from '../src/index.js';
import { pay, POS_KEY, query, raw, refund } from './helpers.js';

describe('faults', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 } });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('drop-after-payment: the payment is approved and booked, the socket dies without a reply, paymentRequestCount is 1', async () => {
    sim.injectFault({ kind: 'drop-after-payment' });
    await expect(pay(sim, 'DROP-1', 42)).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sim.paymentRequestCount('DROP-1')).toBe(1);
    expect(sim.transactions()).toEqual([expect.objectContaining({ outTradeNo: 'DROP-1', respcd: '0000', amountMinor: 4200 })]);
    expect(sim.requests()[0]).toMatchObject({ funcType: 1001, respcd: null, fault: 'drop-after-payment' });
    expect((await query(sim, { out_trade_no: 'DROP-1' })).data).toMatchObject({ respcd: '0000', txamt: 4200 });
  });

  it('drop-after-payment waits for the next 1001 that opens a screen (queries pass through)', async () => {
    sim.injectFault({ kind: 'drop-after-payment' });
    expect((await query(sim, { out_trade_no: 'none' })).respcd).toBe('6000');
    await expect(pay(sim, 'DROP-2', 1)).rejects.toThrow();
    expect((await pay(sim, 'DROP-3', 1)).data).toMatchObject({ respcd: '0000' });
  });

  it('drop-before: the socket dies before anything is processed', async () => {
    sim.injectFault({ kind: 'drop-before' });
    await expect(pay(sim, 'DB-1', 1)).rejects.toThrow(/socket hang up|ECONNRESET|EPIPE/);
    expect(sim.transactions()).toHaveLength(0);
    expect(sim.paymentRequestCount('DB-1')).toBe(0);
    expect(sim.requests()[0]).toMatchObject({ fault: 'drop-before', respcd: null, content: null });
    expect((await pay(sim, 'DB-2', 1)).data).toMatchObject({ respcd: '0000' });
  });

  it('delay: the reply comes late but intact', async () => {
    sim.injectFault({ kind: 'delay', ms: 300 });
    const started = Date.now();
    const r = await query(sim, { out_trade_no: 'nope' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(r.data).toMatchObject({ respcd: '1136' });
    const quick = Date.now();
    await query(sim, { out_trade_no: 'nope' });
    expect(Date.now() - quick).toBeLessThan(250);
  });

  it('garbage: processed normally, answered 200 with a body that is neither JSON nor Base64', async () => {
    sim.injectFault({ kind: 'garbage' });
    const r = await raw(sim, '/api/pos/trade', { body: encodeRequestBody({ func_type: 1001, amt: 3, channel: 'wx', out_trade_no: 'G-1' }, POS_KEY) });
    expect(r.status).toBe(200);
    expect(r.body).toBe(GARBAGE_BODY);
    expect(() => JSON.parse(r.body)).toThrow();
    expect(() => decodeResponseBody(r.body, POS_KEY)).toThrow();
    expect(sim.transactions()[0]).toMatchObject({ outTradeNo: 'G-1', respcd: '0000' });
  });

  it('http500: HTML error, nothing processed', async () => {
    sim.injectFault({ kind: 'http500' });
    const r = await raw(sim, '/api/pos/trade', { body: encodeRequestBody({ func_type: 1001, amt: 3, channel: 'wx', out_trade_no: 'H-1' }, POS_KEY) });
    expect(r.status).toBe(500);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.body).toMatch(/<html>/);
    expect(sim.transactions()).toHaveLength(0);
    expect(sim.screen()).toBeNull();
    expect(sim.paymentRequestCount('H-1')).toBe(1);
  });

  it('busy: the next valid 1001/1002 gets 6002 without a screen; queries are unaffected', async () => {
    sim.injectFault({ kind: 'busy' });
    expect((await query(sim, { out_trade_no: 'x' })).respcd).toBe('6000');
    const r = await pay(sim, 'BUSY-1', 3);
    expect(r.respcd).toBe('6002');
    expect(sim.transactions()).toHaveLength(0);
    const ok = await pay(sim, 'BUSY-2', 3, 'wx');
    sim.injectFault({ kind: 'busy' });
    expect((await refund(sim, String(ok.data?.syssn))).respcd).toBe('6002');
    expect((await refund(sim, String(ok.data?.syssn))).data).toMatchObject({ respcd: '0000' });
  });

  it('faults are one-shot and validated', () => {
    expect(() => sim.injectFault({ kind: 'delay', ms: -1 })).toThrow(/invalid fault/);
    expect(() => sim.injectFault({ kind: 'explode' } as never)).toThrow(/invalid fault/);
  });

  it('close() ends held requests and pending delays at once', async () => {
    sim.setCustomer({ action: 'manual' });
    const held = pay(sim, 'CL-1', 1);
    await sim.waitForScreen();
    sim.injectFault({ kind: 'delay', ms: 60_000 });
    const delayed = query(sim, { out_trade_no: 'x' });
    const started = Date.now();
    await sim.close();
    await expect(held).rejects.toThrow();
    await expect(delayed).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(sim.transactions()).toHaveLength(0);
  });
});
