/**
 * The framework-agnostic terminal contract. Adapters (Odoo, WooCommerce, the demo) depend only on
 * this file, so it must stay free of Node built-ins: a browser `RemoteTerminal` implements it too.
 */

/** Payment methods the Haojin app offers through ECR (`channel` on the wire). */
export const CHANNELS = ['card_payment', 'wx', 'alipay', 'payme', 'union', 'fps', 'octopus', 'unionpay_card', 'amex_card'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Channels whose same-day refunds must be for the full amount (card schemes). */
export const CARD_CHANNELS: readonly Channel[] = ['card_payment', 'unionpay_card', 'amex_card'];

import type { SupportedCurrency } from '../money/index.js';

/** ISO 4217 code; the ECR terminal settles in HKD. */
export type Currency = SupportedCurrency;

/** A payment to take on the terminal. */
export interface PayRequest {
  /** Amount in integer minor units (cents): HK$12.50 → 1250. */
  amountMinor: number;
  /** Defaults to HKD. */
  currency?: Currency;
  channel: Channel;
  /** Merchant reference, `[A-Za-z0-9_-]{1,64}`. A fresh unique one is made when absent; never reuse one. */
  outTradeNo?: string;
  /** QR mode: `QRCODE_PAY` (terminal shows a code) or `SCAN_PAY` (terminal scans the customer's code). */
  scanType?: 'QRCODE_PAY' | 'SCAN_PAY';
  /** 0 = back camera, 1 = front camera. */
  cameraId?: 0 | 1;
  /** Longest wait for the customer, in seconds (PayMe: at most 120). */
  paymentTimeoutSec?: number;
  /** Return the terminal to its home screen afterwards. */
  moveToBack?: boolean;
  signal?: AbortSignal;
}

/** A refund of an earlier payment, by that payment's `syssn`. */
export interface RefundRequest {
  /** QFPay transaction id of the original payment. */
  syssn: string;
  /** Amount to refund in minor units; the whole refundable amount when absent. */
  amountMinor?: number;
  currency?: Currency;
  /** Let the operator change the amount on the terminal. Default false. */
  allowModify?: boolean;
  moveToBack?: boolean;
  signal?: AbortSignal;
}

/** Look a transaction up on the terminal by our reference or by QFPay's. */
export type QueryRequest = ({ outTradeNo: string; syssn?: never } | { syssn: string; outTradeNo?: never }) & { signal?: AbortSignal };

/** Codes behind an outcome, as the terminal gave them. */
export interface OutcomeCodes {
  /** Outer ECR code (6000, 6001, 4003…), when a reply was received. */
  respcd?: string;
  /** Transaction code (`data.respcd`: 0000, 1205…), when present. */
  txnRespcd?: string;
  /** The terminal's own message, when present. */
  message?: string;
}

/** Identifiers and details of a transaction the terminal completed. */
export interface TransactionDetails {
  /** QFPay transaction id; keep it for refunds and receipts. */
  syssn: string;
  outTradeNo: string;
  amountMinor: number;
  currency: Currency;
  /** Wallet / card network reference (`chnlsn`). */
  channelRef?: string;
  /** `busicd` pay type code, e.g. 802808. */
  payType?: string;
  /** VISA, MASTERCARD, UNIONPAY, AMEX… */
  cardScheme?: string;
  /** Masked card number as the terminal gives it, e.g. `520000******1096`. Never a full PAN. */
  maskedCard?: string;
  /** QFPay system time, as given (`YYYY-MM-DD HH:MM:SS`, Hong Kong time). */
  sysTime?: string;
  /** For refunds: the original payment's syssn. */
  origSyssn?: string;
}

/** Result of `pay` or `refund`. Exactly one of five states; `unknown` means money may have moved. */
export type TransactionOutcome =
  /** `resolvedBy`: the terminal's reply, a query of its (or QFPay's) book, or QFPay's signed notification (ECR Cloud). */
  | ({ status: 'approved'; kind: 'payment' | 'refund'; codes: OutcomeCodes; resolvedBy: 'reply' | 'query' | 'notification' } & TransactionDetails)
  | { status: 'declined'; kind: 'payment' | 'refund'; outTradeNo: string; codes: OutcomeCodes; reason: string; resolvedBy: 'reply' | 'query' }
  | { status: 'cancelled'; kind: 'payment' | 'refund'; outTradeNo: string; codes: OutcomeCodes; by: 'customer' | 'pos'; resolvedBy: 'reply' | 'query' }
  /** The request was refused before any money could move (bad key, bad params, terminal busy…). */
  | { status: 'failed'; kind: 'payment' | 'refund'; outTradeNo: string; codes: OutcomeCodes; error: { code: string; message: string; hint: string } }
  /** No final answer before the deadline. Never re-send: resolve later with `query` or a notification. */
  | { status: 'unknown'; kind: 'payment' | 'refund'; outTradeNo: string; codes: OutcomeCodes; reason: string };

export type OutcomeStatus = TransactionOutcome['status'];

/** What `cancel()` achieved. */
export type CancelResult =
  /** The open request ended as cancelled and a query showed no money moved. */
  | { status: 'confirmed'; outTradeNo: string }
  /** 5001 was accepted, but the open request's fate is not settled yet (it may still be approved). */
  | { status: 'requested'; outTradeNo?: string }
  /** Nothing was waiting on the terminal. */
  | { status: 'nothing_to_cancel' }
  /** Too late: the open request had already been approved. */
  | { status: 'too_late'; outcome: TransactionOutcome };

/** Options of `cancel()`. */
export interface CancelOptions {
  /**
   * Send the 5001 even when this instance has no payment/refund in flight (e.g. a screen opened
   * by another process, as the CLI does). The result is then `requested` at best.
   */
  evenIfIdle?: boolean;
  signal?: AbortSignal;
}

/** A transaction as the terminal's book (4001) reports it. */
export type QueryResult =
  | { found: false; codes: OutcomeCodes }
  | {
      found: true;
      /** `paid` = approved and not reversed; `refunded`/`partially_refunded`/`cancelled` per QFPay's `cancel` flag. */
      state: 'pending' | 'paid' | 'failed' | 'refunded' | 'partially_refunded' | 'cancelled';
      kind: 'payment' | 'refund';
      /** Refundable amount left, in minor units, when the terminal says. */
      refundableMinor?: number;
      codes: OutcomeCodes;
    } & Partial<TransactionDetails> & { syssn: string };

/** Progress stages a transaction goes through before its outcome. */
export type ProgressStage = 'queued' | 'sent' | 'waiting_customer' | 'resolving';

/** Events every `PaymentTerminal` emits. */
export interface TerminalEvents {
  progress: (event: { kind: 'payment' | 'refund'; outTradeNo: string; stage: ProgressStage; detail?: string }) => void;
  outcome: (outcome: TransactionOutcome) => void;
  cancel: (result: CancelResult) => void;
}

/** A minimal typed event subscription, satisfied by eventemitter3. */
export interface TerminalEventSource {
  on<E extends keyof TerminalEvents>(event: E, listener: TerminalEvents[E]): this;
  off<E extends keyof TerminalEvents>(event: E, listener: TerminalEvents[E]): this;
  once<E extends keyof TerminalEvents>(event: E, listener: TerminalEvents[E]): this;
}

/**
 * A QFPay terminal as a POS sees it. One transaction at a time (calls queue); `cancel` may overtake.
 * `pay` and `refund` never reject for a terminal-side result: they resolve to an outcome. They
 * reject only for invalid input (typed errors) before anything is sent.
 */
export interface PaymentTerminal extends TerminalEventSource {
  pay(request: PayRequest): Promise<TransactionOutcome>;
  refund(request: RefundRequest): Promise<TransactionOutcome>;
  /** Asks the terminal to abandon the open payment/refund screen (5001). */
  cancel(options?: CancelOptions): Promise<CancelResult>;
  query(request: QueryRequest): Promise<QueryResult>;
  printReceipt(syssn: string, options?: { signal?: AbortSignal }): Promise<void>;
  printSummary(options?: { signal?: AbortSignal }): Promise<void>;
  /** Waits for the open transaction to settle, then releases connections. */
  close(): Promise<void>;
}
