/**
 * The command line of `qfpay-ecr-sim`: flags and environment → validated arguments. No side
 * effects (no file read, no socket), so it can be called and fuzzed in-process; cli.ts runs it.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError } from '@qfpay-ecr/core';
import { describeIssues, SIMULATOR_DEFAULTS } from './config.js';

export const USAGE = `Usage: qfpay-ecr-sim [options]

A simulated QFPay ECR terminal (SIMULATOR — not a real device).

  --host <ip>              address to bind (default ${SIMULATOR_DEFAULTS.host})
  --port <n>               port (default ${SIMULATOR_DEFAULTS.cliPort}; 0 = any free port)
  --pos-key <key>          the terminal's POS-KEY (or env QFPAY_POS_KEY); a random test key is generated when absent
  --http                   plain HTTP instead of HTTPS
  --encrypt-replies        AES-encrypt replies as the docs describe
  --customer <mode>        manual | approve | decline | cancel (default manual: use the web page)
  --customer-delay <ms>    how long a scripted customer takes (default ${SIMULATOR_DEFAULTS.customerDelayMs})
  --notify-url <url>       post signed notifications here after successful payments/refunds
  --notify-key <key>       notification key (or env QFPAY_NOTIFY_KEY)
  --notify-ca <path>       CA (PEM) the notify receiver's certificate chains to
  --ca-out <path>          where to write the terminal CA (default ./.sim/ca.pem)
  --merchant-name <text>   merchant name on replies and the page
  --cloud-app-code <code>  also serve a fake QFPay OpenAPI for ECR Cloud (or env QFPAY_APP_CODE);
                           its client key comes from env QFPAY_CLIENT_KEY only
  --cloud-termid <id>      Device ID the terminal is bound to (default ${SIMULATOR_DEFAULTS.terminalId})
  --cloud-mchid <id>       require this mchid on cloud requests (agents)
  --cloud-port <n>         port of the OpenAPI (default 0 = any free port)
  --quiet                  do not print a line per request
  -h, --help               this text
`;

/** Digits only: z.coerce would read "" as 0 (any free port) and "0x50" as 80. */
const wholeNumber = (flag: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `${flag} must be a whole number` })
    .transform(Number)
    .pipe(z.number().min(min, { message: `${flag} must be ${min}–${max}` }).max(max, { message: `${flag} must be ${min}–${max}` }));

const argsSchema = z.object({
  host: z.string().min(1).default(SIMULATOR_DEFAULTS.host),
  port: wholeNumber('--port', 0, 65535).default(SIMULATOR_DEFAULTS.cliPort),
  posKey: z.string().optional(),
  http: z.boolean().default(false),
  encryptReplies: z.boolean().default(false),
  customer: z.enum(['manual', 'approve', 'decline', 'cancel']).default('manual'),
  customerDelay: wholeNumber('--customer-delay', 0, 3_600_000).optional(),
  notifyUrl: z.url({ protocol: /^https?$/ }).optional(),
  notifyKey: z.string().min(1).optional(),
  notifyCa: z.string().min(1).optional(),
  caOut: z.string().min(1).default('./.sim/ca.pem'),
  merchantName: z.string().min(1).max(100).optional(),
  quiet: z.boolean().default(false),
  cloudAppCode: z.string().min(1).optional(),
  cloudTermid: z.string().min(1).default(SIMULATOR_DEFAULTS.terminalId),
  cloudMchid: z.string().min(1).optional(),
  cloudPort: wholeNumber('--cloud-port', 0, 65535).default(0),
  clientKey: z.string().min(1).optional(),
});

/** Validated arguments of `qfpay-ecr-sim`. */
export type SimulatorCliArgs = z.output<typeof argsSchema>;

/** What the command line asks for: the help text, or a simulator to run. */
export type SimulatorCliCommand = { kind: 'help' } | { kind: 'run'; args: SimulatorCliArgs };

const HINT = 'run qfpay-ecr-sim --help';

/**
 * Parses argv (without node and script) and the environment (`QFPAY_POS_KEY`,
 * `QFPAY_NOTIFY_KEY`, `QFPAY_APP_CODE`, `QFPAY_CLIENT_KEY`). Throws {@link ConfigError} `SIM_CLI_ARGS` naming the flag that is wrong,
 * never echoing a key.
 */
export function parseSimulatorCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): SimulatorCliCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'pos-key': { type: 'string' },
        http: { type: 'boolean' },
        'encrypt-replies': { type: 'boolean' },
        customer: { type: 'string' },
        'customer-delay': { type: 'string' },
        'notify-url': { type: 'string' },
        'notify-key': { type: 'string' },
        'notify-ca': { type: 'string' },
        'ca-out': { type: 'string' },
        'merchant-name': { type: 'string' },
        quiet: { type: 'boolean' },
        'cloud-app-code': { type: 'string' },
        'cloud-termid': { type: 'string' },
        'cloud-mchid': { type: 'string' },
        'cloud-port': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    // parseArgs names the unknown flag; it never echoes values of known ones. One line.
    throw new ConfigError('SIM_CLI_ARGS', err instanceof Error ? err.message.split('\n').join(' ') : 'bad arguments', HINT);
  }
  if (values.help) return { kind: 'help' };
  const parsed = argsSchema.safeParse({
    host: values.host,
    port: values.port,
    posKey: values['pos-key'] ?? (env.QFPAY_POS_KEY || undefined),
    http: values.http,
    encryptReplies: values['encrypt-replies'],
    customer: values.customer,
    customerDelay: values['customer-delay'],
    notifyUrl: values['notify-url'],
    notifyKey: values['notify-key'] ?? (env.QFPAY_NOTIFY_KEY || undefined),
    notifyCa: values['notify-ca'],
    caOut: values['ca-out'],
    merchantName: values['merchant-name'],
    quiet: values.quiet,
    cloudAppCode: values['cloud-app-code'] ?? (env.QFPAY_APP_CODE || undefined),
    cloudTermid: values['cloud-termid'],
    cloudMchid: values['cloud-mchid'],
    cloudPort: values['cloud-port'],
    clientKey: env.QFPAY_CLIENT_KEY || undefined,
  });
  if (!parsed.success) throw new ConfigError('SIM_CLI_ARGS', describeIssues(parsed.error), HINT);
  const args = parsed.data;
  if (args.notifyUrl && !args.notifyKey) throw new ConfigError('SIM_CLI_ARGS', '--notify-url needs --notify-key (or env QFPAY_NOTIFY_KEY)', HINT);
  if (args.cloudAppCode && !args.clientKey) throw new ConfigError('SIM_CLI_ARGS', '--cloud-app-code needs the client key in env QFPAY_CLIENT_KEY', HINT);
  return { kind: 'run', args };
}
