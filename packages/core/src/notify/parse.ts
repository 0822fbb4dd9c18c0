/**
 * Parses a QFPay notification body into a {@link NormalizedNotification}. Tolerant of the many
 * spellings QFPay uses (numbers as strings, `""` for absent), strict about what money depends
 * on. Free of Node built-ins. Verify the signature on the raw bytes first.
 */
import { z } from 'zod';
import { DecodeError, QfpayEcrError } from '../errors.js';
import { fromWireMinor } from '../money/index.js';
import { describeIssues, looseCode, looseAmount, looseId, looseInt, looseText, normaliseCurrency } from '../protocol/loose.js';
import { maskCardFields, maskPan } from '../protocol/pan.js';
import type { NotificationBody } from './signature.js';
import type { NormalizedNotification, NotificationKind } from './types.js';

/** The JSON body as QFPay (A3) and Odoo's fixture send it; unknown fields are kept. */
export const NotificationBodySchema = z.looseObject({
  notify_type: z.string({ error: 'notify_type is required and must be text' }).trim().min(1, { message: 'notify_type must not be empty' }),
  // `status` is "1" for success; a number 1 must stay "1", so it is text, not a padded code.
  status: looseText,
  respcd: looseCode,
  syssn: looseId,
  out_trade_no: looseId,
  orig_syssn: looseId,
  orig_out_trade_no: looseId,
  txamt: looseAmount,
  txcurrcd: looseText,
  pay_type: looseText,
  chnlsn: looseText,
  chnlsn2: looseText,
  cardcd: looseText,
  txdtm: looseText,
  sysdtm: looseText,
  paydtm: looseText,
  cancel: looseInt,
  customer_source: looseText,
});
export type NotificationBodyFields = z.output<typeof NotificationBodySchema>;

function kindOf(notifyType: string): NotificationKind {
  const t = notifyType.trim().toLowerCase();
  if (t === 'payment') return 'payment';
  // QFPay documents `refund`; Odoo's fixture and older Odoo JS use `cancel` for a refund.
  if (t === 'refund' || t === 'cancel') return 'refund';
  return 'other';
}

function schemaError(detail: string): DecodeError {
  return new DecodeError('NOTIFY_SCHEMA', `notification does not fit QFPay's format: ${detail}`, 'answer with a 4xx (never SUCCESS), record the body, and check what is posting to this URL');
}

// fatal: a body that is not UTF-8 is not QFPay's JSON; the BOM, if any, is dropped. One decoder is
// shared: a non-streaming decode() starts afresh every call (BOM and error state included).
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function decodeText(body: NotificationBody): string {
  if (typeof body === 'string') return body;
  try {
    return UTF8.decode(body);
  } catch (cause) {
    throw new DecodeError('NOTIFY_NOT_JSON', 'notification body is not UTF-8 text', 'QFPay sends JSON; check what is posting to this URL', { cause });
  }
}

function parseJsonObject(body: NotificationBody): Record<string, unknown> {
  const text = decodeText(body);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new DecodeError('NOTIFY_NOT_JSON', 'notification body is not JSON', 'QFPay sends a JSON object with Content-Type application/json; check what is posting to this URL', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw schemaError('the body is not a JSON object');
  }
  return value as Record<string, unknown>;
}

function amountOf(txamt: number | string | undefined): number | undefined {
  if (txamt === undefined) return undefined;
  try {
    return fromWireMinor(txamt);
  } catch (error) {
    if (error instanceof QfpayEcrError) throw schemaError('txamt must be a whole number of cents');
    throw error;
  }
}

/**
 * Parses and normalises a notification body (raw bytes or text). Payment and refund notifications
 * (including Odoo's `cancel`) must carry `syssn`, `status`, `txamt` (cents) and `txcurrcd`; other
 * types only need `notify_type` and come back as `kind: 'other'` so they can be recorded and
 * acknowledged. Throws {@link DecodeError} `NOTIFY_NOT_JSON` or `NOTIFY_SCHEMA`.
 */
export function parseNotification(rawBody: NotificationBody): NormalizedNotification {
  const json = parseJsonObject(rawBody);
  const result = NotificationBodySchema.safeParse(json);
  if (!result.success) throw schemaError(describeIssues(result.error.issues));
  const n = result.data;
  const kind = kindOf(n.notify_type);
  const amountMinor = amountOf(n.txamt);
  const currency = n.txcurrcd === undefined ? undefined : normaliseCurrency(n.txcurrcd);
  if (kind !== 'other' && (n.syssn === undefined || n.status === undefined || amountMinor === undefined || currency === undefined)) {
    const missing = [
      n.syssn === undefined && 'syssn',
      n.status === undefined && 'status',
      amountMinor === undefined && 'txamt',
      currency === undefined && 'txcurrcd',
    ].filter((f): f is string => typeof f === 'string');
    throw schemaError(`a ${kind} notification needs ${missing.join(', ')}`);
  }
  // Built in one pass, in a fixed key order; absent fields are left out rather than set to
  // undefined, so stored/serialised copies stay tidy.
  const out: Record<string, unknown> = { notifyType: n.notify_type };
  if (n.out_trade_no !== undefined) out.outTradeNo = n.out_trade_no;
  if (n.orig_syssn !== undefined) out.origSyssn = n.orig_syssn;
  if (n.orig_out_trade_no !== undefined) out.origOutTradeNo = n.orig_out_trade_no;
  if (n.status !== undefined) out.status = n.status;
  if (n.respcd !== undefined) out.respcd = n.respcd;
  out.success = n.status === '1' && (n.respcd === undefined || n.respcd === '0000');
  if (n.pay_type !== undefined) out.payType = n.pay_type;
  if (n.chnlsn !== undefined) out.channelRef = n.chnlsn;
  if (n.chnlsn2 !== undefined) out.channelRef2 = n.chnlsn2;
  if (n.cardcd !== undefined) out.maskedCard = maskPan(n.cardcd);
  if (n.cancel !== undefined) out.cancelFlag = n.cancel;
  if (n.txdtm !== undefined) out.txTime = n.txdtm;
  if (n.sysdtm !== undefined) out.sysTime = n.sysdtm;
  if (n.paydtm !== undefined) out.payTime = n.paydtm;
  if (n.customer_source !== undefined) out.customerSource = n.customer_source;
  out.raw = maskCardFields(json);
  out.kind = kind;
  if (n.syssn !== undefined) out.syssn = n.syssn;
  if (amountMinor !== undefined) out.amountMinor = amountMinor;
  if (currency !== undefined) out.currency = currency;
  return out as unknown as NormalizedNotification;
}
