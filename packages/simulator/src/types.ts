import type { Channel } from '@qfpay-ecr/core';

/** A card as the terminal reports it: scheme (VISA, MASTERCARD, UNIONPAY, AMEX) and masked number. */
export interface SimCard {
  scheme: string;
  /** Masked PAN, e.g. `476173******0119`. Never a full card number. */
  masked: string;
}

/**
 * How the simulated customer (or operator, on refund screens) behaves when a payment or refund
 * screen opens. `afterMs` is how long they take; default {@link SIMULATOR_DEFAULTS}.customerDelayMs.
 */
export type CustomerScript =
  /** Nobody touches the terminal until `sim.customer.*`, the web page or a 5001 ends the screen. */
  | { action: 'manual' }
  /** Pays (or, on a refund screen, the operator confirms). `card` overrides the channel's default card. */
  | { action: 'approve'; afterMs?: number; card?: SimCard }
  /** The host declines with this transaction code (default `1205`). */
  | { action: 'decline'; afterMs?: number; code?: string }
  /** Presses cancel on the terminal: the held request replies 6001. */
  | { action: 'cancel'; afterMs?: number }
  /**
   * The customer pays, but the host is slow: 1001 replies 6000 with `data.respcd` = `code`
   * (default `1145`); the next `pendingQueries` (default 2) 4001 queries still say pending, then
   * the transaction is `0000` (and notified).
   */
  | { action: 'pending-then-approve'; afterMs?: number; pendingQueries?: number; code?: PendingCode };

/** Transaction codes that mean "not final yet". */
export type PendingCode = '1143' | '1145' | '1295' | '1296' | '1298';

/** One-shot faults; each applies to the next matching request (see README "Faults"). */
export type Fault =
  /** Next 1001 that opens a screen: the screen runs, the outcome is booked (and notified), then the socket is destroyed without reply. */
  | { kind: 'drop-after-payment' }
  /** Next ECR request of any type: the socket is destroyed before the body is read; nothing happens. */
  | { kind: 'drop-before' }
  /** Next ECR request: processed normally, its reply written `ms` later. */
  | { kind: 'delay'; ms: number }
  /** Next ECR request: processed normally, answered 200 with a body that is neither JSON nor Base64. */
  | { kind: 'garbage' }
  /** Next ECR request: answered HTTP 500 with an HTML body, not processed. */
  | { kind: 'http500' }
  /** Next valid 1001/1002: answered 6002 "terminal busy" without opening a screen. */
  | { kind: 'busy' }
  /**
   * Next ECR request: processed normally, but the reply is cut mid-body: the headers announce the
   * whole body, half of it is written, then the connection is cut. With `complete: true` the
   * first half is sent as if it were the whole reply (Content-Length of the half).
   */
  | { kind: 'truncate'; complete?: boolean }
  /** Next notification is never posted (QFPay lost it); its record says `gaveUp`. */
  | { kind: 'notify-lost' }
  /** Next notification, once delivered, is posted a second time, byte for byte (a redelivery). */
  | { kind: 'notify-duplicate' }
  /** Next notification's first attempt is posted `ms` later than the schedule says. */
  | { kind: 'notify-delay'; ms: number }
  /**
   * Next notification is held back until the following one has been posted, so the receiver
   * sees them out of order; released after `maxHoldMs` (default 2000) if no other comes.
   */
  | { kind: 'notify-reorder'; maxHoldMs?: number }
  /**
   * Next notification's first attempt carries an altered body (`txamt` changed) under the
   * original body's signature, as a man in the middle would send it; later attempts are genuine.
   */
  | { kind: 'notify-tamper' };

/** Faults that apply to a notification rather than to an ECR request. */
export type NotifyFault = Extract<Fault, { kind: 'notify-lost' | 'notify-duplicate' | 'notify-delay' | 'notify-reorder' | 'notify-tamper' }>;

/** The payment or refund screen the terminal is showing. */
export interface ScreenState {
  kind: 'payment' | 'refund';
  /** The payment's out_trade_no, or the refund's own (generated) out_trade_no. */
  outTradeNo: string;
  /** Amount shown, in cents. */
  amountMinor: number;
  channel: Channel;
  openedAt: Date;
  /** QFPay transaction id reserved for this screen (the host order exists while the screen is open). */
  syssn: string;
  /** For refund screens: the payment being refunded. */
  origSyssn?: string;
}

/** How a screen ended. */
export type ScreenResult =
  | { action: 'approve'; card?: SimCard }
  | { action: 'decline'; code: string }
  | { action: 'pending'; code: PendingCode; pendingQueries: number }
  | { action: 'cancel'; by: 'customer' | 'pos' | 'timeout' | 'shutdown' };

/** A transaction in the terminal's book (what 4001 answers from). */
export interface BookEntry {
  kind: 'payment' | 'refund';
  syssn: string;
  outTradeNo: string;
  channel: Channel;
  /** Pay type code, e.g. `802808`. */
  busicd: string;
  /** Amount in cents (for refunds: the refunded amount). */
  amountMinor: number;
  currency: 'HKD';
  /** The amount exactly as the POS sent it (`amt` number or `refund_amount` string); refunds without one carry the decimal string. */
  wireAmount: number | string;
  /** Transaction status: `0000`, a pending code, or the decline code. */
  respcd: string;
  /** QFPay's cancel flag: 0 none, 3 fully refunded, 5 partially refunded. */
  cancel: number;
  /** Cents refunded so far (payments only). */
  refundedMinor: number;
  /** 4001 queries still answered "pending" before the entry settles to `0000`. */
  pendingQueriesLeft: number;
  /** For refunds: the payment's syssn and out_trade_no. */
  origSyssn?: string;
  origOutTradeNo?: string;
  cardScheme?: string;
  maskedCard?: string;
  /** Channel (wallet / acquirer) serial number. */
  chnlsn: string;
  /** Client serial number on the terminal. */
  clisn: string;
  /** `YYYY-MM-DD HH:MM:SS` Hong Kong time. */
  sysdtm: string;
  createdAt: Date;
}

/** One HTTP request the ECR API received. */
export interface RequestRecord {
  path: string;
  method: string;
  /** func_type from the decoded content (null when it could not be decoded). */
  funcType: number | null;
  content: Record<string, string | number> | null;
  at: Date;
  /** Outer code replied; null when no protocol reply was sent (dropped, HTTP 500, garbage). */
  respcd: string | null;
  /** The fault that applied to this request, if any. */
  fault?: Fault['kind'];
}

/** Delivery state of one notification. */
export interface NotificationRecord {
  notifyType: 'payment' | 'refund';
  syssn: string;
  /** The exact JSON body sent (it is signed byte for byte). */
  body: string;
  attempts: number;
  delivered: boolean;
  /** HTTP status of the last attempt (absent when it failed before a status). */
  lastStatus?: number;
  /** Why the last attempt failed (network error class, never a secret). */
  lastError?: string;
  /** True once the schedule is exhausted without a `SUCCESS`. */
  gaveUp: boolean;
  /** The notification fault that applied to it, if any. */
  fault?: NotifyFault['kind'];
}

/** A print job (3001 receipt or 3002 summary). */
export interface PrintRecord {
  kind: 'receipt' | 'summary';
  /** For receipts: the transaction printed. */
  syssn?: string;
  at: Date;
}

/** Events and their listener signatures. */
export interface SimulatorEvents {
  /** A payment/refund screen opened. */
  screen: (screen: ScreenState) => void;
  /** The open screen ended. */
  'screen-closed': (screen: ScreenState, result: ScreenResult) => void;
  /** A book entry was created or changed. */
  transaction: (entry: BookEntry) => void;
  /** An ECR request was answered (or dropped). */
  request: (record: RequestRecord) => void;
  /** A notification delivery attempt finished. */
  notification: (record: NotificationRecord) => void;
}
