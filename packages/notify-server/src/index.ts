/**
 * `@qfpay-ecr/notify-server`: receives QFPay's signed notifications at `POST /qfpay/notify`,
 * verified on the raw bytes, stored durably and exactly once (SQLite or PostgreSQL), and passes
 * them on to subscribers (in-process events, SSE, a lookup endpoint).
 */
export { createNotifyApp, ROUTES, type ListenOptions, type ListeningServer, type NotifyApp } from './app.js';
export {
  DEFAULT_BODY_LIMIT_BYTES,
  MIN_EVENTS_TOKEN_LENGTH,
  NotifyAppOptionsSchema,
  resolveNotifyAppOptions,
  type NotifyAppOptions,
  type ResolvedNotifyAppOptions,
} from './options.js';
export { IpAllowlist, QFPAY_SENDER_IPS, allowlistEntryProblem, normaliseIp } from './allowlist.js';
export { bearerMatches } from './auth.js';
export { CliConfigSchema, ENV_VARS, USAGE, parseCliArgs, type CliCommand, type CliConfig } from './config.js';
export { ClientAbortedError, NotifyClosedError, NotifyConfigError, StoreError } from './errors.js';
export { createNotifyEvents, type NotifyEventMap, type NotifyEvents } from './events.js';
export { StoreFeed, type FeedListener, type FeedSubscription, type StoreFeedOptions } from './feed.js';
export { LOG_LEVELS, REDACTED, REDACT_PATHS, createLogger, withRedaction, type CreateLoggerOptions, type LogLevel, type Logger } from './logger.js';
export { readRawBody, type RawBodyOptions, type RawBodyResult } from './raw-body.js';
export { formatSseEvent } from './routes/events.js';
export { isJsonContentType } from './routes/notify.js';
export { scrubText } from './scrub.js';
export { dedupeKeyOf } from './store/dedupe.js';
export { DEFAULT_SQLITE_PATH, SqliteNotificationStore, createSqliteStore, type SqliteDurability, type SqliteStoreOptions } from './store/sqlite.js';
export { PostgresNotificationStore, createPostgresStore, redactConnectionString, type PostgresStoreOptions } from './store/postgres.js';
export {
  REJECT_REASONS,
  isNotificationStore,
  type InsertMeta,
  type InsertResult,
  type NotificationStore,
  type RejectInput,
  type RejectReason,
  type RejectRecord,
  type StoreKind,
  type StoredNotification,
} from './store/types.js';
export * from './bridge/index.js';
