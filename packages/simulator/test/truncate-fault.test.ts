/** The `truncate` fault: a reply cut mid-body, after the request was processed (booked). */
import { decodeResponseBody, encodeRequestBody } from '@qfpay-ecr/core';
import { startSimulator, type Simulator } from '../src/index.js';
import { pay, POS_KEY, query, raw } from './helpers.js';

describe('truncate fault', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 } });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('cuts the connection mid-body: the client sees a premature close, the payment is booked', async () => {
    sim.injectFault({ kind: 'truncate' });
    await expect(pay(sim, 'TR-1', 5)).rejects.toThrow(/aborted|socket hang up|ECONNRESET/);
    expect(sim.transactions()).toEqual([expect.objectContaining({ outTradeNo: 'TR-1', respcd: '0000' })]);
    expect(sim.paymentRequestCount('TR-1')).toBe(1);
    expect(sim.requests()[0]).toMatchObject({ funcType: 1001, fault: 'truncate', respcd: null });
    // The next request is answered whole.
    expect((await query(sim, { out_trade_no: 'TR-1' })).data).toMatchObject({ respcd: '0000', txamt: 500 });
  });

  it('complete: the first half of the reply arrives as a whole, well-formed HTTP response that cannot be decoded', async () => {
    sim.injectFault({ kind: 'truncate', complete: true });
    const r = await raw(sim, '/api/pos/trade', { body: encodeRequestBody({ func_type: 1001, amt: 3, channel: 'wx', out_trade_no: 'TR-2' }, POS_KEY) });
    expect(r.status).toBe(200);
    expect(r.body.length).toBeGreaterThan(10);
    expect(r.body.startsWith('{')).toBe(true);
    expect(() => decodeResponseBody(r.body, POS_KEY)).toThrow();
    expect(sim.transactions()[0]).toMatchObject({ outTradeNo: 'TR-2', respcd: '0000' });
  });
});
