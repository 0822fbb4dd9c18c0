/** The engine's logging: a wrapper that scrubs secrets and never lets a logger break a payment. Browser-safe. */
import { QfpayEcrError } from '../errors.js';
import { TransportError } from '../transport/errors.js';
import type { TerminalLogger } from './ports.js';
import type { TransactionOutcome } from './types.js';
import { compact } from './support.js';

/** A logger that drops everything. */
export const SILENT_LOGGER: TerminalLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Wraps the user's logger so that, whatever happens, none of `secrets` (the POS-KEY) reaches it,
 * undefined fields are dropped, and a throwing logger is ignored.
 */
export function redactingLogger(logger: TerminalLogger, secrets: readonly string[]): TerminalLogger {
  const keys = secrets.filter((s) => s !== '');
  const scrubText = (value: string): string => keys.reduce((text, key) => (text.includes(key) ? text.split(key).join('[REDACTED]') : text), value);
  const scrub = (value: unknown, depth = 0): unknown => {
    if (typeof value === 'string') return scrubText(value);
    if (depth > 5 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, depth + 1)]));
  };
  const wrap =
    (level: keyof TerminalLogger) =>
    (obj: Record<string, unknown>, msg?: string): void => {
      try {
        logger[level](scrub(compact(obj)) as Record<string, unknown>, msg === undefined ? undefined : (scrub(msg) as string));
      } catch {
        // A broken logger must not break a payment.
      }
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

/** What a log line says about an error (never its cause chain, which could hold request data). */
export function errInfo(err: unknown): Record<string, unknown> {
  if (err instanceof TransportError) return { name: err.name, code: err.code, phase: err.phase, mayHaveReachedTerminal: err.mayHaveReachedTerminal, message: err.message };
  if (err instanceof QfpayEcrError) return { name: err.name, code: err.code, message: err.message };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { message: String(err) };
}

/** Logs a transaction outcome: identifiers, codes and the reason, never a secret or card number. */
export function logOutcome(log: TerminalLogger, terminal: string, outcome: TransactionOutcome): void {
  const base = { terminal, kind: outcome.kind, status: outcome.status, outTradeNo: outcome.outTradeNo, codes: outcome.codes };
  switch (outcome.status) {
    case 'approved':
      log.info({ ...base, syssn: outcome.syssn, amountMinor: outcome.amountMinor, resolvedBy: outcome.resolvedBy }, 'transaction outcome');
      break;
    case 'unknown':
      log.warn({ ...base, reason: outcome.reason }, 'transaction outcome');
      break;
    case 'failed':
      log.warn({ ...base, error: outcome.error }, 'transaction outcome');
      break;
    default:
      log.info(base, 'transaction outcome');
  }
}
