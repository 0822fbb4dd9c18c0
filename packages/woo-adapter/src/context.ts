/** Shared plumbing of the adapter's modules: the context object and safe-write helpers. */
import type { PaymentTerminal } from '@qfpay-ecr/core';
import pRetry from 'p-retry';
import type { WooClient } from './client/woo-client.js';
import { WooUnavailableError } from './errors.js';
import type { TypedEvents } from './events.js';
import type { KeyedLock } from './lock.js';

/** Options after defaults. */
export interface ResolvedAdapterOptions {
  terminalId: string;
  referencePrefix: string;
  paymentMethodId: string;
  paymentMethodTitle: string;
  customerNotes: boolean;
  notFoundAfterMs: number;
  reconcileStatuses: readonly string[];
  refundScanPages: number;
  writeRetry: { retries: number; minTimeoutMs: number; maxTimeoutMs: number };
}

/** Everything a flow needs. */
export interface AdapterContext {
  woo: WooClient;
  terminal: PaymentTerminal;
  events: TypedEvents;
  lock: KeyedLock;
  opts: ResolvedAdapterOptions;
  now: () => Date;
  /** References this process wrote to WooCommerce but never sent to the terminal. */
  neverSent: Set<string>;
}

function retryable(error: unknown): boolean {
  return error instanceof WooUnavailableError && error.code !== 'WOO_TLS' && error.code !== 'WOO_ABORTED';
}

/**
 * A write that is not idempotent by itself (POST note, POST refund) made safe to retry: before
 * every retry (and before the first try when `checkFirst`), `check` looks whether the write
 * already happened (e.g. the reply was lost after WooCommerce stored it).
 */
export async function writeOnce<T>(
  ctx: AdapterContext,
  step: { check: () => Promise<T | undefined>; write: () => Promise<T>; checkFirst: boolean },
): Promise<{ value: T; wrote: boolean }> {
  const { retries, minTimeoutMs, maxTimeoutMs } = ctx.opts.writeRetry;
  return pRetry(
    async (attemptNumber) => {
      if (attemptNumber > 1 || step.checkFirst) {
        const existing = await step.check();
        if (existing !== undefined) return { value: existing, wrote: false };
      }
      return { value: await step.write(), wrote: true };
    },
    { retries, minTimeout: minTimeoutMs, maxTimeout: maxTimeoutMs, factor: 2, shouldRetry: ({ error }) => retryable(error) },
  );
}

/** The marker that makes a note findable again: `[qfpay:<tag>]`. */
export function noteMarker(tag: string): string {
  return `[qfpay:${tag}]`;
}

/** Adds an order note unless a note carrying `[qfpay:<tag>]` exists. Returns whether it added one. */
export async function addNoteOnce(ctx: AdapterContext, orderId: number, tag: string, text: string, customerNote = false): Promise<boolean> {
  const marker = noteMarker(tag);
  const { wrote } = await writeOnce(ctx, {
    checkFirst: true,
    check: async () => ((await ctx.woo.listNotes(orderId)).some((n) => n.note.includes(marker)) ? true : undefined),
    write: async () => {
      await ctx.woo.addNote(orderId, `${text} ${marker}`, customerNote);
      return true;
    },
  });
  return wrote;
}

/** Hong Kong calendar date (UTC+8, no DST) of a time: `YYYY-MM-DD`. */
export function hongKongDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/** A short, secret-free description of an error for notes and reports. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : error.name, message: error.message };
  }
  return { code: 'UNKNOWN', message: String(error) };
}
