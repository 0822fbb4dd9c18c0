/** Odoo amounts (floats in major units) ↔ our integer minor units, and channel labels. */
import { AmountError } from '@qfpay-ecr/core';
import { formatDisplay } from '@qfpay-ecr/core/money';
import type { Channel } from '@qfpay-ecr/core/terminal';

/**
 * An Odoo line amount (a float in HKD, e.g. `12.5`, `-12.5`, `0.30000000000000004`) → integer
 * cents of its absolute value. Float noise from sums is absorbed; a real third decimal is
 * refused with {@link AmountError} `AMOUNT_PRECISION` rather than rounded.
 */
export function lineAmountToMinor(amount: number): number {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) {
    throw new AmountError('AMOUNT_FORMAT', 'the payment line amount is not a number', 'enter the amount again');
  }
  const cents = Math.abs(amount) * 100;
  const rounded = Math.round(cents);
  if (Math.abs(cents - rounded) > 1e-6 * Math.max(1, rounded)) {
    throw new AmountError('AMOUNT_PRECISION', 'the payment line amount has more than 2 decimal places', 'HKD has 2 decimal places');
  }
  return rounded;
}

/** `1250` → `HK$12.50`. */
export function displayMinor(minor: number): string {
  return formatDisplay(minor, 'HKD');
}

const LABELS: Readonly<Record<Channel, string>> = {
  card_payment: 'Visa / Mastercard',
  wx: 'WeChat Pay',
  alipay: 'Alipay',
  payme: 'PayMe',
  union: 'UnionPay QuickPass',
  fps: 'FPS',
  octopus: 'Octopus',
  unionpay_card: 'UnionPay Card',
  amex_card: 'American Express',
};

/** The name people know a channel by (`wx` → `WeChat Pay`). */
export function channelLabel(channel: Channel): string {
  return LABELS[channel];
}
