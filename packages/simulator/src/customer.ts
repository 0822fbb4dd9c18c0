import { SIMULATOR_DEFAULTS } from './config.js';
import type { Screen } from './screen.js';
import type { CustomerScript, ScreenResult, ScreenState } from './types.js';

/**
 * What the scripted customer will do on a screen that just opened, or null for `manual`.
 * On refund screens the same script plays the operator: approve = confirm the refund.
 */
export function scriptedResult(script: CustomerScript, screen: ScreenState): { afterMs: number; result: ScreenResult } | null {
  const afterMs = script.action === 'manual' ? 0 : (script.afterMs ?? SIMULATOR_DEFAULTS.customerDelayMs);
  switch (script.action) {
    case 'manual':
      return null;
    case 'approve':
      return { afterMs, result: script.card ? { action: 'approve', card: script.card } : { action: 'approve' } };
    case 'decline':
      return { afterMs, result: { action: 'decline', code: script.code ?? SIMULATOR_DEFAULTS.declineCode } };
    case 'cancel':
      return { afterMs, result: { action: 'cancel', by: 'customer' } };
    case 'pending-then-approve':
      // A host that is slow to confirm is a payment phenomenon; a refund screen just confirms.
      if (screen.kind === 'refund') return { afterMs, result: { action: 'approve' } };
      return {
        afterMs,
        result: { action: 'pending', code: script.code ?? SIMULATOR_DEFAULTS.pendingCode, pendingQueries: script.pendingQueries ?? SIMULATOR_DEFAULTS.pendingQueries },
      };
  }
}

/** Lets the scripted customer act on the screen that just opened. */
export function playCustomer(script: CustomerScript, screen: Screen, state: ScreenState): void {
  const planned = scriptedResult(script, state);
  if (planned) screen.schedule(planned.afterMs, planned.result);
}
