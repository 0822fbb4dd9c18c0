/**
 * A cloud payment or refund, from the in-flight slot to its outcome: push once, then wait for the
 * result (notification or query) until the payment timeout plus a margin; no final answer by then
 * = `unknown`, never `failed`, because money may still move.
 */
import type { NormalizedNotification } from '../notify/types.js';
import type { ValidPay, ValidRefund } from '../terminal/requests.js';
import { deferred, KeepPolling, type InFlight } from '../terminal/support.js';
import type { TransactionOutcome } from '../terminal/types.js';
import { CLOUD_PATHS } from './client.js';
import type { CloudContext } from './context.js';
import { judgePaymentNotification, judgePaymentProbe, judgeRefundByOriginal, judgeRefundNotification, judgeRefundProbe, type NotificationVerdict, type RefundAsk } from './judge.js';
import { interpretPush, sendPush } from './push.js';
import { waitForResult } from './wait.js';

/** The transaction the terminal is waiting for, as the notification listener sees it. */
export interface ActiveCloudTransaction {
  tx: InFlight;
  onNotification(n: NormalizedNotification): void;
}

/** Registers the active transaction; returns its unregister function. */
export type RegisterActive = (active: ActiveCloudTransaction) => () => void;

function listenFor(ctx: CloudContext, tx: InFlight, judge: (n: NormalizedNotification) => NotificationVerdict, offer: (o: TransactionOutcome) => void): ActiveCloudTransaction {
  return {
    tx,
    onNotification(n) {
      const verdict = judge(n);
      if (!verdict) return;
      if ('ignored' in verdict) {
        ctx.log.warn({ terminal: ctx.id, kind: tx.kind, outTradeNo: tx.outTradeNo, syssn: n.syssn, why: verdict.ignored }, 'ignored a notification that names this transaction');
        return;
      }
      ctx.log.info({ terminal: ctx.id, kind: tx.kind, outTradeNo: tx.outTradeNo, syssn: n.syssn }, 'notification settles the transaction');
      offer(verdict.outcome);
    },
  };
}

const by = (tx: InFlight) => (tx.cancelRequested ? ('pos' as const) : ('customer' as const));

/** The shared part: push, judge the answer, wait. */
async function pushAndWait(
  ctx: CloudContext,
  tx: InFlight,
  push: { path: string; params: Record<string, string | number | undefined> },
  customerSec: number,
  check: (timeoutMs: number) => Promise<TransactionOutcome | KeepPolling>,
  external: Promise<TransactionOutcome>,
  unknownHint: string,
): Promise<TransactionOutcome> {
  const { kind, outTradeNo } = tx;
  const pushedAt = Date.now();
  const ex = await sendPush(ctx, push.path, push.params, tx);
  const step = interpretPush(ex, kind, outTradeNo);
  if ('done' in step) return step.done;
  let announced = false;
  const announce = (detail: string) => {
    if (announced) return;
    announced = true;
    ctx.progress(kind, outTradeNo, 'resolving', detail);
  };
  if (step.wait === 'accepted') ctx.progress(kind, outTradeNo, 'waiting_customer');
  else {
    ctx.log.info({ terminal: ctx.id, kind, outTradeNo, why: step.reason }, 'push unanswered: waiting for the result, never re-sending');
    announce(step.reason);
  }
  const deadlineAt = pushedAt + customerSec * 1000 + ctx.cfg.resultMarginMs;
  const result = await waitForResult(ctx, { deadlineAt, check, external });
  if ('outcome' in result) return result.outcome;
  const why = step.wait === 'accepted' ? 'pushed to the terminal' : step.reason;
  return {
    status: 'unknown',
    kind,
    outTradeNo,
    codes: {},
    reason: `no final answer within ${Math.round((deadlineAt - pushedAt) / 1000)} s (${why}; last: ${result.deadline}); ${unknownHint}`,
  };
}

/** A cloud payment. */
export async function runCloudPayment(ctx: CloudContext, p: ValidPay, outTradeNo: string, tx: InFlight, register: RegisterActive): Promise<TransactionOutcome> {
  const offered = deferred<TransactionOutcome>();
  const warn = (obj: Record<string, unknown>, msg: string) => ctx.log.warn({ terminal: ctx.id, ...obj }, msg);
  const unregister = register(listenFor(ctx, tx, (n) => judgePaymentNotification(n, p, outTradeNo), offered.resolve));
  try {
    if (tx.cancelRequested) return { status: 'cancelled', kind: 'payment', outTradeNo, codes: {}, by: 'pos', resolvedBy: 'reply' };
    const timeoutSec = p.paymentTimeoutSec ?? ctx.cfg.defaultPaymentTimeoutSec;
    const params = {
      txamt: p.amountMinor,
      channel: p.channel,
      out_trade_no: outTradeNo,
      scan_type: p.scanType ?? ctx.cfg.defaultScanType,
      camera_id: p.cameraId,
      payment_timeout: timeoutSec,
    };
    const check = async (timeoutMs: number) => {
      const verdict = judgePaymentProbe(await ctx.client.probe({ out_trade_no: outTradeNo }, timeoutMs), p, outTradeNo, by(tx), warn);
      return verdict === 'not_found' ? new KeepPolling("not in QFPay's book yet (1136)") : verdict;
    };
    return await pushAndWait(
      ctx,
      tx,
      { path: CLOUD_PATHS.payment, params },
      timeoutSec,
      check,
      offered.promise,
      `resolve later with query({ outTradeNo: '${outTradeNo}' }) or the payment notification — never retry the payment blindly`,
    );
  } finally {
    unregister();
  }
}

/** A cloud refund of payment `r.syssn`, under our own reference `refundRef`. */
export async function runCloudRefund(ctx: CloudContext, r: ValidRefund, refundRef: string, tx: InFlight, register: RegisterActive): Promise<TransactionOutcome> {
  // Read the original first: the amount of a full refund, and a baseline to see the refund by.
  const before = await ctx.client.probe({ syssn: r.syssn }, ctx.cfg.requestTimeoutMs, r.signal);
  if (before.kind === 'error') {
    return {
      status: 'failed',
      kind: 'refund',
      outTradeNo: refundRef,
      codes: before.codes,
      error: { code: before.failure.code, message: `could not read the original payment before refunding: ${before.failure.message}; no refund was sent`, hint: before.failure.hint },
    };
  }
  const ask: RefundAsk = { r, refundRef, baseline: before.kind === 'found' ? { refundableMinor: before.data.refundableMinor, cancel: before.data.cancel ?? 0 } : undefined };
  const offered = deferred<TransactionOutcome>();
  const warn = (obj: Record<string, unknown>, msg: string) => ctx.log.warn({ terminal: ctx.id, ...obj }, msg);
  const unregister = register(listenFor(ctx, tx, (n) => judgeRefundNotification(n, ask), offered.resolve));
  try {
    if (tx.cancelRequested) return { status: 'cancelled', kind: 'refund', outTradeNo: refundRef, codes: {}, by: 'pos', resolvedBy: 'reply' };
    const params = {
      syssn: r.syssn,
      out_trade_no: refundRef,
      txamt: r.amountMinor === undefined ? undefined : String(r.amountMinor),
      allow_modify_flag: r.allowModify === undefined ? undefined : r.allowModify ? 1 : 0,
    };
    const check = async (timeoutMs: number) => {
      const own = judgeRefundProbe(await ctx.client.probe({ out_trade_no: refundRef }, timeoutMs), ask, by(tx), warn);
      if (own !== 'not_found') return own;
      // Not (yet) under our reference: look at what changed on the original payment.
      const byOriginal = judgeRefundByOriginal(await ctx.client.probe({ syssn: r.syssn }, timeoutMs), ask, warn);
      if (byOriginal instanceof KeepPolling || byOriginal.status !== 'approved') return byOriginal;
      // It happened; it may have been booked under our reference meanwhile, with its own syssn.
      const again = judgeRefundProbe(await ctx.client.probe({ out_trade_no: refundRef }, timeoutMs), ask, by(tx), warn);
      return !(again instanceof KeepPolling) && again !== 'not_found' && again.status === 'approved' ? again : byOriginal;
    };
    return await pushAndWait(
      ctx,
      tx,
      { path: CLOUD_PATHS.refund, params },
      ctx.cfg.defaultPaymentTimeoutSec,
      check,
      offered.promise,
      `check payment ${r.syssn} with query({ syssn }) or wait for the refund notification — never re-send blindly`,
    );
  } finally {
    unregister();
  }
}
