# -*- coding: utf-8 -*-
"""Odoo 17 loads payment-method fields through pos.session; 18/19 use _load_pos_data_fields."""
from odoo import models


class PosSession(models.Model):
    _inherit = "pos.session"

    def _loader_params_pos_payment_method(self):  # Odoo 17
        params = super()._loader_params_pos_payment_method()
        params["search_params"]["fields"] += self.env["pos.payment.method"]._qfpay_pos_fields()
        return params
