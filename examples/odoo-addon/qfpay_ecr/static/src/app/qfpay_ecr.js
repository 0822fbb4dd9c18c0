/** @odoo-module */
// Odoo 18 and 19: registers the QFPay payment interface from the qfpay-ecr browser bundle.
import { registry } from "@web/core/registry";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { PaymentInterface } from "@point_of_sale/app/utils/payment/payment_interface";
import { installQfpay } from "@qfpay_ecr/lib/odoo-pos";

installQfpay(PaymentInterface, registry, { AlertDialog });
