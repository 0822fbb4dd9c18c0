/** The `qfpay-chaos` command, testable: arguments in, exit code out, output through `io`. */
import { randomBytes } from 'node:crypto';
import { QfpayEcrError } from '@qfpay-ecr/core';
import { parseChaosArgs, USAGE } from './args.js';
import { runCampaign, type CampaignResult, type ScenarioResult } from './campaign.js';
import { formatReport, summarise } from './report.js';

/** Where the command writes. */
export interface ChaosIo {
  out(text: string): void;
  err(text: string): void;
}

export const EXIT = Object.freeze({ ok: 0, violations: 1, usage: 2 });

/** Runs the command; resolves its exit code. */
export async function runChaosCli(argv: readonly string[], io: ChaosIo): Promise<number> {
  let args;
  try {
    args = parseChaosArgs(argv);
  } catch (error) {
    io.err(`qfpay-chaos: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.usage;
  }
  if (args.help) {
    io.out(USAGE);
    return EXIT.ok;
  }
  const seed = args.seed ?? randomBytes(4).toString('hex');
  const total = args.only?.length ?? args.scenarios;
  let done = 0;
  let bad = 0;
  const progress = (r: ScenarioResult) => {
    done += 1;
    if (r.violations.length) bad += 1;
    if (!args.json && (done % 50 === 0 || done === total)) io.err(`… ${done}/${total} scenarios${bad ? `, ${bad} with violations` : ''}\n`);
  };
  let result: CampaignResult;
  try {
    result = await runCampaign({
      seed,
      scenarios: args.scenarios,
      erps: args.erps,
      concurrency: args.concurrency,
      onResult: progress,
      ...(args.only ? { only: args.only } : {}),
      ...(args.sabotage ? { sabotage: args.sabotage } : {}),
    });
  } catch (error) {
    io.err(`qfpay-chaos: the campaign could not run: ${error instanceof QfpayEcrError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.usage;
  }
  if (args.json) io.out(`${JSON.stringify(summarise(result), null, 2)}\n`);
  else io.out(formatReport(result, { verbose: args.verbose }));
  return result.violations.length > 0 ? EXIT.violations : EXIT.ok;
}
