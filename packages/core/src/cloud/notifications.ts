/**
 * Where a cloud terminal hears QFPay's notifications (successes only): any source with
 * `subscribe(listener) → unsubscribe` delivering core's verified, parsed notifications. The
 * woo-adapter's `emitterFeed`/`SseNotificationFeed` already have that shape; for an EventEmitter
 * such as notify-server's in-process `events`, wrap it with {@link notificationSourceFromEmitter}.
 */
import { onNotificationEvent, toNormalizedNotification, type NotificationEmitterLike } from '../notify/payload.js';
import type { NormalizedNotification } from '../notify/types.js';

/** Receives one verified, parsed notification. */
export type CloudNotificationListener = (notification: NormalizedNotification) => void;

/** A source of verified, parsed QFPay notifications. `subscribe` returns the unsubscribe function. */
export interface CloudNotificationSource {
  subscribe(listener: CloudNotificationListener): () => void;
}

/** Options of {@link notificationSourceFromEmitter}. */
export interface EmitterSourceOptions {
  /** Called for payloads that are not parsed notifications. */
  onError?: (error: Error) => void;
}

/**
 * Adapts an emitter whose `notification` event carries a parsed notification or a record
 * wrapping it — e.g. `createNotifyApp(...).events` of `@qfpay-ecr/notify-server`.
 */
export function notificationSourceFromEmitter(emitter: NotificationEmitterLike, options: EmitterSourceOptions = {}): CloudNotificationSource {
  return {
    subscribe(listener) {
      return onNotificationEvent(emitter, (payload) => {
        const checked = toNormalizedNotification(payload);
        if (!checked.ok) {
          options.onError?.(new TypeError(`ignored a "notification" event that is not a parsed QFPay notification: ${checked.reason}`));
          return;
        }
        listener(checked.notification);
      });
    },
  };
}
