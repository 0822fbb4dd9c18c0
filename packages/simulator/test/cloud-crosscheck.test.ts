/**
 * Cross-check: core's OpenAPI signer (written separately) against the simulator's own verifier.
 * If either drifts from QFPay's rule, the pushes below stop being accepted.
 */
import { signCloudRequest } from '@qfpay-ecr/core';
import { startSimulator, type Simulator } from '../src/index.js';
import { POS_KEY } from './helpers.js';
import { APP_CODE, CLIENT_KEY, cloudPost, qfSign, TERMID } from './cloud-helpers.js';

describe('ECR Cloud signatures: core signer ↔ simulator verifier', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ posKey: POS_KEY, cloud: { appCode: APP_CODE, clientKey: CLIENT_KEY, termid: TERMID } });
  });
  afterAll(async () => {
    await sim.close();
  });

  it.each([
    ['MD5', 'plain'],
    ['SHA256', 'plain'],
    ['MD5', 'A&B=C+D E/é中%20'],
    ['SHA256', 'A&B=C+D E/é中%20'],
  ] as const)('%s signature over out_trade_no %p is accepted and matches the test signer', async (signType, ref) => {
    const params = { termid: TERMID, out_trade_no: ref };
    const sign = signCloudRequest(params, CLIENT_KEY, signType);
    expect(sign).toBe(qfSign(params, CLIENT_KEY, signType));
    const r = await cloudPost(sim, '/ecr/v1/query', params, { sign, signType });
    expect(r.json).toEqual({ resperr: "The order doesn't exist", respcd: '1136', respmsg: '' });
    const forged = await cloudPost(sim, '/ecr/v1/query', params, { sign: signCloudRequest(params, `${CLIENT_KEY}x`, signType), signType });
    expect(forged.json.respcd).toBe('1108');
  });
});
