/**
 * QFPay asynchronous notifications: verify `X-QF-SIGN` on the raw bytes, then parse and
 * normalise. `verifyNotification`/`signNotification` use node:crypto; the parser does not.
 */
export { signNotification, verifyNotification, type NotificationBody, type NotificationVerification } from './signature.js';
export { NotificationBodySchema, parseNotification, type NotificationBodyFields } from './parse.js';
export type { MoneyNotification, NormalizedNotification, NotificationFields, NotificationKind, OtherNotification } from './types.js';
export { NormalizedNotificationSchema, onNotificationEvent, toNormalizedNotification, type NotificationEmitterLike, type ToNormalizedNotification } from './payload.js';
