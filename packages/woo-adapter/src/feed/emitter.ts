/** In-process feed over any emitter with `on/off('notification')` (e.g. notify-server's events). */
import { onNotificationEvent, type NotificationEmitterLike } from '@qfpay-ecr/core';
import { FeedError } from '../errors.js';
import { toNotification } from './schema.js';
import type { NotificationFeed, NotificationListener } from './types.js';

/** Anything with `on`/`off` (or `removeListener`) for a `notification` event (core's `NotificationEmitterLike`). */
export type NotificationEventSource = NotificationEmitterLike;

/** Options of {@link emitterFeed}. */
export interface EmitterFeedOptions {
  /** Called for payloads that are not notifications and for listener failures. */
  onError?: (error: Error) => void;
}

/**
 * Wraps an emitter whose `notification` event carries core's `NormalizedNotification` (or a
 * record with it in `notification`). Deliveries to one listener are serialised in arrival order.
 */
export function emitterFeed(source: NotificationEventSource, options: EmitterFeedOptions = {}): NotificationFeed {
  return {
    subscribe(listener: NotificationListener): () => void {
      let chain: Promise<void> = Promise.resolve();
      const handler = (payload: unknown) => {
        const checked = toNotification(payload);
        if (!checked.ok) {
          options.onError?.(new FeedError('FEED_BAD_EVENT', `ignored a notification event that is not a normalised notification: ${checked.reason}`, 'check what emits "notification" on this emitter'));
          return;
        }
        chain = chain.then(async () => {
          try {
            await listener(checked.notification);
          } catch (error) {
            options.onError?.(error instanceof Error ? error : new Error(String(error)));
          }
        });
      };
      return onNotificationEvent(source, handler);
    },
  };
}
