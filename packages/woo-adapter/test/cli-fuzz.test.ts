/**
 * Fuzz: generated environment maps into the bridge configuration (`loadBridgeConfig`) and
 * generated argv + environment into `qfpay-woo` (`runCli`, in-process, WooCommerce being a local
 * server that answers 404 to everything, so no run waits on a network), then a handful of the
 * generated bad command lines through the built CLI (dist) as real child processes. Configuration
 * errors are `WooConfigError`s naming the variable; usage errors name the flag; nothing ever quotes
 * the consumer secret or the POS-KEY; no untyped error escapes; the process exits 2 with a
 * one-line error and no stack trace. Seeds are fixed, so a failure prints a seed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { ENV, EXIT, loadBridgeConfig, runCli, WooConfigError } from '../src/index.js';

const BIN = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const KEY = 'ck_WooCliFuzzKey000000000000000000000000001';
const SECRET = 'cs_WooCliFuzzSecretThatMustNeverLeak0000001';
const POS_KEY = 'WooCliFuzzPosKeyS3cret7Zq9Wx4Lm2';
const EVENTS_TOKEN = 'WooCliFuzzEventsTokenS3cret00001';
const SECRETS = [SECRET, POS_KEY, EVENTS_TOKEN];

type Env = Record<string, string>;

function ensure(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

function noSecrets(text: string, what: string): void {
  for (const s of SECRETS) ensure(!text.includes(s), `${what}: a secret was quoted`);
}

// ------------------------------------------------------------------------------------------ configuration

const ENV_VALUES: Record<string, fc.Arbitrary<string>> = {
  [ENV.wooUrl]: fc.constantFrom('https://shop.example', 'http://127.0.0.1:1', 'not a url', '', 'ftp://shop.example', 'https://u:p@shop.example', 'https://shop.example/wp-json/wc/v3'),
  [ENV.wooKey]: fc.constantFrom(KEY, '', 'cs_swapped', 'ck_'),
  [ENV.wooSecret]: fc.constantFrom(SECRET, '', 'ck_swapped'),
  [ENV.wooAuthMode]: fc.constantFrom('basic', 'query', 'oauth', '', 'BASIC'),
  [ENV.wooInsecure]: fc.constantFrom('1', '0', 'true', 'no', 'maybe', '', 'YES'),
  [ENV.wooCaFile]: fc.constantFrom('/nonexistent/ca.pem', '', ' '),
  [ENV.terminal]: fc.constantFrom('192.168.1.50', '192.168.1.50:9001', '[::1]:9001', 'h:0', 'h:99999', 'a]b', '', ':9001', 'fe80::1'),
  [ENV.posKey]: fc.constantFrom(POS_KEY, '', 'short'),
  [ENV.ca]: fc.constantFrom('/nonexistent/ca3.crt', '', ' '),
  [ENV.caPin]: fc.constantFrom('AB:CD', '', 'x'.repeat(64)),
  [ENV.terminalId]: fc.constantFrom('till-1', '', ' '),
  [ENV.prefix]: fc.constantFrom('wc', '', 'bad prefix!'),
  [ENV.eventsUrl]: fc.constantFrom('http://127.0.0.1:1/qfpay/events', '', 'nope'),
  [ENV.eventsToken]: fc.constantFrom(EVENTS_TOKEN, ''),
};
const envArb: fc.Arbitrary<Env> = fc
  .subarray(Object.keys(ENV_VALUES))
  .chain((names) => fc.tuple(...names.map((n) => fc.oneof((ENV_VALUES[n] as fc.Arbitrary<string>), fc.string({ maxLength: 10 })).map((v) => [n, v] as const))))
  .map((pairs) => Object.fromEntries(pairs));

const VALID_ENV: Env = { [ENV.wooUrl]: 'https://shop.example', [ENV.wooKey]: KEY, [ENV.wooSecret]: SECRET, [ENV.terminal]: '192.168.1.50', [ENV.posKey]: POS_KEY };

/** One variable set to a bad value; the message must name that variable. */
const BAD_ENV: Record<string, fc.Arbitrary<string>> = {
  [ENV.wooUrl]: fc.constantFrom('not a url', 'shop.example', '://', 'https//shop'),
  [ENV.wooKey]: fc.constant(''),
  [ENV.wooSecret]: fc.constant(''),
  [ENV.wooAuthMode]: fc.oneof(fc.constantFrom('oauth', 'BASIC', ' '), fc.stringMatching(/^[a-z]{1,8}$/).filter((m) => m !== 'basic' && m !== 'query')),
  [ENV.wooInsecure]: fc.constantFrom('maybe', '2', 'enabled', 'y'),
  [ENV.terminal]: fc.oneof(fc.constantFrom('h:0', 'a]b', ':9001', '[]'), fc.integer({ min: 65_536, max: 9_999_999 }).map((p) => `192.168.1.50:${p}`)),
  [ENV.posKey]: fc.constant(''),
};
const badEnvCase = fc.constantFrom(...Object.keys(BAD_ENV)).chain((name) => (BAD_ENV[name] as fc.Arbitrary<string>).map((value) => ({ name, env: { ...VALID_ENV, [name]: value } })));

function load(env: Env, terminal: boolean): { ok: true } | { ok: false; message: string } {
  try {
    const c = loadBridgeConfig(env, { terminal });
    ensure(typeof c.woo.url === 'string' && c.woo.consumerKey.length > 0 && c.woo.consumerSecret.length > 0, 'woo part');
    ensure(typeof c.woo.allowInsecureHttp === 'boolean', 'allowInsecureHttp');
    if (terminal) ensure(c.terminal !== undefined && Number.isInteger(c.terminal.port) && c.terminal.port >= 1 && c.terminal.port <= 65535 && c.terminal.host.length > 0, 'terminal part');
    return { ok: true };
  } catch (error) {
    ensure(error instanceof WooConfigError, `untyped throw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    const e = error as WooConfigError;
    ensure(!/[\r\n]/.test(e.message), `multi-line message: ${JSON.stringify(e.message)}`);
    noSecrets(`${e.message}\n${e.hint}`, 'loadBridgeConfig');
    return { ok: false, message: e.message };
  }
}

// ------------------------------------------------------------------------------------------ argv

const FLAGS = ['--order', '--channel', '--amount', '--reason', '--max-pages', '--json', '--help', '-h', '--bogus', '--'];
const VALUES = ['42', '0', '-1', '1.5', 'abc', '', '1e3', '0x10', '99999999999999999999', 'alipay', 'bitcoin', '12.50', '12,50', '4.505', '1001', '1000'];
const COMMANDS = ['reconcile', 'pay', 'refund', 'status', 'help', 'frobnicate'];
const token = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...COMMANDS) },
  { weight: 3, arbitrary: fc.constantFrom(...FLAGS) },
  { weight: 3, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 1, arbitrary: fc.constantFrom(...FLAGS).chain((f) => fc.constantFrom(...VALUES).map((v) => `${f}=${v}`)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

/** A command and some of its flags, each with a plausible or odd value: reaches past the argv parser. */
const structuredArgv: fc.Arbitrary<string[]> = fc
  .tuple(
    fc.constantFrom('reconcile', 'pay', 'refund', 'status'),
    fc.array(fc.tuple(fc.constantFrom('--order', '--order', '--channel', '--amount', '--reason', '--max-pages'), fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 6 }))), { maxLength: 4 }),
  )
  .map(([command, flags]) => [command, ...flags.map(([f, v]) => `${f}=${v}`)]);

const BASES: Record<string, string[]> = {
  reconcile: ['reconcile'],
  pay: ['pay', '--order', '42', '--channel', 'alipay'],
  refund: ['refund', '--order', '42', '--amount', '5.00'],
  status: ['status', '--order', '42'],
};
interface BadFlag {
  flag: string;
  commands: string[];
  values: fc.Arbitrary<string>;
}
const BAD_FLAGS: BadFlag[] = [
  { flag: '--order', commands: ['reconcile', 'pay', 'refund', 'status'], values: fc.oneof(fc.constantFrom('0', '-1', '1.5', 'abc', ''), fc.stringMatching(/^[a-z]{1,6}$/)) },
  { flag: '--max-pages', commands: ['reconcile'], values: fc.oneof(fc.constantFrom('0', '-1', '1001', 'abc', '1.5', ''), fc.integer({ min: 1001, max: 1_000_000 }).map(String)) },
  { flag: '--channel', commands: ['pay'], values: fc.oneof(fc.constantFrom('bitcoin', '', 'ALIPAY'), fc.stringMatching(/^[a-z]{3,10}$/).filter((c) => !['alipay', 'payme', 'union', 'octopus'].includes(c))) },
  { flag: '--amount', commands: ['refund'], values: fc.oneof(fc.constantFrom('abc', '12,50', '4.505', '-1', '', '1e3'), fc.stringMatching(/^\d{1,3},\d{1,2}$/)) },
];
const badArgvCase = fc
  .constantFrom(...BAD_FLAGS)
  .chain((b) => fc.record({ flag: fc.constant(b.flag), command: fc.constantFrom(...b.commands), value: b.values, json: fc.boolean() }))
  .map(({ flag, command, value, json }) => {
    const argv = [...(BASES[command] as string[])];
    const i = argv.indexOf(flag);
    if (i >= 0) argv.splice(i, 2, `${flag}=${value}`);
    else argv.push(`${flag}=${value}`);
    if (json) argv.push('--json');
    return { flag, argv };
  });

async function runInProcess(argv: string[], env: Env): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { env, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** What every in-process run must satisfy: a known exit code, one error line, no secrets, no untyped error. */
function ensureCleanRun(r: { code: number; stdout: string; stderr: string }, argv: string[]): void {
  ensure((Object.values(EXIT) as number[]).includes(r.code), `exit code ${r.code}`);
  noSecrets(`${r.stdout}\n${r.stderr}`, 'runCli');
  if (r.stderr !== '') {
    const [first = '', ...rest] = r.stderr.trimEnd().split('\n');
    ensure(first.startsWith('qfpay-woo: '), `stderr starts ${JSON.stringify(first)}`);
    ensure(rest.every((line) => line === 'Run `qfpay-woo help` for usage.'), `stderr has more than one error line: ${JSON.stringify(r.stderr)}`);
  }
  if (argv.includes('--json') && r.code !== EXIT.ok && r.stdout.includes('"error"')) {
    const body = JSON.parse(r.stdout) as { error: { code: string } };
    // runCli reports code "ERROR" only for errors that are not ours (a TypeError and the like).
    ensure(body.error.code !== 'ERROR', `untyped error: ${r.stdout}`);
  }
}

describe('fuzz: qfpay-woo configuration and command line (in-process)', () => {
  let woo: Server;
  let wooUrl = '';

  beforeAll(async () => {
    // Answers like a site without the WooCommerce REST API: every call ends at once, typed, unretried.
    woo = createServer((req, res) => {
      req.resume();
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'rest_no_route', message: 'No route was found matching the URL and request method.', data: { status: 404 } }));
    });
    woo.listen(0, '127.0.0.1');
    await once(woo, 'listening');
    wooUrl = `http://127.0.0.1:${(woo.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    woo.closeAllConnections();
    await new Promise<void>((resolve) => woo.close(() => resolve()));
  });

  it('random environments: a configuration or a WooConfigError without secrets', () => {
    const seen = { ok: 0, error: 0 };
    fc.assert(
      fc.property(envArb, fc.boolean(), (env, terminal) => {
        seen[load(env, terminal).ok ? 'ok' : 'error'] += 1;
      }),
      { numRuns: 2000, seed: 0x3c1f0001 },
    );
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.error).toBeGreaterThan(0);
  });

  it('one bad variable in a valid environment: WooConfigError naming that variable', () => {
    fc.assert(
      fc.property(badEnvCase, ({ name, env }) => {
        const r = load(env, true);
        ensure(!r.ok, `${name}=${JSON.stringify(env[name])} was accepted`);
        ensure((r as { message: string }).message.includes(name), `the message does not name ${name}: ${(r as { message: string }).message}`);
      }),
      { numRuns: 500, seed: 0x3c1f0002 },
    );
  });

  it('random argv with random or working environments: known exit codes, one error line, no secrets, nothing untyped', async () => {
    const envs = fc.oneof(
      envArb,
      fc.constant(null).map(() => ({ ...VALID_ENV, [ENV.wooUrl]: wooUrl, [ENV.wooInsecure]: '1' })),
      fc.constant(null).map(() => ({ ...VALID_ENV, [ENV.wooUrl]: wooUrl, [ENV.wooInsecure]: '1', [ENV.posKey]: 'short' })),
    );
    await fc.assert(
      // Mostly --json: its error code is how an untyped error shows (exit 1 alone is also a WooCommerce outage).
      fc.asyncProperty(fc.oneof(fc.array(token, { maxLength: 7 }), structuredArgv, structuredArgv), envs, fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), async (argv, env, json) => {
        const args = json ? [...argv, '--json'] : argv;
        ensureCleanRun(await runInProcess(args, env), args);
      }),
      { numRuns: 300, seed: 0x3c1f0003 },
    );
  }, 60_000);

  it('one bad flag on a valid command: exit 2, and the message names the flag', async () => {
    const env = { ...VALID_ENV, [ENV.wooUrl]: wooUrl, [ENV.wooInsecure]: '1' };
    await fc.assert(
      fc.asyncProperty(badArgvCase, async ({ flag, argv }) => {
        const r = await runInProcess(argv, env);
        ensureCleanRun(r, argv);
        ensure(r.code === EXIT.usage, `${JSON.stringify(argv)} exited ${r.code}: ${r.stderr}`);
        ensure(r.stderr.includes(flag), `the message does not name ${flag}: ${JSON.stringify(r.stderr)}`);
      }),
      {
        numRuns: 300,
        seed: 0x3c1f0004,
        examples: [
          // Regression: --max-pages errors came from zod's defaults ("Too big: expected number to be <=1000").
          [{ flag: '--max-pages', argv: ['reconcile', '--max-pages=1001'] }],
          [{ flag: '--max-pages', argv: ['reconcile', '--max-pages=abc'] }],
          // Regression: a decimal comma was read as a thousands separator ("12,50" refunded HK$1,250.00).
          [{ flag: '--amount', argv: ['refund', '--order', '42', '--amount=12,50'] }],
        ],
      },
    );
  }, 60_000);
});

// ------------------------------------------------------------------------------------------ real processes

function run(argv: string[], env: Env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('fuzz: qfpay-woo built CLI (child processes)', () => {
  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`sh scripts/pnpm.sh run build\` first`);
  });

  it('generated bad flags and bad environments: exit 2, one error line naming it, no stack trace', async () => {
    // Nothing here reaches a network: each run stops at its bad flag or variable.
    const cases: Array<{ argv: string[]; env: Env; names: string[] }> = [
      ...fc.sample(badArgvCase, { numRuns: 3, seed: 0x3c1f0005 }).map(({ flag, argv }) => ({ argv, env: { ...VALID_ENV, [ENV.wooUrl]: 'http://127.0.0.1:1', [ENV.wooInsecure]: '1' }, names: [flag] })),
      ...fc.sample(badEnvCase, { numRuns: 3, seed: 0x3c1f0006 }).map(({ name, env }) => ({ argv: ['reconcile'], env, names: [name] })),
    ];
    for (const c of cases) {
      const r = await run(c.argv, c.env);
      expect(r.code).toBe(EXIT.usage);
      const [first = '', ...rest] = r.stderr.trimEnd().split('\n');
      expect(first).toMatch(/^qfpay-woo: \S/);
      expect(c.names.some((n) => first.includes(n))).toBe(true);
      expect(rest.every((line) => line === 'Run `qfpay-woo help` for usage.')).toBe(true);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      for (const s of SECRETS) expect(`${r.stdout}${r.stderr}`).not.toContain(s);
    }
  }, 60_000);
});
