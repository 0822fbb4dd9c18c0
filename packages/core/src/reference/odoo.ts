/**
 * Odoo pos_qfpay's `out_trade_no`: `<lineUuid>--<posSessionId>--<paymentMethodId>`. Odoo's
 * `/qfpay/notify` controller splits it on `--` to find the payment method (and its notification
 * key) and the POS line, so ours must produce exactly that to share Odoo's notify URL. (The
 * self-order kiosk puts the order's uuid in the first part; the shape is the same.)
 */
import { WireFormatError } from '../errors.js';
import { OUT_TRADE_NO_PATTERN } from './out-trade-no.js';

/** The parts Odoo packs into an `out_trade_no`. */
export interface OdooOutTradeNoParts {
  /** The POS payment line's uuid (the order's uuid for the kiosk). */
  lineUuid: string;
  /** `pos.session` id. */
  sessionId: number;
  /** `pos.payment.method` id. */
  paymentMethodId: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ID = /^[1-9]\d{0,15}$/;
const SEPARATOR = '--';

function isOdooId(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}

/**
 * Builds `<lineUuid>--<sessionId>--<paymentMethodId>`. Throws {@link WireFormatError}
 * `REFERENCE_BAD_ODOO_PART` when a part is not a uuid / positive integer id, or the result
 * would exceed 64 characters.
 */
export function encodeOdooOutTradeNo(parts: OdooOutTradeNoParts): string {
  const { lineUuid, sessionId, paymentMethodId } = parts;
  if (typeof lineUuid !== 'string' || !UUID.test(lineUuid)) {
    throw new WireFormatError('REFERENCE_BAD_ODOO_PART', 'lineUuid is not a uuid (8-4-4-4-12 hex digits)', "pass the POS payment line's uuid");
  }
  if (!isOdooId(sessionId) || !isOdooId(paymentMethodId)) {
    throw new WireFormatError('REFERENCE_BAD_ODOO_PART', 'sessionId and paymentMethodId must be positive integer record ids', 'pass the pos.session id and the pos.payment.method id');
  }
  const reference = [lineUuid, String(sessionId), String(paymentMethodId)].join(SEPARATOR);
  if (!OUT_TRADE_NO_PATTERN.test(reference)) {
    throw new WireFormatError('REFERENCE_BAD_ODOO_PART', `the Odoo reference would be ${reference.length} characters; out_trade_no allows 64`, 'record ids this large cannot be carried; contact the maintainers');
  }
  return reference;
}

/**
 * Splits an Odoo-style `out_trade_no` back into its parts, or returns `null` when it is not one
 * (wrong number of `--` parts, not a uuid, ids not positive integers). Never throws.
 */
export function decodeOdooOutTradeNo(value: string): OdooOutTradeNoParts | null {
  if (typeof value !== 'string' || !OUT_TRADE_NO_PATTERN.test(value)) return null;
  const parts = value.split(SEPARATOR);
  if (parts.length !== 3) return null;
  const [lineUuid, session, method] = parts as [string, string, string];
  if (!UUID.test(lineUuid) || !ID.test(session) || !ID.test(method)) return null;
  const sessionId = Number(session);
  const paymentMethodId = Number(method);
  if (!isOdooId(sessionId) || !isOdooId(paymentMethodId)) return null;
  return { lineUuid, sessionId, paymentMethodId };
}
