/** The real notify-server (in-memory SQLite), for notification tests. */
import { createLogger, createNotifyApp, createSqliteStore, type NotifyApp } from '@qfpay-ecr/notify-server';
import type { NormalizedNotification } from '@qfpay-ecr/core';
import type { NotificationResult } from '../../src/index.js';

export const NOTIFY_KEY = 'NotifyClientKeyS3cret000000000001';
export const EVENTS_TOKEN = 'EventsTokenS3cretValue0000000001';

export interface NotifyHarness {
  notify: NotifyApp;
  /** Base URL, e.g. http://127.0.0.1:1234 */
  url: string;
  close(): Promise<void>;
}

export async function startNotify(): Promise<NotifyHarness> {
  const notify = createNotifyApp({ keys: NOTIFY_KEY, store: createSqliteStore({ path: ':memory:' }), eventsToken: EVENTS_TOKEN, logger: createLogger({ level: 'silent' }), pollMs: 20, heartbeatMs: 1_000, shutdownGraceMs: 500 });
  const listening = await notify.listen({ port: 0 });
  return { notify, url: listening.url, close: () => notify.close() };
}

/** Collects results of an adapter's listen() and lets a test wait for one. */
export class ResultLog {
  readonly results: Array<{ result: NotificationResult; notification: NormalizedNotification }> = [];
  readonly #waiters: Array<{ match: (r: NotificationResult) => boolean; resolve: (r: NotificationResult) => void }> = [];

  readonly onResult = (result: NotificationResult, notification: NormalizedNotification): void => {
    this.results.push({ result, notification });
    for (const w of [...this.#waiters]) {
      if (w.match(result)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(result);
      }
    }
  };

  /** Resolves with the first (past or future) result matching. */
  waitFor(match: (r: NotificationResult) => boolean): Promise<NotificationResult> {
    const seen = this.results.find((r) => match(r.result));
    if (seen) return Promise.resolve(seen.result);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }
}

/** A successful payment notification, as core normalises it. */
export function paymentNotification(p: { syssn: string; outTradeNo: string; amountMinor: number; currency?: string }): NormalizedNotification {
  return { kind: 'payment', notifyType: 'payment', success: true, status: '1', respcd: '0000', syssn: p.syssn, outTradeNo: p.outTradeNo, amountMinor: p.amountMinor, currency: p.currency ?? 'HKD', raw: {} };
}

/** A successful refund notification, as core normalises it. */
export function refundNotification(p: { syssn: string; origSyssn: string; origOutTradeNo?: string; amountMinor: number; currency?: string }): NormalizedNotification {
  return {
    kind: 'refund',
    notifyType: 'refund',
    success: true,
    status: '1',
    respcd: '0000',
    syssn: p.syssn,
    origSyssn: p.origSyssn,
    ...(p.origOutTradeNo ? { origOutTradeNo: p.origOutTradeNo } : {}),
    outTradeNo: `R${p.syssn}`,
    amountMinor: p.amountMinor,
    currency: p.currency ?? 'HKD',
    raw: {},
  };
}
