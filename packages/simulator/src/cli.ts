#!/usr/bin/env node
/**
 * `qfpay-ecr-sim`: runs the simulated terminal from a shell. Prints one line per fact (URL, web
 * page, CA file and fingerprint, and the POS-KEY only when it generated a test key), then one line
 * per answered request. Never prints a POS-KEY, notification key or cloud client key it was given.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, QfpayEcrError } from '@qfpay-ecr/core';
import { parseSimulatorCli, USAGE, type SimulatorCliArgs } from './cli-args.js';
import type { SimulatorOptions } from './config.js';
import { startSimulator } from './simulator.js';
import type { CustomerScript } from './types.js';

function fail(message: string): never {
  process.stderr.write(`qfpay-ecr-sim: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let args: SimulatorCliArgs;
  try {
    const command = parseSimulatorCli(process.argv.slice(2), process.env);
    if (command.kind === 'help') {
      process.stdout.write(USAGE);
      return;
    }
    args = command.args;
  } catch (err) {
    if (err instanceof ConfigError) fail(`${err.message}\n\n${USAGE}`);
    throw err;
  }

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
    let ca: string | undefined;
    if (args.notifyCa) {
      try {
        ca = readFileSync(args.notifyCa, 'utf8');
      } catch (err) {
        // Name the flag: a bare "Error (ENOENT)" does not say which file.
        fail(`--notify-ca: cannot read ${JSON.stringify(args.notifyCa)} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
      }
    }
    options.notify = { url: args.notifyUrl, key: args.notifyKey, ...(ca ? { ca } : {}) };
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
