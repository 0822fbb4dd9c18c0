// Encode+sign throughput of encodeRequestBody against the floor: bare node:crypto MD5 + AES-CBC +
// Base64 of the very same bytes, measured in the same run, alternating rounds to share noise.
import { createCipheriv, createHash } from 'node:crypto';
import { encodeRequestBody, formatContent, computeDigest, buildEnvelope } from '../dist/index.js';

const posKey = '0123456789abcdef0123456789abcdef';
const content = { func_type: 1001, amt: 12.5, channel: 'card_payment', out_trade_no: 'ORDER-0001', moveToBack: 1, payment_timeout: 120 };
const formatted = formatContent(content);
const plaintext = buildEnvelope(formatted, computeDigest(content, posKey));
const key = Buffer.from(posKey, 'utf8');
const iv = Buffer.from('qfpay202306_hjsh', 'utf8');

function floor() {
  const digest = createHash('md5').update(formatted + posKey, 'utf8').digest('hex').toUpperCase();
  const c = createCipheriv('aes-256-cbc', key, iv);
  return JSON.stringify(Buffer.concat([c.update(plaintext, 'utf8'), c.final()]).toString('base64')) + digest.length;
}
function ours() {
  return encodeRequestBody(content, posKey);
}

function opsPerSec(fn, ms) {
  let n = 0;
  const end = performance.now() + ms;
  let sink = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 200; i++) sink += fn().length;
    n += 200;
  }
  if (sink === 0) throw new Error('unreachable');
  return (n / ms) * 1000;
}

export async function benchCodec({ rounds = 5, ms = 400 } = {}) {
  opsPerSec(floor, 200);
  opsPerSec(ours, 200); // warm-up
  const f = [];
  const o = [];
  for (let r = 0; r < rounds; r++) {
    f.push(opsPerSec(floor, ms));
    o.push(opsPerSec(ours, ms));
  }
  const med = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { floorOpsPerSec: med(f), oursOpsPerSec: med(o), ratio: med(o) / med(f) };
}
