/** What Odoo 18 and 19 share: camelCase records with uuids and relational fields as records. */
import { lineAmountToMinor } from '../amounts.js';
import type { OriginalPayment } from '../lifecycle/types.js';
import type { RpcCall } from '../transport/signer.js';
import { arrayField, callMember, channelOf, hasMember, isRecord, numberField, pickOriginal, recordField, textField, type LineSpelling, type OdooRecord } from './objects.js';
import type { QfpayInstallOptions } from './options.js';

/** The order a refund line's order refunds (via `lines[].refunded_orderline_id.order_id`). */
function refundedOrder(line: OdooRecord): OdooRecord | undefined {
  const order = recordField(line, 'pos_order_id');
  for (const ol of arrayField(order, 'lines')) {
    const orig = recordField(recordField(ol, 'refunded_orderline_id'), 'order_id');
    if (orig) return orig;
  }
  return undefined;
}

/** Line spelling of Odoo 18 and 19. */
export function camelSpelling(generation: 18 | 19): LineSpelling {
  const spelling: LineSpelling = {
    generation,
    methodOf: (line) => recordField(line, 'payment_method_id'),
    orderOf: (line) => recordField(line, 'pos_order_id'),
    orderRefOf: (order) => textField(order, 'uuid'),
    originalOf(line): OriginalPayment | undefined {
      const orig = refundedOrder(line);
      const method = spelling.methodOf(line);
      const methodId = numberField(method, 'id');
      if (!orig || methodId === undefined) return undefined;
      let refundMinor = 0;
      try {
        refundMinor = lineAmountToMinor(numberField(line, 'amount') ?? 0);
      } catch {
        return undefined;
      }
      return pickOriginal(arrayField(orig, 'payment_ids'), methodId, refundMinor, spelling, channelOf(method));
    },
    refundedOrderRefOf: (line) => textField(refundedOrder(line), 'uuid'),
  };
  return spelling;
}

/** `pos.session.id` (18/19). */
export function camelSessionId(pos: OdooRecord): number | undefined {
  return numberField(recordField(pos, 'session'), 'id') ?? numberField(recordField(recordField(pos, 'config'), 'current_session_id'), 'id');
}

/** Every payment line of the orders the POS holds (18/19: `models['pos.order'].getAll()`). */
export function camelPaymentLines(pos: OdooRecord): OdooRecord[] {
  const models = recordField(pos, 'models');
  const orderModel = models ? recordField(models, 'pos.order') : undefined;
  const all = callMember(orderModel, 'getAll');
  const orders = Array.isArray(all) ? all.filter(isRecord) : (() => {
    const open = callMember(pos, 'getOpenOrders');
    return Array.isArray(open) ? open.filter(isRecord) : [];
  })();
  return orders.flatMap((o) => arrayField(o, 'payment_ids'));
}

/** A line of the current order by uuid, else of any order. */
export function camelFindLine(pos: OdooRecord, uuid: unknown): OdooRecord | undefined {
  if (typeof uuid !== 'string') return undefined;
  const order = callMember(pos, 'getOrder') ?? callMember(pos, 'get_order');
  const direct = callMember(order, 'getPaymentlineByUuid', uuid);
  if (isRecord(direct)) return direct;
  const inOrder = arrayField(order, 'payment_ids').find((l) => l.uuid === uuid);
  return inOrder ?? camelPaymentLines(pos).find((l) => l.uuid === uuid);
}

/** 18's server call: `pos.data.silentCall` / `pos.data.call` / the ORM service. */
export function posDataRpc(pos: OdooRecord): RpcCall | undefined {
  const data = recordField(pos, 'data');
  if (hasMember(data, 'silentCall')) return (method, args) => Promise.resolve(callMember(data, 'silentCall', 'pos.payment.method', method, args));
  if (hasMember(data, 'call')) return (method, args) => Promise.resolve(callMember(data, 'call', 'pos.payment.method', method, args));
  const orm = recordField(recordField(recordField(pos, 'env'), 'services'), 'orm');
  const silent = recordField(orm, 'silent') ?? orm;
  if (hasMember(silent, 'call')) return (method, args) => Promise.resolve(callMember(silent, 'call', 'pos.payment.method', method, args));
  return undefined;
}

/** Odoo's dialog service with `AlertDialog`, else the notification service. */
export function camelAlert(holders: OdooRecord[], options: QfpayInstallOptions): ((title: string, message: string) => void) | undefined {
  for (const h of holders) {
    const dialog = recordField(h, 'dialog');
    if (options.AlertDialog && hasMember(dialog, 'add')) return (title, body) => void callMember(dialog, 'add', options.AlertDialog, { title, body });
  }
  for (const h of holders) {
    const notification = recordField(h, 'notification');
    if (hasMember(notification, 'add')) return (title, message) => void callMember(notification, 'add', message, { title, type: 'danger', sticky: true });
  }
  return undefined;
}

/** Clears the screen's "terminal in progress" flag. */
export function clearInProgressFlag(pos: unknown): void {
  if (isRecord(pos) && 'paymentTerminalInProgress' in pos) pos.paymentTerminalInProgress = false;
}
