/**
 * A WooCommerce scenario through the real bridge: `payOrder` (retried by the cashier after a
 * decline, a failure or an unknown result, as a shop would), optionally a POS cancel or a
 * refund, then the reconciliation sweep, then what WooCommerce and the terminal's book show.
 */
import { newOutTradeNo, QfpayEcrError } from '@qfpay-ecr/core';
import type { BookEntry, CustomerScript } from '@qfpay-ecr/simulator';
import {
  isUnresolved,
  minorToWooAmount,
  OrderNotPayableError,
  PAID_STATUSES,
  readPaymentState,
  readRefundAttempts,
  REFUND_META_KEYS,
  RefundNotAllowedError,
  UnresolvedAttemptError,
  wooAmountToMinor,
  WooUnavailableError,
  type PayOrderResult,
} from '@qfpay-ecr/woo-adapter';
import type { ScenarioFaults } from './faults.js';
import type { BookView, ErpView } from './invariants.js';
import type { Lane } from './lane.js';
import type { ScenarioPlan } from './plan.js';
import { customerScript, settleNotifications, sleep, withTimeout, type AttemptChain, type RunReport, type ScenarioFacts } from './run-support.js';
import { TIMINGS } from './timings.js';

const MAX_PAY_ATTEMPTS = 3;
const MAX_REFUND_ATTEMPTS = 2;
const MAX_SWEEPS = 3;

/** Runs one WooCommerce scenario on `lane`. Throws only for what the campaign counts as a crash. */
export async function runWooScenario(lane: Lane, plan: ScenarioPlan, faults: ScenarioFaults, report: RunReport): Promise<ScenarioFacts> {
  const started = lane.clock();
  const { fake, sim, wooAdapter: adapter } = lane;
  const order = fake.createOrder({ lineItems: [{ name: `Chaos #${plan.index}`, total: minorToWooAmount(plan.amountMinor) }] });
  const orderId = order.id;
  report.note(`woo order ${orderId}`);

  // ---------------------------------------------------------------- payment
  sim.setCustomer(customerScript(plan));
  faults.enter('payment');
  let paid = false;
  for (let attempt = 1; attempt <= MAX_PAY_ATTEMPTS && !paid; attempt++) {
    if (attempt > 1) sim.setCustomer({ action: 'approve', afterMs: plan.customerDelayMs } satisfies CustomerScript);
    let cancelTimer: NodeJS.Timeout | undefined;
    const onScreen = () => {
      cancelTimer = setTimeout(() => {
        adapter.cancelPayment().then(
          (r) => report.note(`POS cancel: ${r.status}`),
          (e: unknown) => report.note(`POS cancel failed: ${describe(e)}`),
        );
      }, plan.cancelAfterMs);
    };
    if (plan.flow === 'pay-pos-cancel' && attempt === 1) sim.once('screen', onScreen);
    let result: PayOrderResult;
    try {
      result = await withTimeout(adapter.payOrder(orderId, { channel: plan.channel }), TIMINGS.stepTimeoutMs, `payOrder attempt ${attempt}`);
    } catch (error) {
      report.note(`payOrder attempt ${attempt} threw ${describe(error)}`);
      if (error instanceof UnresolvedAttemptError || error instanceof OrderNotPayableError) break;
      if (error instanceof WooUnavailableError) {
        await sleep(100);
        continue;
      }
      if (error instanceof QfpayEcrError) break;
      throw error;
    } finally {
      sim.off('screen', onScreen);
      if (cancelTimer) clearTimeout(cancelTimer);
    }
    report.note(`payOrder attempt ${attempt}: ${result.outcome.status}${result.recorded ? '' : ' (not recorded)'}${result.fromEarlierAttempt ? ' (earlier attempt)' : ''}`);
    if (result.outcome.status === 'approved') paid = true;
    // The customer walked away after a POS cancel; otherwise the cashier tries again.
    else if (plan.flow === 'pay-pos-cancel') break;
  }

  // ---------------------------------------------------------------- refund
  const hasRefund = plan.flow === 'pay-refund-full' || plan.flow === 'pay-refund-partial';
  let refundAsked = 0;
  if (paid && hasRefund) {
    sim.setCustomer({ action: 'approve', afterMs: plan.customerDelayMs });
    faults.enter('refund');
    refundAsked = plan.refundMinor;
    for (let attempt = 1; attempt <= MAX_REFUND_ATTEMPTS; attempt++) {
      try {
        const r = await withTimeout(adapter.refundOrder(orderId, plan.refundMinor, `chaos scenario ${plan.index}`), TIMINGS.stepTimeoutMs, `refundOrder attempt ${attempt}`);
        report.note(`refundOrder attempt ${attempt}: ${r.outcome.status}${r.recorded ? '' : ' (not recorded)'}`);
        if (r.outcome.status === 'approved') break;
      } catch (error) {
        report.note(`refundOrder attempt ${attempt} threw ${describe(error)}`);
        if (error instanceof WooUnavailableError) {
          await sleep(100);
          continue;
        }
        if (error instanceof RefundNotAllowedError || error instanceof QfpayEcrError) break;
        throw error;
      }
    }
  }

  // ---------------------------------------------------------------- reconciliation
  await faults.finish();
  await settleNotifications(lane, (n) => n.body.includes(`"wc${orderId}-`), (kind, syssn) => lane.feedLog.handled(kind, syssn));
  // The sweep runs periodically in a real bridge: an attempt the terminal has not heard of is
  // only concluded "not processed" once `notFoundAfterMs` has passed, so sweep again after that.
  for (let round = 1; round <= MAX_SWEEPS; round++) {
    const sweep = await adapter.reconcile({ modifiedAfter: new Date(started.getTime() - 1_000) });
    report.note(
      `reconcile ${round}: ${sweep.changed.map((c) => `${c.orderId} ${c.from}→${c.to}`).join(', ') || 'nothing to change'}${sweep.errors.length ? `; errors ${sweep.errors.map((e) => e.code).join(', ')}` : ''}${sweep.stillUnresolved.length ? `; still unresolved: ${sweep.stillUnresolved.map((u) => u.detail).join(', ')}` : ''}`,
    );
    if (sweep.stillUnresolved.length === 0 && sweep.errors.length === 0) break;
    if (round < MAX_SWEEPS) await sleep(TIMINGS.wooNotFoundAfterMs);
  }

  for (const n of sim.notifications().filter((x) => x.body.includes(`"wc${orderId}-`))) {
    report.note(`${n.notifyType} notification ${n.syssn}: ${n.delivered ? 'delivered' : n.gaveUp ? 'given up' : 'in flight'}${n.fault ? ` (${n.fault})` : ''}, bridge: ${lane.feedLog.results(n.notifyType, n.syssn).join(', ') || 'not seen'}`);
  }
  for (const a of lane.alerts.filter((x) => x.orderId === orderId)) report.note(`alert ${a.code}`);
  const chain: AttemptChain = {
    newReference: () => newOutTradeNo(`wc${orderId}-99`),
    book: () => bookOf(sim.transactions(), `wc${orderId}-`),
    erp: () => wooView(lane, orderId),
    forgetPayment: () => fake.setStatus(orderId, 'cancelled'),
  };
  return { book: chain.book(), erp: chain.erp(), texts: fake.notes(orderId).map((n) => ({ source: 'woo-order-note', text: n.note })), refundAsked, chain };
}

/** The scenario's entries in the book: its order's payments and their refunds. */
function bookOf(entries: readonly BookEntry[], prefix: string): BookView {
  const payments = entries.filter((e) => e.kind === 'payment' && e.outTradeNo.startsWith(prefix));
  const syssns = new Set(payments.map((p) => p.syssn));
  return { payments, refunds: entries.filter((e) => e.kind === 'refund' && e.origSyssn !== undefined && syssns.has(e.origSyssn)) };
}

/** What WooCommerce shows for the order. */
function wooView(lane: Lane, orderId: number): ErpView {
  const order = lane.fake.order(orderId);
  if (!order) return { payments: [], flagged: [], refunds: [], unresolved: [`order ${orderId} disappeared from WooCommerce`] };
  const currency = typeof order.currency === 'string' ? order.currency : 'HKD';
  const total = wooAmountToMinor(String(order.total), currency) ?? -1;
  const state = readPaymentState(order);
  const view: ErpView = { payments: [], flagged: [], refunds: [], unresolved: [] };
  if (PAID_STATUSES.has(order.status) && order.transaction_id) view.payments.push({ syssn: order.transaction_id, amountMinor: total });
  for (const a of state.attempts) {
    if (a.status === 'review' && a.syssn) view.flagged.push(a.syssn);
    if (isUnresolved(a.status)) view.unresolved.push(`WooCommerce order ${orderId}: attempt ${a.n} (${a.outTradeNo}) is still ${a.status}`);
  }
  for (const r of readRefundAttempts(order)) {
    if (r.status === 'pending' || r.status === 'unknown') view.unresolved.push(`WooCommerce order ${orderId}: refund ${r.ref} of ${r.amountMinor} is still ${r.status}`);
  }
  for (const r of lane.fake.refunds(orderId)) {
    const syssn = r.meta_data.find((m) => m.key === REFUND_META_KEYS.syssn)?.value;
    const amountMinor = wooAmountToMinor(r.amount, currency) ?? -1;
    view.refunds.push(typeof syssn === 'string' && syssn !== '' ? { syssn, amountMinor } : { amountMinor });
  }
  return view;
}

function describe(error: unknown): string {
  if (error instanceof QfpayEcrError) return `${error.name} ${error.code}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
