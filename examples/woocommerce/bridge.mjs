#!/usr/bin/env node
// A shop-LAN bridge between WooCommerce and a QFPay terminal.
//
// It only makes outbound connections: to the terminal on the LAN (HTTPS, QFPay's CA) — or, with
// QFPAY_MODE=cloud, to QFPay's OpenAPI (ECR Cloud), so it can run anywhere — and to WooCommerce
// and the notify server over HTTPS. It
//   - runs payment requests written by the order-pay page (PaymentRequestWatcher),
//   - applies QFPay notifications streamed by @qfpay-ecr/notify-server (SSE, resumable),
//   - sweeps unresolved attempts every few minutes (reconcile), so nothing is lost.
//
//   node examples/woocommerce/bridge.mjs            # configuration from the environment (see README)
//   node examples/woocommerce/bridge.mjs --demo     # everything simulated, one command, exits when done
//   node examples/woocommerce/bridge.mjs --demo --manual --keep   # you play the customer; keeps running
//   node examples/woocommerce/bridge.mjs --demo --cloud           # the same through ECR Cloud (the simulator's fake OpenAPI)
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createBridge, loadBridgeConfig, PaymentRequestWatcher, SseNotificationFeed } from '@qfpay-ecr/woo-adapter';

const args = new Set(process.argv.slice(2));
const log = (line) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

/** One line for a terminal outcome (no secrets: status, amount, QFPay transaction id, reason). */
function formatOutcome(o) {
  if (o.status === 'approved') return `approved HK$${(o.amountMinor / 100).toFixed(2)}, QFPay ${o.syssn}${o.cardScheme ? `, ${o.cardScheme} ${o.maskedCard ?? ''}` : ''}`;
  if (o.status === 'declined') return `declined (${o.reason})`;
  if (o.status === 'cancelled') return `cancelled by the ${o.by}`;
  if (o.status === 'failed') return `not processed (${o.error.code}: ${o.error.message})`;
  return `unknown (${o.reason})`;
}

/**
 * Runs the bridge for a configuration. Returns handles for the demo and a stop() for shutdown.
 * Never logs secrets: only order ids, references, codes and amounts.
 */
export async function runBridge(config, options = {}) {
  let feed;
  if (config.events) {
    const cursorFile = options.cursorFile ?? process.env.BRIDGE_CURSOR_FILE ?? '.qfpay-bridge-cursor';
    const saved = options.cursorFile === null ? undefined : existsSync(cursorFile) ? readFileSync(cursorFile, 'utf8').trim() : undefined;
    feed = new SseNotificationFeed({
      url: config.events.url,
      token: config.events.token,
      // First start: replay everything the notify server has (applying is idempotent).
      lastEventId: saved || '0',
      allowInsecureHttp: options.allowInsecureEvents ?? false,
      // notify-server sends a heartbeat every 15 s: a silent minute means a dead connection.
      idleTimeoutMs: 60_000,
      onConnect: () => log('notification stream connected'),
      onError: (e) => log(`notification stream: ${e.message}`),
      onCursor: (id) => {
        if (options.cursorFile !== null) writeFileSync(cursorFile, id);
      },
    });
  }
  // ECR Cloud: the same feed settles a payment in the terminal as soon as its notification arrives.
  const bridge = createBridge(config, { ...options.extra, ...(config.cloud && feed ? { notifications: feed } : {}) });
  const { adapter } = bridge;
  adapter.on('alert', (a) => log(`ALERT ${a.code}: ${a.message}`));
  adapter.on('order-updated', (e) => log(`order ${e.orderId}: ${e.change}${e.syssn ? ` (QFPay ${e.syssn})` : ''}`));
  if (feed) adapter.listen(feed, { onResult: (r) => r.action !== 'ignored' && log(`notification → ${r.action}${'orderId' in r && r.orderId ? ` order ${r.orderId}` : ''}`) });

  const watcher = new PaymentRequestWatcher({
    adapter,
    intervalMs: options.pollMs ?? Number(process.env.BRIDGE_POLL_MS ?? 2000),
    onResult: (r) => {
      log(`order ${r.orderId} attempt ${r.attempt}: ${formatOutcome(r.outcome)}${r.recorded ? '' : ' (WooCommerce not updated yet; reconcile will)'}`);
      options.onResult?.(r);
    },
    onError: (e, orderId) => log(`order ${orderId ?? '?'}: ${e.message}`),
  });
  watcher.start();

  const sweep = async () => {
    const report = await adapter.reconcile();
    if (report.changed.length || report.stillUnresolved.length || report.errors.length) {
      log(`reconcile: ${report.changed.length} changed, ${report.stillUnresolved.length} unresolved, ${report.errors.length} errors`);
    }
    return report;
  };
  const reconcileMs = options.reconcileMs ?? Number(process.env.BRIDGE_RECONCILE_MS ?? 300_000);
  const timer = setInterval(() => void sweep().catch((e) => log(`reconcile failed: ${e.message}`)), reconcileMs);
  await sweep().catch((e) => log(`reconcile failed: ${e.message}`));

  return {
    bridge,
    adapter,
    watcher,
    sweep,
    async stop() {
      clearInterval(timer);
      await watcher.stop();
      await feed?.close();
      await bridge.close();
    },
  };
}

async function demo() {
  const { startSimulator } = await import('@qfpay-ecr/simulator');
  const { startWooFake } = await import('@qfpay-ecr/woo-adapter/testing');
  const { createLogger, createNotifyApp, createSqliteStore } = await import('@qfpay-ecr/notify-server');
  const manual = args.has('--manual');
  const cloud = args.has('--cloud');

  // Throw-away secrets shared by the simulated parties.
  const posKey = randomBytes(16).toString('hex');
  // ECR Cloud: QFPay signs notifications with the app's client key.
  const clientKey = randomBytes(16).toString('hex');
  const notifyKey = cloud ? clientKey : randomBytes(16).toString('hex');
  const device = { appCode: 'DEMOAPPCODE', clientKey, termid: 'DEMO-A8-0001' };
  const eventsToken = randomBytes(24).toString('hex');
  const consumerKey = `ck_${randomBytes(20).toString('hex')}`;
  const consumerSecret = `cs_${randomBytes(20).toString('hex')}`;

  const notify = createNotifyApp({ keys: notifyKey, store: createSqliteStore({ path: ':memory:' }), eventsToken, logger: createLogger({ level: 'silent' }), shutdownGraceMs: 500 });
  const notifyServer = await notify.listen({ port: 0 });
  const sim = await startSimulator({
    posKey,
    customer: manual ? { action: 'manual' } : { action: 'approve', afterMs: 1200, card: { scheme: 'VISA', masked: '476173******0010' } },
    notify: { url: `${notifyServer.url}/qfpay/notify`, key: notifyKey, scheduleMs: [0, 2000, 5000] },
    ...(cloud ? { cloud: device } : {}),
  });
  const woo = await startWooFake({ keys: [{ consumerKey, consumerSecret, permissions: 'read_write' }] });
  console.log(`Simulated WooCommerce: ${woo.apiUrl}`);
  console.log(`Simulated terminal:    ${sim.url}  (customer screen: ${sim.webUrl})`);
  if (cloud) console.log(`Simulated QFPay API:   ${sim.cloud.url}  (ECR Cloud: the bridge never talks to the terminal itself)`);
  console.log(`Notify server:         ${notifyServer.url}/qfpay/notify`);
  if (manual) console.log('Open the customer screen and press Approve, Decline or Cancel.');

  const config = {
    woo: { url: woo.url, consumerKey, consumerSecret, allowInsecureHttp: true },
    ...(cloud
      ? { cloud: { environment: 'custom', baseUrl: sim.cloud.url, ca: sim.caPem, ...device } }
      : { terminal: { host: sim.host, port: sim.port, posKey, ca: sim.caPem, pinnedCaFingerprint256: sim.caFingerprint256 } }),
    terminalId: 'demo-till',
    events: { url: `${notifyServer.url}/qfpay/events`, token: eventsToken },
  };
  const results = [];
  let wake;
  const running = await runBridge(config, {
    cursorFile: null,
    allowInsecureEvents: true,
    pollMs: 300,
    reconcileMs: 60_000,
    extra: { cloudTerminalOptions: { resolve: { minIntervalMs: 300, maxIntervalMs: 1000 } } },
    onResult: (r) => {
      results.push(r);
      wake?.();
    },
  });
  const { adapter } = running;
  const shutdown = async () => {
    await running.stop();
    await sim.close();
    await woo.close();
    await notify.close();
  };

  try {
    // 1. The POS creates an order.
    const order = await adapter.woo.createOrder({ line_items: [{ name: 'Milk tea', quantity: 2, total: '38.00' }] });
    log(`order ${order.id} created: ${order.total} ${order.currency}, ${order.status}`);
    // 2. The cashier presses "Pay on terminal" on the order-pay page: the gateway writes a request.
    const requestId = randomBytes(8).toString('hex');
    await adapter.woo.updateOrder(order.id, { meta_data: [{ key: '_qfpay_pay_request', value: JSON.stringify({ id: requestId, channel: 'card_payment', at: new Date().toISOString() }) }] });
    log(`order ${order.id}: payment requested from the order-pay page (card)`);
    // 3. The bridge picks it up and the customer pays on the terminal.
    while (!results.some((r) => r.orderId === order.id)) await new Promise((resolve) => (wake = resolve));
    const paid = await adapter.woo.getOrder(order.id);
    log(`order ${order.id} is ${paid.status}, transaction_id ${paid.transaction_id || '(none)'}`);
    const notes = await adapter.woo.listNotes(order.id);
    for (const n of notes.reverse()) log(`  note: ${n.note}`);
    if (paid.status === 'processing') {
      // 4. Card payments can only be refunded in full on the day they were taken: the adapter says so.
      await adapter.refundOrder(order.id, 1000, 'one cup spilt').catch((e) => log(`partial refund refused: ${e.message}`));
      const refund = await adapter.refundOrder(order.id, 3800, 'customer changed their mind');
      log(`refund: ${formatOutcome(refund.outcome)}; WooCommerce refund ${refund.wooRefundId ?? '(not recorded)'}`);
      const after = await adapter.woo.getOrder(order.id);
      log(`order ${order.id} is ${after.status}`);
    }
    const report = await running.sweep();
    log(`reconcile: ${report.unresolved} unresolved, ${report.changed.length} changed`);
    if (args.has('--keep')) {
      log('bridge running (Ctrl-C to stop). Add _qfpay_pay_request meta to a pending order to pay it.');
      await new Promise((resolve) => process.once('SIGINT', resolve));
    }
    return paid.status === 'processing' ? 0 : 1;
  } finally {
    await shutdown();
  }
}

async function main() {
  if (args.has('--help') || args.has('-h')) {
    console.log(readFileSync(new URL('./README.md', import.meta.url), 'utf8').split('\n## ')[0]);
    return 0;
  }
  if (args.has('--demo')) return demo();
  const config = loadBridgeConfig(process.env);
  const running = await runBridge(config);
  const where = config.cloud ? `ECR Cloud (${config.cloud.environment}, device ${config.cloud.termid})` : `terminal ${config.terminal?.host}:${config.terminal?.port}`;
  log(`bridge running: ${where}, shop ${new URL(config.woo.url).host}${config.events ? ', notifications over SSE' : ''}`);
  await new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log('stopping (waiting for a running payment to finish)…');
  await running.stop();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`bridge: ${error?.message ?? error}`);
    process.exitCode = error?.code?.startsWith?.('WOO_BRIDGE_CONFIG') || error?.code?.startsWith?.('CONFIG') ? 2 : 1;
  },
);
