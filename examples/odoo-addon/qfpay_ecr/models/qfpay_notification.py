# -*- coding: utf-8 -*-
"""Verified QFPay notifications, kept once each: QFPay delivers at least once and retries for
about a day, so (notify_type, syssn) is unique and a redelivery is acknowledged but not re-sent
to the POS."""
import json

from odoo import api, fields, models


class QfpayEcrNotification(models.Model):
    _name = "qfpay.ecr.notification"
    _description = "QFPay notification (qfpay-ecr)"
    _order = "id desc"

    payment_method_id = fields.Many2one("pos.payment.method", required=True, ondelete="cascade")
    notify_type = fields.Char(required=True)
    syssn = fields.Char(required=True, index=True)
    out_trade_no = fields.Char(index=True)
    orig_out_trade_no = fields.Char()
    txamt = fields.Integer("Amount (cents)")
    txcurrcd = fields.Char("Currency")
    body = fields.Text(required=True)

    _sql_constraints = [
        ("qfpay_notification_unique", "unique(notify_type, syssn)", "A QFPay notification is recorded once."),
    ]

    @api.model
    def _record(self, method, data):
        """True when this notification is new (and now recorded), False for a duplicate."""
        notify_type = str(data.get("notify_type") or "")
        syssn = str(data.get("syssn") or "")
        if not notify_type or not syssn:
            return False
        if self.search_count([("notify_type", "=", notify_type), ("syssn", "=", syssn)]):
            return False
        try:
            txamt = int(str(data.get("txamt") or "0"))
        except ValueError:
            txamt = 0
        with self.env.cr.savepoint():
            self.create({
                "payment_method_id": method.id,
                "notify_type": notify_type,
                "syssn": syssn,
                "out_trade_no": data.get("out_trade_no") or False,
                "orig_out_trade_no": data.get("orig_out_trade_no") or False,
                "txamt": txamt,
                "txcurrcd": data.get("txcurrcd") or False,
                "body": json.dumps(data, sort_keys=True),
            })
        return True
