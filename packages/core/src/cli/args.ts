import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseMajorAmount } from '../money/index.js';
import { CLOUD_ENVIRONMENT_NAMES, type CloudEnvironment } from '../cloud/environments.js';
import type { CloudConnection } from '../cloud/options.js';
import type { CloudDoctorOptions } from '../doctor/cloud-checks.js';
import { CHANNELS } from '../terminal/types.js';

/** Raised for anything wrong on the command line; printed with the usage text. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const COMMANDS = ['pay', 'refund', 'query', 'cancel', 'print-receipt', 'print-summary', 'doctor'] as const;
export type Command = (typeof COMMANDS)[number];

export const USAGE = `Usage: qfpay-ecr <command> [options]

Commands:
  pay            --amount 12.50 --channel card_payment [--out-trade-no REF]
  refund         --syssn SYSSN [--amount 5.00]          (whole refundable amount when omitted)
  query          --out-trade-no REF | --syssn SYSSN
  cancel         abandon the payment/refund screen open on the terminal (5001)
  print-receipt  --syssn SYSSN
  print-summary
  doctor         check the shop's HTTPS setup: CA file and fingerprints, terminal reachable, TLS,
                 HTTPS answering, POS-KEY accepted, notify URL (see Doctor options); exit 5 = a check failed;
                 with --cloud: the ECR Cloud setup (environment, credentials, signature, device bound)

Terminal options (flags win over environment variables):
  --terminal HOST[:PORT]   terminal IP, port 9001 by default     (QFPAY_TERMINAL)
  --pos-key KEY            the terminal's POS-KEY                (QFPAY_POS_KEY; prefer the variable:
                           command lines are visible to other users)
  --ca PATH                CA that signed the terminal's certificate; QFPay's ca3.crt by default (QFPAY_CA)
  --pin-ca SHA256          trust a CA other than QFPay's by its SHA-256 fingerprint (QFPAY_CA_PIN)
  --http                   plain HTTP instead of HTTPS (only for terminals without HTTPS)
  --resolve-deadline SEC   how long to keep querying an unanswered payment (default 120)
  --json                   print the result as JSON on stdout
  -h, --help

ECR Cloud (--cloud: through QFPay's OpenAPI instead of the LAN; every command above takes it):
  --cloud                  use ECR Cloud instead of the LAN terminal (doctor: check it too)
  --cloud-env ENV          ${CLOUD_ENVIRONMENT_NAMES.join(' | ')}; no default, credentials belong to one (QFPAY_CLOUD_ENV)
  --cloud-url URL          only with --cloud-env custom: the OpenAPI origin             (QFPAY_CLOUD_URL)
  --cloud-ca PATH          only with --cloud-env custom: the CA of that server          (QFPAY_CLOUD_CA)
  --app-code CODE          OpenAPI app code                                             (QFPAY_APP_CODE)
  --client-key KEY         OpenAPI client key (QFPAY_CLIENT_KEY; prefer the variable)
  --termid ID              the terminal's Device ID (Haojin → My → Settings → Device ID) (QFPAY_TERMID)
  --mchid ID               merchant ID, only if QFPay issued one                         (QFPAY_MCHID)
  --sign-type MD5|SHA256   signature hash, MD5 by default                               (QFPAY_SIGN_TYPE)

Channels: ${CHANNELS.join(', ')}

Doctor options (with --terminal, --pos-key, --ca, --pin-ca, --json):
  --notify-url URL         the notification URL registered with QFPay      (QFPAY_NOTIFY_URL)
  --notify-key KEY         notification key: posts a signed test notification (QFPAY_NOTIFY_KEY; prefer the variable)
  --notify-ca PATH         CA of a notify server with a private certificate (tests only)
  --notify-local           a notify server on this machine: port/public-address rules become information
  --timeout SEC            per network step (default 5)

Exit codes: 0 approved/done, 3 declined, 4 cancelled, 5 failed (doctor: a check failed),
            6 unknown (check with query), 7 not found, 2 usage or configuration error, 1 unexpected error.`;

const channelSchema = z.enum(CHANNELS, { error: () => `--channel must be one of: ${CHANNELS.join(', ')}` });
// Each message names its flag: a bare "references are…" left the user guessing which one was wrong.
const refSchema = (flag: string) => z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, `${flag} must be 1-64 characters of A-Z a-z 0-9 _ -`);

const terminalSchema = z.object({
  host: z.string().min(1, 'give the terminal address with --terminal or QFPAY_TERMINAL'),
  port: z.number().int().min(1, '--terminal port must be 1-65535').max(65535, '--terminal port must be 1-65535'),
  posKey: z.string().min(1, 'give the POS-KEY with QFPAY_POS_KEY (or --pos-key)'),
  ca: z.string().optional(),
  pin: z.string().optional(),
  http: z.boolean(),
  resolveDeadlineMs: z.number().int().positive('--resolve-deadline must be at least 0.001 seconds'),
  json: z.boolean(),
});
/** How to reach the terminal: over the LAN (default) or through ECR Cloud (`--cloud`). */
export type TerminalArgs = (z.infer<typeof terminalSchema> & { mode: 'lan' }) | ({ mode: 'cloud'; json: boolean } & CloudConnectionArgs);

/** ECR Cloud settings of a pay/refund/query/cancel/print command: all required but mchid/baseUrl/ca/signType. */
export type CloudConnectionArgs = CloudConnection;

/** ECR Cloud settings of `doctor --cloud`: any may be missing (doctor reports it). */
export type CloudDoctorArgs = Omit<CloudDoctorOptions, 'queryPath'>;

export type CliRequest =
  | { command: 'help' }
  | ({ command: 'pay'; amountMinor: number; channel: (typeof CHANNELS)[number]; outTradeNo?: string } & TerminalArgs)
  | ({ command: 'refund'; syssn: string; amountMinor?: number } & TerminalArgs)
  | ({ command: 'query'; outTradeNo?: string; syssn?: string } & TerminalArgs)
  | ({ command: 'cancel' } & TerminalArgs)
  | ({ command: 'print-receipt'; syssn: string } & TerminalArgs)
  | ({ command: 'print-summary' } & TerminalArgs)
  | DoctorArgs;

/** `qfpay-ecr doctor`: every input optional except "a terminal or a notify URL". */
export interface DoctorArgs {
  command: 'doctor';
  terminal?: { host: string; port: number };
  ca?: string;
  pin?: string;
  posKey?: string;
  notifyUrl?: string;
  notifyKey?: string;
  notifyCa?: string;
  notifyLocal: boolean;
  /** Present with `--cloud`. */
  cloud?: CloudDoctorArgs;
  timeoutMs: number;
  json: boolean;
}

const DOCTOR_ONLY = ['notify-url', 'notify-key', 'notify-ca', 'notify-local', 'timeout'] as const;

/** Parses argv (without node and script) and the environment into one validated request. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliRequest {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        terminal: { type: 'string' },
        'pos-key': { type: 'string' },
        ca: { type: 'string' },
        'pin-ca': { type: 'string' },
        http: { type: 'boolean' },
        'resolve-deadline': { type: 'string' },
        json: { type: 'boolean' },
        amount: { type: 'string' },
        channel: { type: 'string' },
        'out-trade-no': { type: 'string' },
        syssn: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        'notify-url': { type: 'string' },
        'notify-key': { type: 'string' },
        'notify-ca': { type: 'string' },
        'notify-local': { type: 'boolean' },
        timeout: { type: 'string' },
        cloud: { type: 'boolean' },
        'cloud-env': { type: 'string' },
        'cloud-url': { type: 'string' },
        'cloud-ca': { type: 'string' },
        'app-code': { type: 'string' },
        'client-key': { type: 'string' },
        termid: { type: 'string' },
        mchid: { type: 'string' },
        'sign-type': { type: 'string' },
      },
    });
  } catch (err) {
    // One line: parseArgs adds "Did you forget…" lines after the message.
    throw new UsageError((err as Error).message.split('\n').join(' '));
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return { command: 'help' };
  if (positionals.length > 1) throw new UsageError(`one command at a time, got: ${positionals.join(' ')}`);
  const command = positionals[0] as string;
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command "${command}"`);
  const cloudFlags = CLOUD_FLAGS.filter((flag) => values[flag] !== undefined);
  if (!values.cloud && cloudFlags.length > 0) throw new UsageError(`--${cloudFlags[0]} needs --cloud`);
  if (command === 'doctor') return parseDoctor(values, env);
  const doctorOnly = DOCTOR_ONLY.filter((flag) => values[flag] !== undefined);
  if (doctorOnly.length > 0) throw new UsageError(`--${doctorOnly[0]} is a doctor option`);
  const terminal: TerminalArgs = values.cloud ? parseCloudConnection(values, env) : parseLan(values, env);
  return parseCommand(command as Exclude<Command, 'doctor'>, values, terminal);
}

/** The LAN terminal's options (flags, then environment). */
function parseLan(values: ParsedValues, env: NodeJS.ProcessEnv): TerminalArgs {
  const [host, portText] = splitHostPort(values.terminal ?? env.QFPAY_TERMINAL ?? '');
  const deadlineText = values['resolve-deadline'] ?? '120';
  const deadlineSec = Number(deadlineText);
  if (!Number.isFinite(deadlineSec) || deadlineSec <= 0) throw new UsageError('--resolve-deadline must be a positive number of seconds');
  const terminal = check(terminalSchema, {
    host,
    port: portText === undefined ? 9001 : Number(portText),
    posKey: values['pos-key'] ?? env.QFPAY_POS_KEY ?? '',
    ca: nonEmpty(values.ca ?? env.QFPAY_CA),
    pin: nonEmpty(values['pin-ca'] ?? env.QFPAY_CA_PIN),
    http: values.http ?? false,
    resolveDeadlineMs: Math.round(deadlineSec * 1000),
    json: values.json ?? false,
  });
  return { mode: 'lan', ...terminal };
}

/** `--cloud` for pay/refund/query/cancel/print: environment, app code, client key and termid are required. */
function parseCloudConnection(values: ParsedValues, env: NodeJS.ProcessEnv): TerminalArgs {
  const lanOnly = (['pos-key', 'ca', 'pin-ca', 'http', 'resolve-deadline', 'terminal'] as const).filter((flag) => values[flag] !== undefined);
  if (lanOnly.length > 0) throw new UsageError(`--${lanOnly[0]} is for the LAN terminal, not --cloud`);
  const c = cloudSettings(values, env);
  if (c.environment === undefined) throw new UsageError(`--cloud needs --cloud-env (${CLOUD_ENVIRONMENT_NAMES.join(', ')}) or QFPAY_CLOUD_ENV: credentials belong to one environment`);
  if (!(CLOUD_ENVIRONMENT_NAMES as readonly string[]).includes(c.environment)) throw new UsageError(`--cloud-env must be one of ${CLOUD_ENVIRONMENT_NAMES.join(', ')}`);
  const missing = [!c.appCode && '--app-code (QFPAY_APP_CODE)', !c.clientKey && 'QFPAY_CLIENT_KEY (or --client-key)', !c.termid && '--termid (QFPAY_TERMID)'].filter((m): m is string => typeof m === 'string');
  if (missing.length > 0) throw new UsageError(`--cloud needs ${missing.join(', ')}`);
  return {
    mode: 'cloud',
    json: values.json ?? false,
    ...(c as CloudConnectionArgs),
    environment: c.environment as CloudEnvironment,
  };
}

/** ECR Cloud settings from flags, then environment variables; blank means unset. */
function cloudSettings(values: ParsedValues, env: NodeJS.ProcessEnv): CloudDoctorArgs {
  const signType = nonEmpty(values['sign-type'] ?? env.QFPAY_SIGN_TYPE)?.toUpperCase();
  if (signType !== undefined && signType !== 'MD5' && signType !== 'SHA256') throw new UsageError('--sign-type must be MD5 or SHA256');
  const pairs: [keyof CloudDoctorArgs, string | undefined][] = [
    ['environment', nonEmpty(values['cloud-env'] ?? env.QFPAY_CLOUD_ENV)],
    ['baseUrl', nonEmpty(values['cloud-url'] ?? env.QFPAY_CLOUD_URL)],
    ['ca', nonEmpty(values['cloud-ca'] ?? env.QFPAY_CLOUD_CA)],
    ['appCode', nonEmpty(values['app-code'] ?? env.QFPAY_APP_CODE)],
    ['clientKey', nonEmpty(values['client-key'] ?? env.QFPAY_CLIENT_KEY)],
    ['termid', nonEmpty(values.termid ?? env.QFPAY_TERMID)],
    ['mchid', nonEmpty(values.mchid ?? env.QFPAY_MCHID)],
    ['signType', signType],
  ];
  return Object.fromEntries(pairs.filter(([, v]) => v !== undefined)) as CloudDoctorArgs;
}

/** The command's own arguments. */
function parseCommand(command: Exclude<Command, 'doctor'>, values: ParsedValues, terminal: TerminalArgs): CliRequest {
  const amountMinor = values.amount === undefined ? undefined : parseAmount(values.amount);

  switch (command) {
    case 'pay': {
      if (amountMinor === undefined) throw new UsageError('pay needs --amount, e.g. --amount 12.50');
      if (values.channel === undefined) throw new UsageError('pay needs --channel, e.g. --channel card_payment');
      const channel = check(channelSchema, values.channel);
      const outTradeNo = values['out-trade-no'] === undefined ? undefined : check(refSchema('--out-trade-no'), values['out-trade-no']);
      return { command: 'pay', amountMinor, channel, ...(outTradeNo ? { outTradeNo } : {}), ...terminal };
    }
    case 'refund':
      return { command: 'refund', syssn: requireSyssn(values.syssn, 'refund'), ...(amountMinor !== undefined ? { amountMinor } : {}), ...terminal };
    case 'query': {
      const outTradeNo = values['out-trade-no'];
      const syssn = values.syssn;
      if ((outTradeNo === undefined) === (syssn === undefined)) throw new UsageError('query needs exactly one of --out-trade-no or --syssn');
      return outTradeNo !== undefined
        ? { command: 'query', outTradeNo: check(refSchema('--out-trade-no'), outTradeNo), ...terminal }
        : { command: 'query', syssn: check(refSchema('--syssn'), syssn as string), ...terminal };
    }
    case 'cancel':
      return { command: 'cancel', ...terminal };
    case 'print-receipt':
      return { command: 'print-receipt', syssn: requireSyssn(values.syssn, 'print-receipt'), ...terminal };
    case 'print-summary':
      return { command: 'print-summary', ...terminal };
  }
}

type ParsedValues = {
  terminal?: string;
  'pos-key'?: string;
  ca?: string;
  'pin-ca'?: string;
  http?: boolean;
  json?: boolean;
  amount?: string;
  channel?: string;
  'out-trade-no'?: string;
  syssn?: string;
  'resolve-deadline'?: string;
  'notify-url'?: string;
  'notify-key'?: string;
  'notify-ca'?: string;
  'notify-local'?: boolean;
  timeout?: string;
  cloud?: boolean;
  'cloud-env'?: string;
  'cloud-url'?: string;
  'cloud-ca'?: string;
  'app-code'?: string;
  'client-key'?: string;
  termid?: string;
  mchid?: string;
  'sign-type'?: string;
};

const CLOUD_FLAGS = ['cloud-env', 'cloud-url', 'cloud-ca', 'app-code', 'client-key', 'termid', 'mchid', 'sign-type'] as const;

function parseDoctor(values: ParsedValues, env: NodeJS.ProcessEnv): DoctorArgs {
  const misplaced = (['amount', 'channel', 'out-trade-no', 'syssn', 'resolve-deadline', 'http'] as const).filter((flag) => values[flag] !== undefined);
  if (misplaced.length > 0) throw new UsageError(`doctor does not take --${misplaced[0]}`);
  const terminalText = nonEmpty(values.terminal ?? env.QFPAY_TERMINAL);
  let terminal: DoctorArgs['terminal'];
  if (terminalText !== undefined) {
    const [host, portText] = splitHostPort(terminalText);
    const port = portText === undefined ? 9001 : Number(portText);
    if (!host) throw new UsageError('--terminal needs the terminal IP address, e.g. 192.168.1.50 or 192.168.1.50:9001');
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('--terminal port must be 1-65535');
    terminal = { host, port };
  }
  const notifyUrl = nonEmpty(values['notify-url'] ?? env.QFPAY_NOTIFY_URL);
  const cloud = values.cloud ? cloudSettings(values, env) : undefined;
  if (terminal === undefined && notifyUrl === undefined && cloud === undefined) {
    throw new UsageError('doctor needs a terminal (--terminal or QFPAY_TERMINAL), --cloud, a notify URL (--notify-url), or several');
  }
  const timeoutSec = Number(values.timeout ?? '5');
  // Below 0.5 ms it would round to a timeout of 0.
  if (!Number.isFinite(timeoutSec) || timeoutSec < 0.001 || timeoutSec > 120) throw new UsageError('--timeout must be a number of seconds between 0.001 and 120');
  const ca = nonEmpty(values.ca ?? env.QFPAY_CA);
  const pin = nonEmpty(values['pin-ca'] ?? env.QFPAY_CA_PIN);
  const posKey = nonEmpty(values['pos-key'] ?? env.QFPAY_POS_KEY);
  const notifyKey = nonEmpty(values['notify-key'] ?? env.QFPAY_NOTIFY_KEY);
  const notifyCa = nonEmpty(values['notify-ca']);
  return {
    command: 'doctor',
    ...(terminal ? { terminal } : {}),
    ...(ca !== undefined ? { ca } : {}),
    ...(pin !== undefined ? { pin } : {}),
    ...(posKey !== undefined ? { posKey } : {}),
    ...(notifyUrl !== undefined ? { notifyUrl } : {}),
    ...(notifyKey !== undefined ? { notifyKey } : {}),
    ...(notifyCa !== undefined ? { notifyCa } : {}),
    notifyLocal: values['notify-local'] ?? false,
    ...(cloud !== undefined ? { cloud } : {}),
    timeoutMs: Math.round(timeoutSec * 1000),
    json: values.json ?? false,
  };
}

// An exported-but-empty variable means "not set", as shells make it easy to leave one blank.
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * `HOST`, `HOST:PORT`, `[IPv6]` or `[IPv6]:PORT`. A bare IPv6 address (two colons or more) is a
 * host without a port: `fe80::1` must not be read as host `fe80:` port 1.
 */
function splitHostPort(text: string): [string, string | undefined] {
  const trimmed = text.trim();
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(trimmed);
  if (bracketed) return [bracketed[1] ?? '', bracketed[2]];
  if ((trimmed.match(/:/g) ?? []).length >= 2) {
    if (/^[0-9A-Fa-f:.]+$/.test(trimmed)) return [trimmed, undefined];
  } else {
    const plain = /^([^\s:[\]]*)(?::(\d+))?$/.exec(trimmed);
    if (plain) return [plain[1] ?? '', plain[2]];
  }
  throw new UsageError(`--terminal ${JSON.stringify(text)} is not HOST, HOST:PORT or [IPv6]:PORT`);
}

function parseAmount(text: string): number {
  let minor: number;
  try {
    minor = parseMajorAmount(text);
  } catch (err) {
    throw new UsageError(`--amount: ${(err as Error).message}`);
  }
  // Caught here as a usage error (exit 2) rather than by the terminal as a failed payment.
  if (minor <= 0) throw new UsageError(`--amount must be more than zero, e.g. --amount 12.50 (got ${JSON.stringify(text)})`);
  return minor;
}

function requireSyssn(value: string | undefined, command: string): string {
  if (value === undefined) throw new UsageError(`${command} needs --syssn (the QFPay transaction id of the payment)`);
  return check(refSchema('--syssn'), value);
}

function check<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new UsageError(result.error.issues.map((issue) => issue.message).join('; '));
  }
  return result.data;
}
