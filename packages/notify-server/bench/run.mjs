// `pnpm bench`: autocannon against the real notify route + SQLite store vs. a bare Koa app.
// 127.0.0.1, 32 connections, 10 s each, every request a signed notification with a unique syssn.
// Prints throughput, ratio, p99 latency and the server process's peak RSS. Figures, not asserts.
// Targets (issue 3): ratio >= 0.5, p99 <= 25 ms, peak RSS <= 150 MB.
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { signNotification } from '@qfpay-ecr/core';

const here = fileURLToPath(new URL('.', import.meta.url));
const BENCH_KEY = 'bench-notify-key-0123456789abcdef'; // same as bench/server.mjs
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
// Extra node flags for the server processes, e.g. BENCH_SERVER_FLAGS=--max-old-space-size=64
const SERVER_FLAGS = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);

if (!existsSync(join(here, '..', 'dist', 'index.js'))) {
  console.error('bench: build first (pnpm run build)');
  process.exit(1);
}

let counter = 0;
const runId = Date.now().toString(36);
function signedRequest() {
  counter += 1;
  const syssn = `2025${String(counter).padStart(12, '0')}${Math.floor(Math.random() * 1e6)}`;
  const body = JSON.stringify({
    notify_type: 'payment', status: '1', respcd: '0000', syssn, out_trade_no: `bench-${runId}-${counter}`,
    txamt: '1250', txcurrcd: 'HKD', pay_type: '802808', txdtm: '2025-08-26 17:50:34', sysdtm: '2025-08-26 17:50:36',
    paydtm: '2025-08-26 17:50:37', chnlsn: '2025085675626675', cancel: '0', cardcd: '520000******1096',
  });
  return { body, headers: { 'content-type': 'application/json', 'x-qf-sign': signNotification(body, BENCH_KEY) } };
}

function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function startServer(mode, dir) {
  const child = fork(join(here, 'server.mjs'), [mode, dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: SERVER_FLAGS });
  const port = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`${mode} server exited (${code})`)));
  });
  return { child, port };
}

async function stopServer(child) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function measure(mode) {
  const dir = mkdtempSync(join(tmpdir(), `qfpay-notify-bench-${mode}-`));
  const { child, port } = await startServer(mode, dir);
  try {
    const result = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: CONNECTIONS,
      duration: DURATION,
      requests: [
        {
          method: 'POST',
          path: '/qfpay/notify',
          setupRequest: (req) => ({ ...req, ...signedRequest() }),
        },
      ],
    });
    const rss = peakRssMb(child.pid);
    child.send('memory');
    const after = await new Promise((resolve) => child.once('message', (m) => resolve(m.memory)));
    const dbBytes = mode === 'real' ? statSync(join(dir, 'bench.db')).size + (existsSync(join(dir, 'bench.db-wal')) ? statSync(join(dir, 'bench.db-wal')).size : 0) : 0;
    return {
      mode,
      rps: result.requests.average,
      total: result.requests.total,
      ok: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
      rssMb: rss,
      heapUsedMb: after.heapUsed / 1048576,
      dbBytes,
    };
  } finally {
    await stopServer(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`notify-server bench: ${CONNECTIONS} connections, ${DURATION} s per run, ${cpus().length} CPU(s), node ${process.version}${SERVER_FLAGS.length ? `, server flags ${SERVER_FLAGS.join(' ')}` : ''}`);
const bare = await measure('bare');
const real = await measure('real');
const fmt = (r) =>
  `${r.mode.padEnd(5)} ${r.rps.toFixed(0).padStart(7)} req/s  total ${String(r.total).padStart(7)}  2xx ${String(r.ok).padStart(7)}  non-2xx ${r.non2xx}  errors ${r.errors}  ` +
  `p50 ${r.p50} ms  p99 ${r.p99} ms  max ${r.max} ms  peak RSS ${r.rssMb.toFixed(1)} MB`;
console.log(fmt(bare));
console.log(fmt(real));
const ratio = real.rps / bare.rps;
console.log('');
console.log(`throughput ratio real/bare: ${ratio.toFixed(2)}   (target >= 0.5)`);
console.log(`p99 latency (real):         ${real.p99} ms   (target <= 25 ms)`);
console.log(`peak RSS (real server):     ${real.rssMb.toFixed(1)} MB   (target <= 150 MB; bare Koa: ${bare.rssMb.toFixed(1)} MB)`);
console.log(`heap after the run:         ${real.heapUsedMb.toFixed(1)} MB used${SERVER_FLAGS.includes('--expose-gc') ? ' after a full GC' : ' (run with BENCH_SERVER_FLAGS=--expose-gc to see the live set after a full GC)'}`);
console.log(`stored: ${real.ok} notifications acknowledged, SQLite file ${(real.dbBytes / 1048576).toFixed(1)} MB (WAL, synchronous=FULL)`);
