/**
 * Wiring for applications (the CLI, the example bridge): builds the WooCommerce client, a real
 * terminal and the adapter from a {@link BridgeConfig}: core's `QFPayTerminal` on the shop LAN,
 * or its `QFPayCloudTerminal` through ECR Cloud (`QFPAY_MODE=cloud`). The adapter itself depends
 * only on `PaymentTerminal`; this module is where the concrete terminal is chosen.
 */
import { readFileSync } from 'node:fs';
import { QFPAY_CA_PATH, QFPayCloudTerminal, QFPayTerminal, type PaymentTerminal, type QFPayCloudTerminalOptions, type QFPayTerminalOptions } from '@qfpay-ecr/core';
import { WooQfpayAdapter, type WooQfpayAdapterOptions } from './adapter.js';
import { WooClient } from './client/woo-client.js';
import type { BridgeConfig } from './config.js';
import { WooConfigError } from './errors.js';
import type { NotificationFeed } from './feed/types.js';

/** What {@link createBridge} builds. */
export interface Bridge {
  adapter: WooQfpayAdapter;
  woo: WooClient;
  /** Undefined when the configuration has no terminal part. */
  terminal: PaymentTerminal | undefined;
  /** Closes the terminal (after its open transaction) and the WooCommerce client. */
  close(): Promise<void>;
}

const noTerminal = () => new WooConfigError('WOO_NO_TERMINAL', 'no terminal is configured', 'set QFPAY_TERMINAL and QFPAY_POS_KEY, or QFPAY_MODE=cloud with QFPAY_CLOUD_ENV, QFPAY_APP_CODE, QFPAY_CLIENT_KEY and QFPAY_TERMID');

/** A terminal that refuses everything, for read-only commands without terminal configuration. */
const NO_TERMINAL: PaymentTerminal = {
  pay: () => Promise.reject(noTerminal()),
  refund: () => Promise.reject(noTerminal()),
  cancel: () => Promise.reject(noTerminal()),
  query: () => Promise.reject(noTerminal()),
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

/** What {@link createBridge} accepts besides the configuration. */
export interface BridgeExtras {
  /** Use this terminal instead of the configured one (tests, remote terminals); not closed by the bridge. */
  terminal?: PaymentTerminal;
  /** Extra options of the LAN `QFPayTerminal`. */
  terminalOptions?: Partial<QFPayTerminalOptions>;
  /** Extra options of the `QFPayCloudTerminal` (cloud mode). */
  cloudTerminalOptions?: Partial<QFPayCloudTerminalOptions>;
  /**
   * Cloud mode: QFPay's verified notifications (e.g. the `SseNotificationFeed` the adapter
   * listens to, or `emitterFeed(notifyApp.events)`), so a payment settles as soon as its
   * notification arrives instead of at the next query. The feed is not closed by the bridge.
   */
  notifications?: NotificationFeed;
  adapter?: Partial<WooQfpayAdapterOptions>;
}

/** The configured terminal, or undefined when the configuration has no terminal part. */
function configuredTerminal(config: BridgeConfig, extra: BridgeExtras): PaymentTerminal | undefined {
  if (config.cloud) {
    const c = config.cloud;
    return new QFPayCloudTerminal({
      environment: c.environment,
      ...(c.baseUrl !== undefined ? { baseUrl: c.baseUrl } : {}),
      ...(c.ca !== undefined ? { ca: c.ca } : {}),
      appCode: c.appCode,
      clientKey: c.clientKey,
      termid: c.termid,
      ...(c.mchid !== undefined ? { mchid: c.mchid } : {}),
      ...(c.signType !== undefined ? { signType: c.signType } : {}),
      ...(extra.notifications ? { notifications: extra.notifications } : {}),
      ...(config.terminalId ? { id: config.terminalId } : {}),
      ...extra.cloudTerminalOptions,
    });
  }
  if (config.terminal) {
    const t = config.terminal;
    return new QFPayTerminal({
      host: t.host,
      port: t.port,
      posKey: t.posKey,
      ca: t.ca ?? QFPAY_CA_PATH,
      ...(t.pinnedCaFingerprint256 ? { pinnedCaFingerprint256: t.pinnedCaFingerprint256 } : {}),
      ...(config.terminalId ? { id: config.terminalId } : {}),
      ...extra.terminalOptions,
    });
  }
  return undefined;
}

/**
 * Builds client, terminal and adapter. The terminal is `extra.terminal`, else the configured one
 * (LAN or cloud). Throws `WooConfigError`, or core's `ConfigError` for unusable terminal settings
 * (messages name the setting, never a secret).
 */
export function createBridge(config: BridgeConfig, extra: BridgeExtras = {}): Bridge {
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
  if (!terminal) {
    try {
      terminal = configuredTerminal(config, extra);
    } catch (error) {
      void woo.close();
      throw error;
    }
    ownsTerminal = terminal !== undefined;
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
