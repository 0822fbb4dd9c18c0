/**
 * Configuration of the `qfpay-notify` CLI: flags override environment variables; everything
 * goes through one zod schema. Error messages name the flag or variable, never its secret value.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { allowlistEntryProblem, QFPAY_SENDER_IPS } from './allowlist.js';
import { NotifyConfigError } from './errors.js';
import { LOG_LEVELS } from './logger.js';
import { DEFAULT_BODY_LIMIT_BYTES, describeZodIssues, MIN_EVENTS_TOKEN_LENGTH } from './options.js';
import { DEFAULT_SQLITE_PATH } from './store/sqlite.js';

/** Environment variables read by the CLI (flag → variable). */
export const ENV_VARS = Object.freeze({
  port: 'QFPAY_NOTIFY_PORT',
  host: 'QFPAY_NOTIFY_HOST',
  keys: 'QFPAY_NOTIFY_KEYS',
  store: 'QFPAY_NOTIFY_STORE',
  sqlitePath: 'QFPAY_NOTIFY_SQLITE_PATH',
  pgUrl: 'QFPAY_NOTIFY_PG_URL',
  pgSchema: 'QFPAY_NOTIFY_PG_SCHEMA',
  allowlist: 'QFPAY_NOTIFY_ALLOWLIST',
  trustProxy: 'QFPAY_NOTIFY_TRUST_PROXY',
  eventsToken: 'QFPAY_EVENTS_TOKEN',
  logLevel: 'QFPAY_NOTIFY_LOG_LEVEL',
  bodyLimit: 'QFPAY_NOTIFY_BODY_LIMIT',
});

/** `--help` text. */
export const USAGE = `Usage: qfpay-notify [options]

Receives QFPay's signed notifications at POST /qfpay/notify and stores them durably, once.

Options (environment variable in brackets; flags win):
  --port <n>            port to listen on, 0 = any free port   [QFPAY_NOTIFY_PORT] (8080)
  --host <addr>         address to bind                         [QFPAY_NOTIFY_HOST] (127.0.0.1)
  --key <key>           notification key (client_key); repeat for rotation
                        [QFPAY_NOTIFY_KEYS, comma-separated; prefer it: flags show in ps]
  --store <kind>        sqlite | postgres                       [QFPAY_NOTIFY_STORE] (sqlite)
  --sqlite-path <file>  SQLite file                             [QFPAY_NOTIFY_SQLITE_PATH] (${DEFAULT_SQLITE_PATH})
  --pg-url <url>        PostgreSQL URL (store=postgres)         [QFPAY_NOTIFY_PG_URL]
  --pg-schema <name>    PostgreSQL schema                       [QFPAY_NOTIFY_PG_SCHEMA] (public)
  --allowlist <list>    comma list of IPs/CIDRs, or "qfpay" for QFPay's sender IPs
                                                                [QFPAY_NOTIFY_ALLOWLIST] (off)
  --trust-proxy         take the client IP from X-Forwarded-For (only behind your proxy)
                                                                [QFPAY_NOTIFY_TRUST_PROXY] (off)
  --events-token <t>    bearer token for /qfpay/events and /qfpay/transactions (≥ ${MIN_EVENTS_TOKEN_LENGTH} chars)
                                                                [QFPAY_EVENTS_TOKEN] (endpoints off)
  --body-limit <bytes>  largest accepted body                   [QFPAY_NOTIFY_BODY_LIMIT] (${DEFAULT_BODY_LIMIT_BYTES})
  --log-level <level>   ${LOG_LEVELS.join(' | ')}   [QFPAY_NOTIFY_LOG_LEVEL] (info)
  --help                show this help

Memory: the server runs in a worker thread with a capped V8 heap (young 16 MB, old 512 MB);
node heap flags in NODE_OPTIONS (e.g. --max-old-space-size) replace those limits.
`;

const booleanText = z
  .union([z.boolean(), z.enum(['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off', ''])])
  .transform((v) => v === true || v === '1' || v === 'true' || v === 'yes' || v === 'on');

const intText = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `${name} must be a whole number` })
    .transform(Number)
    .pipe(z.number().int().min(min, { message: `${name} must be at least ${min}` }).max(max, { message: `${name} must be at most ${max}` }));

/** Schema of the merged flag/env values (all text, as they arrive). */
export const CliConfigSchema = z
  .object({
    port: intText('port', 0, 65535).default(8080),
    host: z.string().trim().min(1, { message: 'host must not be empty' }).default('127.0.0.1'),
    keys: z
      .array(z.string().min(1, { message: 'a notification key must not be empty' }))
      .min(1, { message: `at least one notification key is required: --key <key> or ${ENV_VARS.keys}` }),
    store: z.enum(['sqlite', 'postgres'], { error: 'store must be sqlite or postgres' }).default('sqlite'),
    sqlitePath: z.string().min(1).default(DEFAULT_SQLITE_PATH),
    pgUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { message: 'pg-url must start with postgres:// or postgresql://' })
      .optional(),
    pgSchema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'pg-schema must be lower-case letters, digits and _' }).default('public'),
    allowlist: z
      .array(
        z.string().superRefine((entry, ctx) => {
          const problem = allowlistEntryProblem(entry);
          if (problem) ctx.addIssue({ code: 'custom', message: `allowlist entry "${entry.slice(0, 60)}" ${problem}` });
        }),
      )
      .optional(),
    trustProxy: booleanText.default(false),
    eventsToken: z.string().min(MIN_EVENTS_TOKEN_LENGTH, { message: `events token must be at least ${MIN_EVENTS_TOKEN_LENGTH} characters` }).optional(),
    logLevel: z.enum(LOG_LEVELS, { error: `log-level must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    bodyLimitBytes: intText('body-limit', 1024, 16 * 1024 * 1024).default(DEFAULT_BODY_LIMIT_BYTES),
  })
  .superRefine((c, ctx) => {
    if (c.store === 'postgres' && !c.pgUrl) {
      ctx.addIssue({ code: 'custom', path: ['pgUrl'], message: `store postgres needs --pg-url or ${ENV_VARS.pgUrl}` });
    }
  });

/** Validated CLI configuration. */
export type CliConfig = z.output<typeof CliConfigSchema>;

/** Result of {@link parseCliArgs}: run with a config, or print help. */
export type CliCommand = { kind: 'run'; config: CliConfig } | { kind: 'help' };

function list(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function expandAllowlist(entries: string[] | undefined): string[] | undefined {
  if (entries === undefined) return undefined;
  return entries.flatMap((e) => (e.toLowerCase() === 'qfpay' ? [...QFPAY_SENDER_IPS] : [e]));
}

/**
 * Parses CLI flags and environment variables.
 * @throws NotifyConfigError for unknown flags or invalid values (the message names them).
 */
export function parseCliArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    const text = (error as { message?: unknown } | null)?.message;
    const message = typeof text === 'string' ? (text.split('\n')[0] ?? '') : 'bad arguments';
    // Keep quoted flag names, hide any other quoted argument: it might be a key typed in the wrong place.
    const safe = message.replace(/'[^']*'/g, (quoted) => (quoted.startsWith("'-") ? quoted.replace(/=.*'$/, "'") : "'…'"));
    throw new NotifyConfigError('NOTIFY_CONFIG_ARGS', `invalid command line: ${safe}`, 'run qfpay-notify --help');
  }
  const f = parsed.values;
  if (f.help) return { kind: 'help' };
  const pick = (flag: string | undefined, name: keyof typeof ENV_VARS): string | undefined => flag ?? (env[ENV_VARS[name]] || undefined);
  const keysFromEnv = list(env[ENV_VARS.keys]);
  const input = {
    port: pick(f.port, 'port'),
    host: pick(f.host, 'host'),
    keys: f.key && f.key.length > 0 ? f.key : (keysFromEnv ?? []),
    store: pick(f.store, 'store'),
    sqlitePath: pick(f['sqlite-path'], 'sqlitePath'),
    pgUrl: pick(f['pg-url'], 'pgUrl'),
    pgSchema: pick(f['pg-schema'], 'pgSchema'),
    allowlist: expandAllowlist(list(pick(f.allowlist, 'allowlist'))),
    trustProxy: f['trust-proxy'] ?? env[ENV_VARS.trustProxy]?.trim().toLowerCase(),
    eventsToken: pick(f['events-token'], 'eventsToken'),
    logLevel: pick(f['log-level'], 'logLevel'),
    bodyLimitBytes: pick(f['body-limit'], 'bodyLimit'),
  };
  const result = CliConfigSchema.safeParse(Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)));
  if (!result.success) {
    throw new NotifyConfigError('NOTIFY_CONFIG_INVALID', `invalid configuration: ${describeZodIssues(result.error.issues)}`, 'run qfpay-notify --help');
  }
  return { kind: 'run', config: result.data };
}

function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      key: { type: 'string', multiple: true },
      store: { type: 'string' },
      'sqlite-path': { type: 'string' },
      'pg-url': { type: 'string' },
      'pg-schema': { type: 'string' },
      allowlist: { type: 'string' },
      'trust-proxy': { type: 'boolean' },
      'events-token': { type: 'string' },
      'log-level': { type: 'string' },
      'body-limit': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
