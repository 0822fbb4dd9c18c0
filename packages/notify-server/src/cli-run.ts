/**
 * The `qfpay-notify` CLI proper — configuration, server lifecycle — shared by the two ways it
 * runs: in a worker thread under the CLI's heap limits (default), or on the main thread (when the
 * user gave node heap flags). See cli.ts.
 */
import { writeSync } from 'node:fs';
import { pino } from 'pino';
import { QfpayEcrError } from '@qfpay-ecr/core';
import { createNotifyApp, type NotifyApp } from './app.js';
import { writeStderr } from './cli-common.js';
import { parseCliArgs, USAGE, type CliConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createPostgresStore } from './store/postgres.js';
import { createSqliteStore } from './store/sqlite.js';
import type { NotificationStore } from './store/types.js';

/** A one-line description of an error for the terminal (typed errors carry no secrets). */
export function explain(error: unknown): string {
  if (error instanceof QfpayEcrError) return `${error.name} ${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function openStore(config: CliConfig, logger: Logger): NotificationStore {
  if (config.store === 'postgres') {
    return createPostgresStore({
      connectionString: config.pgUrl ?? '',
      schema: config.pgSchema,
      onPoolError: (error) => logger.warn({ err: error }, 'PostgreSQL pool error'),
    });
  }
  return createSqliteStore({ path: config.sqlitePath });
}

/** How {@link runServer} reports back to whoever started it. */
export interface ServerHost {
  /** Called once the server listens (the CLI prints `listening on <url>`). */
  listening(url: string): void;
  /** Resolves with the signal that asks for a graceful shutdown; asked for once listening. */
  stopRequested(): Promise<string>;
}

/**
 * Starts the notify server from a validated config, runs it until `host.stopRequested()`
 * resolves, then shuts down gracefully. Resolves with the exit code (0 clean, 1 runtime failure,
 * 2 configuration error). Logs are JSON lines on stderr, written synchronously.
 */
export async function runServer(config: CliConfig, host: ServerHost): Promise<number> {
  const logger = createLogger({ level: config.logLevel, destination: pino.destination({ dest: 2, sync: true }) });

  let notify: NotifyApp;
  try {
    const store = openStore(config, logger);
    await store.init();
    notify = createNotifyApp({
      keys: config.keys,
      store,
      trustProxy: config.trustProxy,
      bodyLimitBytes: config.bodyLimitBytes,
      logger,
      ...(config.allowlist ? { allowlist: config.allowlist } : {}),
      ...(config.eventsToken ? { eventsToken: config.eventsToken } : {}),
    });
  } catch (error) {
    writeStderr(`qfpay-notify: cannot start: ${explain(error)}`);
    return error instanceof QfpayEcrError && error.code.startsWith('NOTIFY_CONFIG') ? 2 : 1;
  }

  let listening;
  try {
    listening = await notify.listen({ port: config.port, host: config.host });
  } catch (error) {
    writeStderr(`qfpay-notify: cannot listen on ${config.host}:${config.port}: ${explain(error)}`);
    await notify.close().catch(() => undefined);
    return 1;
  }
  logger.info(
    { url: listening.url, store: notify.store.kind, keyCount: config.keys.length, allowlist: config.allowlist?.length ?? 0, trustProxy: config.trustProxy, events: config.eventsToken !== undefined },
    'qfpay-notify started',
  );
  host.listening(listening.url);

  const signal = await host.stopRequested();
  logger.info({ signal }, 'shutting down');
  try {
    await notify.close();
    return 0;
  } catch (error) {
    logger.error({ err: error }, 'shutdown failed');
    return 1;
  }
}

/**
 * Parses flags and environment, then runs the server (or prints the help). Resolves with the
 * exit code: 0 clean shutdown or help, 1 runtime failure, 2 configuration error.
 */
export async function runCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, host: ServerHost): Promise<number> {
  let command: ReturnType<typeof parseCliArgs>;
  try {
    command = parseCliArgs(argv, env);
  } catch (error) {
    writeStderr(`qfpay-notify: ${explain(error)}`);
    return 2;
  }
  if (command.kind === 'help') {
    writeSync(1, USAGE);
    return 0;
  }
  return runServer(command.config, host);
}
