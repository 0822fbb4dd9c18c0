/**
 * Wiring for applications (the CLI, the example bridge): builds the WooCommerce client, a real
 * `QFPayTerminal` and the adapter from a {@link BridgeConfig}. The adapter itself depends only on
 * `PaymentTerminal`; this module is where the concrete terminal is chosen.
 */
import { readFileSync } from 'node:fs';
import { QFPAY_CA_PATH, QFPayTerminal, type PaymentTerminal, type QFPayTerminalOptions } from '@qfpay-ecr/core';
import { WooQfpayAdapter, type WooQfpayAdapterOptions } from './adapter.js';
import { WooClient } from './client/woo-client.js';
import type { BridgeConfig } from './config.js';
import { WooConfigError } from './errors.js';

/** What {@link createBridge} builds. */
export interface Bridge {
  adapter: WooQfpayAdapter;
  woo: WooClient;
  /** Undefined when the configuration has no terminal part. */
  terminal: PaymentTerminal | undefined;
  /** Closes the terminal (after its open transaction) and the WooCommerce client. */
  close(): Promise<void>;
}

/** A terminal that refuses everything, for read-only commands without terminal configuration. */
const NO_TERMINAL: PaymentTerminal = {
  pay: () => Promise.reject(new WooConfigError('WOO_NO_TERMINAL', 'no terminal is configured', 'set QFPAY_TERMINAL and QFPAY_POS_KEY')),
  refund: () => Promise.reject(new WooConfigError('WOO_NO_TERMINAL', 'no terminal is configured', 'set QFPAY_TERMINAL and QFPAY_POS_KEY')),
  cancel: () => Promise.reject(new WooConfigError('WOO_NO_TERMINAL', 'no terminal is configured', 'set QFPAY_TERMINAL and QFPAY_POS_KEY')),
  query: () => Promise.reject(new WooConfigError('WOO_NO_TERMINAL', 'no terminal is configured', 'set QFPAY_TERMINAL and QFPAY_POS_KEY')),
  printReceipt: () => Promise.resolve(),
  printSummary: () => Promise.resolve(),
  close: () => Promise.resolve(),
  on() {
    return this;
  },
  off() {
    return this;
  },
  once() {
    return this;
  },
};

/** Builds client, terminal and adapter. `terminal` overrides the configured one (tests, remote terminals). */
export function createBridge(
  config: BridgeConfig,
  extra: { terminal?: PaymentTerminal; terminalOptions?: Partial<QFPayTerminalOptions>; adapter?: Partial<WooQfpayAdapterOptions> } = {},
): Bridge {
  let ca: string | undefined;
  if (config.woo.caFile) {
    try {
      ca = readFileSync(config.woo.caFile, 'utf8');
    } catch (cause) {
      throw new WooConfigError('WOO_CONFIG_CA', 'cannot read WOO_CA_FILE', 'point WOO_CA_FILE to a readable PEM file', { cause });
    }
  }
  const woo = new WooClient({
    url: config.woo.url,
    consumerKey: config.woo.consumerKey,
    consumerSecret: config.woo.consumerSecret,
    allowInsecureHttp: config.woo.allowInsecureHttp,
    ...(config.woo.authMode ? { authMode: config.woo.authMode } : {}),
    ...(ca ? { ca } : {}),
  });
  let terminal = extra.terminal;
  let ownsTerminal = false;
  if (!terminal && config.terminal) {
    const t = config.terminal;
    terminal = new QFPayTerminal({
      host: t.host,
      port: t.port,
      posKey: t.posKey,
      ca: t.ca ?? QFPAY_CA_PATH,
      ...(t.pinnedCaFingerprint256 ? { pinnedCaFingerprint256: t.pinnedCaFingerprint256 } : {}),
      ...(config.terminalId ? { id: config.terminalId } : {}),
      ...extra.terminalOptions,
    });
    ownsTerminal = true;
  }
  const adapter = new WooQfpayAdapter({
    woo,
    terminal: terminal ?? NO_TERMINAL,
    ...(config.terminalId ? { terminalId: config.terminalId } : {}),
    ...(config.referencePrefix ? { referencePrefix: config.referencePrefix } : {}),
    ...extra.adapter,
  });
  return {
    adapter,
    woo,
    terminal,
    async close() {
      if (ownsTerminal) await terminal?.close();
      await woo.close();
    },
  };
}
