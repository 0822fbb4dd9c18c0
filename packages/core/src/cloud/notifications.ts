/**
 * Where a cloud terminal hears QFPay's notifications (successes only): any source with
 * `subscribe(listener) → unsubscribe` delivering core's verified, parsed notifications. The
 * woo-adapter's `emitterFeed`/`SseNotificationFeed` already have that shape; for an EventEmitter
 * such as notify-server's in-process `events`, wrap it with {@link notificationSourceFromEmitter}.
 */
import { z } from 'zod';
import { describeIssues } from '../protocol/loose.js';
import type { NormalizedNotification } from '../notify/types.js';

/** Receives one verified, parsed notification. */
export type CloudNotificationListener = (notification: NormalizedNotification) => void;

/** A source of verified, parsed QFPay notifications. `subscribe` returns the unsubscribe function. */
export interface CloudNotificationSource {
  subscribe(listener: CloudNotificationListener): () => void;
}

/**
 * Anything with `on`/`off` (or `removeListener`) for a `notification` event, like Node's
 * EventEmitter or notify-server's typed eventemitter3 `events`. For another event name, write
 * the two-line `subscribe` yourself.
 */
export interface NotificationEmitterLike {
  on(event: 'notification', listener: (payload: unknown) => void): unknown;
  off?(event: 'notification', listener: (payload: unknown) => void): unknown;
  removeListener?(event: 'notification', listener: (payload: unknown) => void): unknown;
}

/** Options of {@link notificationSourceFromEmitter}. */
export interface EmitterSourceOptions {
  /** Called for payloads that are not parsed notifications. */
  onError?: (error: Error) => void;
}

const text = z.string().optional();
const NormalizedShape = z.looseObject({
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
  maskedCard: text,
  cancelFlag: z.number().int().optional(),
  sysTime: text,
  raw: z.record(z.string(), z.unknown()).default({}),
});
// core's NormalizedNotification itself, or a record carrying it (notify-server's StoredNotification).
const PayloadSchema = z.union([z.looseObject({ notification: NormalizedShape }).transform((r) => r.notification), NormalizedShape]);

/**
 * Checks an event payload and extracts the notification: core's `NormalizedNotification`, or a
 * record with it under `notification` (what notify-server emits and streams).
 */
export function toCloudNotification(payload: unknown): { ok: true; notification: NormalizedNotification } | { ok: false; reason: string } {
  const parsed = PayloadSchema.safeParse(payload);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error.issues) };
  const n = parsed.data;
  if (n.kind !== 'other' && (n.syssn === undefined || n.amountMinor === undefined || n.currency === undefined || n.status === undefined)) {
    return { ok: false, reason: `a ${n.kind} notification needs syssn, amountMinor, currency and status` };
  }
  return { ok: true, notification: n as NormalizedNotification };
}

/**
 * Adapts an emitter whose `notification` event carries a parsed notification or a record
 * wrapping it — e.g. `createNotifyApp(...).events` of `@qfpay-ecr/notify-server`.
 */
export function notificationSourceFromEmitter(emitter: NotificationEmitterLike, options: EmitterSourceOptions = {}): CloudNotificationSource {
  const event = 'notification' as const;
  return {
    subscribe(listener) {
      const handler = (payload: unknown) => {
        const checked = toCloudNotification(payload);
        if (!checked.ok) {
          options.onError?.(new TypeError(`ignored a "${event}" event that is not a parsed QFPay notification: ${checked.reason}`));
          return;
        }
        listener(checked.notification);
      };
      emitter.on(event, handler);
      return () => {
        if (emitter.off) emitter.off(event, handler);
        else emitter.removeListener?.(event, handler);
      };
    },
  };
}
