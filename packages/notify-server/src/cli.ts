#!/usr/bin/env node
/**
 * `qfpay-notify`: runs the notify server with configuration from flags and environment.
 * Prints exactly one line on stdout, `listening on http://HOST:PORT`; logs (JSON) go to stderr.
 * SIGTERM / SIGINT shut down gracefully (in-flight requests finish, the store is closed).
 * Exit codes: 0 after a clean shutdown, 1 on a runtime failure, 2 on a configuration error.
 */
import { pino } from 'pino';
import { QfpayEcrError } from '@qfpay-ecr/core';
import { createNotifyApp, type NotifyApp } from './app.js';
import { parseCliArgs, USAGE, type CliConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createPostgresStore } from './store/postgres.js';
import { createSqliteStore } from './store/sqlite.js';
import type { NotificationStore } from './store/types.js';

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

function explain(error: unknown): string {
  if (error instanceof QfpayEcrError) return `${error.name} ${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Runs the CLI. Resolves with the exit code when the server has stopped (or failed to start). */
export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  let command: ReturnType<typeof parseCliArgs>;
  try {
    command = parseCliArgs(argv, env);
  } catch (error) {
    process.stderr.write(`qfpay-notify: ${explain(error)}\n`);
    return 2;
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const { config } = command;
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
    process.stderr.write(`qfpay-notify: cannot start: ${explain(error)}\n`);
    return error instanceof QfpayEcrError && error.code.startsWith('NOTIFY_CONFIG') ? 2 : 1;
  }

  let listening;
  try {
    listening = await notify.listen({ port: config.port, host: config.host });
  } catch (error) {
    process.stderr.write(`qfpay-notify: cannot listen on ${config.host}:${config.port}: ${explain(error)}\n`);
    await notify.close().catch(() => undefined);
    return 1;
  }
  logger.info(
    { url: listening.url, store: notify.store.kind, keyCount: config.keys.length, allowlist: config.allowlist?.length ?? 0, trustProxy: config.trustProxy, events: config.eventsToken !== undefined },
    'qfpay-notify started',
  );
  process.stdout.write(`listening on ${listening.url}\n`);

  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down');
      notify.close().then(
        () => resolve(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
    // Leave even if a socket lingers (stderr logging is synchronous, nothing is lost).
    setTimeout(() => process.exit(code), 50).unref();
  },
  (error: unknown) => {
    process.stderr.write(`qfpay-notify: ${explain(error)}\n`);
    process.exit(1);
  },
);
