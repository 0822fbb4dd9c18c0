/** `qfpay-woo` in-process: the environment of a world's terminal (per mode) and a capturing runner. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/index.js';
import { CLOUD, CONSUMER_KEY, CONSUMER_SECRET, FAST_CLOUD, POS_KEY, type World } from './world.js';

const dirs: string[] = [];

/** Removes the CA files written by {@link envFor}. */
export function removeEnvFiles(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The environment of the world's terminal: LAN variables, or `QFPAY_MODE=cloud` ones in the cloud project. */
export function envFor(world: World): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'qfpay-woo-cli-'));
  dirs.push(dir);
  const caFile = join(dir, 'sim-ca.pem');
  writeFileSync(caFile, world.sim.caPem as string);
  const woo = { WOO_URL: world.fake.url, WOO_CONSUMER_KEY: CONSUMER_KEY, WOO_CONSUMER_SECRET: CONSUMER_SECRET, WOO_ALLOW_INSECURE_HTTP: '1', QFPAY_TERMINAL_ID: 'till-1' };
  if (world.mode === 'cloud') {
    return {
      ...woo,
      QFPAY_MODE: 'cloud',
      QFPAY_CLOUD_ENV: 'custom',
      QFPAY_CLOUD_URL: world.sim.cloud?.url as string,
      QFPAY_CLOUD_CA: caFile,
      QFPAY_APP_CODE: CLOUD.appCode,
      QFPAY_CLIENT_KEY: CLOUD.clientKey,
      QFPAY_TERMID: CLOUD.termid,
    };
  }
  return {
    ...woo,
    QFPAY_TERMINAL: `${world.sim.host}:${world.sim.port}`,
    QFPAY_POS_KEY: POS_KEY,
    QFPAY_CA: caFile,
    QFPAY_CA_PIN: world.sim.caFingerprint256 as string,
  };
}

/** Runs `qfpay-woo` in-process with fast terminal timings; checks no secret was printed. */
export async function runCapturing(argv: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { env, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { terminalOptions: { resolve: { deadlineMs: 3_000, minIntervalMs: 20, maxIntervalMs: 100 } }, cloudTerminalOptions: FAST_CLOUD });
  for (const secret of [CONSUMER_SECRET, POS_KEY, CLOUD.clientKey]) expect(`${stdout}${stderr}`).not.toContain(secret);
  return { code, stdout, stderr };
}
