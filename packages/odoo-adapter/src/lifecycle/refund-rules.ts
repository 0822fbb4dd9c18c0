/**
 * Refund and reversal pre-checks, in pos_qfpay's order (odoo-lifecycle.md §2.6) plus Octopus:
 * 1. an original payment with this method exists; 2. Octopus cannot be refunded; 3. card
 * channels refund the full amount only; 4. never above the original; 5. same Hong Kong calendar
 * day as the payment and before 23:00 HKT. Pure: the clock is a parameter.
 */
import { CARD_CHANNELS, type Channel } from '@qfpay-ecr/core/terminal';
import { MESSAGES } from './messages.js';
import type { OriginalPayment } from './types.js';

/** Hong Kong is UTC+8 all year (no daylight saving). */
export const HKT_OFFSET_MS = 8 * 60 * 60 * 1000;
/** Refunds on the terminal stop at this hour, Hong Kong time. */
export const REFUND_CUTOFF_HOUR_HKT = 23;

/** A refused check: a stable code and the cashier message. */
export interface RefundRefusal {
  ok: false;
  code: 'REFUND_NO_ORIGINAL' | 'REFUND_OCTOPUS' | 'REFUND_CARD_FULL_ONLY' | 'REFUND_ABOVE_ORIGINAL' | 'REFUND_NOT_SAME_DAY' | 'REFUND_BAD_AMOUNT';
  message: string;
}
export type RefundVerdict = { ok: true; original: OriginalPayment; paidAt: Date } | RefundRefusal;

/** What a refund check needs. */
export interface RefundCheckInput {
  /** The payment method's channel (the original was paid with the same method). */
  channel: Channel;
  /** The payment method's name, for "No payment with <method> found". */
  methodName: string;
  original: OriginalPayment | undefined;
  /** Amount to refund, positive minor units. */
  refundMinor: number;
  /** Now, from the injectable clock. */
  now: Date;
}

/** `YYYY-MM-DD` of `date` in Hong Kong. */
export function hongKongDay(date: Date): string {
  return new Date(date.getTime() + HKT_OFFSET_MS).toISOString().slice(0, 10);
}

/** Hour (0–23) of `date` in Hong Kong. */
export function hongKongHour(date: Date): number {
  return new Date(date.getTime() + HKT_OFFSET_MS).getUTCHours();
}

/**
 * The time a QFPay syssn was issued: its first 14 digits are `YYYYMMDDhhmmss` in Hong Kong time
 * (e.g. `20250826155400087645770447`). Undefined when it does not start with a valid timestamp.
 */
export function syssnTime(syssn: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\d*$/.exec(syssn);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s) - HKT_OFFSET_MS;
  const date = new Date(utc);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Whether `now` is on the same Hong Kong day as `paidAt` and before 23:00 HKT. */
export function withinRefundWindow(paidAt: Date, now: Date): boolean {
  return hongKongDay(paidAt) === hongKongDay(now) && hongKongHour(now) < REFUND_CUTOFF_HOUR_HKT;
}

/** Runs every pre-check; the first refusal wins, in pos_qfpay's order. */
export function checkRefund(input: RefundCheckInput): RefundVerdict {
  const { original, refundMinor, channel, now } = input;
  if (!original || !original.syssn) return { ok: false, code: 'REFUND_NO_ORIGINAL', message: MESSAGES.noOriginal(input.methodName) };
  if (!Number.isSafeInteger(refundMinor) || refundMinor <= 0) return { ok: false, code: 'REFUND_BAD_AMOUNT', message: MESSAGES.aboveOriginal };
  const paidChannel = original.channel ?? channel;
  if (paidChannel === 'octopus' || channel === 'octopus') return { ok: false, code: 'REFUND_OCTOPUS', message: MESSAGES.octopus };
  if (CARD_CHANNELS.includes(paidChannel) && refundMinor !== original.amountMinor) {
    return { ok: false, code: 'REFUND_CARD_FULL_ONLY', message: MESSAGES.cardFullOnly };
  }
  if (refundMinor > original.amountMinor) return { ok: false, code: 'REFUND_ABOVE_ORIGINAL', message: MESSAGES.aboveOriginal };
  const paidAt = original.paidAt ?? syssnTime(original.syssn);
  if (!paidAt || !withinRefundWindow(paidAt, now)) return { ok: false, code: 'REFUND_NOT_SAME_DAY', message: MESSAGES.sameDayOnly };
  return { ok: true, original, paidAt };
}
