/**
 * Structured logs (pino). We never log secrets or card numbers in the first place; the redaction
 * below is a second line of defence for anything that carries them by mistake.
 */
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/** Log levels accepted by the CLI and {@link createLogger}. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number] & LevelWithSilent;

/**
 * Paths pino censors: notification keys, bearer tokens, authorization and signature headers,
 * database URLs (they may hold a password), card fields. Kept short on purpose: pino walks every
 * path on every log call, and the code never logs these fields in the first place.
 */
export const REDACT_PATHS: readonly string[] = Object.freeze([
  'key', 'keys', 'token', 'eventsToken', 'authorization', 'signature', 'pgUrl', 'connectionString', 'password', 'cardcd',
  '*.key', '*.keys', '*.token', '*.password', '*.cardcd',
  'headers.authorization', 'headers["x-qf-sign"]',
  'req.headers.authorization', 'req.headers["x-qf-sign"]',
]);

/** {@link REDACT_PATHS} without the `*.` wildcards: the paths that apply to a flat record. */
const TOP_LEVEL_PATHS: readonly string[] = Object.freeze(REDACT_PATHS.filter((path) => !path.startsWith('*.')));

/** Censor string written in place of a redacted value. */
export const REDACTED = '[redacted]';

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Minimum level; default `info`. */
  level?: LogLevel;
  /** Where JSON lines go: a pino destination or stream (tests capture here), default stdout. */
  destination?: DestinationStream;
}

// Loggers made by createLogger already redact; children of them need not redact twice.
const redacting = new WeakSet<Logger>();

/** A pino logger with the notify server's redaction rules. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const settings = {
    level: options.level ?? 'info',
    base: { service: 'qfpay-notify' },
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
  };
  const logger = options.destination ? pino(settings, options.destination) : pino(settings);
  redacting.add(logger);
  return logger;
}

/** A child logger (`component: qfpay-notify`) that applies {@link REDACT_PATHS}, also when `logger` is the caller's own. */
export function withRedaction(logger: Logger): Logger {
  const bindings = { component: 'qfpay-notify' };
  if (redacting.has(logger)) return logger.child(bindings);
  return logger.child(bindings, { redact: { paths: [...REDACT_PATHS], censor: REDACTED } });
}

/**
 * A child of a redacting logger for records whose fields are all primitives (ids, amounts,
 * references), as the notify route logs once per notification. The `*.` wildcard paths only
 * reach into nested objects, which such records do not have, and they cost about three times a
 * whole log call; top-level names stay censored. Anything with nested objects (errors, options)
 * goes through the full logger.
 */
export function flatRecordLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [...TOP_LEVEL_PATHS], censor: REDACTED } });
}
