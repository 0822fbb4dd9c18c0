/** The normalised shape of a QFPay asynchronous notification. No Node built-ins. */

/** What a notification is about. QFPay's `refund` and Odoo's `cancel` are both `refund`. */
export type NotificationKind = 'payment' | 'refund' | 'other';

/** Fields every normalised notification may carry. */
export interface NotificationFields {
  /** `notify_type` exactly as sent (`payment`, `refund`, `cancel`, …); dedupe on it with `syssn`. */
  notifyType: string;
  /** Merchant reference of this transaction (for refunds: the refund's own). */
  outTradeNo?: string;
  /** For refunds: the original payment's syssn. */
  origSyssn?: string;
  /** For refunds: the original payment's out_trade_no (Odoo routes on it). */
  origOutTradeNo?: string;
  /** QFPay's `status`; `"1"` is success, the only documented value. */
  status?: string;
  /** Transaction status code; always `0000` in practice. */
  respcd?: string;
  /** `status === "1"` and `respcd` absent or `0000`. QFPay only notifies successes, but check. */
  success: boolean;
  /** 6-digit pay type, e.g. `802808` Visa/Mastercard card. */
  payType?: string;
  /** Wallet / card network reference (`chnlsn`). */
  channelRef?: string;
  /** Extra channel reference (`chnlsn2`). */
  channelRef2?: string;
  /** Card or wallet account (`cardcd`), masked to first6…last4 if it was a full card number. */
  maskedCard?: string;
  /** QFPay's `cancel` flag: 0 none, 1 CPM reversed/refunded, 2 MPM cancelled, 3 refunded, 4 pre-auth done, 5 partly refunded. */
  cancelFlag?: number;
  /** `txdtm`: merchant order time, as sent (`YYYY-MM-DD hh:mm:ss`, Hong Kong time). */
  txTime?: string;
  /** `sysdtm`: QFPay system time, as sent. */
  sysTime?: string;
  /** `paydtm`: payment time, as sent. */
  payTime?: string;
  /** `customer_source`, e.g. `HK`. */
  customerSource?: string;
  /** The whole JSON object as received (card-number fields masked), unknown fields included. */
  raw: Readonly<Record<string, unknown>>;
}

/** A payment or refund notification: the money fields are guaranteed. */
export interface MoneyNotification extends NotificationFields {
  kind: 'payment' | 'refund';
  /** QFPay transaction id of this transaction (for refunds: the refund's own). */
  syssn: string;
  /** `txamt` in integer minor units (cents). Notifications use cents, unlike the terminal's `amt`. */
  amountMinor: number;
  /** ISO 4217 letters (`344` is normalised to `HKD`). */
  currency: string;
  status: string;
}

/** A notification of a type we do not know: kept (and acknowledged) but only loosely checked. */
export interface OtherNotification extends NotificationFields {
  kind: 'other';
  syssn?: string;
  amountMinor?: number;
  currency?: string;
}

/** A verified-then-parsed QFPay notification. */
export type NormalizedNotification = MoneyNotification | OtherNotification;
