/**
 * Which terminal the test world builds: `lan` (QFPayTerminal on the shop LAN, the default) or
 * `cloud` (QFPayCloudTerminal through the simulator's fake QFPay OpenAPI, ECR Cloud). Jest's
 * `cloud` project sets `QFPAY_TEST_TERMINAL_MODE=cloud` (jest.config.mjs); anything else than
 * `lan` or `cloud` fails loudly rather than running the wrong mode.
 */
import type { QFPayCloudTerminalOptions, QFPayTerminalOptions } from '@qfpay-ecr/core';

export type TerminalMode = 'lan' | 'cloud';

export function testTerminalMode(): TerminalMode {
  const mode = process.env.QFPAY_TEST_TERMINAL_MODE ?? 'lan';
  if (mode !== 'lan' && mode !== 'cloud') throw new Error(`QFPAY_TEST_TERMINAL_MODE must be "lan" or "cloud", not ${JSON.stringify(mode)}`);
  return mode;
}

/** The simulator's ECR Cloud credentials (distinctive, searched for in output). */
export const CLOUD_APP_CODE = 'WOOCLOUDAPPCODE01';
export const CLOUD_CLIENT_KEY = 'WooCloudClientKeyS3cret-7Hq2Lm9Zx';
export const CLOUD_TERMID = 'WOOSIMA80001';

/** LAN options that mean the same on a cloud terminal; the others have no cloud equivalent. */
const SHARED_KEYS = ['cancelWaitMs', 'requestTimeoutMs', 'connectTimeoutMs', 'id', 'logger', 'outTradeNoFactory', 'maxAmountMinor'] as const;

/**
 * The cloud terminal options equivalent to LAN `options`. Throws when they hold LAN-only
 * options (e.g. `paymentReplyGraceMs`, `resolve.deadlineMs`, a port): such a test exercises LAN
 * behaviour and belongs in a `*.lan.test.ts` file, or must say what it wants in cloud mode.
 */
export function sharedTerminalOptions(options: Partial<QFPayTerminalOptions> | undefined): Partial<QFPayCloudTerminalOptions> {
  if (!options) return {};
  const lanOnly = Object.keys(options).filter((k) => !(SHARED_KEYS as readonly string[]).includes(k));
  if (lanOnly.length > 0) {
    throw new Error(`LAN-only terminal options in cloud mode (${lanOnly.join(', ')}): move the test to a *.lan.test.ts file, or give cloud options for cloud mode`);
  }
  return Object.fromEntries(Object.entries(options)) as Partial<QFPayCloudTerminalOptions>;
}
