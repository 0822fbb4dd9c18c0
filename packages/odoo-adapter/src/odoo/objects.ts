/**
 * Reading Odoo's front-end objects without Odoo's types. Odoo's records are plain JS objects
 * whose field and method names differ by generation (`set_payment_status` in 17,
 * `setPaymentStatus` in 18/19); every accessor here tries the generation's spelling first and
 * falls back to the field itself, and never throws on a missing member.
 */
import { CHANNELS, type Channel } from '@qfpay-ecr/core/terminal';
import { lineAmountToMinor } from '../amounts.js';
import type { ApprovalDetails, LineStatus, OriginalPayment, PaymentLineHandle } from '../lifecycle/types.js';

/** An Odoo front-end record or service, seen as an open bag of members. */
export type OdooRecord = Record<string, unknown>;

/** The payment-interface generation. */
export type Generation = 17 | 18 | 19;

/** Odoo's `PaymentInterface` class, as received at runtime. */
export type OdooBaseClass = abstract new (...args: never[]) => object;

/** A class the factory made; Odoo instantiates it with `(pos, paymentMethod)`. */
export type QfpayInterfaceClass = new (...args: never[]) => object;

export function isRecord(value: unknown): value is OdooRecord {
  return typeof value === 'object' && value !== null;
}

/** `obj[name](...args)` when it is a function; `undefined` otherwise. */
export function callMember(obj: unknown, name: string, ...args: unknown[]): unknown {
  if (!isRecord(obj)) return undefined;
  const fn = obj[name];
  return typeof fn === 'function' ? (fn as (...a: unknown[]) => unknown).apply(obj, args) : undefined;
}

export function hasMember(obj: unknown, name: string): boolean {
  return isRecord(obj) && typeof obj[name] === 'function';
}

/** A record-valued field (`pos_order_id`, `payment_method_id`…), or undefined. */
export function recordField(obj: unknown, name: string): OdooRecord | undefined {
  if (!isRecord(obj)) return undefined;
  const v = obj[name];
  return isRecord(v) ? v : undefined;
}

export function numberField(obj: unknown, name: string): number | undefined {
  if (!isRecord(obj)) return undefined;
  const v = obj[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A text field; Odoo sends `false` for an empty Char, read as undefined. */
export function textField(obj: unknown, name: string): string | undefined {
  if (!isRecord(obj)) return undefined;
  const v = obj[name];
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** An array field (`payment_ids`, `paymentlines`, `lines`…), or an empty array. */
export function arrayField(obj: unknown, name: string): OdooRecord[] {
  if (!isRecord(obj)) return [];
  const v = obj[name];
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

/** A payment method's channel (`qfpay_payment_type`), or undefined when absent/invalid. */
export function channelOf(method: unknown): Channel | undefined {
  const v = textField(method, 'qfpay_payment_type');
  return v !== undefined && (CHANNELS as readonly string[]).includes(v) ? (v as Channel) : undefined;
}

/**
 * A datetime as Odoo gives it: a `Date`, a luxon `DateTime` (18/19: `toJSDate()` / `ts`), or
 * server text `YYYY-MM-DD HH:MM:SS` in UTC (17), or ISO text.
 */
export function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (isRecord(value)) {
    const js = callMember(value, 'toJSDate');
    if (js instanceof Date) return toDate(js);
    const ts = value.ts;
    if (typeof ts === 'number') return new Date(ts);
    return undefined;
  }
  if (typeof value === 'string' && value !== '') {
    const server = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(value);
    const d = server ? new Date(`${server[1]}-${server[2]}-${server[3]}T${server[4]}:${server[5]}:${server[6]}Z`) : new Date(value);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

/** How one generation reads and writes a payment line. */
export interface LineSpelling {
  generation: Generation;
  /** The method record of a line (`payment_method` in 17, `payment_method_id` in 18/19). */
  methodOf(line: OdooRecord): OdooRecord | undefined;
  /** The order of a line (`order` in 17, `pos_order_id` in 18/19). */
  orderOf(line: OdooRecord): OdooRecord | undefined;
  /** A stable reference of an order (`uid` in 17, `uuid` in 18/19). */
  orderRefOf(order: OdooRecord | undefined): string | undefined;
  /** The original payment of a refund line, found in Odoo's own records. */
  originalOf(line: OdooRecord): OriginalPayment | undefined;
  /** The reference of the order a refund line refunds, for our own records' fallback. */
  refundedOrderRefOf(line: OdooRecord): string | undefined;
}

/** Extra lookup the flow supplies: original payments it recorded itself (by order reference). */
export type OriginalFallback = (refundedOrderRef: string | undefined, refundMinor: number) => OriginalPayment | undefined;

/** Builds the lifecycle core's {@link PaymentLineHandle} over an Odoo payment line. */
export function lineHandle(line: OdooRecord, spelling: LineSpelling, fallback?: OriginalFallback): PaymentLineHandle {
  const uuid = textField(line, 'uuid');
  const key = uuid ?? (textField(line, 'cid') ? `cid:${textField(line, 'cid') as string}` : `obj:${String(textField(line, 'id') ?? 'unknown')}`);
  const order = spelling.orderOf(line);
  const amount = (): number => {
    const viaMethod = callMember(line, spelling.generation === 17 ? 'get_amount' : 'getAmount');
    if (typeof viaMethod === 'number') return viaMethod;
    return numberField(line, 'amount') ?? 0;
  };
  const status = (): string | undefined => {
    const viaMethod = callMember(line, spelling.generation === 17 ? 'get_payment_status' : 'getPaymentStatus');
    if (typeof viaMethod === 'string') return viaMethod;
    return textField(line, 'payment_status');
  };
  const setStatus = (s: LineStatus): void => {
    const name = spelling.generation === 17 ? 'set_payment_status' : 'setPaymentStatus';
    if (hasMember(line, name)) callMember(line, name, s);
    else line.payment_status = s;
  };
  return {
    key,
    uuid,
    orderRef: spelling.orderRefOf(order),
    amount,
    status,
    setStatus,
    applyApproval(d: ApprovalDetails): void {
      line.transaction_id = d.syssn;
      if (d.channelRef !== undefined) line.payment_ref_no = d.channelRef;
      line.card_type = d.cardType;
      const receipt = spelling.generation === 17 ? 'set_receipt_info' : 'setReceiptInfo';
      if (hasMember(line, receipt)) callMember(line, receipt, d.receiptInfo);
      else line.ticket = `${textField(line, 'ticket') ?? ''}${d.receiptInfo}`;
    },
    finish(ok: boolean): void {
      if (spelling.generation !== 17 && hasMember(line, 'handlePaymentResponse')) {
        callMember(line, 'handlePaymentResponse', ok);
        return;
      }
      setStatus(ok ? 'done' : 'retry');
    },
    finishReversal(reversed: boolean): void {
      if (reversed) {
        const setter = spelling.generation === 17 ? 'set_amount' : 'setAmount';
        if (hasMember(line, setter)) callMember(line, setter, 0);
        else line.amount = 0;
        setStatus('reversed');
        return;
      }
      line.can_be_reversed = false;
      setStatus('done');
    },
    originalPayment(): OriginalPayment | undefined {
      const own = spelling.originalOf(line);
      if (own) return own;
      let refund: number;
      try {
        refund = lineAmountToMinor(amount());
      } catch {
        return undefined;
      }
      return fallback?.(spelling.refundedOrderRefOf(line), refund);
    },
    paidAt: () => toDate(line.payment_date),
    transactionId: () => textField(line, 'transaction_id'),
  };
}

/**
 * Picks the original payment among an order's payments with this method: the first with a
 * transaction id whose amount covers the refund, else the first with a transaction id.
 */
export function pickOriginal(payments: OdooRecord[], methodId: number, refundMinor: number, spelling: Pick<LineSpelling, 'methodOf'>, channel: Channel | undefined): OriginalPayment | undefined {
  const candidates = payments
    .filter((p) => numberField(spelling.methodOf(p), 'id') === methodId && textField(p, 'transaction_id') !== undefined)
    .map((p) => {
      let amountMinor = 0;
      try {
        amountMinor = lineAmountToMinor(numberField(p, 'amount') ?? 0);
      } catch {
        amountMinor = 0;
      }
      const original: OriginalPayment = { syssn: textField(p, 'transaction_id') as string, amountMinor };
      const paidAt = toDate(p.payment_date);
      if (paidAt) original.paidAt = paidAt;
      if (channel) original.channel = channel;
      const uuid = textField(p, 'uuid');
      if (uuid) original.lineUuid = uuid;
      return original;
    })
    .filter((o) => o.amountMinor > 0);
  return candidates.find((c) => c.amountMinor >= refundMinor) ?? candidates[0];
}
