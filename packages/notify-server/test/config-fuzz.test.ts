/**
 * Fuzz: generated argv arrays and environment maps into `qfpay-notify`'s configuration parser
 * (`parseCliArgs`, in-process), then a handful of the generated bad configurations through the
 * built CLI (dist) as real child processes. The parser returns a valid configuration or throws a
 * `NotifyConfigError` whose one-line message names the flag, variable or option that is wrong and
 * never quotes a notification key or events token; the process exits 2 with one error line and
 * no stack trace. Seeds are fixed, so a failure prints a seed that reproduces it.
 */
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { ENV_VARS, NotifyConfigError, parseCliArgs } from '../src/index.js';
import { CLI, startCli } from './support/cli.js';

const KEY = 'NotifyFuzzKeyS3cret0000000000001';
const OLD_KEY = 'NotifyFuzzOldKeyS3cret000000002';
const TOKEN = 'NotifyFuzzEventsTokenS3cret00003';
const SECRETS = [KEY, OLD_KEY, TOKEN];

type Env = Record<string, string>;

function ensure(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

/** Runs the parser: a valid configuration, or a typed one-line error without secrets. */
function parse(argv: string[], env: Env): { ok: true } | { ok: false; message: string } {
  let result: ReturnType<typeof parseCliArgs>;
  try {
    result = parseCliArgs(argv, env);
  } catch (error) {
    ensure(error instanceof NotifyConfigError, `untyped throw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    const e = error as NotifyConfigError;
    ensure(e.code.startsWith('NOTIFY_CONFIG'), `code ${e.code}`);
    ensure(!/[\r\n]/.test(e.message), `multi-line message: ${JSON.stringify(e.message)}`);
    for (const s of SECRETS) ensure(!e.message.includes(s), 'a secret in the error message');
    return { ok: false, message: e.message };
  }
  if (result.kind === 'run') {
    const c = result.config;
    ensure(Number.isInteger(c.port) && c.port >= 0 && c.port <= 65535, `port ${c.port}`);
    ensure(c.keys.length > 0 && c.keys.every((k) => typeof k === 'string' && k.length > 0), 'keys');
    ensure(c.host.trim().length > 0, 'host');
    ensure(Number.isInteger(c.bodyLimitBytes) && c.bodyLimitBytes >= 1024, 'body limit');
    ensure(c.store === 'sqlite' || (c.store === 'postgres' && typeof c.pgUrl === 'string'), 'store');
    ensure(c.eventsToken === undefined || c.eventsToken.length >= 16, 'events token');
    ensure(typeof c.trustProxy === 'boolean', 'trustProxy');
  }
  return { ok: true };
}

// ------------------------------------------------------------------------------------------ random input

const FLAGS = ['--port', '--host', '--key', '--store', '--sqlite-path', '--pg-url', '--pg-schema', '--allowlist', '--trust-proxy', '--events-token', '--log-level', '--body-limit', '--help', '-h', '--bogus', '--', '-'];
const VALUES = ['0', '8080', '-1', '65536', 'abc', '1.5', '', ' ', '127.0.0.1', '::1', 'sqlite', 'postgres', 'mysql', '/tmp/x.db', 'postgres://u:p@h/db', 'mysql://h', 'public', 'Bad-Schema', 'qfpay', '10.0.0.0/8', '1.2.3.4/33', 'not-an-ip', '1.2.3.4/8/9', 'info', 'loud', '1024', '1023', '16777217', '99999999999999999999', 'yes', 'maybe'];
const token = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FLAGS) },
  { weight: 3, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 1, arbitrary: fc.constantFrom(...FLAGS).chain((f) => fc.constantFrom(...VALUES).map((v) => `${f}=${v}`)) },
  { weight: 1, arbitrary: fc.constantFrom(`--key=${KEY}`, `--key=${OLD_KEY}`, `--events-token=${TOKEN}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);
const envArb: fc.Arbitrary<Env> = fc
  .subarray(Object.values(ENV_VARS))
  .chain((names) =>
    fc.tuple(
      ...names.map((n) =>
        (n === ENV_VARS.keys ? fc.constantFrom(KEY, `${KEY},${OLD_KEY}`, ' , ', '', `${KEY},,`) : n === ENV_VARS.eventsToken ? fc.constantFrom(TOKEN, 'short-secret', '') : fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 8 }))).map((v) => [n, v] as const),
      ),
    ),
  )
  .map((pairs) => Object.fromEntries(pairs));

// ------------------------------------------------------------------------------------------ one bad field

interface BadField {
  flag: string;
  env: string;
  /** Other words the message may name the field by (its option name). */
  aliases: string[];
  values: fc.Arbitrary<string>;
}

const BAD: Record<string, BadField> = {
  port: { flag: '--port', env: ENV_VARS.port, aliases: ['port'], values: fc.oneof(fc.constantFrom('-1', '65536', 'abc', '1.5', '0x50', '1e3', ' 80'), fc.integer({ min: 65_536 }).map(String)) },
  host: { flag: '--host', env: ENV_VARS.host, aliases: ['host'], values: fc.constantFrom(' ', '   ', '\t') },
  store: { flag: '--store', env: ENV_VARS.store, aliases: ['store'], values: fc.oneof(fc.constantFrom('mysql', 'SQLite', 'sqlite3', 'pg'), fc.stringMatching(/^[a-z]{1,8}$/).filter((s) => s !== 'sqlite' && s !== 'postgres')) },
  pgUrl: { flag: '--pg-url', env: ENV_VARS.pgUrl, aliases: ['pg-url', 'pgUrl'], values: fc.constantFrom('mysql://h/db', 'http://h', 'localhost:5432', 'postgres:/h') },
  pgSchema: { flag: '--pg-schema', env: ENV_VARS.pgSchema, aliases: ['pg-schema', 'pgSchema'], values: fc.oneof(fc.constantFrom('Bad-Schema', '1abc', 'a b', 'x'.repeat(64)), fc.stringMatching(/^[A-Z][a-z]{0,5}$/)) },
  allowlist: { flag: '--allowlist', env: ENV_VARS.allowlist, aliases: ['allowlist'], values: fc.oneof(fc.constantFrom('not-an-ip', '1.2.3.4/33', '1.2.3.4/8/9', '::1/129', '10.0.0.0/-1', '1.2.3.4,999.1.1.1'), fc.stringMatching(/^[a-z]{1,10}$/).filter((s) => s !== 'qfpay')) },
  trustProxy: { flag: '', env: ENV_VARS.trustProxy, aliases: ['trust-proxy', 'trustProxy'], values: fc.constantFrom('maybe', '2', 'enabled', 'y') },
  eventsToken: { flag: '--events-token', env: ENV_VARS.eventsToken, aliases: ['events token', 'eventsToken', 'events-token'], values: fc.stringMatching(/^[A-Za-z0-9]{1,15}$/) },
  logLevel: { flag: '--log-level', env: ENV_VARS.logLevel, aliases: ['log-level', 'logLevel'], values: fc.constantFrom('loud', 'INFO', 'verbose', ' ') },
  bodyLimit: { flag: '--body-limit', env: ENV_VARS.bodyLimit, aliases: ['body-limit', 'bodyLimitBytes'], values: fc.oneof(fc.constantFrom('10', '1023', '16777217', 'abc', '1.5', '64k', '99999999999999999999'), fc.integer({ min: 0, max: 1023 }).map(String)) },
  keys: { flag: '--key', env: ENV_VARS.keys, aliases: ['key'], values: fc.constantFrom('') },
};

const badCase = fc
  .record({ field: fc.constantFrom(...Object.keys(BAD)), viaEnv: fc.boolean(), keysViaEnv: fc.boolean() })
  .chain(({ field, viaEnv, keysViaEnv }) => (BAD[field] as BadField).values.map((value) => ({ field, viaEnv, keysViaEnv, value })))
  .map(({ field, viaEnv, keysViaEnv, value }) => {
    const f = BAD[field] as BadField;
    const argv: string[] = [];
    const env: Env = {};
    const useEnv = (viaEnv || f.flag === '') && !(field === 'keys' && !viaEnv);
    if (field !== 'keys') {
      if (keysViaEnv) env[ENV_VARS.keys] = KEY;
      else argv.push(`--key=${KEY}`);
    }
    // An empty variable counts as unset, so blank values go through the flag.
    if (useEnv && (value.trim() !== '' || field === 'host') && field !== 'keys') env[f.env] = value;
    else if (field === 'keys' && viaEnv) env[f.env] = ' , ';
    else argv.push(`${f.flag}=${value}`);
    if (field === 'pgUrl') argv.push('--store=postgres');
    return { field, names: [f.flag, f.env, ...f.aliases].filter((n) => n !== ''), argv, env };
  });

function expectNamed(c: { field: string; names: string[]; argv: string[]; env: Env }): string {
  const r = parse(c.argv, c.env);
  ensure(!r.ok, `${c.field}: ${JSON.stringify(c.argv)} ${JSON.stringify(c.env)} was accepted`);
  const message = (r as { message: string }).message;
  ensure(c.names.some((n) => message.includes(n)), `${c.field}: the message does not name ${c.names.join(' / ')}: ${JSON.stringify(message)}`);
  return message;
}

describe('fuzz: qfpay-notify configuration (in-process)', () => {
  it('random argv and environment: a valid configuration or a typed one-line error without secrets', () => {
    const seen = { ok: 0, error: 0 };
    fc.assert(
      fc.property(fc.array(token, { maxLength: 8 }), envArb, (argv, env) => {
        seen[parse(argv, env).ok ? 'ok' : 'error'] += 1;
      }),
      { numRuns: 3000, seed: 0xc0f10001 },
    );
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.error).toBeGreaterThan(0);
  });

  it('one bad field in a valid configuration: refused, and the message names it', () => {
    fc.assert(
      fc.property(badCase, (c) => {
        expectNamed(c);
      }),
      { numRuns: 1500, seed: 0xc0f10002 },
    );
  });
});

describe('fuzz: qfpay-notify built CLI (child processes)', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`sh scripts/pnpm.sh run build\` first`);
  });

  it('generated bad configurations: exit 2 with one error line naming the field, no stack trace', async () => {
    for (const c of fc.sample(badCase, { numRuns: 5, seed: 0xc0f10003 })) {
      const cli = startCli(c.argv, c.env);
      const { code } = await cli.exited;
      expect(code).toBe(2);
      expect(cli.stdout()).toBe('');
      const lines = cli.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^qfpay-notify: NotifyConfigError NOTIFY_CONFIG_\w+: /);
      expect(c.names.some((n) => (lines[0] ?? '').includes(n))).toBe(true);
      expect(cli.stderr()).not.toMatch(/^\s+at /m);
      for (const s of SECRETS) expect(cli.stderr()).not.toContain(s);
    }
  }, 60_000);
});
