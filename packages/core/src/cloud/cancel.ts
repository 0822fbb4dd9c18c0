/**
 * `cancel()` of a cloud terminal: pushes `/ecr/v1/cancel/async` (never ahead of the push it is
 * meant to cancel), then lets the open transaction's query loop confirm what happened: approved
 * anyway = `too_late`; cancelled/declined = `confirmed`; no final answer within `cancelWaitMs` =
 * `requested` (a cancel push never proves that no money moved). Nothing open = `nothing_to_cancel`.
 */
import { within, type InFlight } from '../terminal/support.js';
import type { CancelOptions, CancelResult, TransactionOutcome } from '../terminal/types.js';
import { CLOUD_PATHS, type CloudExchange } from './client.js';
import { cloudFailure, cloudRequestError, httpFailure, type CloudRequestError } from './codes.js';
import type { CloudContext } from './context.js';

/** What cancel needs from the terminal. */
export interface CloudCancelHost extends CloudContext {
  /** The payment/refund in flight, if any. */
  readonly current: InFlight | undefined;
  /** Logs and emits a cancel result, then returns it. */
  cancelResult(result: CancelResult): CancelResult;
}

function resultFor(tx: InFlight, outcome: TransactionOutcome): CancelResult {
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

/** The typed error of a cancel push that got no usable answer (transport errors are thrown as they are). */
function cancelError(ex: Exclude<CloudExchange, { kind: 'transport-error' }>): CloudRequestError {
  if (ex.kind === 'reply') return cloudRequestError(cloudFailure(ex.reply.respcd, ex.reply.message, 'cancel push'), ex.reply.respcd);
  if (ex.kind === 'http-error') return cloudRequestError(httpFailure(ex.status, 'cancel push'));
  return cloudRequestError({ code: 'CLOUD_REPLY_UNDECODABLE', message: 'cancel push: the OpenAPI reply could not be read', hint: 'check the base URL; query the open transaction before acting' });
}

function pushCancel(host: CloudContext, signal?: AbortSignal): Promise<CloudExchange> {
  return host.client.exchange(CLOUD_PATHS.cancel, {}, { timeoutMs: host.cfg.requestTimeoutMs, ...(signal ? { signal } : {}) });
}

/** See `QFPayCloudTerminal.cancel`. */
export async function cancelCloudTransaction(host: CloudCancelHost, options: CancelOptions): Promise<CancelResult> {
  const tx = host.current;
  const waitMs = host.cfg.cancelWaitMs;
  if (!tx) {
    if (!options.evenIfIdle) return host.cancelResult({ status: 'nothing_to_cancel' });
    const sent = await pushCancel(host, options.signal);
    if (sent.kind === 'transport-error') throw sent.error;
    if (sent.kind === 'reply' && sent.reply.respcd === '0000') return host.cancelResult({ status: 'requested' });
    throw cancelError(sent);
  }
  if (tx.outcome) return host.cancelResult(resultFor(tx, tx.outcome));
  const alreadyRequested = tx.cancelRequested;
  tx.cancelRequested = true;
  if (!tx.posted) {
    // Not pushed yet: the transaction sees the flag and ends before pushing anything.
    const outcome = await within(tx.settled, waitMs);
    return host.cancelResult(outcome ? resultFor(tx, outcome) : { status: 'requested', outTradeNo: tx.outTradeNo });
  }
  await tx.onWire;
  let sent: CloudExchange | undefined;
  if (!tx.outcome) {
    sent = await pushCancel(host, options.signal);
    if (sent.kind === 'transport-error' && !sent.error.mayHaveReachedTerminal) {
      tx.cancelRequested = alreadyRequested;
      throw sent.error;
    }
  }
  // The open transaction's own loop (query / notification) tells what happened.
  const outcome = tx.outcome ?? (await within(tx.settled, waitMs));
  if (outcome) return host.cancelResult(resultFor(tx, outcome));
  if (!sent || sent.kind === 'transport-error' || (sent.kind === 'reply' && sent.reply.respcd === '0000')) {
    return host.cancelResult({ status: 'requested', outTradeNo: tx.outTradeNo });
  }
  throw cancelError(sent);
}
