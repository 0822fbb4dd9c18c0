/**
 * @qfpay-ecr/chaos — a seeded chaos campaign over the whole toolkit (private package): end-to-end
 * payments and refunds through the real terminal, simulator, notify-server process, Odoo POS
 * harness and WooCommerce fake, with injected faults, checked against the terminal's own book.
 */
export { runCampaign, runScenario, campaignClock, newSecrets, FINAL_OUTCOMES, type CampaignOptions, type CampaignResult, type FinalOutcome, type ScenarioResult } from './campaign.js';
export { planScenario, describePlan, faultAppliesTo, ERPS, FLOWS, FAULT_KINDS, CUSTOMER_BEHAVIOURS, type Erp, type Flow, type FaultKind, type FaultSpec, type Phase, type ScenarioPlan, type CustomerBehaviour, type WooDownMode } from './plan.js';
export { checkScenario, INVARIANTS, type Invariant, type Violation, type ErpView, type BookView, type ErpPayment, type ErpRefund } from './invariants.js';
export { scanForLeaks, luhnValid, type CampaignSecrets, type Leak } from './secrets.js';
export { summarise, formatReport, type CampaignSummary, type TableRow } from './report.js';
export { parseChaosArgs, USAGE, type ChaosArgs } from './args.js';
export { runChaosCli, EXIT, type ChaosIo } from './cli-main.js';
export { SABOTAGES, TEST_PAN, type Sabotage } from './sabotage.js';
export { Prng } from './prng.js';
export { simulatorFault, ScenarioFaults } from './faults.js';
export { Lane, LogSink } from './lane.js';
export { NotifyProcess, notifyCliPath } from './notify-process.js';
export { ChaosError } from './errors.js';
export { TIMINGS } from './timings.js';
