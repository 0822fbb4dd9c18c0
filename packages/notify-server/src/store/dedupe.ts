/**
 * What makes two deliveries the same notification.
 *
 * QFPay retries a notification until it gets `SUCCESS`, so the same `(notify_type, syssn)`
 * arrives more than once. Payments and refunds have their own syssn, but we still key on the
 * kind so a payment and a refund can never collide. QFPay's `refund` and Odoo's `cancel`
 * describe the same thing (a refund, whose syssn is the refund's own), so both normalise to the
 * kind `refund`: a `cancel` and a `refund` with one syssn are one refund, stored once.
 * Unknown types key on their lower-cased `notify_type` plus syssn, or on the body hash when
 * they carry no syssn (then only byte-identical redeliveries are duplicates).
 */
import type { NormalizedNotification } from '@qfpay-ecr/core';

/** The dedupe key of a notification, e.g. `payment:2025…447`, `refund:2025…115`, `other:preauth:…`. */
export function dedupeKeyOf(notification: NormalizedNotification, bodySha256: string): string {
  const syssn = notification.syssn?.trim();
  if (notification.kind !== 'other') return `${notification.kind}:${syssn ?? ''}`;
  const type = notification.notifyType.trim().toLowerCase();
  return syssn ? `other:${type}:${syssn}` : `other:${type}:sha256:${bodySha256}`;
}
