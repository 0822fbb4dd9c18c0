/** What the demo shop sells, and how it names the terminal's payment channels. Prices in HKD cents. */
import { CARD_CHANNELS, type Channel } from '@qfpay-ecr/core';

export const SHOP_NAME = 'Harbourlight Café';

export interface Product {
  id: string;
  name: string;
  description: string;
  priceMinor: number;
  /** Two-letter mark shown on the product tile. */
  mark: string;
  /** Tile colour (CSS hue). */
  hue: number;
}

export const PRODUCTS: readonly Product[] = [
  { id: 'milk-tea', name: 'Hong Kong milk tea', description: 'Silky, strong, hot or iced', priceMinor: 2800, mark: 'MT', hue: 28 },
  { id: 'pineapple-bun', name: 'Pineapple bun with butter', description: 'Warm bun, cold butter', priceMinor: 2200, mark: 'PB', hue: 45 },
  { id: 'egg-tarts', name: 'Egg tarts (2)', description: 'Flaky crust, wobbly custard', priceMinor: 1800, mark: 'ET', hue: 52 },
  { id: 'lemon-tea', name: 'Iced lemon tea', description: 'Fresh lemon, lightly sweet', priceMinor: 2600, mark: 'LT', hue: 75 },
  { id: 'french-toast', name: 'French toast', description: 'Peanut butter, golden syrup', priceMinor: 3500, mark: 'FT', hue: 15 },
  { id: 'macaroni-soup', name: 'Macaroni soup with ham', description: 'The classic cha chaan teng breakfast', priceMinor: 4200, mark: 'MS', hue: 200 },
];

export const PRODUCT_IDS = PRODUCTS.map((p) => p.id) as [string, ...string[]];

export function productById(id: string): Product | undefined {
  return PRODUCTS.find((p) => p.id === id);
}

/** How the cashier page names and groups each channel. */
export interface ChannelInfo {
  id: Channel;
  label: string;
  kind: 'card' | 'wallet' | 'octopus';
  /** The refund rule that applies, in one sentence. */
  refundRule: string;
}

const CARD_RULE = 'Card payments are refunded in full on the day they were taken (Hong Kong time); partial refunds from the next day.';
const WALLET_RULE = 'Refund all or part of the payment.';

export const CHANNEL_INFO: readonly ChannelInfo[] = [
  { id: 'card_payment', label: 'Visa / Mastercard', kind: 'card', refundRule: CARD_RULE },
  { id: 'wx', label: 'WeChat Pay', kind: 'wallet', refundRule: WALLET_RULE },
  { id: 'alipay', label: 'Alipay', kind: 'wallet', refundRule: WALLET_RULE },
  { id: 'fps', label: 'FPS', kind: 'wallet', refundRule: WALLET_RULE },
  { id: 'octopus', label: 'Octopus', kind: 'octopus', refundRule: 'Octopus payments cannot be refunded through the terminal.' },
  { id: 'payme', label: 'PayMe', kind: 'wallet', refundRule: WALLET_RULE },
  { id: 'union', label: 'UnionPay QR', kind: 'wallet', refundRule: WALLET_RULE },
  { id: 'unionpay_card', label: 'UnionPay card', kind: 'card', refundRule: CARD_RULE },
  { id: 'amex_card', label: 'American Express', kind: 'card', refundRule: CARD_RULE },
];

export function channelInfo(channel: Channel): ChannelInfo {
  return CHANNEL_INFO.find((c) => c.id === channel) ?? { id: channel, label: channel, kind: CARD_CHANNELS.includes(channel) ? 'card' : 'wallet', refundRule: WALLET_RULE };
}
