/**
 * Odoo 17 shim (PI-17): snake_case, lines addressed by `cid`: `send_payment_request(cid)`,
 * `send_payment_cancel(order, cid)`, `send_payment_reversal(cid)`, `close()`; registered with
 * `register_payment_method('qfpay', Class)`; reversals enabled with `enable_reversals()`.
 */
import { lineAmountToMinor } from '../amounts.js';
import type { OriginalPayment } from '../lifecycle/types.js';
import { arrayField, callMember, channelOf, hasMember, isRecord, numberField, pickOriginal, recordField, textField, type LineSpelling, type OdooRecord, type OdooBaseClass, type QfpayInterfaceClass } from './objects.js';
import { clearInProgressFlag } from './camel.js';
import { InterfaceCore, type GenerationShim } from './interface-core.js';
import type { QfpayInstallOptions } from './options.js';

const pos = (iface: OdooRecord): OdooRecord => recordField(iface, 'pos') ?? {};

function orders17(p: OdooRecord): OdooRecord[] {
  const list = callMember(p, 'get_order_list');
  if (Array.isArray(list)) return list.filter(isRecord);
  return arrayField(p, 'orders');
}

function paymentLines17(order: OdooRecord | undefined): OdooRecord[] {
  const lines = callMember(order, 'get_paymentlines');
  return Array.isArray(lines) ? lines.filter(isRecord) : arrayField(order, 'paymentlines');
}

/** The uid of the order a refund line refunds (`pos.toRefundLines[id].orderline.orderUid`). */
function refundedOrderUid(line: OdooRecord): string | undefined {
  const order = recordField(line, 'order');
  const p = recordField(line, 'pos') ?? recordField(order, 'pos');
  const toRefund = recordField(p, 'toRefundLines');
  const orderlines = callMember(order, 'get_orderlines');
  for (const ol of Array.isArray(orderlines) ? orderlines.filter(isRecord) : arrayField(order, 'orderlines')) {
    const id = numberField(ol, 'refunded_orderline_id');
    if (id === undefined) continue;
    const detail = recordField(toRefund, String(id));
    const uid = textField(recordField(detail, 'orderline'), 'orderUid');
    if (uid) return uid;
  }
  return undefined;
}

const spelling17: LineSpelling = {
  generation: 17,
  methodOf: (line) => recordField(line, 'payment_method'),
  orderOf: (line) => recordField(line, 'order'),
  orderRefOf: (order) => textField(order, 'uid') ?? textField(order, 'uuid'),
  originalOf(line): OriginalPayment | undefined {
    const uid = refundedOrderUid(line);
    const p = recordField(line, 'pos') ?? recordField(recordField(line, 'order'), 'pos');
    const orig = uid && p ? orders17(p).find((o) => textField(o, 'uid') === uid) : undefined;
    const method = recordField(line, 'payment_method');
    const methodId = numberField(method, 'id');
    if (!orig || methodId === undefined) return undefined;
    let refundMinor = 0;
    try {
      refundMinor = lineAmountToMinor(numberField(line, 'amount') ?? 0);
    } catch {
      return undefined;
    }
    return pickOriginal(paymentLines17(orig), methodId, refundMinor, spelling17, channelOf(method));
  },
  refundedOrderRefOf: refundedOrderUid,
};

function findLine17(iface: OdooRecord, cid: unknown, order?: unknown): OdooRecord | undefined {
  if (typeof cid !== 'string') return undefined;
  const p = pos(iface);
  const candidates = [order, callMember(p, 'get_order')].filter(isRecord);
  for (const o of candidates) {
    const direct = callMember(o, 'get_paymentline', cid);
    if (isRecord(direct)) return direct;
    const found = paymentLines17(o).find((l) => l.cid === cid);
    if (found) return found;
  }
  return orders17(p).flatMap(paymentLines17).find((l) => l.cid === cid);
}

/** The Odoo 17 shim. */
export const odoo17Shim: GenerationShim = {
  generation: 17,
  spelling: spelling17,
  methodRecord: (iface) => recordField(iface, 'payment_method'),
  sessionId: (p) => numberField(recordField(p, 'pos_session'), 'id'),
  allPaymentLines: (p) => orders17(p).flatMap(paymentLines17),
  rpc(iface) {
    const orm = recordField(pos(iface), 'orm') ?? recordField(recordField(recordField(pos(iface), 'env'), 'services'), 'orm');
    const silent = recordField(orm, 'silent') ?? orm;
    if (!hasMember(silent, 'call')) return undefined;
    return (method, args) => Promise.resolve(callMember(silent, 'call', 'pos.payment.method', method, args));
  },
  subscribeBus(iface, channel, callback) {
    const bus = recordField(recordField(recordField(pos(iface), 'env'), 'services'), 'bus_service');
    if (!hasMember(bus, 'subscribe')) return undefined;
    const cb = (payload: unknown) => callback(payload);
    callMember(bus, 'subscribe', channel, cb);
    return () => void callMember(bus, 'unsubscribe', channel, cb);
  },
  alert(iface, options) {
    const p = pos(iface);
    const popup = recordField(p, 'popup');
    if (options.ErrorPopup && hasMember(popup, 'add')) return (title, body) => void callMember(popup, 'add', options.ErrorPopup, { title, body });
    const notification = recordField(p, 'notification') ?? recordField(recordField(recordField(p, 'env'), 'services'), 'notification');
    if (hasMember(notification, 'add')) return (title, message) => void callMember(notification, 'add', message, { title, type: 'danger', sticky: true });
    return undefined;
  },
  clearInProgress: (iface) => clearInProgressFlag(pos(iface)),
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctor = new (...args: any[]) => object;

/** The QFPay payment interface for Odoo 17, extending Odoo's `PaymentInterface`. */
export function defineOdoo17Interface(Base: OdooBaseClass, options: QfpayInstallOptions): QfpayInterfaceClass {
  const Mixable = Base as unknown as Ctor;
  return class QfpayPaymentInterface17 extends Mixable {
    readonly qfpay: InterfaceCore;

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(...args: any[]) {
      super(...args);
      const self = this as unknown as OdooRecord;
      this.qfpay = new InterfaceCore(self, odoo17Shim, options);
      if (options.reversals ?? true) {
        if (hasMember(self, 'enable_reversals')) callMember(self, 'enable_reversals');
        else self.supports_reversals = true;
      }
      if (options.resumeOnLoad ?? true) setTimeout(() => this.qfpay.resume(), 0);
    }

    send_payment_request(cid: string): Promise<boolean> {
      return this.qfpay.request(findLine17(this as unknown as OdooRecord, cid));
    }

    send_payment_cancel(order: unknown, cid: string): Promise<boolean> {
      return this.qfpay.cancel(findLine17(this as unknown as OdooRecord, cid, order));
    }

    send_payment_reversal(cid: string): Promise<boolean> {
      return this.qfpay.reverse(findLine17(this as unknown as OdooRecord, cid));
    }

    close(): void {
      const baseClose = (Mixable.prototype as Record<string, unknown>).close;
      if (typeof baseClose === 'function') baseClose.call(this);
      this.qfpay.close();
    }
  };
}
