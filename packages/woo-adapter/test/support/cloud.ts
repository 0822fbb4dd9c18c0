/**
 * ECR Cloud scenarios for the `*.cloud.test.ts` files. A cloud payment is `unknown` when QFPay's
 * OpenAPI cannot be read until the payment timeout plus a margin has passed (nothing is ever
 * re-pushed); the LAN way (the terminal's reply lost while the customer still decides) has no
 * cloud equivalent, because the cloud never holds a request open.
 */
import type { Channel, QFPayCloudTerminalOptions } from '@qfpay-ecr/core';
import type { Simulator } from '@qfpay-ecr/simulator';
import type { PayOrderResult } from '../../src/index.js';
import type { World } from './world.js';

/** Cloud terminal options that make an unanswered payment `unknown` quickly: 1 s on the terminal + 400 ms. */
export const SHORT_CLOUD: Partial<QFPayCloudTerminalOptions> = { defaultPaymentTimeoutSec: 1, resultMarginMs: 400 };

/** Every OpenAPI call (queries, pushes) fails with HTTP 500 from now on, as when QFPay is unreachable; undo with {@link restoreOpenApi}. */
export function blindOpenApi(sim: Simulator): void {
  // One fault per request; far more than a test's polling uses.
  for (let i = 0; i < 2_000; i++) sim.injectFault({ kind: 'http500' });
}

/** QFPay answers again. */
export function restoreOpenApi(sim: Simulator): void {
  sim.clearFaults();
}

/**
 * Pays an order whose screen opens, then makes QFPay unreadable before the customer acts
 * (`approve`: pays; otherwise nobody acts and the screen times out): the outcome is `unknown`.
 * The OpenAPI stays unreadable until {@link restoreOpenApi}. Needs a world with {@link SHORT_CLOUD}.
 */
export async function payWhileQfpayUnreachable(world: World, orderId: number, channel: Channel, options: { approve: boolean }): Promise<PayOrderResult> {
  if (world.mode !== 'cloud') throw new Error('payWhileQfpayUnreachable is a cloud scenario: use it in *.cloud.test.ts files');
  const paying = world.adapter.payOrder(orderId, { channel });
  await world.sim.waitForScreen();
  blindOpenApi(world.sim);
  if (options.approve && !world.sim.customer.approve()) throw new Error('no screen to approve');
  return paying;
}
