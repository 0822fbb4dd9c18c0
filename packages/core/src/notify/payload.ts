/**
 * A parsed notification as it crosses a boundary (an in-process emitter, SSE): core's
 * `NormalizedNotification` itself, or a record carrying it under `notification` (what
 * notify-server stores, emits and streams). Checked with zod before anything trusts it.
 */
import { z } from 'zod';
import { describeIssues } from '../protocol/loose.js';
import type { NormalizedNotification } from './types.js';

const text = z.string().optional();

/** zod schema of {@link NormalizedNotification} (unknown keys pass through). */
export const NormalizedNotificationSchema = z.looseObject({
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

const PayloadSchema = z.union([z.looseObject({ notification: NormalizedNotificationSchema }).transform((r) => r.notification), NormalizedNotificationSchema]);

/** Result of {@link toNormalizedNotification}. */
export type ToNormalizedNotification = { ok: true; notification: NormalizedNotification } | { ok: false; reason: string };

/** Checks an event payload and extracts the notification, or says what is wrong with it. */
export function toNormalizedNotification(payload: unknown): ToNormalizedNotification {
  const parsed = PayloadSchema.safeParse(payload);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error.issues) };
  const n = parsed.data;
  if (n.kind !== 'other' && (n.syssn === undefined || n.amountMinor === undefined || n.currency === undefined || n.status === undefined)) {
    return { ok: false, reason: `a ${n.kind} notification needs syssn, amountMinor, currency and status` };
  }
  // The checks above give exactly the MoneyNotification / OtherNotification shapes.
  return { ok: true, notification: n as NormalizedNotification };
}

/**
 * Anything with `on`/`off` (or `removeListener`) for a `notification` event, like Node's
 * EventEmitter or notify-server's typed eventemitter3 `events`.
 */
export interface NotificationEmitterLike {
  on(event: 'notification', listener: (payload: unknown) => void): unknown;
  off?(event: 'notification', listener: (payload: unknown) => void): unknown;
  removeListener?(event: 'notification', listener: (payload: unknown) => void): unknown;
}

/** Subscribes `handler` to the emitter's `notification` event; returns the unsubscribe function. */
export function onNotificationEvent(emitter: NotificationEmitterLike, handler: (payload: unknown) => void): () => void {
  emitter.on('notification', handler);
  return () => {
    if (emitter.off) emitter.off('notification', handler);
    else emitter.removeListener?.('notification', handler);
  };
}
