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

function decodeText(body: NotificationBody): string {
  if (typeof body === 'string') return body;
  try {
    // fatal: a body that is not UTF-8 is not QFPay's JSON; the BOM, if any, is dropped.
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
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
  const fields = {
    notifyType: n.notify_type,
    outTradeNo: n.out_trade_no,
    origSyssn: n.orig_syssn,
    origOutTradeNo: n.orig_out_trade_no,
    status: n.status,
    respcd: n.respcd,
    success: n.status === '1' && (n.respcd === undefined || n.respcd === '0000'),
    payType: n.pay_type,
    channelRef: n.chnlsn,
    channelRef2: n.chnlsn2,
    maskedCard: n.cardcd === undefined ? undefined : maskPan(n.cardcd),
    cancelFlag: n.cancel,
    txTime: n.txdtm,
    sysTime: n.sysdtm,
    payTime: n.paydtm,
    customerSource: n.customer_source,
    raw: maskCardFields(json),
  };
  if (kind === 'other') return dropUndefined({ ...fields, kind, syssn: n.syssn, amountMinor, currency });

  if (n.syssn === undefined || n.status === undefined || amountMinor === undefined || currency === undefined) {
    const missing = [
      n.syssn === undefined && 'syssn',
      n.status === undefined && 'status',
      amountMinor === undefined && 'txamt',
      currency === undefined && 'txcurrcd',
    ].filter((f): f is string => typeof f === 'string');
    throw schemaError(`a ${kind} notification needs ${missing.join(', ')}`);
  }
  return dropUndefined({ ...fields, kind, syssn: n.syssn, status: n.status, amountMinor, currency });
}

// Absent fields are left out rather than set to undefined, so stored/serialised copies stay tidy.
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
