# -*- coding: utf-8 -*-
"""QFPay fields on pos.payment.method, the signing RPC (direct topology) and the bridge token
RPC (bridge topology). Keys and tokens are readable by POS managers only and never loaded into
the POS front end; POS users get signatures, never keys."""
import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessDenied, UserError, ValidationError

from ..tools import ecr

_logger = logging.getLogger(__name__)

MANAGER = "point_of_sale.group_pos_manager"


class PosPaymentMethod(models.Model):
    _inherit = "pos.payment.method"

    qfpay_payment_type = fields.Selection(ecr.CHANNELS, string="QFPay channel", default="card_payment")
    qfpay_topology = fields.Selection(
        [("direct", "Direct (browser to terminal, server signs)"), ("bridge", "Bridge (browser to qfpay-ecr bridge)")],
        string="QFPay connection", default="direct",
        help="Direct: LAN only, every cashier device trusts QFPay's CA. Bridge: the qfpay-ecr bridge owns the terminal, "
        "on the shop LAN or through ECR Cloud (QFPAY_MODE=cloud on the bridge, for an Odoo that cannot reach the shop LAN).",
    )
    qfpay_terminal_ip_address = fields.Char("Terminal IP address", copy=False, help="Fixed IP of the terminal (DHCP reservation).")
    qfpay_terminal_port = fields.Integer("Terminal port", default=9001)
    qfpay_pos_key = fields.Char("POS-KEY", copy=False, groups=MANAGER, help="Haojin app: My > Settings > POS-Key. Never sent to the POS.")
    qfpay_notification_key = fields.Char("Notification key", copy=False, groups=MANAGER, help="QFPay client key that signs notifications (X-QF-SIGN).")
    qfpay_bridge_url = fields.Char("Bridge URL", help="Origin of the qfpay-ecr notify server / bridge, e.g. https://pay.shop.example")
    qfpay_terminal_id = fields.Char("Terminal id on the bridge")
    qfpay_bridge_token = fields.Char("Bridge token", copy=False, groups=MANAGER)
    qfpay_events = fields.Boolean("Listen to the bridge's event stream", default=True)
    qfpay_max_amount = fields.Monetary("Largest payment signed", help="0 = no limit beyond the terminal's.", currency_field="qfpay_currency_id")
    qfpay_currency_id = fields.Many2one("res.currency", related="company_id.currency_id")

    # ------------------------------------------------------------------ terminal selection

    def _get_payment_terminal_selection(self):  # Odoo 17 / 18
        return super()._get_payment_terminal_selection() + [("qfpay", "QFPay (qfpay-ecr)")]

    def _is_qfpay(self):
        self.ensure_one()
        return getattr(self, "use_payment_terminal", None) == "qfpay" or getattr(self, "payment_provider", None) == "qfpay"

    @api.constrains("use_payment_terminal", "company_id")
    def _check_qfpay_currency(self):
        for method in self:
            if method._is_qfpay() and method.company_id.currency_id.name != "HKD":
                raise ValidationError(_("QFPay is only valid for HKD Currency"))

    # ------------------------------------------------------------------ what the POS loads

    @api.model
    def _qfpay_pos_fields(self):
        return [
            "qfpay_payment_type", "qfpay_topology", "qfpay_terminal_ip_address", "qfpay_terminal_port",
            "qfpay_bridge_url", "qfpay_terminal_id", "qfpay_events",
        ]

    @api.model
    def _load_pos_data_fields(self, config_id):  # Odoo 18 / 19
        return super()._load_pos_data_fields(config_id) + self._qfpay_pos_fields()

    # ------------------------------------------------------------------ RPCs for the POS

    def _qfpay_check_caller(self):
        self.ensure_one()
        if not (self.env.su or self.env.user.has_group("point_of_sale.group_pos_user")):
            raise AccessDenied()
        if not self._is_qfpay():
            raise UserError(_("This method can only be used with QFPay payment terminal."))

    def qfpay_sign_request(self, payload):
        """Signs and encrypts one ECR request for the direct topology; returns the Base64 body."""
        self._qfpay_check_caller()
        method = self.sudo()
        limit = int(round(method.qfpay_max_amount * 100)) if method.qfpay_max_amount else None
        try:
            content = ecr.validate_content(payload, max_amount_minor=limit)
            body = ecr.encrypt_request(content, method.qfpay_pos_key)
        except ecr.EcrContentError as error:
            raise UserError(_("QFPay request refused: %s", str(error)))
        _logger.info("qfpay: signed func_type %s for payment method %s", content["func_type"], self.id)
        return body

    def qfpay_bridge_token(self):
        """The bridge's bearer token for POS users of this method (bridge topology)."""
        self._qfpay_check_caller()
        return self.sudo().qfpay_bridge_token or ""

    # ------------------------------------------------------------------ notifications

    def _qfpay_handle_notification(self, data, line_uuid, session_id):
        """Records a verified notification once (dedupe on notify_type + syssn) and tells the POS
        session named in out_trade_no, if it is open and uses this method. Returns False for a
        duplicate."""
        self.ensure_one()
        notification = self.env["qfpay.ecr.notification"].sudo()
        if not notification._record(self, data):
            return False
        session = self.env["pos.session"].sudo().browse(session_id).exists()
        if session and session.state == "opened" and self in session.config_id.payment_method_ids:
            config = session.config_id
            payload = {"response": data, "line_uuid": line_uuid}
            if hasattr(config, "_notify"):
                config._notify("QFPAY_LATEST_RESPONSE", payload)
            else:  # Odoo 17
                self.env["bus.bus"]._sendone(config, "QFPAY_LATEST_RESPONSE", payload)
        return True
