/**
 * Runs the demo exactly as `npm run demo` does (`node scripts/demo.mjs`, which needs the build),
 * as a child process on port 0 in quiet mode with its own data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const DEMO = fileURLToPath(new URL('../../../../scripts/demo.mjs', import.meta.url));

export interface DemoProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the demo; `extraArgs` are more flags, e.g. `['--cloud']` for ECR Cloud mode. */
export function startDemoProcess(dataDir: string, extraArgs: readonly string[] = []): Promise<DemoProcess> {
  const child = spawn(process.execPath, [DEMO, '--port', '0', '--quiet', '--data-dir', dataDir, ...extraArgs], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = /Storefront: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (!match) return;
      child.stdout?.off('data', onData);
      resolve({
        url: match[1] as string,
        child,
        output: () => out,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the demo exited (${code}) before printing its URL:\n${out}`)));
    child.once('error', reject);
  });
}
