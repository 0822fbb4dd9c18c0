/** The campaign runs the notify server from its build, and the CLI test runs the chaos build. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notifyCliPath } from '../../src/index.js';

export const CHAOS_PKG = fileURLToPath(new URL('../..', import.meta.url));
export const CHAOS_CLI = join(CHAOS_PKG, 'dist', 'cli.js');

/**
 * Fails (saying what to do) when a package's dist is missing or older than its src: the code
 * under test must be this code. tsc -b rewrites the build-info file whenever it looked at
 * changed sources, so freshness is judged by it.
 */
function requireFresh(pkg: string, entry: string): void {
  const buildInfo = join(pkg, 'dist', '.tsbuildinfo');
  const hint = 'run `npm run build` (or `sh scripts/pnpm.sh run build`) first';
  if (!existsSync(entry) || !existsSync(buildInfo)) throw new Error(`${relative(process.cwd(), entry)} is not built: ${hint}`);
  const builtAt = statSync(buildInfo).mtimeMs;
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (/\.(ts|js)$/.test(e.name) && statSync(path).mtimeMs > builtAt) stale.push(relative(pkg, path));
    }
  };
  walk(join(pkg, 'src'));
  if (stale.length > 0) throw new Error(`the build of ${relative(process.cwd(), pkg)} is older than ${stale.slice(0, 5).join(', ')}: ${hint}`);
}

export function requireNotifyBuild(): void {
  const cli = notifyCliPath();
  requireFresh(dirname(dirname(cli)), cli);
}

export function requireChaosBuild(): void {
  requireFresh(CHAOS_PKG, CHAOS_CLI);
  requireNotifyBuild();
}
