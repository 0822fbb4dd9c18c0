/** Keys, bodies and signing helpers shared by the notify-server tests. */
import { randomBytes } from 'node:crypto';
import { signNotification } from '@qfpay-ecr/core';

export const KEY = 'notify-key-0123456789ABCDEF-secret';
export const OLD_KEY = 'old-notify-key-zyxwvu-secret';
export const WRONG_KEY = 'not-the-notify-key-000000000000';
export const EVENTS_TOKEN = 'events-token-5f1d2c3b4a5968778695a4b3';
/** A full (test) card number: must never appear in logs, rows or answers. */
export const FULL_PAN = '4111111111111111';
export const MASKED_PAN = '411111******1111';

let counter = 0;
const run = randomBytes(3).toString('hex');

/** A unique QFPay-style syssn (digits only). */
export function uniqueSyssn(): string {
  counter += 1;
  return `2025${Date.now().toString().slice(-9)}${parseInt(run, 16).toString().padStart(8, '0')}${String(counter).padStart(5, '0')}`;
}

/** A unique Odoo-style out_trade_no (`<uuid>--<session>--<pm>`). */
export function uniqueOutTradeNo(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}--12--3`;
}

export interface PaymentFields {
  syssn?: string;
  out_trade_no?: string;
  txamt?: string;
  cardcd?: string;
  [extra: string]: unknown;
}

/** A payment notification as QFPay sends it (all strings), serialised compactly. */
export function paymentBody(fields: PaymentFields = {}): string {
  return JSON.stringify({
    notify_type: 'payment',
    status: '1',
    respcd: '0000',
    syssn: fields.syssn ?? uniqueSyssn(),
    out_trade_no: fields.out_trade_no ?? uniqueOutTradeNo(),
    txamt: '1250',
    txcurrcd: 'HKD',
    pay_type: '802808',
    txdtm: '2025-08-26 17:50:34',
    sysdtm: '2025-08-26 17:50:36',
    paydtm: '2025-08-26 17:50:37',
    chnlsn: '2025085675626675',
    cancel: '0',
    cardcd: '520000******1096',
    ...fields,
  });
}

/** QFPay's documented refund shape (`notify_type: refund`) with Odoo's `orig_*` fields. */
export function refundBody(orig: { syssn: string; out_trade_no: string }, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    notify_type: 'refund',
    status: '1',
    respcd: '0000',
    syssn: uniqueSyssn(),
    out_trade_no: `r${randomBytes(15).toString('hex')}`,
    orig_syssn: orig.syssn,
    orig_out_trade_no: orig.out_trade_no,
    txamt: '1250',
    txcurrcd: 'HKD',
    sysdtm: '2025-08-26 17:51:34',
    txdtm: '2025-08-26 17:51:34',
    ...fields,
  });
}

/** Odoo's refund fixture shape: `notify_type: cancel`, the refund's own syssn, the payment's in `orig_*`. */
export function odooCancelBody(orig: { syssn: string; out_trade_no: string }, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    status: '1',
    sysdtm: '2025-08-26 17:51:34',
    txcurrcd: 'HKD',
    orig_out_trade_no: orig.out_trade_no,
    mchid: '8Bx9jdHgmaQJ',
    txdtm: '2025-08-26 17:51:34',
    txamt: '1250',
    orig_syssn: orig.syssn,
    out_trade_no: randomBytes(16).toString('hex'),
    syssn: uniqueSyssn(),
    respcd: '0000',
    notify_type: 'cancel',
    ...fields,
  });
}

/** Headers QFPay sends with a body signed under `key`. */
export function signedHeaders(body: string | Buffer, key = KEY): Record<string, string> {
  return { 'Content-Type': 'application/json', 'X-QF-SIGN': signNotification(body, key) };
}
