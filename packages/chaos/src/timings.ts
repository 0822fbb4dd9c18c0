/**
 * Fast timings for the campaign: every wait in the products is bounded by these, so a few
 * hundred scenarios finish in a minute or two. The shapes of the products' own schedules are
 * kept (QFPay's notification retries, the terminal's query backoff), only shorter.
 */
export const TIMINGS = Object.freeze({
  terminal: Object.freeze({
    connectTimeoutMs: 1_000,
    requestTimeoutMs: 1_000,
    /** 1001/1002 HTTP timeout = defaultPaymentTimeoutSec s + this: a `slow-terminal` of 2.6 s and more outlasts it. */
    paymentReplyGraceMs: 400,
    defaultPaymentTimeoutSec: 2,
    cancelWaitMs: 2_000,
    resolve: Object.freeze({ deadlineMs: 4_000, minIntervalMs: 25, maxIntervalMs: 150, notFoundGraceQueries: 3 }),
  }),
  /** The Odoo adapter's polling fallback. */
  odooResolve: Object.freeze({ intervalMs: 25, maxIntervalMs: 150, deadlineMs: 4_000, notFoundGrace: 3, backgroundMs: 4_000 }),
  /** QFPay's retry schedule (at once, +2 min, +10 min, …) compressed to seconds. */
  notifyScheduleMs: Object.freeze([0, 150, 300, 600, 1_000, 1_500, 2_500]),
  wooClientRetry: Object.freeze({ retries: 2, minTimeoutMs: 5, maxTimeoutMs: 40 }),
  wooTimeoutMs: 2_000,
  wooWriteRetry: Object.freeze({ retries: 2, minTimeoutMs: 10, maxTimeoutMs: 60 }),
  wooNotificationRetry: Object.freeze({ retries: 4, minTimeoutMs: 50, maxTimeoutMs: 400 }),
  /** An attempt the terminal never heard of is "not processed" after this long. */
  wooNotFoundAfterMs: 1_000,
  feedMinDelayMs: 50,
  feedMaxDelayMs: 400,
  /** Longest wait for a flow step (a payment, a refund) before the scenario calls it stuck. */
  stepTimeoutMs: 20_000,
  /** Longest wait for notifications and resumed lines to settle before checking. */
  settleTimeoutMs: 12_000,
});
