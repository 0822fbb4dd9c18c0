/** Default timings of the terminal logic (browser-safe, shared by `QFPayTerminal` and `TerminalEngine`). */

/** Defaults applied by `parseTerminalOptions` and `TerminalEngine`. */
export const TERMINAL_DEFAULTS = Object.freeze({
  paymentReplyGraceMs: 30_000,
  defaultPaymentTimeoutSec: 120,
  requestTimeoutMs: 15_000,
  cancelWaitMs: 10_000,
  resolve: Object.freeze({ deadlineMs: 120_000, minIntervalMs: 500, maxIntervalMs: 5_000, notFoundGraceQueries: 3 }),
});
