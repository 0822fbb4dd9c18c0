// Benchmark server, run as a child process by bench/run.mjs so its RSS can be measured alone.
//   node bench/server.mjs real <dir>   the real notify app on a SQLite file in <dir>
//   node bench/server.mjs bare         a bare Koa app answering SUCCESS without any work
// Reports { port } over IPC once listening; exits on SIGTERM after a graceful close.
import { join } from 'node:path';
import { createServer } from 'node:http';
import Koa from 'koa';
import { pino } from 'pino';
import { createLogger, createNotifyApp, createSqliteStore } from '../dist/index.js';

export const BENCH_KEY = 'bench-notify-key-0123456789abcdef';

const [mode, dir] = process.argv.slice(2);

async function startReal() {
  const logger = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'info', destination: pino.destination({ dest: join(dir, 'server.log'), sync: false }) });
  const store = createSqliteStore({ path: join(dir, 'bench.db') });
  const notify = createNotifyApp({ keys: BENCH_KEY, store, logger });
  const { port } = await notify.listen({ port: 0, host: '127.0.0.1' });
  return { port, close: () => notify.close() };
}

async function startBare() {
  const app = new Koa();
  app.use((ctx) => {
    ctx.type = 'text/plain';
    ctx.body = 'SUCCESS';
  });
  const server = createServer(app.callback());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.address().port, close: () => new Promise((resolve) => server.close(resolve)) };
}

const running = mode === 'real' ? await startReal() : await startBare();
process.send?.({ port: running.port });
process.on('message', (m) => {
  if (m === 'memory') {
    globalThis.gc?.();
    process.send?.({ memory: process.memoryUsage() });
  }
});
process.once('SIGTERM', () => {
  running.close().then(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
});
