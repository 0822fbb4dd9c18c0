/**
 * The harness page's script (bundled for Chromium by the browser test): the faithful Odoo payment
 * screen from src/testing/odoo-harness.ts, with the adapter loaded at runtime from /odoo-pos.js — the real
 * dist bundle, as Odoo would load it — taking one payment through the bridge topology.
 */
import { BASES, createHarness, type Gen, type HarnessLine, type PaymentMethodRecord } from '../../src/testing/index.js';

type Bundle = typeof import('../../src/browser/odoo-pos.js');

interface PageConfig {
  gen: Gen;
  bridgeUrl: string;
  terminalId: string;
  token: string;
  amount: number;
}

const out = globalThis as unknown as { __QFPAY_RESULT__?: unknown; __QFPAY_STAGE__?: string };

async function main(): Promise<void> {
  const config = JSON.parse(document.getElementById('config')?.textContent ?? '{}') as PageConfig;
  const bundleUrl = '/odoo-pos.js';
  const bundle = (await import(bundleUrl)) as Bundle;
  out.__QFPAY_STAGE__ = 'bundle loaded';
  const method: PaymentMethodRecord = {
    id: 4,
    name: 'QFPay',
    use_payment_terminal: config.gen === 19 ? false : 'qfpay',
    payment_provider: config.gen === 19 ? 'qfpay' : false,
    qfpay_payment_type: 'card_payment',
    qfpay_topology: 'bridge',
    qfpay_bridge_url: config.bridgeUrl,
    qfpay_terminal_id: config.terminalId,
    qfpay_events: false,
  };
  const { pos, screen, registry } = createHarness({ gen: config.gen, methods: [method], sessionId: 21, rpc: { qfpay_bridge_token: () => config.token } });
  const installed = bundle.installQfpay(BASES[config.gen], config.gen === 17 ? registry.register_payment_method : registry, { AlertDialog: {} });
  pos.loadPaymentInterfaces();
  pos.newOrder(config.amount);
  const line = screen.addPaymentLine(method.id, config.amount) as HarnessLine;
  if (config.gen === 17) void screen.sendPaymentRequest(line);
  out.__QFPAY_STAGE__ = 'payment sent';
  const ok = await screen.inFlight.get(line);
  const storage: Record<string, string | null> = {};
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i) as string;
    storage[k] = localStorage.getItem(k);
  }
  out.__QFPAY_RESULT__ = {
    ok,
    generation: installed.generation,
    status: line.payment_status,
    history: line.history,
    transactionId: line.transaction_id,
    cardType: line.card_type,
    ticket: line.ticket,
    alerts: pos.alerts,
    inProgress: pos.paymentTerminalInProgress,
    validated: screen.validateOrder().ok,
    storage,
    secureContext: globalThis.isSecureContext,
  };
}

main().catch((err: unknown) => {
  out.__QFPAY_RESULT__ = { error: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err) };
});
