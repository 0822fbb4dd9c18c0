/**
 * Odoo 19 shim (PI-M): `sendPaymentRequest(line)`, `sendPaymentCancel(line)` with line objects,
 * `callPaymentMethod(method, params)` for server calls (pos_qfpay's `qfpay_sign_request`),
 * `connectWebSocket(channel, cb)` for the bus, `dialog` / `notification` set by `setup`.
 */
import { callMember, hasMember, isRecord, recordField, type OdooRecord, type OdooBaseClass, type QfpayInterfaceClass } from './objects.js';
import { camelAlert, camelFindLine, camelPaymentLines, camelSessionId, camelSpelling, clearInProgressFlag, posDataRpc } from './camel.js';
import { InterfaceCore, type GenerationShim } from './interface-core.js';
import type { QfpayInstallOptions } from './options.js';

const pos = (iface: OdooRecord): OdooRecord => recordField(iface, 'pos') ?? {};

/** The Odoo 19 shim. */
export const odoo19Shim: GenerationShim = {
  generation: 19,
  spelling: camelSpelling(19),
  methodRecord: (iface) => recordField(iface, 'payment_method_id'),
  sessionId: camelSessionId,
  allPaymentLines: camelPaymentLines,
  rpc(iface) {
    if (hasMember(iface, 'callPaymentMethod')) return (method, args) => Promise.resolve(callMember(iface, 'callPaymentMethod', method, args));
    return posDataRpc(pos(iface));
  },
  subscribeBus(iface, channel, callback) {
    let live = true;
    const cb = (payload: unknown) => live && callback(payload);
    if (hasMember(iface, 'connectWebSocket')) callMember(iface, 'connectWebSocket', channel, cb);
    else if (hasMember(recordField(pos(iface), 'data'), 'connectWebSocket')) callMember(recordField(pos(iface), 'data'), 'connectWebSocket', channel, cb);
    else return undefined;
    return () => {
      live = false;
    };
  },
  alert: (iface, options) => camelAlert([iface, pos(iface)], options),
  clearInProgress: (iface) => clearInProgressFlag(pos(iface)),
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctor = new (...args: any[]) => object;

function lineOf(iface: OdooRecord, lineOrUuid: unknown): OdooRecord | undefined {
  return isRecord(lineOrUuid) ? lineOrUuid : camelFindLine(pos(iface), lineOrUuid);
}

/** The QFPay payment interface for Odoo 19, extending Odoo's `PaymentInterface`. */
export function defineOdoo19Interface(Base: OdooBaseClass, options: QfpayInstallOptions): QfpayInterfaceClass {
  const Mixable = Base as unknown as Ctor;
  return class QfpayPaymentInterface19 extends Mixable {
    readonly qfpay: InterfaceCore;

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(...args: any[]) {
      super(...args);
      const self = this as unknown as OdooRecord;
      this.qfpay = new InterfaceCore(self, odoo19Shim, options);
      self.supports_reversals = options.reversals ?? true;
      if (options.resumeOnLoad ?? true) setTimeout(() => this.qfpay.resume(), 0);
    }

    get fastPayments(): boolean {
      return true;
    }

    sendPaymentRequest(line: unknown): Promise<boolean> {
      return this.qfpay.request(lineOf(this as unknown as OdooRecord, line));
    }

    /** 19 passes the line; a `(order, uuid)` call (18 style) is understood too. */
    sendPaymentCancel(lineOrOrder: unknown, uuid?: string): Promise<boolean> {
      return this.qfpay.cancel(uuid !== undefined ? lineOf(this as unknown as OdooRecord, uuid) : lineOf(this as unknown as OdooRecord, lineOrOrder));
    }

    /** Not in 19's interface file, offered for screens that still call it. */
    sendPaymentReversal(lineOrUuid: unknown): Promise<boolean> {
      return this.qfpay.reverse(lineOf(this as unknown as OdooRecord, lineOrUuid));
    }

    close(): void {
      const baseClose = (Mixable.prototype as Record<string, unknown>).close;
      if (typeof baseClose === 'function') baseClose.call(this);
      this.qfpay.close();
    }
  };
}
