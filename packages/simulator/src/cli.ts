#!/usr/bin/env node
/**
 * `qfpay-ecr-sim`: runs the simulated terminal from a shell. Prints one line per fact (URL, web
 * page, CA file and fingerprint, and the POS-KEY only when it generated a test key), then one line
 * per answered request. Never prints a POS-KEY, notification key or cloud client key it was given.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { QfpayEcrError } from '@qfpay-ecr/core';
import { describeIssues, SIMULATOR_DEFAULTS, type SimulatorOptions } from './config.js';
import { startSimulator } from './simulator.js';
import type { CustomerScript } from './types.js';

const USAGE = `Usage: qfpay-ecr-sim [options]

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

const argsSchema = z.object({
  host: z.string().min(1).default(SIMULATOR_DEFAULTS.host),
  port: z.coerce.number().int().min(0).max(65535).default(SIMULATOR_DEFAULTS.cliPort),
  posKey: z.string().optional(),
  http: z.boolean().default(false),
  encryptReplies: z.boolean().default(false),
  customer: z.enum(['manual', 'approve', 'decline', 'cancel']).default('manual'),
  customerDelay: z.coerce.number().int().min(0).max(3_600_000).optional(),
  notifyUrl: z.url({ protocol: /^https?$/ }).optional(),
  notifyKey: z.string().min(1).optional(),
  notifyCa: z.string().min(1).optional(),
  caOut: z.string().min(1).default('./.sim/ca.pem'),
  merchantName: z.string().min(1).max(100).optional(),
  quiet: z.boolean().default(false),
  cloudAppCode: z.string().min(1).optional(),
  cloudTermid: z.string().min(1).default(SIMULATOR_DEFAULTS.terminalId),
  cloudMchid: z.string().min(1).optional(),
  cloudPort: z.coerce.number().int().min(0).max(65535).default(0),
  clientKey: z.string().min(1).optional(),
});

function fail(message: string): never {
  process.stderr.write(`qfpay-ecr-sim: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
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
    // parseArgs names the unknown flag; it never echoes values of known ones.
    fail(`${err instanceof Error ? err.message : 'bad arguments'}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const parsed = argsSchema.safeParse({
    host: values.host,
    port: values.port,
    posKey: values['pos-key'] ?? (process.env.QFPAY_POS_KEY || undefined),
    http: values.http,
    encryptReplies: values['encrypt-replies'],
    customer: values.customer,
    customerDelay: values['customer-delay'],
    notifyUrl: values['notify-url'],
    notifyKey: values['notify-key'] ?? (process.env.QFPAY_NOTIFY_KEY || undefined),
    notifyCa: values['notify-ca'],
    caOut: values['ca-out'],
    merchantName: values['merchant-name'],
    quiet: values.quiet,
    cloudAppCode: values['cloud-app-code'] ?? (process.env.QFPAY_APP_CODE || undefined),
    cloudTermid: values['cloud-termid'],
    cloudMchid: values['cloud-mchid'],
    cloudPort: values['cloud-port'],
    clientKey: process.env.QFPAY_CLIENT_KEY || undefined,
  });
  if (!parsed.success) fail(`${describeIssues(parsed.error)}\n\n${USAGE}`);
  const args = parsed.data;
  if (args.notifyUrl && !args.notifyKey) fail('--notify-url needs --notify-key (or env QFPAY_NOTIFY_KEY)');
  if (args.cloudAppCode && !args.clientKey) fail('--cloud-app-code needs the client key in env QFPAY_CLIENT_KEY');

  const generated = args.posKey === undefined;
  const posKey = args.posKey ?? randomBytes(16).toString('hex');
  const customer: CustomerScript =
    args.customer === 'manual' ? { action: 'manual' } : args.customerDelay !== undefined ? { action: args.customer, afterMs: args.customerDelay } : { action: args.customer };
  const options: SimulatorOptions = {
    posKey,
    host: args.host,
    port: args.port,
    tls: !args.http,
    encryptReplies: args.encryptReplies,
    customer,
    ...(args.merchantName ? { merchantName: args.merchantName } : {}),
    ...(args.quiet ? {} : { log: (line: string) => process.stdout.write(`request: ${line}\n`) }),
  };
  if (args.cloudAppCode && args.clientKey) {
    options.cloud = { appCode: args.cloudAppCode, clientKey: args.clientKey, termid: args.cloudTermid, port: args.cloudPort, ...(args.cloudMchid ? { mchid: args.cloudMchid } : {}) };
  }
  if (args.notifyUrl && args.notifyKey) {
    options.notify = { url: args.notifyUrl, key: args.notifyKey, ...(args.notifyCa ? { ca: readFileSync(args.notifyCa, 'utf8') } : {}) };
  }

  const sim = await startSimulator(options);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out('qfpay-ecr simulator: SIMULATED terminal, no real money moves');
  out(`URL: ${sim.url}`);
  out(`Web page: ${sim.webUrl}`);
  if (sim.caPem) {
    const caPath = resolve(args.caOut);
    mkdirSync(dirname(caPath), { recursive: true });
    writeFileSync(caPath, sim.caPem, { mode: 0o644 });
    out(`CA file: ${caPath}`);
    out(`CA SHA-256: ${sim.caFingerprint256 ?? ''}`);
  } else {
    out('TLS: off (plain HTTP)');
  }
  if (sim.cloud) {
    out(`Cloud URL: ${sim.cloud.url}`);
    out(`Cloud app code: ${sim.cloud.appCode}, termid: ${sim.cloud.termid}`);
  }
  out(`Customer: ${args.customer}`);
  if (options.notify) out(`Notify URL: ${new URL(options.notify.url).origin}${new URL(options.notify.url).pathname}`);
  if (generated) out(`POS-KEY (generated test key): ${posKey}`);
  out('Ready (Ctrl-C to stop)');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    out(`Stopping (${signal})`);
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  // Typed errors carry messages that never contain keys; anything else is reported by class only.
  const message = err instanceof QfpayEcrError ? err.message : err instanceof Error ? `${err.name}${'code' in err ? ` (${String((err as { code: unknown }).code)})` : ''}` : 'unknown error';
  process.stderr.write(`qfpay-ecr-sim: ${message}\n`);
  process.exit(1);
});
