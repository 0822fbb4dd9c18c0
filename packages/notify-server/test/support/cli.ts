/** Runs the built `qfpay-notify` CLI (dist/cli.js) as a real child process. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PKG = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(PKG, 'dist', 'cli.js');

/**
 * Fails (with what to do) when dist is missing or older than src: the CLI under test must be this
 * code. tsc -b does not rewrite unchanged outputs, so freshness is judged by its build-info file,
 * which it rewrites whenever it has looked at changed sources.
 */
export function requireFreshBuild(): void {
  const src = join(PKG, 'src');
  const buildInfo = join(PKG, 'dist', '.tsbuildinfo');
  const hint = 'run `pnpm run build` (or `npx tsc -b packages/notify-server`) first';
  if (!existsSync(CLI) || !existsSync(buildInfo)) throw new Error(`the notify-server build is missing: ${hint}`);
  const builtAt = statSync(buildInfo).mtimeMs;
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|js)$/.test(entry.name) && statSync(path).mtimeMs > builtAt) stale.push(relative(PKG, path));
    }
  };
  walk(src);
  if (stale.length > 0) throw new Error(`the notify-server build is older than ${stale.join(', ')}: ${hint}`);
}

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the URL from the `listening on …` line. */
  listening(): Promise<string>;
}

export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QFPAY_')) childEnv[k] = v;
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...childEnv, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  const listening = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const m = /^listening on (http:\/\/\S+)$/m.exec(out);
        if (m?.[1]) {
          resolve(m[1]);
          return true;
        }
        return false;
      };
      if (check()) return;
      const onData = (): void => {
        if (check()) child.stdout.off('data', onData);
      };
      child.stdout.on('data', onData);
      void exited.then(({ code }) => reject(new Error(`qfpay-notify exited (${code}) before listening:\n${err}`)));
    });
  return { child, stdout: () => out, stderr: () => err, exited, listening };
}
