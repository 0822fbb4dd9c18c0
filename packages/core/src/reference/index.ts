/**
 * `out_trade_no` codecs: fresh unique references, validation, and Odoo pos_qfpay's
 * `<lineUuid>--<sessionId>--<paymentMethodId>`. Browser-safe (Web Crypto only).
 */
export { isValidOutTradeNo, MAX_OUT_TRADE_NO_PREFIX, newOutTradeNo, OUT_TRADE_NO_PATTERN } from './out-trade-no.js';
export { decodeOdooOutTradeNo, encodeOdooOutTradeNo, type OdooOutTradeNoParts } from './odoo.js';
