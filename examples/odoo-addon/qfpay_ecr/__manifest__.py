# -*- coding: utf-8 -*-
{
    "name": "QFPay ECR terminals for the POS (qfpay-ecr)",
    "version": "1.0.0",
    "summary": "Take payments on QFPay (Haojin) terminals from the Odoo POS, safely: "
               "polling and resume after reload, duplicate-proof, amount checks, confirmed cancels, refund rules.",
    "category": "Sales/Point of Sale",
    "license": "LGPL-3",
    "author": "qfpay-ecr",
    "depends": ["point_of_sale"],
    "data": [
        "security/ir.model.access.csv",
        "views/pos_payment_method_views.xml",
    ],
    "assets": {
        # Odoo 18 and 19. For Odoo 17 replace "app" by "app17" (see README).
        "point_of_sale._assets_pos": [
            "qfpay_ecr/static/src/lib/odoo-pos.js",
            "qfpay_ecr/static/src/app/**/*",
        ],
    },
    "installable": True,
}
