/** Validation of {@link createNotifyApp}'s options (zod). Messages never echo keys or tokens. */
import { z } from 'zod';
import type { Logger } from 'pino';
import { allowlistEntryProblem } from './allowlist.js';
import { NotifyConfigError } from './errors.js';
import { isNotificationStore, type NotificationStore } from './store/types.js';
import type { TerminalBridgeOptions } from './bridge/terminal-routes.js';
import type { SigningRouteOptions } from './bridge/signing-routes.js';

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

/** Default body limit: 64 KiB (QFPay's notifications are well under 4 KiB). */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;
/** Shortest accepted events token. */
export const MIN_EVENTS_TOKEN_LENGTH = 16;

function isLogger(value: unknown): value is Logger {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['info', 'warn', 'error', 'debug', 'child'].every((m) => typeof v[m] === 'function');
}

const keySchema = z.string({ error: 'each notification key must be text' }).min(1, { message: 'a notification key must not be empty' });

/** Schema of {@link NotifyAppOptions}. */
export const NotifyAppOptionsSchema = z
  .object({
    keys: z.union([keySchema, z.array(keySchema).min(1, { message: 'at least one notification key is required' })], {
      error: 'keys must be the notification key (client_key) or a list of keys',
    }),
    store: z.custom<NotificationStore>(isNotificationStore, { message: 'store must be a NotificationStore (createSqliteStore() or createPostgresStore())' }),
    allowlist: z
      .array(
        z.string().superRefine((entry, ctx) => {
          const problem = allowlistEntryProblem(entry);
          if (problem) ctx.addIssue({ code: 'custom', message: `allowlist entry "${entry.slice(0, 60)}" ${problem}` });
        }),
      )
      .optional(),
    trustProxy: z.boolean().default(false),
    proxyHops: z.number().int().min(1).max(10).default(1),
    bodyLimitBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(DEFAULT_BODY_LIMIT_BYTES),
    eventsToken: z.string().min(MIN_EVENTS_TOKEN_LENGTH, { message: `the events token must be at least ${MIN_EVENTS_TOKEN_LENGTH} characters` }).optional(),
    logger: z.custom<Logger>(isLogger, { message: 'logger must be a pino logger' }).optional(),
    heartbeatMs: z.number().int().min(10).max(300_000).default(15_000),
    pollMs: z.number().int().min(10).max(60_000).default(250),
    shutdownGraceMs: z.number().int().min(0).max(600_000).default(10_000),
    /** Terminal bridge routes (`/qfpay/terminals/:id/...`) for browser POSes; validated by the bridge itself. */
    bridge: z.custom<Omit<TerminalBridgeOptions, 'logger'>>(isObject, { message: 'bridge must be the terminal bridge options object' }).optional(),
    /** Signing route (`/qfpay/sign/:terminalId`) for the direct topology; validated by the route itself. */
    signing: z.custom<Omit<SigningRouteOptions, 'logger'>>(isObject, { message: 'signing must be the signing route options object' }).optional(),
  })
  .strict();

/** Options of {@link createNotifyApp} as the caller writes them. */
export type NotifyAppOptions = z.input<typeof NotifyAppOptionsSchema>;
/** Options after validation and defaults. */
export type ResolvedNotifyAppOptions = z.output<typeof NotifyAppOptionsSchema>;

/** Formats zod issues as `path: message; …` without the offending values. */
export function describeZodIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** Validates options. @throws NotifyConfigError naming every problem. */
export function resolveNotifyAppOptions(options: NotifyAppOptions): ResolvedNotifyAppOptions {
  const result = NotifyAppOptionsSchema.safeParse(options);
  if (!result.success) {
    throw new NotifyConfigError('NOTIFY_CONFIG_OPTIONS', `invalid notify server options: ${describeZodIssues(result.error.issues)}`, 'fix the options passed to createNotifyApp');
  }
  return result.data;
}
