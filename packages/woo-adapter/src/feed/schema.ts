/**
 * zod schema of a normalised notification as it crosses a process boundary (SSE) or an
 * in-process emitter. Accepts core's `NormalizedNotification` itself or a record wrapping it
 * in `notification` (as `@qfpay-ecr/notify-server` stores and streams them).
 */
import type { NormalizedNotification } from '@qfpay-ecr/core';
import { z } from 'zod';

const text = z.string().optional();

const NormalizedSchema = z.looseObject({
  kind: z.enum(['payment', 'refund', 'other']),
  notifyType: z.string().min(1),
  success: z.boolean(),
  syssn: text,
  outTradeNo: text,
  origSyssn: text,
  origOutTradeNo: text,
  status: text,
  respcd: text,
  amountMinor: z.number().int().nonnegative().optional(),
  currency: text,
  payType: text,
  channelRef: text,
  channelRef2: text,
  maskedCard: text,
  cancelFlag: z.number().int().optional(),
  txTime: text,
  sysTime: text,
  payTime: text,
  customerSource: text,
  raw: z.record(z.string(), z.unknown()).default({}),
});

const PayloadSchema = z.union([z.looseObject({ notification: NormalizedSchema }).transform((r) => r.notification), NormalizedSchema]);

/** Result of {@link toNotification}. */
export type ToNotification = { ok: true; notification: NormalizedNotification } | { ok: false; reason: string };

/** Checks and extracts a {@link NormalizedNotification} from an event payload. */
export function toNotification(payload: unknown): ToNotification {
  const parsed = PayloadSchema.safeParse(payload);
  if (!parsed.success) {
    return { ok: false, reason: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ') };
  }
  const n = parsed.data;
  if (n.kind !== 'other' && (n.syssn === undefined || n.amountMinor === undefined || n.currency === undefined || n.status === undefined)) {
    return { ok: false, reason: `a ${n.kind} notification needs syssn, amountMinor, currency and status` };
  }
  // The checks above give exactly core's MoneyNotification / OtherNotification shapes.
  return { ok: true, notification: n as NormalizedNotification };
}
