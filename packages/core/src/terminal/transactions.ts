/**
 * Running a payment (1001) or refund (1002): build the content, send it once with its progress
 * events, interpret the reply, and resolve it by querying when the reply is not final. Browser-safe.
 */
import type { WireContent } from '../protocol/format.js';
import type { EngineContext } from './context.js';
import { interpretTransaction } from './interpret.js';
import { probeBeforePayment } from './preflight.js';
import type { ValidPay, ValidRefund } from './requests.js';
import { resolvePayment } from './resolve-payment.js';
import { resolveRefund } from './resolve-refund.js';
import { compact, type Exchange, type InFlight } from './support.js';
import type { TransactionOutcome } from './types.js';

/** After this long on the wire without an answer, the customer is presumably at the terminal. */
const WAITING_CUSTOMER_AFTER_MS = 300;

/** Sends the 1001/1002 of the in-flight transaction, with its progress events. Sent at most once. */
async function sendTransaction(ctx: EngineContext, funcType: 1001 | 1002, content: WireContent, tx: InFlight, timeoutMs: number): Promise<Exchange> {
  let waitingTimer: ReturnType<typeof setTimeout> | undefined;
  tx.posted = true;
  try {
    return await ctx.wire.exchange(funcType, content, {
      timeoutMs,
      onSent: () => {
        tx.markOnWire();
        ctx.progress(tx.kind, tx.outTradeNo, 'sent');
        waitingTimer = setTimeout(() => ctx.progress(tx.kind, tx.outTradeNo, 'waiting_customer'), WAITING_CUSTOMER_AFTER_MS);
      },
    });
  } finally {
    clearTimeout(waitingTimer);
    tx.markOnWire();
  }
}

/** A payment, from the in-flight slot to its outcome. */
export async function runPayment(ctx: EngineContext, p: ValidPay, outTradeNo: string, tx: InFlight): Promise<TransactionOutcome> {
  if (ctx.probeBeforePayment) {
    const refused = await probeBeforePayment(ctx, outTradeNo, p.signal);
    if (refused) return refused;
  }
  if (tx.cancelRequested) return { status: 'cancelled', kind: 'payment', outTradeNo, codes: {}, by: 'pos', resolvedBy: 'reply' };
  const content = compact({
    func_type: 1001 as const,
    amt: p.amt,
    channel: p.channel,
    out_trade_no: outTradeNo,
    camera_id: p.cameraId,
    scan_type: p.scanType,
    payment_timeout: p.paymentTimeoutSec,
    moveToBack: p.moveToBack === undefined ? undefined : p.moveToBack ? 1 : 0,
  });
  const timeoutMs = (p.paymentTimeoutSec ?? ctx.cfg.defaultPaymentTimeoutSec) * 1000 + ctx.cfg.paymentReplyGraceMs;
  const ex = await sendTransaction(ctx, 1001, content, tx, timeoutMs);
  const step = interpretTransaction(ex, { kind: 'payment', request: p, outTradeNo }, ctx);
  if ('done' in step) return step.done;
  return resolvePayment(ctx, p, outTradeNo, tx, step.mode, step.reason);
}

/** A refund, from the in-flight slot to its outcome. */
export async function runRefund(ctx: EngineContext, r: ValidRefund, localRef: string, tx: InFlight): Promise<TransactionOutcome> {
  // Read the original first, so an unanswered refund can be judged by what changed.
  const before = await ctx.wire.probe({ orderId: r.syssn }, ctx.cfg.requestTimeoutMs);
  if (before.kind === 'error') {
    return {
      status: 'failed',
      kind: 'refund',
      outTradeNo: localRef,
      codes: before.codes,
      error: { code: before.failure.code, message: `could not read the original payment before refunding: ${before.failure.message}; no refund was sent`, hint: before.failure.hint },
    };
  }
  const baseline = before.kind === 'found' ? { refundableMinor: before.data.refundableMinor, cancel: before.data.cancel ?? 0 } : undefined;
  if (tx.cancelRequested) return { status: 'cancelled', kind: 'refund', outTradeNo: localRef, codes: {}, by: 'pos', resolvedBy: 'reply' };
  const content = compact({
    func_type: 1002 as const,
    orderId: r.syssn,
    refund_amount: r.refundAmount,
    allow_modify_flag: r.allowModify === undefined ? undefined : r.allowModify ? 1 : 0,
    moveToBack: r.moveToBack === undefined ? undefined : r.moveToBack ? 1 : 0,
  });
  const timeoutMs = ctx.cfg.defaultPaymentTimeoutSec * 1000 + ctx.cfg.paymentReplyGraceMs;
  const ex = await sendTransaction(ctx, 1002, content, tx, timeoutMs);
  const step = interpretTransaction(ex, { kind: 'refund', request: r, outTradeNo: localRef, refundableBefore: baseline?.refundableMinor }, ctx);
  if ('done' in step) return step.done;
  return resolveRefund(ctx, r, localRef, tx, baseline, step.mode, step.reason);
}
