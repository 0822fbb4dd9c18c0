/** What the cloud terminal's parts share: identity, logger, client, timings, progress and background work. */
import type { TerminalLogger } from '../terminal/ports.js';
import type { Kind } from '../terminal/support.js';
import type { ProgressStage } from '../terminal/types.js';
import type { CloudClient } from './client.js';

/** Timings and defaults of a cloud terminal, all resolved. */
export interface CloudTimings {
  /** Timeout of one OpenAPI call (push, query, print, cancel). */
  requestTimeoutMs: number;
  /** `payment_timeout` sent when a payment gives none, and the customer time assumed for refunds. */
  defaultPaymentTimeoutSec: number;
  /** Waited beyond the payment timeout for a final answer before the outcome is `unknown`. */
  resultMarginMs: number;
  /** How long `cancel()` waits for the open transaction's outcome. */
  cancelWaitMs: number;
  /** First interval between queries (doubling). */
  minIntervalMs: number;
  /** Longest interval between queries. */
  maxIntervalMs: number;
  /** `scan_type` sent when a payment gives none (the OpenAPI requires one). */
  defaultScanType: 'QRCODE_PAY' | 'SCAN_PAY';
}

/** The cloud terminal as seen by its parts. */
export interface CloudContext {
  readonly id: string;
  readonly log: TerminalLogger;
  readonly client: CloudClient;
  readonly cfg: CloudTimings;
  progress(kind: Kind, outTradeNo: string, stage: ProgressStage, detail?: string): void;
  /** Keeps a background promise (a poll finishing its last pause) so `close()` can wait for it. */
  track(work: Promise<unknown>): void;
}
