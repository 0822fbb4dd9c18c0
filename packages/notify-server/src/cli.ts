#!/usr/bin/env node
/**
 * `qfpay-notify`: runs the notify server with configuration from flags and environment.
 * Prints exactly one line on stdout, `listening on http://HOST:PORT`; logs (JSON) go to stderr.
 * SIGTERM / SIGINT shut down gracefully (in-flight requests finish, the store is closed).
 * Exit codes: 0 after a clean shutdown, 1 on a runtime failure, 2 on a configuration error.
 *
 * The server runs in a worker thread whose V8 heap is capped by {@link SERVER_HEAP_LIMITS}, which
 * keeps the process's memory small and steady; this main thread only starts it, prints the
 * `listening on` line and passes signals on. When heap sizes are given through `NODE_OPTIONS` or
 * node flags, the server runs on the main thread under those instead.
 */
import { Worker } from 'node:worker_threads';
import { SERVER_HEAP_LIMITS, userSizedHeap, writeStderr, type CliMainMessage, type CliWorkerMessage } from './cli-common.js';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

function printListening(url: string): void {
  process.stdout.write(`listening on ${url}\n`);
}

/** Runs the CLI on this thread (heap sized by the user's node flags). */
async function runHere(argv: readonly string[]): Promise<number> {
  const { runCli } = await import('./cli-run.js');
  return runCli(argv, process.env, {
    listening: printListening,
    stopRequested: () =>
      new Promise<string>((resolve) => {
        for (const signal of SIGNALS) process.once(signal, () => resolve(signal));
      }),
  });
}

/** Runs the CLI in a worker thread with the CLI's heap limits. */
function runInWorker(argv: readonly string[]): Promise<number> {
  return new Promise<number>((resolve) => {
    const worker = new Worker(new URL('./cli-worker.js', import.meta.url), { workerData: { argv: [...argv] }, resourceLimits: { ...SERVER_HEAP_LIMITS } });
    let failure: unknown;
    worker.on('message', (message: CliWorkerMessage) => {
      if (message.type !== 'listening') return;
      printListening(message.url);
      // As on the main thread: signals are taken over once the server listens.
      for (const signal of SIGNALS) process.once(signal, () => worker.postMessage({ type: 'stop', signal } satisfies CliMainMessage));
    });
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) => {
      if (failure === undefined) return resolve(code);
      // e.g. ERR_WORKER_OUT_OF_MEMORY (the heap cap was reached). Acknowledged notifications were committed.
      const { code: errorCode, stack, message } = failure as { code?: unknown; stack?: unknown; message?: unknown };
      const text = typeof stack === 'string' ? stack : typeof message === 'string' ? message : String(failure);
      writeStderr(`qfpay-notify: the server failed: ${typeof errorCode === 'string' ? `${errorCode} ` : ''}${text}`);
      resolve(1);
    });
  });
}

const argv = process.argv.slice(2);
const running = userSizedHeap(process.execArgv, process.env.NODE_OPTIONS) ? runHere(argv) : runInWorker(argv);
running.then(
  (code) => {
    process.exitCode = code;
    // Leave even if a socket lingers (stderr logging is synchronous, nothing is lost).
    setTimeout(() => process.exit(code), 50).unref();
  },
  (error: unknown) => {
    writeStderr(`qfpay-notify: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
