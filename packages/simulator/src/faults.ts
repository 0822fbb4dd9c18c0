import type { Fault, NotifyFault } from './types.js';

type ArrivalFault = Extract<Fault, { kind: 'drop-before' | 'delay' | 'garbage' | 'http500' | 'truncate' }>;

function isArrival(fault: Fault): fault is ArrivalFault {
  return fault.kind === 'drop-before' || fault.kind === 'delay' || fault.kind === 'garbage' || fault.kind === 'http500' || fault.kind === 'truncate';
}

function isNotify(fault: Fault): fault is NotifyFault {
  return fault.kind.startsWith('notify-');
}

/**
 * One-shot faults waiting for a request to apply to. Each fault is consumed by exactly one
 * request, at the stage where it matches:
 * - `drop-before`, `delay`, `garbage`, `http500`, `truncate`: the next ECR request to arrive (not
 *   preflights, not the simulator's own `/sim/*` routes); the first queued one of these per request;
 * - `busy`: the next 1001/1002 whose content is valid;
 * - `drop-after-payment`: the next 1001 that opens a screen;
 * - `notify-*`: the next notification the terminal's backend posts.
 */
export class FaultQueue {
  private readonly queue: Fault[] = [];

  push(fault: Fault): void {
    this.queue.push(fault);
  }

  /** Faults not yet consumed, oldest first. */
  pending(): Fault[] {
    return this.queue.map((f) => ({ ...f }));
  }

  /** Takes the first queued arrival-stage fault, if any. */
  takeOnArrival(): ArrivalFault | undefined {
    const index = this.queue.findIndex(isArrival);
    if (index < 0) return undefined;
    return this.queue.splice(index, 1)[0] as ArrivalFault;
  }

  /** Takes the first queued notification-stage fault, if any. */
  takeForNotification(): NotifyFault | undefined {
    const index = this.queue.findIndex(isNotify);
    if (index < 0) return undefined;
    return this.queue.splice(index, 1)[0] as NotifyFault;
  }

  /** Takes a queued fault of this kind, if any. */
  take(kind: 'busy' | 'drop-after-payment'): boolean {
    const index = this.queue.findIndex((f) => f.kind === kind);
    if (index < 0) return false;
    this.queue.splice(index, 1);
    return true;
  }

  /** Drops every queued fault; returns those that never applied. */
  clear(): Fault[] {
    return this.queue.splice(0, this.queue.length);
  }
}
