#!/usr/bin/env node
// The Odoo POS bridge: the qfpay-ecr notify server (QFPay's notifications at /qfpay/notify) with
// the terminal bridge routes (/qfpay/terminals/:id/..., the API of the adapter's RemoteTerminal)
// for one terminal, configured from the environment. QFPAY_MODE chooses how the terminal is reached:
//   lan   (default) the terminal on the shop LAN (QFPayTerminal: POS-KEY and CA stay here; the
//         signing route for the direct topology is served too);
//   cloud ECR Cloud through QFPay's OpenAPI (QFPayCloudTerminal: the POS and this bridge may run
//         anywhere, e.g. next to a hosted Odoo; QFPay's notifications settle payments at once).
// In Odoo choose the Bridge topology with this server's URL, the terminal id and a bridge token.
//
//   node examples/odoo-addon/bridge.mjs          # see examples/odoo-addon/README.md for the variables
//
// Secrets come only from the environment and are never printed.
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notificationSourceFromEmitter, QFPAY_CA_PATH, QFPayCloudTerminal, QFPayTerminal } from '@qfpay-ecr/core';
import { createLogger, createNotifyApp, createSqliteStore } from '@qfpay-ecr/notify-server';

const log = (line) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

class ConfigError extends Error {}

const list = (text) => (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const text = (env, name) => {
  const v = env[name]?.trim();
  return v ? v : undefined;
};

/**
 * Reads the bridge configuration from `env`. Throws ConfigError naming every missing or bad
 * variable (never a value).
 */
export function bridgeConfig(env) {
  const problems = [];
  const need = (name, what) => text(env, name) ?? (problems.push(`${name} is required (${what})`), undefined);
  const mode = (text(env, 'QFPAY_MODE') ?? 'lan').toLowerCase();
  if (mode !== 'lan' && mode !== 'cloud') problems.push('QFPAY_MODE must be lan (the terminal on the shop LAN) or cloud (ECR Cloud)');
  const tokens = list(env.QFPAY_BRIDGE_TOKENS);
  if (tokens.length === 0) problems.push('QFPAY_BRIDGE_TOKENS is required (comma-separated bearer tokens of 16+ characters, the one entered on the Odoo payment method)');
  // Unset: every till token may refund; `none`: no refunds through the bridge; else the tokens that may.
  const refundTokensText = text(env, 'QFPAY_BRIDGE_REFUND_TOKENS');
  const config = {
    mode,
    tokens,
    ...(refundTokensText === undefined ? {} : { refundTokens: refundTokensText.toLowerCase() === 'none' ? [] : list(refundTokensText) }),
    origins: list(env.QFPAY_BRIDGE_ORIGINS),
    terminalId: text(env, 'QFPAY_BRIDGE_TERMINAL_ID') ?? 'till1',
    port: Number(text(env, 'QFPAY_NOTIFY_PORT') ?? 8080),
    host: text(env, 'QFPAY_NOTIFY_HOST') ?? '127.0.0.1',
    sqlitePath: text(env, 'QFPAY_NOTIFY_SQLITE_PATH'),
  };
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) problems.push('QFPAY_NOTIFY_PORT must be a port number (0 = any free port)');
  if (mode === 'cloud') {
    const environment = need('QFPAY_CLOUD_ENV', 'production, live-test, sandbox or custom; no default');
    const clientKey = need('QFPAY_CLIENT_KEY', 'the OpenAPI client key');
    config.cloud = {
      environment,
      ...(text(env, 'QFPAY_CLOUD_URL') ? { baseUrl: text(env, 'QFPAY_CLOUD_URL') } : {}),
      ...(text(env, 'QFPAY_CLOUD_CA') ? { ca: text(env, 'QFPAY_CLOUD_CA') } : {}),
      appCode: need('QFPAY_APP_CODE', 'the OpenAPI app code'),
      clientKey,
      termid: need('QFPAY_TERMID', "the terminal's Device ID: Haojin → My → Settings → Device ID"),
      ...(text(env, 'QFPAY_MCHID') ? { mchid: text(env, 'QFPAY_MCHID') } : {}),
      ...(text(env, 'QFPAY_SIGN_TYPE') ? { signType: text(env, 'QFPAY_SIGN_TYPE').toUpperCase() } : {}),
    };
    // QFPay signs ECR Cloud notifications with the client key.
    config.notifyKeys = list(env.QFPAY_NOTIFY_KEYS).length ? list(env.QFPAY_NOTIFY_KEYS) : clientKey ? [clientKey] : [];
  } else if (mode === 'lan') {
    const terminal = need('QFPAY_TERMINAL', "the terminal's fixed IP, HOST or HOST:PORT");
    const match = terminal ? /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(terminal) : null;
    if (terminal && (!match || !match[1])) problems.push('QFPAY_TERMINAL must be HOST or HOST:PORT');
    config.lan = {
      host: match?.[1],
      port: match?.[2] ? Number(match[2]) : 9001,
      posKey: need('QFPAY_POS_KEY', 'Haojin → My → Settings → POS-Key'),
      ca: text(env, 'QFPAY_CA') ?? QFPAY_CA_PATH,
      ...(text(env, 'QFPAY_CA_PIN') ? { pinnedCaFingerprint256: text(env, 'QFPAY_CA_PIN') } : {}),
    };
    config.notifyKeys = list(env.QFPAY_NOTIFY_KEYS);
    if (config.notifyKeys.length === 0) problems.push('QFPAY_NOTIFY_KEYS is required (the notification key QFPay gave you)');
  }
  if (problems.length > 0) throw new ConfigError(`configuration is incomplete: ${problems.join('; ')}`);
  return config;
}

/** Starts the notify server with the bridge routes; resolves with its URL and a stop(). */
export async function startBridge(config) {
  // The cloud terminal hears the notifications the app verifies and stores (the app needs the terminal first).
  const relay = new EventEmitter();
  const terminal =
    config.mode === 'cloud'
      ? new QFPayCloudTerminal({ ...config.cloud, id: config.terminalId, notifications: notificationSourceFromEmitter(relay) })
      : new QFPayTerminal({ ...config.lan, id: config.terminalId });
  const access = { tokens: config.tokens, ...(config.refundTokens ? { refundTokens: config.refundTokens } : {}), allowedOrigins: config.origins };
  const bridge = { terminals: { [config.terminalId]: terminal }, ...access };
  let notify;
  try {
    notify = createNotifyApp({
      keys: config.notifyKeys,
      store: createSqliteStore(config.sqlitePath ? { path: config.sqlitePath } : {}),
      logger: createLogger({ level: 'warn', destination: { write: (line) => void process.stderr.write(line) } }),
      bridge,
      // The direct topology's signing route exists only on the LAN (the browser talks to the terminal).
      ...(config.mode === 'lan' ? { signing: { posKeys: { [config.terminalId]: config.lan.posKey }, ...access } } : {}),
    });
  } catch (error) {
    await terminal.close();
    throw error;
  }
  notify.events.on('notification', (record) => relay.emit('notification', record));
  const listening = await notify.listen({ port: config.port, host: config.host });
  return {
    url: listening.url,
    terminal,
    async stop() {
      await notify.close();
      await terminal.close();
    },
  };
}

async function main() {
  const config = bridgeConfig(process.env);
  const running = await startBridge(config);
  const where = config.mode === 'cloud' ? `ECR Cloud (${config.cloud.environment}, device ${config.cloud.termid})` : `terminal ${config.lan.host}:${config.lan.port}`;
  log(`bridge running at ${running.url}: /qfpay/terminals/${config.terminalId} → ${where}; notifications at ${running.url}/qfpay/notify`);
  await new Promise((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  log('stopping (waiting for a running payment to finish)…');
  await running.stop();
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(`bridge: ${error?.message ?? error}`);
      process.exitCode = error instanceof ConfigError || error?.code?.startsWith?.('CONFIG') || error?.code?.startsWith?.('NOTIFY_CONFIG') ? 2 : 1;
    },
  );
}
