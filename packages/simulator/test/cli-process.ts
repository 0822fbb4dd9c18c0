/** The simulator CLI (`dist/cli.js`) as a child process, for the CLI suites. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PKG = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(PKG, 'dist', 'cli.js');

export interface Running {
  child: ChildProcessWithoutNullStreams;
  /** stdout and stderr so far, interleaved. */
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts the CLI with `args`; `env` overrides the parent's (undefined removes a variable, e.g. a key). */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): Running {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) childEnv[k] = v;
  const child = spawn(process.execPath, [CLI, ...args], { env: childEnv });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

/** Waits until the output matches `pattern`; fails with the output when it does not in time or the CLI exits. */
export async function waitFor(r: Running, pattern: RegExp, timeoutMs = 15000): Promise<RegExpMatchArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(r.output());
    if (m) return m;
    if (Date.now() > end || r.child.exitCode !== null) throw new Error(`CLI did not print ${pattern}; output so far:\n${r.output()}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}
