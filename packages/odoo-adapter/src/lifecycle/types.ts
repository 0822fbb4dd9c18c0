/**
 * The generation-neutral view of Odoo's payment lines that the lifecycle core works on. The
 * generation shims (odoo17/18/19) turn Odoo's objects into these; nothing here knows Odoo.
 */
import type { Channel } from '@qfpay-ecr/core/terminal';

/** Payment-line statuses of Odoo's POS (odoo-lifecycle.md §3.4). */
export const LINE_STATUSES = [
  'pending',
  'waiting',
  'waitingCard',
  'waitingCapture',
  'waitingCancel',
  'timeout',
  'force_done',
  'retry',
  'done',
  'reversing',
  'reversed',
] as const;
export type LineStatus = (typeof LINE_STATUSES)[number];

/** Statuses in which a terminal request may still be open. */
export const OPEN_STATUSES: readonly LineStatus[] = ['waiting', 'waitingCard', 'waitingCapture', 'waitingCancel', 'timeout', 'force_done'];

/** What an approved transaction writes on the line. */
export interface ApprovalDetails {
  /** QFPay transaction id (`syssn`) → `transaction_id`. */
  syssn: string;
  /** Channel / wallet reference (`chnlsn`) → `payment_ref_no`. */
  channelRef?: string;
  /** Card scheme (VISA…) or the wallet's name → `card_type`. */
  cardType: string;
  /** Masked card number, when the terminal gave one. */
  maskedCard?: string;
  /** Text for the customer receipt (`setReceiptInfo`). */
  receiptInfo: string;
}

/** The original payment a refund line refunds. */
export interface OriginalPayment {
  /** Its `transaction_id` (QFPay syssn). */
  syssn: string;
  /** Its amount in minor units (positive). */
  amountMinor: number;
  /** When it was paid; undefined when Odoo does not know (then the syssn's timestamp is used). */
  paidAt?: Date;
  /** The channel it was paid with (the payment method's `qfpay_payment_type`). */
  channel?: Channel;
  /** Its line uuid, when known (pos_qfpay matches refund notifications on it). */
  lineUuid?: string;
}

/** The lifecycle core's handle on one Odoo payment line. */
export interface PaymentLineHandle {
  /** Stable key of the line: its uuid (Odoo 18/19) or uuid/cid (Odoo 17). */
  readonly key: string;
  /** The line's uuid when it has one (pos_qfpay puts it first in `out_trade_no`). */
  readonly uuid: string | undefined;
  /** Reference of the line's order (its uid/uuid), for matching after a reload. */
  readonly orderRef: string | undefined;
  /** Amount in major units as Odoo keeps it (negative for refunds). */
  amount(): number;
  status(): string | undefined;
  setStatus(status: LineStatus): void;
  /** Writes transaction id, channel reference, card type and receipt text. */
  applyApproval(details: ApprovalDetails): void;
  /** Ends a line nobody awaits any more (after a reload) as Odoo would: `done` or `retry`. */
  finish(ok: boolean): void;
  /**
   * Ends a line left `reversing` (after a reload) as Odoo's screen would have: reversed → amount
   * 0 and `reversed`; not reversed → `done` and no Reverse button. When absent, only the status
   * is set.
   */
  finishReversal?(reversed: boolean): void;
  /** The original payment of a refund line, or undefined when none can be found. */
  originalPayment(): OriginalPayment | undefined;
  /** When a done line was paid (for reversals), if Odoo knows. */
  paidAt(): Date | undefined;
  /** The line's `transaction_id`, if set. */
  transactionId(): string | undefined;
}

/** How the cashier is told about something that needs them. */
export interface CashierUi {
  /** A blocking message (Odoo's "QFPay Error" dialog). */
  alert(title: string, message: string): void;
}

/** A structured logger; fields never carry secrets. */
export interface AdapterLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything. */
export const SILENT_LOGGER: AdapterLogger = { debug() {}, info() {}, warn() {}, error() {} };
