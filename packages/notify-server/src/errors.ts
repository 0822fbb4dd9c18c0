/**
 * Typed errors of the notify server. Each carries a stable `code` and a `hint` saying what to do;
 * none ever contains a notification key, a bearer token, a signature or a full card number.
 */
import { ConfigError, QfpayEcrError } from '@qfpay-ecr/core';

/** Options, CLI flags or environment variables are invalid. `code` starts with `NOTIFY_CONFIG`. */
export class NotifyConfigError extends ConfigError {}

/**
 * The notification store failed: unreachable, closed, unwritable file, unexpected schema.
 * The HTTP route answers 503 (QFPay retries) when a store operation throws this.
 */
export class StoreError extends QfpayEcrError {}

/** An operation that needs a running app was called after `close()` (e.g. `listen()`). */
export class NotifyClosedError extends QfpayEcrError {}

/** The client went away before its request body was complete; there is nobody to answer. */
export class ClientAbortedError extends QfpayEcrError {}

/** Wraps anything thrown by a store driver into a {@link StoreError} without copying secrets. */
export function toStoreError(code: string, what: string, hint: string, cause: unknown): StoreError {
  if (cause instanceof StoreError) return cause;
  return new StoreError(code, `${what}: ${describeCause(cause)}`, hint, { cause });
}

/** A short description of a driver error: its code and message, never its parameters. */
export function describeCause(cause: unknown): string {
  // Duck-typed: errors from node internals may come from another realm (vm contexts, workers).
  const candidate = cause as { message?: unknown; name?: unknown; code?: unknown } | null;
  if (typeof candidate === 'object' && candidate !== null && typeof candidate.message === 'string') {
    const code = candidate.code;
    const message = candidate.message || String(candidate.name ?? 'error');
    return typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message;
  }
  return String(cause);
}
