/**
 * The simulator as a party in security tests: its ECR port and its /sim/* control API read
 * bounded bodies. An oversize ECR request gets the terminal's parameter error (4006) and the
 * connection is closed; an oversize control body gets 413. Nothing is started by either.
 */
import { decodeResponseBody } from '@qfpay-ecr/core';
import { SIMULATOR_DEFAULTS, startSimulator, type Simulator } from '../src/index.js';
import { POS_KEY, raw } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'manual' } });
});
afterAll(async () => {
  await sim.close();
});

describe('simulator body limits', () => {
  it('an ECR body over the limit → 4006 with Connection: close, and no transaction', async () => {
    const big = JSON.stringify('A'.repeat(SIMULATOR_DEFAULTS.maxBodyBytes + 1024));
    const reply = await raw(sim, '/api/pos/trade', { body: big });
    expect(reply.headers.connection).toBe('close');
    expect(decodeResponseBody(reply.body, POS_KEY).respcd).toBe('4006');
    expect(sim.screen()).toBeNull();
    expect(sim.transactions()).toEqual([]);
  });

  it('a /sim/* control body over 4 KiB → 413 and the screen is untouched', async () => {
    const reply = await raw(sim, '/sim/decline', { body: JSON.stringify({ code: '1205', pad: 'x'.repeat(5000) }) });
    expect(reply.status).toBe(413);
    expect(sim.transactions()).toEqual([]);
  });
});
