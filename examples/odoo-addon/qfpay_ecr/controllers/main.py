# -*- coding: utf-8 -*-
"""``/qfpay/notify``: QFPay's asynchronous notifications, verified on the raw bytes BEFORE
anything else, answered ``SUCCESS`` only once recorded (or already recorded), and a 4xx
otherwise so QFPay retries (pos_qfpay returns nothing on failures, §2.4)."""
import json
import logging

from odoo import http
from odoo.http import request

from ..tools import ecr

_logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024


class QfpayEcrController(http.Controller):

    @http.route("/qfpay/notify", type="http", auth="public", methods=["POST"], csrf=False, save_session=False)
    def qfpay_notify(self, **_kwargs):
        # Refuse a declared oversize body before reading it into memory (the route is public).
        if (request.httprequest.content_length or 0) > MAX_BODY_BYTES:
            return request.make_response("too large", status=413)
        raw = request.httprequest.get_data(cache=False)
        if len(raw) > MAX_BODY_BYTES:
            return request.make_response("too large", status=413)
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return request.make_response("bad request", status=400)
        if not isinstance(data, dict):
            return request.make_response("bad request", status=400)
        reference = data.get("orig_out_trade_no") or data.get("out_trade_no")
        parts = ecr.split_out_trade_no(reference)
        if not parts:
            _logger.warning("qfpay notify: out_trade_no is not <uuid>--<session>--<method>")
            return request.make_response("unknown reference", status=400)
        line_uuid, session_id, method_id = parts
        method = request.env["pos.payment.method"].sudo().browse(method_id).exists()
        key = method.qfpay_notification_key if method and method._is_qfpay() else None
        if not ecr.verify_notification(raw, request.httprequest.headers.get("X-QF-SIGN"), key):
            _logger.warning("qfpay notify: signature check failed for payment method %s", method_id)
            return request.make_response("bad signature", status=401)
        method._qfpay_handle_notification(data, line_uuid, session_id)
        return request.make_response("SUCCESS", headers=[("Content-Type", "text/plain")])
