/**
 * Fuzz: generated argv arrays and environment maps into `qfpay-ecr-sim`'s parser
 * (`parseSimulatorCli`, in-process), generated option objects into `resolveOptions`, and any JSON
 * into the customer-script and fault parsers; then a handful of the generated bad command lines
 * through the built CLI (dist) as real child processes. Every input gives valid settings or a
 * `ConfigError` whose one-line message names the flag or option that is wrong and never quotes a
 * key; the process exits 2 with the error on its first line and no stack trace.
 * Seeds are fixed, so a failure prints a seed that reproduces it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { ConfigError } from '@qfpay-ecr/core';
import { parseSimulatorCli } from '../src/cli-args.js';
import { parseCustomerScript, parseFault, resolveOptions, type SimulatorOptions } from '../src/config.js';

const PKG = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(PKG, 'dist', 'cli.js');
const POS_KEY = 'SimFuzzPosKeyS3cret7Zq9Wx4Lm2Np8';
const NOTIFY_KEY = 'SimFuzzNotifyKeyS3cret000000001';
const CLIENT_KEY = 'SimFuzzClientKeyS3cret000000001';
const SECRETS = [POS_KEY, NOTIFY_KEY, CLIENT_KEY];

type Env = Record<string, string>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function ensure(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

/** A throw must be a ConfigError with a one-line message free of secrets. */
function ensureConfigError(error: unknown, what: string): string {
  ensure(error instanceof ConfigError, `${what}: untyped throw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  const e = error as ConfigError;
  ensure(!/[\r\n]/.test(e.message), `${what}: multi-line message ${JSON.stringify(e.message)}`);
  for (const s of SECRETS) ensure(!`${e.message}${e.hint}`.includes(s), `${what}: a secret in the message`);
  return e.message;
}

function parse(argv: string[], env: Env): { ok: true } | { ok: false; message: string } {
  try {
    const c = parseSimulatorCli(argv, env);
    if (c.kind === 'run') {
      const a = c.args;
      ensure(Number.isInteger(a.port) && a.port >= 0 && a.port <= 65535, `port ${a.port}`);
      ensure(Number.isInteger(a.cloudPort) && a.cloudPort >= 0 && a.cloudPort <= 65535, `cloud port ${a.cloudPort}`);
      ensure(a.customerDelay === undefined || (Number.isInteger(a.customerDelay) && a.customerDelay >= 0), 'customer delay');
      ensure(!a.notifyUrl || a.notifyKey !== undefined, 'notify URL without key');
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, message: ensureConfigError(error, 'parseSimulatorCli') };
  }
}

// ------------------------------------------------------------------------------------------ random argv

const FLAGS = ['--host', '--port', '--pos-key', '--http', '--encrypt-replies', '--customer', '--customer-delay', '--notify-url', '--notify-key', '--notify-ca', '--ca-out', '--merchant-name', '--quiet', '--cloud-app-code', '--cloud-termid', '--cloud-mchid', '--cloud-port', '--help', '-h', '--bogus', '--'];
const VALUES = ['127.0.0.1', '0.0.0.0', 'localhost', 'example.com', '0', '9001', '-1', '65536', '', ' ', '0x50', '1e3', 'abc', 'approve', 'decline', 'manual', 'refuse', 'https://shop.example/qfpay/notify', 'ftp://x', 'not a url', 'x'.repeat(101), 'Shop', 'SIM-1'];
const token = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FLAGS) },
  { weight: 3, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 2, arbitrary: fc.constantFrom(...FLAGS).chain((f) => fc.constantFrom(...VALUES).map((v) => `${f}=${v}`)) },
  { weight: 1, arbitrary: fc.constantFrom(`--pos-key=${POS_KEY}`, `--notify-key=${NOTIFY_KEY}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
const envArb: fc.Arbitrary<Env> = fc
  .record({ QFPAY_POS_KEY: fc.constantFrom(POS_KEY, '', 'short'), QFPAY_NOTIFY_KEY: fc.constantFrom(NOTIFY_KEY, ''), QFPAY_APP_CODE: fc.constantFrom('APP1', ''), QFPAY_CLIENT_KEY: fc.constantFrom(CLIENT_KEY, '') }, { requiredKeys: [] })
  .map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as Env);

// ------------------------------------------------------------------------------------------ one bad flag

interface BadFlag {
  flag: string;
  /** The option's name in messages (zod path). */
  option: string;
  values: fc.Arbitrary<string>;
  extra?: string[];
}
const BAD: BadFlag[] = [
  { flag: '--port', option: 'port', values: fc.oneof(fc.constantFrom('', ' ', '-1', '65536', 'abc', '0x50', '1e3', '80.5', ' 80'), fc.integer({ min: 65_536 }).map(String)) },
  { flag: '--cloud-port', option: 'cloudPort', values: fc.constantFrom('', '-1', '65536', 'abc', '0x50') },
  { flag: '--customer-delay', option: 'customerDelay', values: fc.oneof(fc.constantFrom('', '-1', 'abc', '1.5', '3600001', '1e3'), fc.integer({ min: 3_600_001 }).map(String)) },
  { flag: '--customer', option: 'customer', values: fc.oneof(fc.constantFrom('', 'refuse', 'APPROVE', 'pending-then-approve'), fc.stringMatching(/^[a-z]{1,8}$/).filter((m) => !['manual', 'approve', 'decline', 'cancel'].includes(m))) },
  { flag: '--notify-url', option: 'notifyUrl', values: fc.constantFrom('not a url', 'ftp://shop.example/x', '', 'shop.example/notify'), extra: [`--notify-key=${NOTIFY_KEY}`] },
  { flag: '--merchant-name', option: 'merchantName', values: fc.oneof(fc.constant(''), fc.integer({ min: 101, max: 300 }).map((n) => 'm'.repeat(n))) },
  { flag: '--host', option: 'host', values: fc.constant('') },
  { flag: '--ca-out', option: 'caOut', values: fc.constant('') },
  { flag: '--notify-key', option: 'notifyKey', values: fc.constant(''), extra: ['--notify-url=https://shop.example/qfpay/notify'] },
];
const badCase = fc
  .constantFrom(...BAD)
  .chain((b) => b.values.map((value) => ({ b, value })))
  .map(({ b, value }) => ({ names: [b.flag, b.option], argv: [`${b.flag}=${value}`, ...(b.extra ?? []), '--quiet'], env: { QFPAY_POS_KEY: POS_KEY } as Env }));

// ------------------------------------------------------------------------------------------ option objects and scripts

const evilKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'action', 'kind', 'afterMs', 'code', 'card', 'ms'), fc.string({ maxLength: 6 }));
const scalar: fc.Arbitrary<Json> = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), fc.constantFrom('approve', 'decline', 'cancel', 'manual', 'pending-then-approve', 'delay', 'garbage', 'http500', '1205', '0000', '1145', -1, 3_600_001));
const evilJson: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(evilKey, tie('value'), { maxKeys: 4, noNullPrototype: true })),
})).value;
const scriptLike: fc.Arbitrary<Json> = fc.oneof(
  evilJson,
  fc.record(
    {
      action: fc.constantFrom('manual', 'approve', 'decline', 'cancel', 'pending-then-approve', 'explode'),
      afterMs: fc.oneof(fc.nat({ max: 5000 }), scalar),
      code: fc.oneof(fc.constantFrom('1205', '0000', '1145', '12345'), scalar),
      card: fc.oneof(fc.record({ scheme: fc.constantFrom('VISA', ''), masked: fc.constantFrom('476173******0119', '4111111111111111', 'x') }), scalar),
      pendingQueries: fc.oneof(fc.nat({ max: 200 }), scalar),
    },
    { requiredKeys: ['action'] },
  ),
  fc.record({ kind: fc.constantFrom('drop-after-payment', 'drop-before', 'delay', 'garbage', 'http500', 'busy', 'explode'), ms: fc.oneof(fc.nat({ max: 700_000 }), scalar) }, { requiredKeys: ['kind'] }),
);
const optionsArb: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    posKey: fc.oneof(fc.constantFrom(POS_KEY, POS_KEY.slice(0, 16), '', 'short', 'é'.repeat(8)), scalar),
    host: fc.oneof(fc.constantFrom('127.0.0.1', '0.0.0.0', 'localhost', 'example.com', '::1', ''), scalar),
    port: fc.oneof(fc.constantFrom(0, 9001, -1, 65536, 1.5), scalar),
    tls: fc.oneof(fc.boolean(), scalar),
    encryptReplies: fc.oneof(fc.boolean(), scalar),
    customer: scriptLike,
    notify: fc.oneof(
      fc.record({ url: fc.constantFrom('https://shop.example/n', 'ftp://x', 'not a url'), key: fc.constantFrom(NOTIFY_KEY, ''), scheduleMs: fc.oneof(fc.array(fc.integer({ min: -1, max: 90_000_000 }), { maxLength: 60 }), scalar) }, { requiredKeys: [] }),
      scalar,
    ),
    merchantName: fc.oneof(fc.constantFrom('Shop', '', 'x'.repeat(101)), scalar),
    terminalId: fc.oneof(fc.constantFrom('SIM-1', '', 'x'.repeat(65)), scalar),
    clock: fc.oneof(fc.constant(() => new Date()), scalar),
    bogusOption: scalar,
  },
  { requiredKeys: [] },
);

describe('fuzz: qfpay-ecr-sim configuration (in-process)', () => {
  it('random argv and environment: valid settings or a one-line ConfigError without secrets', () => {
    const seen = { ok: 0, error: 0 };
    fc.assert(
      fc.property(fc.array(token, { maxLength: 8 }), envArb, (argv, env) => {
        seen[parse(argv, env).ok ? 'ok' : 'error'] += 1;
      }),
      { numRuns: 3000, seed: 0x51af0001 },
    );
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.error).toBeGreaterThan(0);
  });

  it('one bad flag: refused, and the message names the flag', () => {
    fc.assert(
      fc.property(badCase, (c) => {
        const r = parse(c.argv, c.env);
        ensure(!r.ok, `${JSON.stringify(c.argv)} was accepted`);
        const message = (r as { message: string }).message;
        ensure(c.names.some((n) => message.includes(n)), `the message does not name ${c.names.join(' / ')}: ${JSON.stringify(message)}`);
      }),
      {
        numRuns: 800,
        seed: 0x51af0002,
        examples: [
          // Regressions: z.coerce read "" as port 0 (any free port) and "0x50" as 80.
          [{ names: ['--port', 'port'], argv: ['--port='], env: { QFPAY_POS_KEY: POS_KEY } }],
          [{ names: ['--port', 'port'], argv: ['--port=0x50'], env: { QFPAY_POS_KEY: POS_KEY } }],
          [{ names: ['--customer-delay', 'customerDelay'], argv: ['--customer=approve', '--customer-delay= '], env: { QFPAY_POS_KEY: POS_KEY } }],
        ],
      },
    );
  });

  it('random option objects into resolveOptions: resolved options or a ConfigError without secrets', () => {
    fc.assert(
      fc.property(optionsArb, (input) => {
        try {
          const r = resolveOptions(input as unknown as SimulatorOptions);
          ensure(typeof r.posKey === 'string' && [16, 24, 32].includes(Buffer.byteLength(r.posKey)), 'resolved a bad POS-KEY');
          ensure(Number.isInteger(r.port) && r.port >= 0 && r.port <= 65535, 'resolved a bad port');
        } catch (error) {
          ensureConfigError(error, 'resolveOptions');
        }
      }),
      { numRuns: 2000, seed: 0x51af0003 },
    );
  });

  it('any JSON into the customer-script and fault parsers: parsed or a ConfigError', () => {
    fc.assert(
      fc.property(scriptLike, (input) => {
        for (const [name, fn] of [
          ['parseCustomerScript', parseCustomerScript],
          ['parseFault', parseFault],
        ] as const) {
          try {
            const r = fn(input) as unknown as Record<string, unknown>;
            ensure(typeof r === 'object' && r !== null && (typeof r.action === 'string' || typeof r.kind === 'string'), `${name} returned ${JSON.stringify(r)}`);
          } catch (error) {
            ensureConfigError(error, name);
          }
        }
      }),
      { numRuns: 2000, seed: 0x51af0004 },
    );
  });
});

// ------------------------------------------------------------------------------------------ real processes

function run(argv: string[], env: Env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // A bad command line must end on its own; a simulator that started instead is stopped here and fails the check.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('fuzz: qfpay-ecr-sim built CLI (child processes)', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`sh scripts/pnpm.sh run build\` first`);
  });

  it('generated bad command lines and an unreadable --notify-ca: exit 2, the error on one line naming the flag, no stack trace', async () => {
    const cases = [
      ...fc.sample(badCase, { numRuns: 4, seed: 0x51af0005 }),
      { names: ['--notify-ca'], argv: ['--port=0', '--notify-url=https://shop.example/n', `--notify-key=${NOTIFY_KEY}`, '--notify-ca=/nonexistent/notify-ca.pem', '--quiet'], env: { QFPAY_POS_KEY: POS_KEY } },
    ];
    for (const c of cases) {
      const r = await run(c.argv, c.env);
      expect(r.code).toBe(2);
      const first = r.stderr.split('\n')[0] ?? '';
      expect(first).toMatch(/^qfpay-ecr-sim: \S/);
      expect(c.names.some((n) => first.includes(n))).toBe(true);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      for (const s of SECRETS) expect(`${r.stdout}${r.stderr}`).not.toContain(s);
    }
  }, 60_000);
});
