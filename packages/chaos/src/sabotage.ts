/**
 * Deliberate breakage, to prove the checker catches what it claims to (`--sabotage`): a broken
 * cashier flow that charges the same order again behind the adapter's back, a broken ERP that
 * forgets a recorded payment, a broken logger that writes the POS-KEY and a card number, a
 * promise rejected with nobody listening.
 * A campaign with a sabotage always ends with violations (exit 1).
 */
import type { Lane } from './lane.js';
import type { ScenarioPlan } from './plan.js';
import type { RunReport, ScenarioFacts } from './run-support.js';

export const SABOTAGES = ['double-charge', 'lost-payment', 'leak-secret', 'unhandled-rejection'] as const;
export type Sabotage = (typeof SABOTAGES)[number];

/** A Luhn-valid test card number (Visa's well-known test PAN). */
export const TEST_PAN = '4111111111111111';

/** Applies `kind` after the scenario's reconciliation; returns the facts read again. */
export async function sabotage(kind: Sabotage, lane: Lane, plan: ScenarioPlan, facts: ScenarioFacts, report: RunReport): Promise<ScenarioFacts> {
  switch (kind) {
    case 'double-charge': {
      lane.sim.setCustomer({ action: 'approve', afterMs: 5 });
      const outcome = await lane.wooTerminal.pay({ amountMinor: plan.amountMinor, channel: plan.channel, outTradeNo: facts.chain.newReference() });
      report.note(`sabotage: charged the order again behind the adapter's back (${outcome.status})`);
      break;
    }
    case 'lost-payment':
      facts.chain.forgetPayment();
      report.note('sabotage: the ERP forgot the recorded payment');
      break;
    case 'unhandled-rejection':
      void Promise.reject(new Error('sabotage: a rejection nobody handles'));
      await new Promise((r) => setTimeout(r, 20));
      report.note('sabotage: rejected a promise nobody handles');
      break;
    case 'leak-secret':
      lane.logs.push('sabotage', `debug: terminal configured with posKey=${lane.secrets.posKey}; customer card ${TEST_PAN}`);
      report.note('sabotage: a logger wrote the POS-KEY and a card number');
      break;
  }
  return { ...facts, book: facts.chain.book(), erp: facts.chain.erp() };
}
