/**
 * Fuzz: generated argv arrays and environment maps into `qfpay-ecr`'s parser (`parseCli`,
 * in-process), then a handful of the generated bad command lines through the built CLI (dist) as
 * real child processes. The parser returns a request or throws a typed error (`UsageError` or a
 * `QfpayEcrError`) whose one-line message names the flag or variable that is wrong and never
 * quotes a secret; the process exits 2 with a one-line error and no stack trace.
 * Seeds are fixed, so a failure prints a seed that reproduces it.
 */
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { COMMANDS, parseCli, UsageError } from '../src/cli/args.js';
import { QfpayEcrError } from '../src/errors.js';
import { BIN, runCli, type CliRun } from './support/run-cli.js';

const POS_KEY = 'CliFuzzPosKeyS3cret7Zq9Wx4Lm2Np8';
const NOTIFY_KEY = 'CliFuzzNotifyKeyS3cret00000000';
const CLIENT_KEY = 'CliFuzzClientKeyS3cret000000000';
const SECRETS = [POS_KEY, NOTIFY_KEY, CLIENT_KEY];

type Env = Record<string, string>;

function ensure(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

/** Secrets given as option values or in the environment (after `--` a token is a positional, echoed as a command). */
function givenSecrets(argv: string[]): string[] {
  const end = argv.indexOf('--');
  const afterEnd = end < 0 ? [] : argv.slice(end + 1);
  return SECRETS.filter((s) => !afterEnd.some((a) => a.includes(s)));
}

/** Runs the parser; a throw must be typed, one line, and free of secrets. */
function parse(argv: string[], env: Env): { ok: true; value: { command: string } } | { ok: false; message: string } {
  try {
    const value = parseCli(argv, env) as { command: string };
    ensure(value.command === 'help' || (COMMANDS as readonly string[]).includes(value.command), `parsed an unknown command ${String(value.command)}`);
    return { ok: true, value };
  } catch (error) {
    ensure(error instanceof UsageError || error instanceof QfpayEcrError, `untyped throw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    const message = (error as Error).message;
    ensure(message.trim().length > 0, 'empty error message');
    ensure(!/[\r\n]/.test(message), `multi-line error message: ${JSON.stringify(message)}`);
    for (const s of givenSecrets(argv)) ensure(!message.includes(s), 'a secret in the error message');
    return { ok: false, message };
  }
}

// ------------------------------------------------------------------------------------------ random argv

const FLAGS = [
  '--terminal', '--pos-key', '--ca', '--pin-ca', '--http', '--resolve-deadline', '--json', '--amount', '--channel', '--out-trade-no', '--syssn', '--help', '-h',
  '--notify-url', '--notify-key', '--notify-ca', '--notify-local', '--timeout', '--cloud', '--cloud-env', '--cloud-url', '--cloud-ca', '--app-code', '--client-key',
  '--termid', '--mchid', '--sign-type', '--bogus', '-x', '--', '-',
];
const VALUES = ['127.0.0.1', '127.0.0.1:9001', '[::1]:9001', 'fe80::1', 'host:0', 'host:70000', 'a]b', ':', '', ' ', '12.50', '0', '-1', '1e400', '1e-9', '0.0001', 'NaN', 'abc', 'card_payment', 'bitcoin', 'order-1', 'bad ref!', 'x'.repeat(65), 'https://shop.example/qfpay/notify', 'sandbox', 'MD5', 'sha512', '/nonexistent/ca.pem'];
const token = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FLAGS) },
  { weight: 2, arbitrary: fc.constantFrom(...COMMANDS) },
  { weight: 3, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 1, arbitrary: fc.constantFrom(...FLAGS).chain((f) => fc.constantFrom(...VALUES).map((v) => `${f}=${v}`)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constant(`--pos-key=${POS_KEY}`) },
  { weight: 1, arbitrary: fc.constant(`--client-key=${CLIENT_KEY}`) },
);
const ENV_NAMES = ['QFPAY_TERMINAL', 'QFPAY_POS_KEY', 'QFPAY_CA', 'QFPAY_CA_PIN', 'QFPAY_NOTIFY_URL', 'QFPAY_NOTIFY_KEY', 'QFPAY_CLOUD_ENV', 'QFPAY_CLOUD_URL', 'QFPAY_APP_CODE', 'QFPAY_CLIENT_KEY', 'QFPAY_TERMID', 'QFPAY_MCHID', 'QFPAY_SIGN_TYPE'];
const envValue = (name: string) =>
  name === 'QFPAY_POS_KEY' ? fc.constantFrom(POS_KEY, '', 'short') : name === 'QFPAY_NOTIFY_KEY' ? fc.constant(NOTIFY_KEY) : name === 'QFPAY_CLIENT_KEY' ? fc.constant(CLIENT_KEY) : fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 10 }));
const envArb: fc.Arbitrary<Env> = fc
  .subarray(ENV_NAMES)
  .chain((names) => fc.tuple(...names.map((n) => envValue(n).map((v) => [n, v] as const))))
  .map((pairs) => Object.fromEntries(pairs));

// ------------------------------------------------------------------------------------------ one bad field

/** A valid command line and environment, as a base for one bad field at a time. */
const BASE_ENV: Env = { QFPAY_TERMINAL: '192.168.1.50', QFPAY_POS_KEY: POS_KEY };
const BASES: Record<string, string[]> = {
  pay: ['pay', '--amount', '12.50', '--channel', 'card_payment'],
  refund: ['refund', '--syssn', '20250102000000000001'],
  query: ['query', '--out-trade-no', 'order-1'],
  cancel: ['cancel'],
  'print-receipt': ['print-receipt', '--syssn', '20250102000000000001'],
  'print-summary': ['print-summary'],
};

interface BadField {
  /** Words of which the message must contain at least one. */
  names: string[];
  commands: string[];
  apply(argv: string[], env: Env, value: string): void;
  values: fc.Arbitrary<string>;
}

function setFlag(argv: string[], flag: string, value: string): void {
  const i = argv.indexOf(flag);
  if (i >= 0) argv.splice(i, 2, `${flag}=${value}`);
  else argv.push(`${flag}=${value}`);
}

const LAN = Object.keys(BASES);
const BAD_FIELDS: Record<string, BadField> = {
  terminal: {
    names: ['--terminal', 'QFPAY_TERMINAL'],
    commands: [...LAN, 'doctor'],
    apply: (argv, _env, v) => setFlag(argv, '--terminal', v),
    values: fc.oneof(
      fc.integer({ min: 65_536, max: 9_999_999 }).map((p) => `192.168.1.50:${p}`),
      fc.constantFrom('192.168.1.50:0', '192.168.1.50:00', '[::1]:0', 'a]b', ':9001', '[]'),
    ),
  },
  terminalEnv: {
    names: ['--terminal', 'QFPAY_TERMINAL'],
    commands: LAN,
    apply: (_argv, env, v) => {
      env.QFPAY_TERMINAL = v;
    },
    values: fc.constantFrom('', '   ', '192.168.1.50:0', '192.168.1.50:99999', 'a]b'),
  },
  posKey: {
    names: ['--pos-key', 'QFPAY_POS_KEY'],
    commands: LAN,
    apply: (_argv, env, v) => {
      env.QFPAY_POS_KEY = v;
    },
    values: fc.constant(''),
  },
  deadline: {
    names: ['--resolve-deadline'],
    commands: LAN,
    apply: (argv, _env, v) => setFlag(argv, '--resolve-deadline', v),
    values: fc.oneof(fc.constantFrom('0', '-1', 'abc', '', 'NaN', 'Infinity', '1e400', '0.0001', '0.0004', '1e-9'), fc.double({ min: -1e6, max: 0.0004, noNaN: true }).map(String)),
  },
  amount: {
    names: ['--amount'],
    commands: ['pay', 'refund'],
    apply: (argv, _env, v) => setFlag(argv, '--amount', v),
    values: fc.oneof(
      fc.constantFrom('abc', '1.234', '-5', '', '1e3', '12,50', '12,50.1', '1,2,3', 'NaN', '0x10', '99999999999999999999'),
      fc.stringMatching(/^\d{1,4}\.\d{3,5}$/),
      fc.stringMatching(/^\d{1,3},\d{1,2}$/), // a decimal comma
    ),
  },
  channel: {
    names: ['--channel'],
    commands: ['pay'],
    apply: (argv, _env, v) => setFlag(argv, '--channel', v),
    values: fc.oneof(fc.constantFrom('bitcoin', '', 'CARD_PAYMENT', 'card-payment'), fc.stringMatching(/^[a-z]{1,12}$/).filter((c) => !['wx', 'alipay', 'payme', 'union', 'fps', 'octopus'].includes(c))),
  },
  outTradeNo: {
    names: ['--out-trade-no'],
    commands: ['pay', 'query'],
    apply: (argv, _env, v) => setFlag(argv, '--out-trade-no', v),
    values: fc.oneof(fc.constantFrom('', 'bad ref!', 'x'.repeat(65), "o'neil", 'a,b', 'ü'), fc.stringMatching(/^[A-Za-z0-9]{0,5}[ !'",{}\\/][A-Za-z0-9]{0,5}$/)),
  },
  syssn: {
    names: ['--syssn'],
    commands: ['refund', 'print-receipt'],
    apply: (argv, _env, v) => setFlag(argv, '--syssn', v),
    values: fc.oneof(fc.constantFrom('', 'bad syssn', 'x'.repeat(65), '1;2'), fc.stringMatching(/^[0-9]{0,5}[ !'",{}\\/][0-9]{0,5}$/)),
  },
  timeout: {
    names: ['--timeout'],
    commands: ['doctor'],
    apply: (argv, _env, v) => setFlag(argv, '--timeout', v),
    values: fc.oneof(fc.constantFrom('0', '-1', 'abc', '', '121', '1e400', '0.0001', '1e-9'), fc.double({ min: 120.001, max: 1e9, noNaN: true }).map(String)),
  },
};

const badCase = fc
  .constantFrom(...Object.keys(BAD_FIELDS))
  .chain((field) => {
    const f = BAD_FIELDS[field] as BadField;
    return fc.record({ field: fc.constant(field), command: fc.constantFrom(...f.commands), value: f.values, json: fc.boolean() });
  })
  .map(({ field, command, value, json }) => {
    const f = BAD_FIELDS[field] as BadField;
    const argv = command === 'doctor' ? ['doctor', '--terminal', '192.168.1.50'] : [...(BASES[command] as string[])];
    const env: Env = { ...BASE_ENV };
    if (json) argv.push('--json');
    f.apply(argv, env, value);
    return { field, names: f.names, argv, env };
  });

/** What the bad-field property checks; exported to the child-process runs below. */
function expectNamed(c: { field: string; names: string[]; argv: string[]; env: Env }): string {
  const r = parse(c.argv, c.env);
  ensure(!r.ok, `${c.field}: ${JSON.stringify(c.argv)} was accepted`);
  const message = (r as { message: string }).message;
  ensure(c.names.some((n) => message.includes(n)), `${c.field}: the message does not name ${c.names.join(' or ')}: ${JSON.stringify(message)}`);
  return message;
}

describe('fuzz: qfpay-ecr command line (in-process)', () => {
  it('random argv and environment: a request or a typed one-line error without secrets', () => {
    const seen = { ok: 0, error: 0 };
    fc.assert(
      fc.property(fc.array(token, { maxLength: 9 }), envArb, (argv, env) => {
        const r = parse(argv, env);
        seen[r.ok ? 'ok' : 'error'] += 1;
      }),
      { numRuns: 3000, seed: 0xc11f0001 },
    );
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.error).toBeGreaterThan(0);
  });

  it('one bad field on an otherwise valid command: refused, and the message names the field', () => {
    fc.assert(
      fc.property(badCase, (c) => {
        expectNamed(c);
      }),
      {
        numRuns: 1500,
        seed: 0xc11f0002,
        examples: [
          // Regressions: these messages came from zod's defaults or named no flag.
          [{ field: 'terminal', names: ['--terminal', 'QFPAY_TERMINAL'], argv: ['cancel', '--terminal=192.168.1.50:70000'], env: { ...BASE_ENV } }],
          [{ field: 'deadline', names: ['--resolve-deadline'], argv: ['cancel', '--resolve-deadline=0.0001'], env: { ...BASE_ENV } }],
          [{ field: 'outTradeNo', names: ['--out-trade-no'], argv: ['query', '--out-trade-no=bad ref!'], env: { ...BASE_ENV } }],
          [{ field: 'syssn', names: ['--syssn'], argv: ['refund', '--syssn=bad syssn'], env: { ...BASE_ENV } }],
          [{ field: 'timeout', names: ['--timeout'], argv: ['doctor', '--terminal', '192.168.1.50', '--timeout=0.0001'], env: { ...BASE_ENV } }],
          // Regression: a decimal comma was read as a thousands separator, "12,50" as HK$1,250.00.
          [{ field: 'amount', names: ['--amount'], argv: ['pay', '--amount=12,50', '--channel', 'card_payment'], env: { ...BASE_ENV } }],
        ],
      },
    );
  });
});

// ------------------------------------------------------------------------------------------ real processes

type Run = CliRun;

function run(argv: string[], env: Env): Promise<Run> {
  return runCli(argv, env, { killAfterMs: 20_000 });
}

/** The built CLI's answer to a bad command line: exit 2, one error line naming the problem, no stack trace. */
function expectCleanUsageFailure(r: Run, names: string[]): void {
  expect(r.code).toBe(2);
  const first = r.stderr.split('\n')[0] ?? '';
  expect(first).toMatch(/^qfpay-ecr: \S/);
  expect(names.some((n) => first.includes(n))).toBe(true);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/(TypeError|RangeError|ReferenceError|SyntaxError)/);
  for (const s of SECRETS) expect(`${r.stdout}${r.stderr}`).not.toContain(s);
}

describe('fuzz: qfpay-ecr built CLI (child processes)', () => {
  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`sh scripts/pnpm.sh run build\` first`);
  });

  it('generated bad command lines: exit 2 with a one-line error naming the field', async () => {
    const cases = fc.sample(badCase, { numRuns: 6, seed: 0xc11f0003 });
    for (const c of cases) {
      const r = await run(c.argv, c.env);
      expectCleanUsageFailure(r, c.names);
    }
  }, 60_000);

  it('configuration the terminal refuses (POS-KEY length, unreadable CA): exit 2, one line, no stack trace', async () => {
    const shortKey = await run(['cancel'], { QFPAY_TERMINAL: '192.168.1.50', QFPAY_POS_KEY: 'tooShortButSecret' });
    expectCleanUsageFailure(shortKey, ['POS-KEY']);
    expect(shortKey.stderr).not.toContain('tooShortButSecret');
    const noCa = await run(['cancel'], { QFPAY_TERMINAL: '192.168.1.50', QFPAY_POS_KEY: POS_KEY, QFPAY_CA: '/nonexistent/qfpay/ca3.crt' });
    expectCleanUsageFailure(noCa, ['CA file']);
    const unknownFlag = await run(['pay', '--bogus'], {});
    expectCleanUsageFailure(unknownFlag, ['--bogus']);
  }, 60_000);
});
