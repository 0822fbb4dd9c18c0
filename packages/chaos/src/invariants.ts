/**
 * The invariants, checked against the simulator's own transaction book (what really happened
 * to the money) and what the ERP recorded once reconciliation has run. Pure functions: they
 * take the facts and return violations, so the checker itself is tested with broken facts.
 */
import { isPendingTransactionCode } from '@qfpay-ecr/core';
import type { BookEntry } from '@qfpay-ecr/simulator';

export const INVARIANTS = [
  /** More than one payment took (or may still take) money for one order's attempt chain. */
  'double-charge',
  /** An approved payment is not recorded as paid in the ERP (after reconciliation). */
  'lost-payment',
  /** The ERP records a payment the terminal never approved, or with another amount. */
  'phantom-payment',
  /** An attempt is still pending/unknown after reconciliation (ERP side or terminal side). */
  'unresolved',
  /** An approved refund is not recorded in the ERP. */
  'refund-not-recorded',
  /** The ERP records more refund than the terminal made, or a refund it never made. */
  'phantom-refund',
  /** More money was refunded than the cashier asked for (one refund, done twice). */
  'double-refund',
  /** A secret or a full card number appears in something captured. */
  'secret-leak',
  /** An unhandled promise rejection or uncaught exception. */
  'unhandled-rejection',
  /** A flow threw something that is not one of the toolkit's typed errors, or got stuck. */
  'crash',
] as const;
export type Invariant = (typeof INVARIANTS)[number];

/** One broken invariant, with what is needed to replay it. */
export interface Violation {
  invariant: Invariant;
  /** Scenario index (-1 for campaign-wide problems). */
  scenario: number;
  seed: string;
  detail: string;
}

/** A payment the ERP recorded. */
export interface ErpPayment {
  syssn: string;
  amountMinor: number;
}

/** A refund the ERP recorded (its syssn when the ERP knows it). */
export interface ErpRefund {
  syssn?: string;
  amountMinor: number;
}

/** What the ERP shows for one scenario's order(s) after reconciliation. */
export interface ErpView {
  /** Payments recorded as paid (an order paid, a done line). */
  payments: ErpPayment[];
  /** Payments the ERP knows took money but set aside for a person (Woo `review`, Odoo `mismatch`). */
  flagged: string[];
  refunds: ErpRefund[];
  /** Attempts still pending/unknown, described. */
  unresolved: string[];
}

/** What the terminal's book says happened for one scenario. */
export interface BookView {
  payments: BookEntry[];
  refunds: BookEntry[];
}

const approved = (e: BookEntry) => e.respcd === '0000';

/** Checks one scenario's facts. `refundAsked` is what the cashier meant to refund in total (0 = none). */
export function checkScenario(input: { scenario: number; seed: string; book: BookView; erp: ErpView; refundAsked: number }): Violation[] {
  const { scenario, seed, book, erp, refundAsked } = input;
  const out: Violation[] = [];
  const v = (invariant: Invariant, detail: string) => out.push({ invariant, scenario, seed, detail });

  // 1. Never more than one payment that took (or may take) money per attempt chain.
  const live = book.payments.filter((p) => approved(p) || isPendingTransactionCode(p.respcd));
  if (live.length > 1) v('double-charge', `${live.length} payments took or may take money: ${live.map((p) => `${p.outTradeNo} (${p.syssn}, ${p.respcd}, ${p.amountMinor})`).join('; ')}`);

  // 2. Every approved payment is recorded as paid (or set aside for a person).
  for (const p of book.payments.filter(approved)) {
    const recorded = erp.payments.find((e) => e.syssn === p.syssn);
    if (!recorded && !erp.flagged.includes(p.syssn)) v('lost-payment', `payment ${p.syssn} (${p.outTradeNo}, ${p.amountMinor}) is approved on the terminal but not recorded as paid`);
  }

  // 3. Nothing is recorded paid that the terminal did not approve, and amounts agree.
  for (const e of erp.payments) {
    const p = book.payments.find((b) => b.syssn === e.syssn);
    if (!p || !approved(p)) v('phantom-payment', `the ERP records payment ${e.syssn || '(no syssn)'} of ${e.amountMinor}, which the terminal ${p ? `booked as ${p.respcd}` : 'never booked'}`);
    else if (p.amountMinor !== e.amountMinor) v('phantom-payment', `the ERP records payment ${e.syssn} as ${e.amountMinor}, the terminal booked ${p.amountMinor}`);
  }

  // 4. Nothing left unknown, on either side.
  for (const u of erp.unresolved) v('unresolved', u);
  for (const p of book.payments.filter((b) => isPendingTransactionCode(b.respcd))) v('unresolved', `the terminal still shows payment ${p.outTradeNo} (${p.syssn}) pending (${p.respcd}): nobody resolved it`);

  // 5./6. Refunds: every approved refund recorded, nothing recorded that did not happen, totals agree.
  const bookRefunds = book.refunds.filter(approved);
  const bookRefunded = bookRefunds.reduce((s, r) => s + r.amountMinor, 0);
  const erpRefunded = erp.refunds.reduce((s, r) => s + r.amountMinor, 0);
  for (const r of erp.refunds) {
    if (r.syssn === undefined || r.syssn === '') continue;
    const b = bookRefunds.find((x) => x.syssn === r.syssn);
    if (!b) v('phantom-refund', `the ERP records refund ${r.syssn} of ${r.amountMinor}, which the terminal never made`);
    else if (b.amountMinor !== r.amountMinor) v('phantom-refund', `the ERP records refund ${r.syssn} as ${r.amountMinor}, the terminal refunded ${b.amountMinor}`);
  }
  for (const b of bookRefunds) {
    const bySyssn = erp.refunds.some((r) => r.syssn === b.syssn);
    if (!bySyssn && erpRefunded < bookRefunded) v('refund-not-recorded', `refund ${b.syssn} of ${b.amountMinor} (payment ${b.origSyssn ?? '?'}) is approved on the terminal but not recorded (ERP total ${erpRefunded}, terminal total ${bookRefunded})`);
  }
  if (erpRefunded > bookRefunded) v('phantom-refund', `the ERP records ${erpRefunded} refunded, the terminal refunded ${bookRefunded}`);

  // 7. One refund asked, at most that much refunded.
  if (bookRefunded > refundAsked) v('double-refund', `${bookRefunded} refunded on the terminal (${bookRefunds.length} refunds) but the cashier asked for ${refundAsked}`);
  return out;
}
