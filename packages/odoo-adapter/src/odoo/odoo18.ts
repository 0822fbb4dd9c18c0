/**
 * Odoo 18 shim (PI-18): `sendPaymentRequest(uuid)`, `sendPaymentCancel(order, uuid)`,
 * `sendPaymentReversal(uuid)`, `close()`; class registered in
 * `registry.category("electronic_payment_interfaces")`; bus via `pos.data.connectWebSocket`.
 */
import { callMember, hasMember, recordField, type OdooRecord, type OdooBaseClass, type QfpayInterfaceClass } from './objects.js';
import { camelAlert, camelFindLine, camelPaymentLines, camelSessionId, camelSpelling, clearInProgressFlag, posDataRpc } from './camel.js';
import { InterfaceCore, type GenerationShim } from './interface-core.js';
import type { QfpayInstallOptions } from './options.js';

const pos = (iface: OdooRecord): OdooRecord => recordField(iface, 'pos') ?? {};

/** The Odoo 18 shim. */
export const odoo18Shim: GenerationShim = {
  generation: 18,
  spelling: camelSpelling(18),
  methodRecord: (iface) => recordField(iface, 'payment_method_id'),
  sessionId: camelSessionId,
  allPaymentLines: camelPaymentLines,
  rpc: (iface) => posDataRpc(pos(iface)),
  subscribeBus(iface, channel, callback) {
    const data = recordField(pos(iface), 'data');
    if (!hasMember(data, 'connectWebSocket')) return undefined;
    let live = true;
    callMember(data, 'connectWebSocket', channel, (payload: unknown) => live && callback(payload));
    return () => {
      live = false;
    };
  },
  alert: (iface, options) => camelAlert([pos(iface)], options),
  clearInProgress: (iface) => clearInProgressFlag(pos(iface)),
};

// Odoo's classes are only known at runtime; a mixin base must be typed this way.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctor = new (...args: any[]) => object;

/** The QFPay payment interface for Odoo 18, extending Odoo's `PaymentInterface`. */
export function defineOdoo18Interface(Base: OdooBaseClass, options: QfpayInstallOptions): QfpayInterfaceClass {
  const Mixable = Base as unknown as Ctor;
  return class QfpayPaymentInterface18 extends Mixable {
    readonly qfpay: InterfaceCore;

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(...args: any[]) {
      super(...args);
      const self = this as unknown as OdooRecord;
      this.qfpay = new InterfaceCore(self, odoo18Shim, options);
      self.supports_reversals = options.reversals ?? true;
      if (options.resumeOnLoad ?? true) setTimeout(() => this.qfpay.resume(), 0);
    }

    get fastPayments(): boolean {
      return true;
    }

    sendPaymentRequest(uuid: string): Promise<boolean> {
      return this.qfpay.request(camelFindLine(pos(this as unknown as OdooRecord), uuid));
    }

    sendPaymentCancel(_order: unknown, uuid: string): Promise<boolean> {
      return this.qfpay.cancel(camelFindLine(pos(this as unknown as OdooRecord), uuid));
    }

    sendPaymentReversal(uuid: string): Promise<boolean> {
      return this.qfpay.reverse(camelFindLine(pos(this as unknown as OdooRecord), uuid));
    }

    close(): void {
      const baseClose = (Mixable.prototype as Record<string, unknown>).close;
      if (typeof baseClose === 'function') baseClose.call(this);
      this.qfpay.close();
    }
  };
}
