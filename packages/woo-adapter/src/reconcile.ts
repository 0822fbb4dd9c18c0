/**
 * The reconciliation sweep: every order whose latest attempt is unresolved (`pending` or
 * `unknown` in `_qfpay_status`) is queried on the terminal (4001 by out_trade_no) and brought
 * into agreement.
 *
 * Finding them: WooCommerce's REST API has no meta filter for orders, so the sweep lists orders
 * by status (`GET /orders?status=pending,failed,on-hold,cancelled&per_page=100&page=N`, newest
 * first, bounded by `maxPages` and optionally `modifiedAfter`) and inspects `meta_data`. An
 * unresolved attempt can only exist on such an order: the adapter never moves an order to
 * processing/completed without resolving its attempt.
 */
import type { AttemptStatus } from './meta.js';
import { describeError, type AdapterContext } from './context.js';
import { isUnresolved, readPaymentState } from './meta.js';
import { applyResolution, resolveAttempt } from './resolve.js';

/** Options of `reconcile()`. */
export interface ReconcileOptions {
  /** Statuses to sweep; default the adapter's `reconcileStatuses` (pending, failed, on-hold, cancelled). */
  statuses?: readonly string[];
  /** Pages of 100 orders to read at most; default 20. */
  maxPages?: number;
  /** Only orders modified after this time. */
  modifiedAfter?: Date;
  /** Only these orders (skips the listing). */
  orderIds?: readonly number[];
}

/** One order the sweep changed. */
export interface ReconcileChange {
  orderId: number;
  outTradeNo: string;
  from: AttemptStatus;
  /** New attempt status; `approved` means the order was marked paid. */
  to: AttemptStatus;
  orderStatus: string;
  detail?: string;
}

/** What the sweep saw and did. */
export interface ReconcileReport {
  /** Orders listed. */
  scanned: number;
  /** Orders that had an unresolved attempt. */
  unresolved: number;
  changed: ReconcileChange[];
  /** Still unresolved after asking the terminal. */
  stillUnresolved: Array<{ orderId: number; outTradeNo: string; detail: string }>;
  /** Not looked at (payment in progress in this process, another terminal). */
  skipped: Array<{ orderId: number; reason: string }>;
  errors: Array<{ orderId?: number; code: string; message: string }>;
  /**
   * Notifications `listen()` could not apply while WooCommerce was down, applied again before
   * the sweep (present only when there were some). Failures are also listed in `errors`.
   */
  notifications?: { applied: number; failed: number };
}

const PER_PAGE = 100;

/** Runs one sweep. Never throws for a single order's failure; the report lists it. */
export async function reconcile(ctx: AdapterContext, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const report: ReconcileReport = { scanned: 0, unresolved: 0, changed: [], stillUnresolved: [], skipped: [], errors: [] };
  const candidates: number[] = [];
  if (options.orderIds) {
    candidates.push(...options.orderIds);
    report.scanned = options.orderIds.length;
  } else {
    const statuses = options.statuses ?? ctx.opts.reconcileStatuses;
    const maxPages = options.maxPages ?? 20;
    try {
      for (let page = 1; page <= maxPages; page += 1) {
        const result = await ctx.woo.listOrders({ status: statuses, perPage: PER_PAGE, page, ...(options.modifiedAfter ? { modifiedAfter: options.modifiedAfter } : {}) });
        report.scanned += result.orders.length;
        for (const order of result.orders) {
          const current = readPaymentState(order).current;
          if (current && isUnresolved(current.status)) candidates.push(order.id);
        }
        if (result.orders.length < PER_PAGE || (result.totalPages !== undefined && page >= result.totalPages)) break;
      }
    } catch (error) {
      report.errors.push(describeError(error));
      return report;
    }
  }
  for (const orderId of candidates) {
    if (ctx.lock.busy(orderId)) {
      report.skipped.push({ orderId, reason: 'a payment or refund for it is in progress in this process' });
      continue;
    }
    try {
      await ctx.lock.run(orderId, async () => {
        const order = await ctx.woo.getOrder(orderId);
        const current = readPaymentState(order).current;
        if (!current || !isUnresolved(current.status)) return;
        report.unresolved += 1;
        if (current.terminal && current.terminal !== ctx.opts.terminalId) {
          report.skipped.push({ orderId, reason: `its attempt ran on terminal "${current.terminal}"` });
          return;
        }
        const res = await resolveAttempt(ctx, order, current);
        const applied = await applyResolution(ctx, order, current, res);
        if (res.kind === 'unresolved') {
          report.stillUnresolved.push({ orderId, outTradeNo: current.outTradeNo, detail: res.detail });
          return;
        }
        const to: AttemptStatus =
          res.kind === 'approved' ? (applied.paid?.result === 'review' ? 'review' : 'approved') : res.kind === 'declined' ? 'declined' : res.kind === 'cancelled' ? 'cancelled' : 'failed';
        report.changed.push({
          orderId,
          outTradeNo: current.outTradeNo,
          from: current.status,
          to,
          orderStatus: applied.order.status,
          ...(res.kind === 'approved' ? { detail: `paid, QFPay transaction ${res.facts.syssn}` } : { detail: res.detail }),
        });
      });
    } catch (error) {
      report.errors.push({ orderId, ...describeError(error) });
    }
  }
  return report;
}
