/**
 * What QFPay's backend keeps of a cloud order whose screen ended without payment. A cloud push
 * creates the host order before the terminal shows anything, so when the customer cancels, the
 * POS cancels (cancel push) or the screen times out, the order still exists: it is booked with
 * transaction status `1263` "order cancelled" (QFPay's status-code table), and a query by its
 * out_trade_no reports that instead of `1136`. A LAN request books nothing in that case: there
 * the terminal's 6001 reply is the answer.
 */
import { formatMinor, toWireAmount } from '@qfpay-ecr/core';
import type { BookEntry } from '../types.js';
import { newEntry, type TransactionBook } from '../book.js';
import { busicdFor } from '../channels.js';
import type { EcrResult } from '../device.js';
import { hkDateTime } from '../time.js';
import type { ScreenState } from '../types.js';

/** Transaction status of a cloud order that ended without payment. */
export const CLOUD_CANCELLED_RESPCD = '1263';

/** What the book needs to record a cancelled cloud order. */
export interface CancelledOrderContext {
  book: TransactionBook;
  clock: () => Date;
  /** The payment push's `scan_type` (payments only), for the pay type code. */
  scanType?: string;
}

/** Whether the device's answer to a held 1001/1002 says the screen ended cancelled (6001). */
export function endedCancelled(result: EcrResult): boolean {
  return result.reply.respcd === '6001';
}

/**
 * Books the order of a cloud push whose screen ended cancelled, under the screen's reserved
 * syssn and out_trade_no. Nothing is booked when that syssn or reference is already in the book.
 */
export function bookCancelledOrder(state: ScreenState, ctx: CancelledOrderContext): BookEntry | undefined {
  const { book, clock } = ctx;
  if (book.bySyssn(state.syssn) || book.byOutTradeNo(state.outTradeNo)) return undefined;
  const original = state.kind === 'refund' && state.origSyssn !== undefined ? book.bySyssn(state.origSyssn) : undefined;
  const now = clock();
  const entry = newEntry({
    kind: state.kind,
    syssn: state.syssn,
    outTradeNo: state.outTradeNo,
    channel: state.channel,
    busicd: original?.busicd ?? busicdFor(state.channel, ctx.scanType),
    amountMinor: state.amountMinor,
    // As a LAN request would carry it: a payment's `amt` number, a refund's decimal string.
    wireAmount: state.kind === 'payment' ? toWireAmount(state.amountMinor) : formatMinor(state.amountMinor),
    respcd: CLOUD_CANCELLED_RESPCD,
    // No channel ever saw the order: no channel serial.
    chnlsn: '',
    clisn: book.nextClisn(),
    sysdtm: hkDateTime(now),
    createdAt: now,
    ...(original ? { origSyssn: original.syssn, origOutTradeNo: original.outTradeNo } : {}),
  });
  book.add(entry);
  return entry;
}
