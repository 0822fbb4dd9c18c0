/** The notification feed contract the adapter consumes. */
import type { NormalizedNotification } from '@qfpay-ecr/core';

/** Receives notifications; may be async (the feed waits before delivering the next one). */
export type NotificationListener = (notification: NormalizedNotification) => void | Promise<void>;

/**
 * A source of verified, normalised QFPay notifications: in-process (`emitterFeed`) or over
 * notify-server's SSE stream (`SseNotificationFeed`). `subscribe` returns the unsubscribe function.
 */
export interface NotificationFeed {
  subscribe(listener: NotificationListener): () => void;
}
