/**
 * `cancel()` semantics: a 5001 overtakes the queue (but never the request it is meant to cancel),
 * and the result reports what really happened to the open transaction. Browser-safe.
 */
import { send5001, type EngineContext } from './context.js';
import type { DecodedResponse } from './ports.js';
import { NOT_FOUND_CODES, requestError, within, type Exchange, type InFlight } from './support.js';
import type { CancelOptions, CancelResult, TransactionOutcome } from './types.js';

/** A 5001 answered "nothing open" is said once more after this long if the transaction is still running. */
const CANCEL_RETRY_AFTER_MS = 1_000;

/** What cancel needs from the engine. */
export interface CancelHost extends EngineContext {
  /** The payment/refund in flight, if any. */
  readonly current: InFlight | undefined;
  /** Logs and emits a cancel result, then returns it. */
  cancelResult(result: CancelResult): CancelResult;
}

/** Whether a 5001 reply says no payment/refund screen was open (transaction code 1136/1268). */
function saysNothingOpen(reply: DecodedResponse): boolean {
  const txn = reply.data?.respcd;
  return reply.respcd === '6000' && (typeof txn === 'string' || typeof txn === 'number') && NOT_FOUND_CODES.has(String(txn));
}

function cancelResultFor(tx: InFlight, outcome: TransactionOutcome): CancelResult {
  switch (outcome.status) {
    case 'approved':
      return { status: 'too_late', outcome };
    case 'cancelled':
    case 'declined':
    case 'failed':
      return { status: 'confirmed', outTradeNo: tx.outTradeNo };
    case 'unknown':
      return { status: 'requested', outTradeNo: tx.outTradeNo };
  }
}

/** See `TerminalEngine.cancel`. */
export async function cancelOpenTransaction(host: CancelHost, options: CancelOptions): Promise<CancelResult> {
  const tx = host.current;
  const waitMs = host.cfg.cancelWaitMs;
  if (!tx) {
    if (!options.evenIfIdle) return host.cancelResult({ status: 'nothing_to_cancel' });
    const sent = await send5001(host, options.signal);
    if (sent.kind === 'transport-error') throw sent.error;
    const reply = sent.kind === 'reply' ? sent.reply : undefined;
    if (reply?.respcd === '6000') {
      // The terminal may say there was nothing to cancel (transaction code 1136).
      return host.cancelResult(saysNothingOpen(reply) ? { status: 'nothing_to_cancel' } : { status: 'requested' });
    }
    throw requestError(sent, 'cancel (5001)');
  }
  if (tx.outcome) return host.cancelResult(cancelResultFor(tx, tx.outcome));
  const alreadyRequested = tx.cancelRequested;
  tx.cancelRequested = true;
  if (!tx.posted) {
    // Not sent yet: the job sees the flag and stops before sending anything.
    const outcome = await within(tx.settled, waitMs);
    return host.cancelResult(outcome ? cancelResultFor(tx, outcome) : { status: 'requested', outTradeNo: tx.outTradeNo });
  }
  // Make sure our 5001 cannot overtake the request it is meant to cancel.
  await tx.onWire;
  let sent: Exchange | undefined;
  if (!tx.outcome) {
    sent = await send5001(host, options.signal);
    if (sent.kind === 'transport-error' && !sent.error.mayHaveReachedTerminal) {
      tx.cancelRequested = alreadyRequested;
      throw sent.error;
    }
  }
  let outcome: TransactionOutcome | undefined = tx.outcome;
  if (!outcome && sent?.kind === 'reply' && saysNothingOpen(sent.reply)) {
    // The 5001 may have reached the terminal before the screen for our request opened: if the
    // transaction has not ended shortly after, say it once more.
    const firstWaitMs = Math.min(CANCEL_RETRY_AFTER_MS, waitMs);
    outcome = await within(tx.settled, firstWaitMs);
    if (!outcome && !tx.outcome) {
      const again = await send5001(host, options.signal);
      if (again.kind !== 'transport-error') sent = again;
      outcome = await within(tx.settled, Math.max(0, waitMs - firstWaitMs));
    }
  }
  outcome ??= tx.outcome ?? (await within(tx.settled, waitMs));
  if (outcome) return host.cancelResult(cancelResultFor(tx, outcome));
  if (!sent || (sent.kind === 'reply' && sent.reply.respcd === '6000') || sent.kind === 'transport-error') {
    return host.cancelResult({ status: 'requested', outTradeNo: tx.outTradeNo });
  }
  throw requestError(sent, 'cancel (5001)');
}
