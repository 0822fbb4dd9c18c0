/**
 * An Odoo scenario through the real adapter installed into the POS harness of one generation
 * (17, 18 or 19): the cashier adds a QFPay line (fast payment on 18/19), retries it when the
 * adapter says nothing was charged (`retry`), never when it says the result is unknown
 * (`force_done`); optionally cancels, reverses or refunds; the POS page may reload in between.
 * Notifications reach the POS through the notify server's event stream and transaction lookup.
 * Reconciliation = the POS page reopening: stored attempts resume and settle.
 */
import { encodeOdooOutTradeNo, QFPayTerminal } from '@qfpay-ecr/core';
import { installQfpay, lineAmountToMinor, memoryStorage, OPEN_STATUSES, type AdapterLogger, type AttemptRecord } from '@qfpay-ecr/odoo-adapter';
import { BASES, createHarness, reloadHarness, type HarnessLine, type HarnessOrder, type HarnessPos, type PaymentMethodRecord, type PaymentScreen } from '@qfpay-ecr/odoo-adapter/testing';
import type { BookEntry } from '@qfpay-ecr/simulator';
import type { ScenarioFaults } from './faults.js';
import type { BookView, ErpView } from './invariants.js';
import type { Lane, LogSink } from './lane.js';
import type { ScenarioPlan } from './plan.js';
import { customerScript, deadline, settleNotifications, waitUntil, type AttemptChain, type RunReport, type ScenarioFacts } from './run-support.js';
import { TIMINGS } from './timings.js';

const MAX_PAY_ATTEMPTS = 3;
const MAX_REFUND_ATTEMPTS = 2;
/** Statuses the cashier sees as "the adapter is done with this line". */
const SETTLED = new Set(['done', 'retry', 'force_done', 'reversed']);

function adapterLogger(sink: LogSink): AdapterLogger {
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => sink.push('odoo-adapter', JSON.stringify({ level, message, ...fields }));
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** The POS page of one scenario; a reload replaces `pos` and `screen` (orders survive, as in Odoo). */
class PosPage {
  pos: HarnessPos;
  screen: PaymentScreen;
  reloads = 0;
  readonly storage = memoryStorage();
  /** Every alert the cashier saw on pages closed so far (the current page keeps its own). */
  readonly alerts: string[] = [];
  readonly #reloadWaiters = new Set<() => void>();

  constructor(
    readonly lane: Lane,
    readonly plan: ScenarioPlan,
    readonly methodId: number,
    readonly sessionId: number,
  ) {
    const gen = plan.odooGeneration;
    const method: PaymentMethodRecord = {
      id: methodId,
      name: 'QFPay',
      use_payment_terminal: gen === 19 ? false : 'qfpay',
      payment_provider: gen === 19 ? 'qfpay' : false,
      qfpay_payment_type: plan.channel,
      // The notify server: the adapter follows its event stream and asks its transaction lookup.
      qfpay_bridge_url: lane.notify.url,
      qfpay_terminal_id: 'till1',
      qfpay_events: true,
    };
    const token = lane.secrets.eventsToken;
    const { pos, screen, registry } = createHarness({ gen, methods: [method], sessionId, rpc: { qfpay_bridge_token: () => token } });
    installQfpay(BASES[gen], gen === 17 ? registry.register_payment_method : registry, {
      terminal: () => new QFPayTerminal(lane.terminalOptions('odoo-terminal')),
      storage: this.storage,
      clock: lane.clock,
      resolve: TIMINGS.odooResolve,
      logger: adapterLogger(lane.logs),
      AlertDialog: { name: 'AlertDialog' },
      ErrorPopup: { name: 'ErrorPopup' },
    });
    pos.loadPaymentInterfaces();
    this.pos = pos;
    this.screen = screen;
  }

  /** Reloads the page: interfaces closed, POS rebuilt from saved orders, stored attempts resume. */
  reload(): void {
    this.#collectAlerts();
    const next = reloadHarness(this.pos);
    this.pos = next.pos;
    this.screen = next.screen;
    this.reloads += 1;
    for (const w of [...this.#reloadWaiters]) w();
  }

  /** Resolves at the next reload. */
  nextReload(): { promise: Promise<'reloaded'>; cancel: () => void } {
    let done!: () => void;
    const promise = new Promise<'reloaded'>((resolve) => {
      done = () => {
        this.#reloadWaiters.delete(done);
        resolve('reloaded');
      };
      this.#reloadWaiters.add(done);
    });
    return { promise, cancel: () => this.#reloadWaiters.delete(done) };
  }

  orderRef(order: HarnessOrder): string {
    return this.pos.gen === 17 ? order.uid : order.uuid;
  }

  order(ref: string): HarnessOrder | undefined {
    return this.pos.orders.find((o) => this.orderRef(o) === ref);
  }

  line(ref: string, index: number): HarnessLine | undefined {
    return this.order(ref)?.payment[index];
  }

  #collectAlerts(): void {
    for (const a of this.pos.alerts.splice(0)) this.alerts.push(`${a.title}: ${a.message}`);
  }

  close(): void {
    this.#collectAlerts();
    for (const m of this.pos.methods) (m.payment_terminal as { close?: () => void } | undefined)?.close?.();
  }

  records(): AttemptRecord[] {
    return Object.values(this.storage.dump()).flatMap((text) => {
      try {
        const parsed = JSON.parse(text) as unknown;
        return Array.isArray(parsed) ? (parsed as AttemptRecord[]) : [parsed as AttemptRecord];
      } catch {
        return [];
      }
    });
  }
}

/**
 * Sends (or re-sends) the request of the line at (`ref`, `index`) and waits until the adapter is
 * done with it — through a reload if one happens meanwhile. Resolves the line's status.
 */
async function sendAndSettle(page: PosPage, ref: string, index: number, report: RunReport, what: string, send: boolean): Promise<string | undefined> {
  const line = page.line(ref, index);
  if (!line) return undefined;
  const reload = page.nextReload();
  const timeout = deadline(TIMINGS.stepTimeoutMs);
  try {
    if (send) void page.screen.sendPaymentRequest(line);
    const inFlight = page.screen.inFlight.get(line);
    const first = await Promise.race([inFlight ?? Promise.resolve(undefined), reload.promise, timeout.promise]);
    if (first === 'timeout') report.note(`${what}: no answer within ${TIMINGS.stepTimeoutMs} ms`);
  } finally {
    timeout.cancel();
    reload.cancel();
  }
  // After a reload the awaited request belongs to the closed page: watch the resumed line instead.
  await waitUntil(() => {
    const s = page.line(ref, index)?.payment_status;
    return s === undefined || SETTLED.has(s);
  }, TIMINGS.stepTimeoutMs);
  const status = page.line(ref, index)?.payment_status;
  report.note(`${what}: ${status ?? '(no status)'}${page.reloads ? ` after ${page.reloads} reload(s)` : ''}`);
  return status;
}

/** Runs one Odoo scenario on `lane`. */
export async function runOdooScenario(lane: Lane, plan: ScenarioPlan, faults: ScenarioFaults, report: RunReport): Promise<ScenarioFacts> {
  const methodId = 10 + lane.index;
  const sessionId = 1_000 + plan.index;
  const page = new PosPage(lane, plan, methodId, sessionId);
  const { sim } = lane;
  const amount = plan.amountMinor / 100;
  report.note(`odoo ${plan.odooGeneration}, session ${sessionId}, method ${methodId}`);
  try {
    // ---------------------------------------------------------------- payment
    sim.setCustomer(customerScript(plan));
    const order = page.pos.newOrder(amount);
    const orderRef = page.orderRef(order);
    faults.enter('payment', { reloadPos: () => page.reload() });
    let cancelTimer: NodeJS.Timeout | undefined;
    const onScreen = () => {
      cancelTimer = setTimeout(() => {
        const line = page.line(orderRef, 0);
        if (!line || !['waiting', 'waitingCard'].includes(line.payment_status ?? '')) return;
        page.screen.sendPaymentCancel(line).then(
          (ok) => report.note(`POS cancel: ${ok ? 'confirmed' : 'not confirmed'}`),
          (e: unknown) => report.note(`POS cancel threw ${e instanceof Error ? e.name : String(e)}`),
        );
      }, plan.cancelAfterMs);
    };
    if (plan.flow === 'pay-pos-cancel') sim.once('screen', onScreen);
    const added = page.screen.addPaymentLine(methodId, amount);
    let status: string | undefined;
    if (!added) report.note('the screen refused the payment line');
    else {
      // Odoo 18/19 send at once (fast payments); on 17 the cashier presses Send.
      status = await sendAndSettle(page, orderRef, 0, report, 'payment attempt 1', plan.odooGeneration === 17);
      for (let attempt = 2; attempt <= MAX_PAY_ATTEMPTS && status === 'retry' && plan.flow !== 'pay-pos-cancel'; attempt++) {
        sim.setCustomer({ action: 'approve', afterMs: plan.customerDelayMs });
        status = await sendAndSettle(page, orderRef, 0, report, `payment attempt ${attempt}`, true);
      }
    }
    sim.off('screen', onScreen);
    if (cancelTimer) clearTimeout(cancelTimer);

    // ---------------------------------------------------------------- refund
    const hasRefund = plan.flow === 'pay-refund-full' || plan.flow === 'pay-refund-partial';
    let refundAsked = 0;
    if (hasRefund && status === 'done') {
      sim.setCustomer({ action: 'approve', afterMs: plan.customerDelayMs });
      faults.enter('refund', { reloadPos: () => page.reload() });
      refundAsked = plan.refundMinor;
      const paidLine = page.line(orderRef, 0);
      if (plan.refundByReversal && paidLine?.can_be_reversed) {
        const ok = await page.screen.sendPaymentReverse(paidLine).catch(() => false);
        report.note(`reversal: ${ok ? 'reversed' : 'not reversed'} (${page.line(orderRef, 0)?.payment_status ?? '?'})`);
      } else {
        const original = page.order(orderRef);
        if (original) {
          const refundOrder = page.pos.newRefundOrder(original, plan.refundMinor / 100);
          const refundRef = page.orderRef(refundOrder);
          const rl = page.screen.addPaymentLine(methodId, -plan.refundMinor / 100);
          if (!rl) report.note('the screen refused the refund line');
          else {
            let rs = await sendAndSettle(page, refundRef, 0, report, 'refund attempt 1', true);
            for (let attempt = 2; attempt <= MAX_REFUND_ATTEMPTS && rs === 'retry'; attempt++) rs = await sendAndSettle(page, refundRef, 0, report, `refund attempt ${attempt}`, true);
          }
        }
      }
    }

    // ---------------------------------------------------------------- reconciliation: the POS reopens
    await faults.finish();
    const marker = `--${sessionId}--${methodId}"`;
    await settleNotifications(lane, (n) => n.body.includes(marker), () => true);
    page.reload();
    const refs = page.pos.orders.map((o) => page.orderRef(o));
    const open = () =>
      refs.some((r) => page.order(r)?.payment.some((l) => l.payment_status === 'reversing' || (l.payment_status !== undefined && (OPEN_STATUSES as readonly string[]).includes(l.payment_status) && l.payment_status !== 'force_done'))) ||
      page.records().some((r) => r.state === 'pending');
    const settledAll = await waitUntil(() => !open(), TIMINGS.odooResolve.deadlineMs + TIMINGS.odooResolve.backgroundMs + 1_000);
    report.note(`reconciliation (reload + resume): ${settledAll ? 'settled' : 'still open'}`);
    const chain: AttemptChain = {
      newReference: () => encodeOdooOutTradeNo({ lineUuid: globalThis.crypto.randomUUID(), sessionId, paymentMethodId: methodId }),
      book: () => bookOf(sim.transactions(), marker.slice(0, -1)),
      erp: () => odooView(page, refs),
      forgetPayment: () => {
        for (const line of page.order(orderRef)?.payment ?? []) {
          if (line.payment_status !== 'done') continue;
          delete line.transaction_id;
          line.payment_status = 'retry';
        }
      },
    };
    return { book: chain.book(), erp: chain.erp(), texts: odooTexts(page), refundAsked, chain };
  } finally {
    page.close();
  }
}

/** The scenario's entries: payments under its session's references and refunds of them. */
function bookOf(entries: readonly BookEntry[], marker: string): BookView {
  const payments = entries.filter((e) => e.kind === 'payment' && e.outTradeNo.endsWith(marker));
  const syssns = new Set(payments.map((p) => p.syssn));
  return { payments, refunds: entries.filter((e) => e.kind === 'refund' && e.origSyssn !== undefined && syssns.has(e.origSyssn)) };
}

function minorOf(amount: number): number {
  try {
    return Math.abs(lineAmountToMinor(amount));
  } catch {
    return -1;
  }
}

/** What the POS shows after reconciliation: done and reversed lines, refund lines, anything still open. */
function odooView(page: PosPage, refs: readonly string[]): ErpView {
  const view: ErpView = { payments: [], flagged: [], refunds: [], unresolved: [] };
  const records = page.records();
  for (const ref of refs) {
    const order = page.order(ref);
    if (!order) continue;
    order.payment.forEach((line, i) => {
      const s = line.payment_status;
      const what = `Odoo ${order.isRefund ? 'refund ' : ''}order ${ref} line ${i}`;
      if (s !== undefined && ((OPEN_STATUSES as readonly string[]).includes(s) || s === 'reversing')) view.unresolved.push(`${what} is still ${s}`);
      if (!line.transaction_id && s !== 'done') return;
      if (order.isRefund) {
        if (s === 'done') view.refunds.push(line.transaction_id ? { syssn: line.transaction_id, amountMinor: minorOf(line.amount) } : { amountMinor: minorOf(line.amount) });
        return;
      }
      if (s === 'done' && line.transaction_id) view.payments.push({ syssn: line.transaction_id, amountMinor: minorOf(line.amount) });
      if (s === 'reversed' && line.transaction_id) {
        // A reversal zeroes the line: its amount is the approved attempt's.
        const rec = records.find((r) => r.syssn === line.transaction_id && r.kind === 'payment');
        const amountMinor = rec?.amountMinor ?? -1;
        view.payments.push({ syssn: line.transaction_id, amountMinor });
        view.refunds.push({ amountMinor });
      }
      if (s === 'done' && !line.transaction_id && minorOf(line.amount) > 0) view.unresolved.push(`${what} is done without a transaction id (forced done)`);
    });
  }
  for (const r of records) {
    if (r.state === 'pending') view.unresolved.push(`Odoo attempt ${r.outTradeNo} (${r.kind}) is still pending in storage`);
    if (r.state === 'mismatch' && r.syssn) view.flagged.push(r.syssn);
  }
  return view;
}

function odooTexts(page: PosPage): Array<{ source: string; text: string }> {
  const alerts = [...page.alerts, ...page.pos.alerts.map((a) => `${a.title}: ${a.message}`)];
  return [...alerts.map((text) => ({ source: 'odoo-alert', text })), ...Object.values(page.storage.dump()).map((text) => ({ source: 'odoo-storage', text }))];
}
