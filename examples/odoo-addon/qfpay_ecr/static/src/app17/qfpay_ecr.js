/** @odoo-module */
// Odoo 17: registers the QFPay payment interface from the qfpay-ecr browser bundle.
import { register_payment_method } from "@point_of_sale/app/store/pos_store";
import { PaymentInterface } from "@point_of_sale/app/payment/payment_interface";
import { ErrorPopup } from "@point_of_sale/app/errors/popups/error_popup";
import { installQfpay } from "@qfpay_ecr/lib/odoo-pos";

installQfpay(PaymentInterface, register_payment_method, { ErrorPopup });
