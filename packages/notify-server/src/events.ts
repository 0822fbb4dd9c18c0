/**
 * In-process subscribers: a typed eventemitter3 emitter for adapters running in the same process.
 *
 * `notification` fires once per record newly stored *by this process*, after the commit and before
 * `SUCCESS` is sent. With several instances on one PostgreSQL, each record is therefore emitted
 * exactly once in the whole cluster (by the instance that stored it). To see every instance's
 * records, read the SSE stream (`GET /qfpay/events`) instead.
 */
import { EventEmitter } from 'eventemitter3';
import type { RejectInput, StoredNotification } from './store/types.js';

/** Events of {@link NotifyEvents}. */
export interface NotifyEventMap {
  /** A verified notification was stored for the first time (after commit). */
  notification: (record: StoredNotification) => void;
  /** A redelivery of an already stored notification was acknowledged; nothing changed. */
  duplicate: (record: StoredNotification, delivery: { bodySha256: string; sameBody: boolean }) => void;
  /** A delivery was refused (also recorded in the rejects table). */
  rejected: (reject: Readonly<RejectInput>) => void;
}

/** Typed emitter of the notify server. Listener errors are caught and logged, never thrown at QFPay. */
export type NotifyEvents = EventEmitter<NotifyEventMap>;

/** Creates an empty {@link NotifyEvents}. */
export function createNotifyEvents(): NotifyEvents {
  return new EventEmitter<NotifyEventMap>();
}
