/**
 * The light part of the `qfpay-notify` CLI, loaded by its main thread: the heap limits the server
 * runs under and how the threads talk. Nothing here imports the server, so the main thread stays
 * small when the server runs in a worker thread.
 */
import { writeSync } from 'node:fs';

/**
 * V8 heap limits of the server's JavaScript heap under the CLI (the `resourceLimits` of the
 * worker thread it runs in). A busy server keeps ~20 MB alive, but V8's defaults let the young
 * generation take up to 48 MB and the heap grow to about four times its live size between full
 * collections; under a sustained flood that made the process peak near 200 MB. With these limits
 * it peaks near 140 MB (measured with `pnpm bench`) at the same throughput: the young-generation
 * cap bounds the nursery, and a bounded old generation makes V8 collect sooner. Buffers (request
 * bodies) live outside this heap. Reaching the 512 MB old-generation cap ends the process with
 * exit code 1 — nothing acknowledged is lost, every `SUCCESS` was committed first. To choose
 * other sizes, give node heap flags (`NODE_OPTIONS=--max-old-space-size=…`): the CLI then runs
 * the server on its main thread under those.
 */
export const SERVER_HEAP_LIMITS = Object.freeze({ maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 512 });

const HEAP_FLAG = /--max-old-space-size|--max-semi-space-size|--max-heap-size/;

/** Whether heap sizes were given in `NODE_OPTIONS` or on node's command line. */
export function userSizedHeap(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return HEAP_FLAG.test(nodeOptions ?? '') || execArgv.some((arg) => HEAP_FLAG.test(arg));
}

/** Writes a line on stderr synchronously (from the main thread or a worker alike). */
export function writeStderr(line: string): void {
  writeSync(2, `${line}\n`);
}

/** Messages from the CLI worker to the main thread. */
export type CliWorkerMessage = { type: 'listening'; url: string };
/** Messages from the main thread to the CLI worker. */
export type CliMainMessage = { type: 'stop'; signal: string };
