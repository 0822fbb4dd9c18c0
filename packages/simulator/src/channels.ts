import { CARD_CHANNELS, type Channel } from '@qfpay-ecr/core';
import type { SimCard } from './types.js';

/** Pay type codes (`busicd`) per channel, CPM (terminal scans) and MPM (terminal shows a QR code). */
const BUSICD: Readonly<Record<Channel, { cpm: string; mpm: string }>> = {
  card_payment: { cpm: '802808', mpm: '802808' },
  wx: { cpm: '800208', mpm: '800201' },
  alipay: { cpm: '800108', mpm: '800101' },
  payme: { cpm: '805808', mpm: '805801' },
  union: { cpm: '800708', mpm: '800701' },
  fps: { cpm: '802001', mpm: '802001' },
  octopus: { cpm: '803708', mpm: '803708' },
  unionpay_card: { cpm: '806708', mpm: '806708' },
  amex_card: { cpm: '806808', mpm: '806808' },
};

/**
 * The `busicd` a payment gets. `QRCODE_PAY` (terminal displays a code) is taken as MPM; anything
 * else, including no scan_type, as CPM (the docs say the mode follows "last usage").
 */
export function busicdFor(channel: Channel, scanType?: string): string {
  const codes = BUSICD[channel];
  return scanType === 'QRCODE_PAY' ? codes.mpm : codes.cpm;
}

/** Whether the channel is a card scheme (same-day refunds must be for the full amount). */
export function isCardChannel(channel: Channel): boolean {
  return CARD_CHANNELS.includes(channel);
}

/** The card a customer presents when the script names none. */
export function defaultCard(channel: Channel): SimCard | undefined {
  switch (channel) {
    case 'card_payment':
      return { scheme: 'VISA', masked: '476173******0119' };
    case 'unionpay_card':
      return { scheme: 'UNIONPAY', masked: '625094******1234' };
    case 'amex_card':
      return { scheme: 'AMEX', masked: '376000*****1003' };
    default:
      return undefined;
  }
}

/** Human label for the web page. */
export function channelLabel(channel: Channel): string {
  const labels: Record<Channel, string> = {
    card_payment: 'Visa / Mastercard',
    wx: 'WeChat Pay',
    alipay: 'Alipay',
    payme: 'PayMe',
    union: 'UnionPay QR',
    fps: 'FPS',
    octopus: 'Octopus',
    unionpay_card: 'UnionPay card',
    amex_card: 'American Express',
  };
  return labels[channel];
}
