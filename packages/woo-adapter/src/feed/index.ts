/** Notification feeds: in-process (`emitterFeed`) and notify-server's SSE stream (`SseNotificationFeed`). */
export type { NotificationFeed, NotificationListener } from './types.js';
export { emitterFeed, type EmitterFeedOptions, type NotificationEventSource } from './emitter.js';
export { SseNotificationFeed, type SseFeedOptions } from './sse.js';
export { SseParser, type SseEvent } from './sse-parser.js';
export { toNotification, type ToNotification } from './schema.js';
