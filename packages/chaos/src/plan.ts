/**
 * What one scenario does, drawn from its own seeded stream: the ERP, the flow, the customer,
 * the amounts and one or two faults. A plan is data only; the runners (woo-flow, odoo-flow)
 * carry it out against the real packages.
 */
import type { Channel } from '@qfpay-ecr/core';
import { Prng } from './prng.js';

export const ERPS = ['odoo', 'woo'] as const;
export type Erp = (typeof ERPS)[number];

export const FLOWS = ['pay', 'pay-refund-full', 'pay-refund-partial', 'pay-pos-cancel'] as const;
export type Flow = (typeof FLOWS)[number];

export const CUSTOMER_BEHAVIOURS = ['approve', 'decline', 'cancel', 'pending-then-approve'] as const;
export type CustomerBehaviour = (typeof CUSTOMER_BEHAVIOURS)[number];

/** Where a fault strikes: during the payment, or during the refund that follows it. */
export type Phase = 'payment' | 'refund';

/**
 * The fault kinds of the campaign (issue 8): terminal side, notification side, notify server,
 * and the ERP side (WooCommerce REST down during the write; for Odoo, the POS page reloading in
 * the middle of a payment, its counterpart of "the ERP goes away").
 */
export const FAULT_KINDS = [
  'drop-before',
  'drop-after',
  'slow-terminal',
  'garbage-reply',
  'truncated-reply',
  'http-500',
  'terminal-busy',
  'notify-lost',
  'notify-duplicate',
  'notify-delayed',
  'notify-out-of-order',
  'notify-tampered',
  'notify-server-restart',
  'woo-down',
  'pos-reload',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** How WooCommerce is down: 503 pages, connections reset, the write applied but its reply lost, or nothing listening. */
export type WooDownMode = 'unavailable' | 'reset' | 'applied-then-failed' | 'refused';

export type FaultSpec =
  | { kind: 'drop-before' | 'garbage-reply' | 'http-500' | 'terminal-busy'; phase: Phase }
  | { kind: 'drop-after'; phase: 'payment' }
  | { kind: 'slow-terminal'; phase: Phase; ms: number }
  | { kind: 'truncated-reply'; phase: Phase; complete: boolean }
  | { kind: 'notify-lost' | 'notify-duplicate' | 'notify-tampered'; phase: Phase }
  | { kind: 'notify-delayed'; phase: Phase; ms: number }
  | { kind: 'notify-out-of-order'; phase: Phase; maxHoldMs: number }
  /** SIGKILL `afterMs` after the phase's screen opens; started again `downMs` later on the same file and port. */
  | { kind: 'notify-server-restart'; phase: Phase; afterMs: number; downMs: number }
  | { kind: 'woo-down'; phase: Phase; mode: WooDownMode; times: number; downMs: number }
  /** The POS page reloads `afterMs` after the phase's screen opens. */
  | { kind: 'pos-reload'; phase: Phase; afterMs: number };

/** One scenario. Amounts are integer minor units (HKD cents). */
export interface ScenarioPlan {
  /** Position in the campaign; with the seed, all that is needed to replay it (`--only`). */
  index: number;
  seed: string;
  erp: Erp;
  /** Odoo's payment-interface generation (Odoo scenarios). */
  odooGeneration: 17 | 18 | 19;
  flow: Flow;
  channel: Channel;
  amountMinor: number;
  /** Refund flows: the amount the cashier refunds (once). */
  refundMinor: number;
  /** Odoo full refunds: by reversing the paid line (same day) rather than a refund order. */
  refundByReversal: boolean;
  customer: CustomerBehaviour;
  /** How long the customer (or operator) takes, ms. */
  customerDelayMs: number;
  /** `pending-then-approve`: queries answered pending before the payment settles. */
  pendingQueries: number;
  /** `pay-pos-cancel`: when the cashier presses cancel, ms after the terminal shows the payment. */
  cancelAfterMs: number;
  faults: FaultSpec[];
}

const REFUNDABLE_CHANNELS: readonly Channel[] = ['card_payment', 'wx', 'alipay', 'unionpay_card', 'payme'];
/** Partial refunds on the payment's day are allowed for wallets only (cards must refund in full). */
const WALLETS: readonly Channel[] = ['wx', 'alipay', 'payme', 'fps'];

/** Which ERPs a fault kind applies to. */
export function faultAppliesTo(kind: FaultKind, erp: Erp): boolean {
  if (kind === 'woo-down') return erp === 'woo';
  if (kind === 'pos-reload') return erp === 'odoo';
  return true;
}

function drawFault(rng: Prng, kind: FaultKind, hasRefund: boolean): FaultSpec {
  const phase: Phase = hasRefund && rng.chance(0.35) ? 'refund' : 'payment';
  switch (kind) {
    case 'drop-before':
    case 'garbage-reply':
    case 'http-500':
    case 'terminal-busy':
      return { kind, phase };
    case 'drop-after':
      return { kind, phase: 'payment' };
    case 'slow-terminal':
      // Mostly slow but in time; sometimes slower than the POS waits for a reply.
      return { kind, phase, ms: rng.chance(0.25) ? rng.int(2_600, 3_200) : rng.int(50, 1_200) };
    case 'truncated-reply':
      return { kind, phase, complete: rng.chance(0.4) };
    case 'notify-lost':
    case 'notify-duplicate':
    case 'notify-tampered':
      return { kind, phase };
    case 'notify-delayed':
      return { kind, phase, ms: rng.int(100, 2_000) };
    case 'notify-out-of-order':
      return { kind, phase, maxHoldMs: rng.int(300, 1_500) };
    case 'notify-server-restart':
      return { kind, phase, afterMs: rng.int(0, 80), downMs: rng.int(50, 800) };
    case 'woo-down':
      return { kind, phase, mode: rng.pick(['unavailable', 'reset', 'applied-then-failed', 'refused'] as const), times: rng.int(1, 12), downMs: rng.int(100, 1_500) };
    case 'pos-reload':
      return { kind, phase, afterMs: rng.int(0, 50) };
  }
}

/** The plan of scenario `index` of the campaign seeded `seed`, for one of `erps`. */
export function planScenario(seed: string, index: number, erps: readonly Erp[] = ERPS): ScenarioPlan {
  const rng = Prng.forScenario(seed, index);
  const erp = rng.pick(erps);
  const flow = rng.weighted<Flow>([
    ['pay', 3],
    ['pay-refund-full', 2.5],
    ['pay-refund-partial', 2.5],
    ['pay-pos-cancel', 2],
  ]);
  const hasRefund = flow === 'pay-refund-full' || flow === 'pay-refund-partial';
  const channel = flow === 'pay-refund-partial' ? rng.pick(WALLETS) : rng.pick(REFUNDABLE_CHANNELS);
  const amountMinor = rng.int(100, 80_000);
  const refundMinor = flow === 'pay-refund-partial' ? rng.int(1, amountMinor - 1) : amountMinor;
  const customer =
    flow === 'pay-pos-cancel'
      ? 'approve'
      : rng.weighted<CustomerBehaviour>([
          ['approve', 5.5],
          ['decline', 1.5],
          ['cancel', 1],
          ['pending-then-approve', 2],
        ]);
  const kinds = FAULT_KINDS.filter((k) => faultAppliesTo(k, erp));
  const count = rng.chance(0.4) ? 2 : 1;
  const chosen: FaultKind[] = [];
  while (chosen.length < count) {
    const k = rng.pick(kinds);
    if (!chosen.includes(k)) chosen.push(k);
  }
  return {
    index,
    seed,
    erp,
    odooGeneration: rng.pick([17, 18, 19] as const),
    flow,
    channel,
    amountMinor,
    refundMinor,
    refundByReversal: flow === 'pay-refund-full' && rng.chance(0.5),
    customer,
    customerDelayMs: flow === 'pay-pos-cancel' ? rng.int(20, 300) : rng.int(5, 60),
    pendingQueries: rng.int(1, 3),
    cancelAfterMs: rng.int(10, 300),
    faults: chosen.map((k) => drawFault(rng, k, hasRefund)),
  };
}

/** A one-line description of a plan, for reports and `--only`. */
export function describePlan(p: ScenarioPlan): string {
  const faults = p.faults.map((f) => `${f.kind}@${f.phase}`).join(', ');
  const erp = p.erp === 'odoo' ? `odoo${p.odooGeneration}` : 'woo';
  const refund = p.flow === 'pay-refund-full' || p.flow === 'pay-refund-partial' ? ` refund ${p.refundMinor}${p.refundByReversal && p.erp === 'odoo' ? ' (reversal)' : ''}` : '';
  return `#${p.index} ${erp} ${p.flow} ${p.channel} ${p.amountMinor}${refund} customer=${p.customer} faults=[${faults}]`;
}
