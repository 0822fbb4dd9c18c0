// `pnpm bench`: autocannon against the real notify server vs. a bare Koa app.
// 127.0.0.1, 32 connections, 10 s each, every request a signed notification with a unique syssn.
// "real" is the product as shipped: the built CLI (dist/cli.js) with its defaults — SQLite store
// (WAL, synchronous=FULL), info-level JSON logs on stderr (to a file here), the CLI's heap limits.
// "bare" is a Koa app answering SUCCESS without any work (bench/server.mjs).
// Prints throughput, ratio, p99 latency and each server process's peak RSS. Figures, not asserts.
// Targets (issue 3): ratio >= 0.5, p99 <= 25 ms, peak RSS <= 150 MB.
import { fork, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { signNotification } from '@qfpay-ecr/core';

const here = fileURLToPath(new URL('.', import.meta.url));
const BENCH_KEY = 'bench-notify-key-0123456789abcdef';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
// Extra node flags for the server processes, e.g. BENCH_SERVER_FLAGS=--max-old-space-size=64
// (heap flags make the CLI run its server on the main thread under them instead of its defaults).
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

function rssMb(pid, field) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

function childExited(child, what) {
  return new Promise((_, reject) => child.once('exit', (code, signal) => reject(new Error(`${what} exited (${code ?? signal})`))));
}

async function startServer(mode, dir) {
  if (mode === 'bare') {
    const child = fork(join(here, 'server.mjs'), ['bare'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: SERVER_FLAGS });
    const port = await Promise.race([new Promise((resolve) => child.once('message', (m) => resolve(m.port))), childExited(child, 'bare server')]);
    return { child, port };
  }
  // The real server is started exactly as a user starts it: the built CLI, default options.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('QFPAY_')));
  env.QFPAY_NOTIFY_KEYS = BENCH_KEY;
  if (process.env.BENCH_LOG_LEVEL) env.QFPAY_NOTIFY_LOG_LEVEL = process.env.BENCH_LOG_LEVEL;
  const log = openSync(join(dir, 'server.log'), 'w');
  const args = [...SERVER_FLAGS, join(here, '..', 'dist', 'cli.js'), '--port', '0', '--host', '127.0.0.1', '--sqlite-path', join(dir, 'bench.db')];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', log] });
  closeSync(log);
  const port = await Promise.race([
    new Promise((resolve) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const m = /listening on http:\/\/[^\s]+:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
    }),
    childExited(child, 'qfpay-notify'),
  ]);
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
    const peak = rssMb(child.pid, 'VmHWM');
    const now = rssMb(child.pid, 'VmRSS');
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
      rssMb: peak,
      rssNowMb: now,
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
console.log(`RSS after the run:          ${real.rssNowMb.toFixed(1)} MB (real), ${bare.rssNowMb.toFixed(1)} MB (bare)`);
console.log(`stored: ${real.ok} notifications acknowledged, SQLite file ${(real.dbBytes / 1048576).toFixed(1)} MB (WAL, synchronous=FULL)`);
