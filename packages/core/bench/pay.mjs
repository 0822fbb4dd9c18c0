// pay() round trip against the simulator with an instant customer, versus a raw undici POST of a
// pre-encoded 1001 body to the same simulator. Same connection policy as QFPayTerminal (a fresh
// TLS connection per request) so the ratio measures what the terminal layer adds; the keep-alive
// figure is printed for reference.
import { Agent, request } from 'undici';
import { startSimulator } from '@qfpay-ecr/simulator';
import { QFPayTerminal, encodeRequestBody, newOutTradeNo } from '../dist/index.js';

const posKey = '0123456789abcdef0123456789abcdef';
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchPay({ iterations = 150 } = {}) {
  const sim = await startSimulator({ posKey, customer: { action: 'approve', afterMs: 0 } });
  const terminal = new QFPayTerminal({
    host: sim.host, port: sim.port, posKey, ca: sim.caPem, pinnedCaFingerprint256: sim.caFingerprint256,
  });
  const fresh = new Agent({ connect: { ca: sim.caPem }, pipelining: 0 }); // pipelining 0 = no reuse
  const keepAlive = new Agent({ connect: { ca: sim.caPem } });
  const raw = async (dispatcher) => {
    const body = encodeRequestBody({ func_type: 1001, amt: 12.5, channel: 'card_payment', out_trade_no: newOutTradeNo('raw') }, posKey);
    const t0 = performance.now();
    const res = await request(`${sim.url}/api/pos/trade`, {
      method: 'POST', body, dispatcher, headers: { 'content-type': 'application/json', accept: 'application/json' },
    });
    await res.body.text();
    return performance.now() - t0;
  };
  const ours = async () => {
    const t0 = performance.now();
    const outcome = await terminal.pay({ amountMinor: 1250, channel: 'card_payment' });
    const ms = performance.now() - t0;
    if (outcome.status !== 'approved') throw new Error(`bench payment not approved: ${outcome.status}`);
    return ms;
  };
  try {
    for (let i = 0; i < 20; i++) { await ours(); await raw(fresh); await raw(keepAlive); } // warm-up
    const o = [], f = [], k = [];
    for (let i = 0; i < iterations; i++) { // interleaved so both see the same machine noise
      o.push(await ours());
      f.push(await raw(fresh));
      k.push(await raw(keepAlive));
    }
    return { iterations, payMedianMs: median(o), rawFreshMedianMs: median(f), rawKeepAliveMedianMs: median(k), ratio: median(o) / median(f), ratioVsKeepAlive: median(o) / median(k) };
  } finally {
    await terminal.close();
    await fresh.close();
    await keepAlive.close();
    await sim.close();
  }
}
