/**
 * Worker-thread entry of the `qfpay-notify` CLI: parses the configuration and runs the server
 * under the heap limits the main thread gave this worker. Messages: `{ type: 'listening', url }`
 * to the main thread, `{ type: 'stop', signal }` from it; this thread's exit code is the CLI's.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CliMainMessage, CliWorkerMessage } from './cli-common.js';
import { runCli } from './cli-run.js';

if (!parentPort) throw new Error('cli-worker.js runs as a worker thread of qfpay-notify');
const port = parentPort;
const { argv } = workerData as { argv: string[] };

const code = await runCli(argv, process.env, {
  listening: (url) => port.postMessage({ type: 'listening', url } satisfies CliWorkerMessage),
  stopRequested: () =>
    new Promise<string>((resolve) => {
      port.on('message', (message: CliMainMessage) => {
        if (message.type === 'stop') resolve(message.signal);
      });
    }),
});
// Ends this thread (not the process) with the exit code; the main thread passes it on.
process.exit(code);
