/**
 * Notification intake: whatever carried a QFPay notification to the browser, turn it into one
 * shape. Accepted (each checked with zod, unknown fields ignored):
 * - core's `NormalizedNotification` (our notify server's events and transaction endpoint);
 * - pos_qfpay's bus message `QFPAY_LATEST_RESPONSE`: `{ response, line_uuid }`, where
 *   `response` is QFPay's raw JSON body (object or text);
 * - QFPay's raw body itself (`notify_type`, `txamt` in cents…);
 * - any of these wrapped as `{ notification: … }` or `{ data: … }`.
 * Signatures are checked on the server before anything reaches a browser; here we only parse.
 */
import { z } from 'zod';
import { QfpayEcrError } from '@qfpay-ecr/core';
import { parseNotification } from '@qfpay-ecr/core/notify';

/** Where a notification came from. */
export type NotificationSource = 'bus' | 'events' | 'lookup' | 'direct';

/** A payment or refund notification as the lifecycle core consumes it. */
export interface IntakeNotification {
  kind: 'payment' | 'refund';
  /** This transaction's syssn (for refunds: the refund's own). */
  syssn: string;
  /** QFPay's `status === "1"` (and `respcd` 0000 when present). */
  success: boolean;
  /** `txamt` in cents. */
  amountMinor: number;
  /** ISO letters (`HKD`). */
  currency: string;
  outTradeNo?: string;
  origSyssn?: string;
  origOutTradeNo?: string;
  channelRef?: string;
  payType?: string;
  maskedCard?: string;
  /** pos_qfpay's `line_uuid` (the first part of the payment's out_trade_no). */
  lineUuid?: string;
  source: NotificationSource;
}

/** Result of {@link normaliseNotification}. */
export type IntakeResult = { ok: true; notification: IntakeNotification } | { ok: false; reason: string };

const opt = z.string().min(1).max(200).optional();

const NormalizedSchema = z.looseObject({
  kind: z.enum(['payment', 'refund', 'other']),
  notifyType: z.string(),
  success: z.boolean(),
  syssn: opt,
  amountMinor: z.number().int().nonnegative().optional(),
  currency: opt,
  outTradeNo: opt,
  origSyssn: opt,
  origOutTradeNo: opt,
  channelRef: opt,
  payType: opt,
  maskedCard: opt,
});

const BusSchema = z.looseObject({
  response: z.union([z.string(), z.record(z.string(), z.unknown())]),
  line_uuid: z.string().max(64).nullable().optional(),
});

const WrapperSchema = z.union([z.looseObject({ notification: z.unknown() }), z.looseObject({ data: z.unknown() })]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fromNormalized(n: z.infer<typeof NormalizedSchema>, source: NotificationSource, lineUuid?: string): IntakeResult {
  if (n.kind === 'other') return { ok: false, reason: `notify_type ${n.notifyType} is neither a payment nor a refund` };
  if (!n.syssn || n.amountMinor === undefined || !n.currency) return { ok: false, reason: `a ${n.kind} notification needs syssn, amountMinor and currency` };
  const out: IntakeNotification = { kind: n.kind, syssn: n.syssn, success: n.success, amountMinor: n.amountMinor, currency: n.currency.toUpperCase(), source };
  for (const k of ['outTradeNo', 'origSyssn', 'origOutTradeNo', 'channelRef', 'payType', 'maskedCard'] as const) {
    const v = n[k];
    if (v !== undefined) out[k] = v;
  }
  if (lineUuid) out.lineUuid = lineUuid;
  return { ok: true, notification: out };
}

function fromRaw(body: Record<string, unknown> | string, source: NotificationSource, lineUuid?: string): IntakeResult {
  try {
    const n = parseNotification(typeof body === 'string' ? body : JSON.stringify(body));
    const again = NormalizedSchema.safeParse(n);
    if (!again.success) return { ok: false, reason: 'notification does not fit' };
    return fromNormalized(again.data, source, lineUuid);
  } catch (err) {
    return { ok: false, reason: err instanceof QfpayEcrError ? err.code : 'unreadable notification' };
  }
}

/** Normalises any accepted shape (see module doc). Never throws. */
export function normaliseNotification(payload: unknown, source: NotificationSource, depth = 0): IntakeResult {
  if (typeof payload === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return { ok: false, reason: 'notification is not JSON' };
    }
    return normaliseNotification(parsed, source, depth + 1);
  }
  if (!isObject(payload)) return { ok: false, reason: 'notification is not an object' };
  const bus = BusSchema.safeParse(payload);
  if (bus.success && !('notify_type' in payload)) return fromRaw(bus.data.response, source, bus.data.line_uuid ?? undefined);
  if ('notify_type' in payload) return fromRaw(payload, source);
  const normalized = NormalizedSchema.safeParse(payload);
  if (normalized.success) return fromNormalized(normalized.data, source);
  const wrapped = WrapperSchema.safeParse(payload);
  if (wrapped.success && depth < 3) {
    const inner = 'notification' in wrapped.data ? wrapped.data.notification : (wrapped.data as { data: unknown }).data;
    return normaliseNotification(inner, source, depth + 1);
  }
  return { ok: false, reason: 'unrecognised notification shape' };
}
