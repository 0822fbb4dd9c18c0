/**
 * A normalised notification as it crosses a process boundary (SSE) or an in-process emitter:
 * core's `NormalizedNotification` itself or a record wrapping it in `notification` (as
 * `@qfpay-ecr/notify-server` stores and streams them). Checked by core's one schema.
 */
export { toNormalizedNotification as toNotification, type ToNormalizedNotification as ToNotification } from '@qfpay-ecr/core';
