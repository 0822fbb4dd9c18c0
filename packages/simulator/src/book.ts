import { randomInt } from 'node:crypto';
import type { Channel } from '@qfpay-ecr/core';
import { isCardChannel } from './channels.js';
import { hkCompact, hkDay } from './time.js';
import type { BookEntry } from './types.js';

/** Outcome of the refund rules for one request. */
export type RefundCheck =
  | { ok: true; original: BookEntry; amountMinor: number }
  | { ok: false; code: string; message: string };

/**
 * The terminal's transaction book: every payment and refund it has booked, the source of 4001
 * answers and of the refund rules. Entries are mutated only here; readers get copies.
 */
export class TransactionBook {
  private readonly entries: BookEntry[] = [];
  private seq = 0;
  /** Random per-instance digits so two simulators never hand out the same syssn. */
  private readonly tag = String(randomInt(0, 10_000)).padStart(4, '0');

  constructor(
    private readonly clock: () => Date,
    private readonly onChange: (entry: BookEntry) => void,
  ) {}

  /** A fresh 26-digit syssn: Hong Kong `YYYYMMDDHHMMSS`, instance tag, sequence. */
  nextSyssn(): string {
    this.seq += 1;
    return `${hkCompact(this.clock())}${this.tag}${String(this.seq).padStart(8, '0')}`;
  }

  /** A fresh client serial (`clisn`). */
  nextClisn(): string {
    return String(100000 + this.seq).padStart(6, '0');
  }

  /** A channel serial number (`chnlsn`), digits like an acquirer reference. */
  nextChnlsn(): string {
    return `${hkCompact(this.clock()).slice(2)}${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
  }

  /** Adds an entry and reports it. */
  add(entry: BookEntry): void {
    this.entries.push(entry);
    this.onChange({ ...entry });
  }

  /** Changes an entry in place and reports it. */
  update(entry: BookEntry, change: Partial<BookEntry>): void {
    Object.assign(entry, change);
    this.onChange({ ...entry });
  }

  /** The live entry with this syssn. */
  bySyssn(syssn: string): BookEntry | undefined {
    return this.entries.find((e) => e.syssn === syssn);
  }

  /** The most recent live entry with this out_trade_no. */
  byOutTradeNo(outTradeNo: string): BookEntry | undefined {
    for (let i = this.entries.length - 1; i >= 0; i -= 1) {
      const entry = this.entries[i] as BookEntry;
      if (entry.outTradeNo === outTradeNo) return entry;
    }
    return undefined;
  }

  /** Looks up by syssn first, then by out_trade_no (the docs use `orderId` for both). */
  byOrderId(orderId: string): BookEntry | undefined {
    return this.bySyssn(orderId) ?? this.byOutTradeNo(orderId);
  }

  /** Copies of every entry, oldest first. */
  snapshot(): BookEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  /** Successful payments and refunds (for the 3002 summary). */
  settled(): BookEntry[] {
    return this.entries.filter((e) => e.respcd === '0000');
  }

  /**
   * QFPay's refund rules: the original must be a successful payment (1136); Octopus cannot be
   * refunded (1155); nothing left to refund (1125); at most the refundable amount (1272); card
   * channels refunded on the payment's Hong Kong day must be refunded in full (1271).
   * `requestedMinor` undefined = the whole refundable amount.
   */
  checkRefund(orderId: string, requestedMinor: number | undefined): RefundCheck {
    const byId = this.bySyssn(orderId);
    const original = byId?.kind === 'payment' ? byId : this.entries.find((e) => e.kind === 'payment' && e.outTradeNo === orderId);
    if (!original) return { ok: false, code: '1136', message: 'Transaction does not exist' };
    if (original.respcd !== '0000') return { ok: false, code: '1136', message: 'Transaction is not a successful payment' };
    if (original.channel === 'octopus') return { ok: false, code: '1155', message: 'Refund denied: Octopus payments cannot be refunded' };
    const refundable = original.amountMinor - original.refundedMinor;
    if (refundable <= 0) return { ok: false, code: '1125', message: 'Transaction already refunded' };
    const amountMinor = requestedMinor ?? refundable;
    if (amountMinor > refundable) return { ok: false, code: '1272', message: 'Refund amount exceeds the refundable amount' };
    if (isCardChannel(original.channel) && hkDay(original.createdAt) === hkDay(this.clock()) && amountMinor !== original.amountMinor) {
      return { ok: false, code: '1271', message: 'Partial refund not supported: a same-day card refund must be for the full amount' };
    }
    return { ok: true, original, amountMinor };
  }

  /** Records a successful refund against its payment (cancel flag 3 = fully, 5 = partially refunded). */
  applyRefund(original: BookEntry, refund: BookEntry): void {
    const refundedMinor = original.refundedMinor + refund.amountMinor;
    this.add(refund);
    this.update(original, { refundedMinor, cancel: refundedMinor >= original.amountMinor ? 3 : 5 });
  }
}

/** Fields every new entry starts with. */
export function newEntry(
  fields: Pick<BookEntry, 'kind' | 'syssn' | 'outTradeNo' | 'channel' | 'busicd' | 'amountMinor' | 'wireAmount' | 'respcd' | 'chnlsn' | 'clisn' | 'sysdtm' | 'createdAt'> &
    Partial<Pick<BookEntry, 'origSyssn' | 'origOutTradeNo' | 'cardScheme' | 'maskedCard' | 'pendingQueriesLeft'>> & { channel: Channel },
): BookEntry {
  return { currency: 'HKD', cancel: 0, refundedMinor: 0, pendingQueriesLeft: 0, ...fields };
}
