/**
 * What the cashier reads. Where pos_qfpay has a message Odoo users already know, the same words
 * are used (odoo-lifecycle.md §2.6–2.7); the rest says what happened and what to do.
 */
import { displayMinor } from '../amounts.js';

/** Title of every dialog, as pos_qfpay. */
export const DIALOG_TITLE = 'QFPay Error';

export const MESSAGES = {
  alreadyInProgress: 'There is already an electronic payment in progress.',
  paymentFailed: 'QFPay payment failed. Please try again or use a different payment method.',
  noOriginal: (method: string) => `No payment with ${method} found for this order.`,
  cardFullOnly: 'Credit card payments refund must be for the full amount.',
  aboveOriginal: 'Refund amount cannot be greater than the original payment amount.',
  sameDayOnly: 'Refunds can only be made on the same day before 23:00 HKT. Use the QFPay portal to perform this refund',
  octopus: 'Octopus payments cannot be refunded or reversed on the terminal. Give the money back another way.',
  refundFailed: 'QFPay refund failed.',
  unreachable: (hint: string) => `Cannot reach the QFPay terminal. Nothing was charged. ${hint}`,
  errorCode: (code: string, message: string) => `Error Code: ${code}\nError Message: ${message || 'Unknown error occurred'}`,
  amountMismatch: (charged: number, currency: string, expected: number) =>
    `The terminal reports ${currency === 'HKD' ? displayMinor(charged) : `${currency} ${charged / 100}`} but this line is ${displayMinor(expected)}. ` +
    'Do not charge again: check the transaction on the terminal or the QFPay portal, then use Force done or refund it.',
  outcomeUnknown: (outTradeNo: string) =>
    `The terminal has not confirmed the result of this payment (reference ${outTradeNo}). Do not charge again. ` +
    'Check the terminal: use Force done only if it shows the payment as successful. This line keeps listening for the result.',
  refundUnknown: (origSyssn: string) =>
    `The terminal has not confirmed whether the refund of ${origSyssn} happened. Do not refund again: check the terminal or the QFPay portal, then use Force done if it was refunded.`,
  cancelNotConfirmed:
    'The terminal has not confirmed the cancellation: the customer may still pay. Wait for the result, or cancel on the terminal itself.',
  cancelTooLate: 'Too late to cancel: the customer has already paid on the terminal.',
  cancelFailed: (detail: string) => `Could not cancel on the terminal: ${detail}`,
  approvedAfterCancel: (syssn: string, amount: number) =>
    `The terminal approved ${displayMinor(amount)} (transaction ${syssn}) after this payment had been cancelled. The line was marked as paid; refund it if the customer paid another way.`,
  approvedOrphan: (syssn: string, amount: number, outTradeNo: string) =>
    `The terminal approved ${displayMinor(amount)} (transaction ${syssn}, reference ${outTradeNo}) for a payment line that no longer exists. Record it on the order or refund it.`,
  forcedButFailed: (outTradeNo: string) =>
    `The payment ${outTradeNo} was marked done by hand, but the terminal reports it was not completed: no money was received for it.`,
  reversalUnknown: (syssn: string) => `The terminal has not confirmed the reversal of ${syssn}. Check the terminal or the QFPay portal before trying again.`,
  config: (detail: string) => `The QFPay payment method is not configured correctly: ${detail}`,
} as const;
