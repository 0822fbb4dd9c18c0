// `pnpm bench` for @qfpay-ecr/core: prints figures; targets are reported, never asserted.
import { benchCodec } from './codec.mjs';
import { benchPay } from './pay.mjs';

const codec = await benchCodec();
console.log('encode+sign vs node:crypto floor (MD5 + AES-CBC + Base64 of the same bytes)');
console.log(`  ours  ${Math.round(codec.oursOpsPerSec).toLocaleString('en')} ops/s`);
console.log(`  floor ${Math.round(codec.floorOpsPerSec).toLocaleString('en')} ops/s`);
console.log(`  ratio ${codec.ratio.toFixed(2)}  (target ≥ 0.70) ${codec.ratio >= 0.7 ? 'met' : 'MISSED'}`);

const pay = await benchPay();
console.log(`pay() round trip vs raw undici POST of a pre-encoded body (${pay.iterations} each, simulator, instant customer)`);
console.log(`  pay() median            ${pay.payMedianMs.toFixed(2)} ms`);
console.log(`  raw POST median         ${pay.rawFreshMedianMs.toFixed(2)} ms (fresh TLS connection, as pay() uses)`);
console.log(`  raw POST keep-alive     ${pay.rawKeepAliveMedianMs.toFixed(2)} ms (reference)`);
console.log(`  overhead ratio ${pay.ratio.toFixed(2)}  (target ≤ 1.30) ${pay.ratio <= 1.3 ? 'met' : 'MISSED'}; vs keep-alive ${pay.ratioVsKeepAlive.toFixed(2)}`);
