/**
 * The adapter keeps all of its state in WooCommerce order meta, so a restart (or a second
 * bridge) loses nothing:
 *
 * | key | value |
 * |---|---|
 * | `_qfpay_out_trade_no` | reference of the current (latest) attempt |
 * | `_qfpay_attempt` | its number (1, 2, …) |
 * | `_qfpay_status` | its status: pending · approved · declined · cancelled · failed · unknown · review |
 * | `_qfpay_attempts` | JSON array of every attempt (newest last) |
 * | `_qfpay_terminal` | label of the terminal that ran it |
 * | `_qfpay_syssn`, `_qfpay_chnlsn`, `_qfpay_pay_type`, `_qfpay_card_scheme`, `_qfpay_masked_card`, `_qfpay_channel`, `_qfpay_paid_at` | details of the approved payment |
 * | `_qfpay_refunds` | JSON array of refunds started from the adapter |
 *
 * Refund records carry `_qfpay_refund_syssn` and `_qfpay_refund_out_trade_no` in their own meta.
 * WordPress stores scalar meta as strings, so numbers come back as "1"; readers accept both.
 */
import { CHANNELS, type Channel } from '@qfpay-ecr/core';
import { z } from 'zod';
import type { WooOrder, WooRefund } from './client/schemas.js';

/** Order meta keys written by the adapter. */
export const META_KEYS = {
  outTradeNo: '_qfpay_out_trade_no',
  attempt: '_qfpay_attempt',
  status: '_qfpay_status',
  attempts: '_qfpay_attempts',
  terminal: '_qfpay_terminal',
  syssn: '_qfpay_syssn',
  channelRef: '_qfpay_chnlsn',
  payType: '_qfpay_pay_type',
  cardScheme: '_qfpay_card_scheme',
  maskedCard: '_qfpay_masked_card',
  channel: '_qfpay_channel',
  paidAt: '_qfpay_paid_at',
  refunds: '_qfpay_refunds',
} as const;

/** Meta keys on WooCommerce refund records created by the adapter. */
export const REFUND_META_KEYS = {
  syssn: '_qfpay_refund_syssn',
  outTradeNo: '_qfpay_refund_out_trade_no',
  origSyssn: '_qfpay_orig_syssn',
} as const;

/**
 * Status of one payment attempt. `pending` (sent or about to be sent) and `unknown` (no final
 * answer) are *unresolved*: money may have moved. `review` means money moved but the adapter
 * could not apply it safely (amount mismatch, order cancelled or paid otherwise): a person must
 * decide. Unresolved and review attempts block new charges.
 */
export const ATTEMPT_STATUSES = ['pending', 'approved', 'declined', 'cancelled', 'failed', 'unknown', 'review'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/** Whether money may have moved without the adapter knowing the result. */
export function isUnresolved(status: AttemptStatus): boolean {
  return status === 'pending' || status === 'unknown';
}

/** One payment attempt as stored in `_qfpay_attempts`. */
export interface AttemptRecord {
  n: number;
  outTradeNo: string;
  channel?: Channel;
  amountMinor?: number;
  currency?: string;
  /** Label of the terminal (see the adapter's `terminalId`). */
  terminal?: string;
  /** ISO time the attempt was written, before anything was sent. */
  startedAt?: string;
  status: AttemptStatus;
  syssn?: string;
  updatedAt?: string;
  /** Short reason (decline text, why unresolved…). Never a secret. */
  detail?: string;
}

const intLike = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

const AttemptRecordSchema = z.looseObject({
  n: intLike,
  outTradeNo: z.string().min(1),
  channel: z.enum(CHANNELS).optional().catch(undefined),
  amountMinor: intLike.optional(),
  currency: z.string().optional(),
  terminal: z.string().optional(),
  startedAt: z.string().optional(),
  status: z.enum(ATTEMPT_STATUSES),
  syssn: z.string().optional(),
  updatedAt: z.string().optional(),
  detail: z.string().optional(),
});

/** A refund started from the adapter, as stored in `_qfpay_refunds`. */
export interface RefundAttemptRecord {
  /** Local reference of the refund request (the terminal's refund `out_trade_no` once known). */
  ref: string;
  amountMinor: number;
  status: 'pending' | 'approved' | 'declined' | 'cancelled' | 'failed' | 'unknown';
  syssn?: string;
  startedAt: string;
  updatedAt?: string;
  wooRefundId?: number;
  detail?: string;
}

const RefundAttemptSchema = z.looseObject({
  ref: z.string().min(1),
  amountMinor: intLike,
  status: z.enum(['pending', 'approved', 'declined', 'cancelled', 'failed', 'unknown']),
  syssn: z.string().optional(),
  startedAt: z.string(),
  updatedAt: z.string().optional(),
  wooRefundId: intLike.optional(),
  detail: z.string().optional(),
});

/** Keep the JSON meta values bounded. */
const MAX_HISTORY = 50;

/** First meta value with this key (WooCommerce's `get_meta` semantics). */
export function metaValue(meta: ReadonlyArray<{ key: string; value: unknown }>, key: string): unknown {
  return meta.find((m) => m.key === key)?.value;
}

/** A meta value as text, when it is a non-empty string or number. */
export function metaText(meta: ReadonlyArray<{ key: string; value: unknown }>, key: string): string | undefined {
  const v = metaValue(meta, key);
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function parseJsonList<T>(value: unknown, schema: z.ZodType<T>): T[] | undefined {
  let data: unknown = value;
  if (typeof value === 'string') {
    if (value.trim() === '') return [];
    try {
      data = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (data === undefined || data === null) return [];
  const parsed = z.array(schema).safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/** What the adapter knows about an order's payment attempts. */
export interface PaymentState {
  /** Every attempt, oldest first. */
  attempts: AttemptRecord[];
  /** The latest attempt. */
  current?: AttemptRecord;
  /** `_qfpay_attempts` was present but unreadable: state rebuilt from the flat keys. */
  degraded: boolean;
}

/** Reads the attempt history from order meta (tolerating values stored as strings). */
export function readPaymentState(order: Pick<WooOrder, 'meta_data'>): PaymentState {
  const meta = order.meta_data;
  const raw = metaValue(meta, META_KEYS.attempts);
  const list = parseJsonList(raw, AttemptRecordSchema) as AttemptRecord[] | undefined;
  const flatRef = metaText(meta, META_KEYS.outTradeNo);
  const flatStatus = z.enum(ATTEMPT_STATUSES).safeParse(metaText(meta, META_KEYS.status));
  const flatN = intLike.safeParse(metaValue(meta, META_KEYS.attempt));
  if (list !== undefined) {
    const attempts = [...list].sort((a, b) => a.n - b.n);
    // The flat keys are written in the same PUT; if only they name a newer attempt, trust them.
    const last = attempts.at(-1);
    if (flatRef && (!last || (flatN.success && flatN.data > last.n)) && flatStatus.success) {
      attempts.push({ n: flatN.success ? flatN.data : (last?.n ?? 0) + 1, outTradeNo: flatRef, status: flatStatus.data });
    }
    return { attempts, ...(attempts.length ? { current: attempts.at(-1) as AttemptRecord } : {}), degraded: false };
  }
  // Unreadable history: be conservative and rebuild the current attempt from the flat keys.
  if (flatRef) {
    const current: AttemptRecord = {
      n: flatN.success ? flatN.data : 1,
      outTradeNo: flatRef,
      // An unreadable status might hide an unresolved attempt: treat it as unknown.
      status: flatStatus.success ? flatStatus.data : 'unknown',
    };
    return { attempts: [current], current, degraded: true };
  }
  return { attempts: [], degraded: raw !== undefined && raw !== '' };
}

/** Meta entries that store `attempts` (newest last) and mirror the latest into the flat keys. */
export function attemptMeta(attempts: readonly AttemptRecord[]): Array<{ key: string; value: string }> {
  const kept = attempts.slice(-MAX_HISTORY);
  const current = kept.at(-1);
  if (!current) return [];
  return [
    { key: META_KEYS.outTradeNo, value: current.outTradeNo },
    { key: META_KEYS.attempt, value: String(current.n) },
    { key: META_KEYS.status, value: current.status },
    { key: META_KEYS.terminal, value: current.terminal ?? '' },
    { key: META_KEYS.attempts, value: JSON.stringify(kept) },
  ];
}

/** Replaces the attempt with the same `outTradeNo` (or appends it). */
export function withAttempt(attempts: readonly AttemptRecord[], record: AttemptRecord): AttemptRecord[] {
  const i = attempts.findIndex((a) => a.outTradeNo === record.outTradeNo);
  if (i < 0) return [...attempts, record];
  const out = [...attempts];
  out[i] = record;
  // Keep the latest attempt last so the flat keys keep naming it.
  return out.sort((a, b) => a.n - b.n);
}

/** Reads `_qfpay_refunds`. */
export function readRefundAttempts(order: Pick<WooOrder, 'meta_data'>): RefundAttemptRecord[] {
  return (parseJsonList(metaValue(order.meta_data, META_KEYS.refunds), RefundAttemptSchema) as RefundAttemptRecord[] | undefined) ?? [];
}

/** Meta entry storing refund attempts. */
export function refundAttemptsMeta(records: readonly RefundAttemptRecord[]): { key: string; value: string } {
  return { key: META_KEYS.refunds, value: JSON.stringify(records.slice(-MAX_HISTORY)) };
}

/** The QFPay refund syssn a WooCommerce refund record carries, if the adapter wrote it. */
export function refundSyssnOf(refund: WooRefund): string | undefined {
  return metaText(refund.meta_data, REFUND_META_KEYS.syssn);
}
