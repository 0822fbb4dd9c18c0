/** Command-line arguments of `qfpay-chaos` (zod-validated). */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ChaosError } from './errors.js';
import type { Erp } from './plan.js';
import { SABOTAGES, type Sabotage } from './sabotage.js';

export const USAGE = `Usage: qfpay-chaos --scenarios <n> --seed <seed> [options]
       pnpm chaos --scenarios <n> --seed <seed> [options]

Runs seeded end-to-end payment and refund scenarios through the real packages (terminal,
simulator, notify server process, Odoo POS harness, WooCommerce fake) with injected faults, then
checks the invariants against the simulator's own transaction book.

Options:
  --scenarios <n>      how many scenarios (indices 0 … n-1); default 100
  --seed <seed>        campaign seed (letters, digits, . _ -); default a random one (printed)
  --erp <which>        odoo | woo | both (default both)
  --only <i,j,…>       replay only these scenario indices of the seed
  --concurrency <k>    lanes running at once, 1–16 (default 4)
  --json               print the summary as JSON instead of the table
  --verbose            list every scenario with its outcome
  --sabotage <kind>    deliberately break the ERP side to prove the checker catches it:
                       ${SABOTAGES.join(' | ')} (always exits 1)
  --help               this text

Exit codes: 0 no violation, 1 at least one violation, 2 bad arguments or the campaign could not run.
`;

const intArg = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `--${name} must be a whole number` })
    .transform(Number)
    .pipe(z.number().int().min(min, { message: `--${name} must be at least ${min}` }).max(max, { message: `--${name} must be at most ${max}` }));

const ArgsSchema = z.strictObject({
  scenarios: intArg('scenarios', 1, 1_000_000).default(100),
  seed: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { message: '--seed must be 1–64 letters, digits, . _ -' }).optional(),
  erp: z.enum(['odoo', 'woo', 'both'], { error: '--erp must be odoo, woo or both' }).default('both'),
  only: z
    .string()
    .regex(/^\d+(,\d+)*$/, { message: '--only must be scenario indices separated by commas, e.g. 3,17' })
    .transform((s) => [...new Set(s.split(',').map(Number))])
    .optional(),
  concurrency: intArg('concurrency', 1, 16).default(4),
  json: z.boolean().default(false),
  verbose: z.boolean().default(false),
  sabotage: z.enum(SABOTAGES, { error: `--sabotage must be one of ${SABOTAGES.join(', ')}` }).optional(),
  help: z.boolean().default(false),
});

/** Parsed arguments. */
export interface ChaosArgs {
  scenarios: number;
  seed: string | undefined;
  erps: Erp[];
  only: number[] | undefined;
  concurrency: number;
  json: boolean;
  verbose: boolean;
  sabotage: Sabotage | undefined;
  help: boolean;
}

/** Parses argv (without node and the script). Throws {@link ChaosError} `CHAOS_ARGS` naming every problem. */
export function parseChaosArgs(argv: readonly string[]): ChaosArgs {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        scenarios: { type: 'string' },
        seed: { type: 'string' },
        erp: { type: 'string' },
        only: { type: 'string' },
        concurrency: { type: 'string' },
        json: { type: 'boolean' },
        verbose: { type: 'boolean' },
        sabotage: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    // node:util's errors (ERR_PARSE_ARGS_UNKNOWN_OPTION…) name the flag; they may come from another realm.
    const message = typeof error === 'object' && error !== null && 'message' in error ? String((error as { message: unknown }).message) : 'bad arguments';
    throw new ChaosError('CHAOS_ARGS', message, 'see --help');
  }
  const parsed = ArgsSchema.safeParse(values);
  if (!parsed.success) throw new ChaosError('CHAOS_ARGS', parsed.error.issues.map((i) => i.message).join('; '), 'see --help');
  const a = parsed.data;
  return {
    scenarios: a.scenarios,
    seed: a.seed,
    erps: a.erp === 'both' ? ['odoo', 'woo'] : [a.erp],
    only: a.only,
    concurrency: a.concurrency,
    json: a.json,
    verbose: a.verbose,
    sabotage: a.sabotage,
    help: a.help,
  };
}
