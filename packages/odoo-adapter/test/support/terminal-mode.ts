/**
 * Which terminal the rig builds: `lan` (the default: core's QFPayTerminal on the shop LAN, handed
 * to the adapter) or `cloud` (ECR Cloud: the bridge topology, RemoteTerminal in the POS → the
 * notify server's bridge routes → a QFPayCloudTerminal → the simulator's fake QFPay OpenAPI).
 * Jest's `cloud` project sets `QFPAY_TEST_TERMINAL_MODE=cloud` (jest.config.mjs); anything other
 * than `lan` or `cloud` fails loudly rather than running the wrong mode.
 */
import type { QFPayCloudTerminalOptions, QFPayTerminalOptions } from '@qfpay-ecr/core';

export type TerminalMode = 'lan' | 'cloud';

export function testTerminalMode(): TerminalMode {
  const mode = process.env.QFPAY_TEST_TERMINAL_MODE ?? 'lan';
  if (mode !== 'lan' && mode !== 'cloud') throw new Error(`QFPAY_TEST_TERMINAL_MODE must be "lan" or "cloud", not ${JSON.stringify(mode)}`);
  return mode;
}

/** The simulator's ECR Cloud credentials (distinctive, searched for in everything the tests capture). */
export const CLOUD = { appCode: 'ODOOCLOUDAPP01', clientKey: 'OdooCloudClientKey-S3cret-5Vb8Nq', termid: 'ODOOSIMA80001' } as const;
/** Bearer token of the rig's bridge (cloud mode). */
export const BRIDGE_TOKEN = 'rig-bridge-token-Kx4Wq9Lm2Zt7';

/** LAN options that mean the same on a cloud terminal; the others have no cloud equivalent. */
const SHARED_KEYS = ['cancelWaitMs', 'requestTimeoutMs', 'connectTimeoutMs', 'logger', 'maxAmountMinor'] as const;

/**
 * The cloud terminal options equivalent to LAN `options`. Throws when they hold LAN-only options
 * (e.g. `port`, `resolve.deadlineMs`): such a test exercises LAN behaviour and belongs in a
 * `*.lan.test.ts` file, or must give cloud options for cloud mode.
 */
export function sharedTerminalOptions(options: Partial<QFPayTerminalOptions> | undefined): Partial<QFPayCloudTerminalOptions> {
  if (!options) return {};
  const lanOnly = Object.keys(options).filter((k) => !(SHARED_KEYS as readonly string[]).includes(k));
  if (lanOnly.length > 0) {
    throw new Error(`LAN-only terminal options in cloud mode (${lanOnly.join(', ')}): move the test to a *.lan.test.ts file, or give cloud options for cloud mode`);
  }
  return { ...options } as Partial<QFPayCloudTerminalOptions>;
}

/** The value for this run's terminal mode (e.g. rig options that exist only in one mode). */
export function perMode<T>(choices: { lan: T; cloud: T }): T {
  return choices[testTerminalMode()];
}

/** Cloud terminal options that make an unanswered cloud payment `unknown` quickly: 1 s on the terminal + 300 ms. */
export const SHORT_CLOUD: Partial<QFPayCloudTerminalOptions> = { defaultPaymentTimeoutSec: 1, resultMarginMs: 300 };
