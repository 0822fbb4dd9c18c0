/**
 * QFPay's refund rules as the cashier page applies them before asking the terminal (which
 * enforces them too): Octopus cannot be refunded; a card payment refunded on the Hong Kong day it
 * was taken must be refunded in full; never more than what is left; one refund at a time.
 */
import { CARD_CHANNELS } from '@qfpay-ecr/core';
import type { PaymentRecord, RefundRecord } from './db.js';

/** `YYYY-MM-DD` in Hong Kong. */
export function hongKongDate(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Hong_Kong', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** `HH:MM` in Hong Kong. */
export function hongKongTime(at: Date): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Hong_Kong', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

/** The Hong Kong day a payment was taken: the terminal's `sysdtm` (Hong Kong time), else our record. */
export function paymentDay(payment: PaymentRecord): string {
  const fromTerminal = /^(\d{4}-\d{2}-\d{2})/.exec(payment.sysTime ?? '')?.[1];
  return fromTerminal ?? hongKongDate(new Date(payment.createdAt));
}

/** QFPay refuses refunds from 23:30 to 00:30 Hong Kong time (code 1265). */
export function inNoRefundWindow(now: Date): boolean {
  const [h = 0, m = 0] = hongKongTime(now).split(':').map(Number);
  const minutes = h * 60 + m;
  return minutes >= 23 * 60 + 30 || minutes < 30;
}

export interface RefundPolicy {
  /** A refund can be started now. */
  allowed: boolean;
  /** Why not, when not allowed. */
  reason?: string;
  /** Less than the whole refundable amount may be refunded. */
  partialAllowed: boolean;
  /** Why only the full amount, when partial refunds are not allowed. */
  partialReason?: string;
  /** Refundable amount left, in cents. */
  maxMinor: number;
  /** Something to know that does not block (e.g. the 23:30–00:30 window). */
  note?: string;
}

export interface PolicyContext {
  now: Date;
  /** Current run of the simulated terminal, when the terminal is the built-in simulator. */
  simulatorSession?: string;
  /** The terminal is busy with another payment or refund. */
  busy: boolean;
}

/** What may be refunded of an approved payment, and why not. */
export function refundPolicy(payment: PaymentRecord | undefined, refunds: readonly RefundRecord[], ctx: PolicyContext): RefundPolicy {
  const refunded = refunds.filter((r) => r.stage === 'approved').reduce((sum, r) => sum + r.amountMinor, 0);
  const maxMinor = payment && payment.stage === 'approved' ? Math.max(0, payment.amountMinor - refunded) : 0;
  const deny = (reason: string): RefundPolicy => ({ allowed: false, reason, partialAllowed: false, maxMinor });
  if (!payment || payment.stage !== 'approved' || !payment.syssn) return deny('Nothing was paid, so there is nothing to refund.');
  if (payment.channel === 'octopus') return deny('Octopus payments cannot be refunded through the terminal (QFPay answers 1155); refund the customer another way.');
  if (refunds.some((r) => r.stage === 'unknown')) return deny('The outcome of the last refund is unknown. Check it first, so the customer is never refunded twice.');
  if (refunds.some((r) => r.stage !== 'approved' && r.stage !== 'declined' && r.stage !== 'cancelled' && r.stage !== 'failed')) return deny('A refund is in progress on the terminal.');
  if (maxMinor === 0) return deny('This payment has been refunded in full.');
  if (ctx.simulatorSession !== undefined && payment.terminalSession !== ctx.simulatorSession) {
    return deny('Paid before the demo restarted: the simulated terminal has forgotten it (a real terminal keeps its records).');
  }
  if (ctx.busy) return deny('The terminal is busy with another transaction.');
  const policy: RefundPolicy = { allowed: true, partialAllowed: true, maxMinor };
  if (CARD_CHANNELS.includes(payment.channel) && paymentDay(payment) === hongKongDate(ctx.now)) {
    policy.partialAllowed = false;
    policy.partialReason = 'Card payments can only be refunded in full on the day they were taken (Hong Kong time); partial refunds are possible from the next day.';
  }
  if (inNoRefundWindow(ctx.now)) policy.note = 'QFPay refuses refunds between 23:30 and 00:30 Hong Kong time; the terminal will say so.';
  return policy;
}
