/**
 * The bridge → browser wire shapes of core's results (outcome-schemas.ts): every outcome core's
 * terminals produce must parse, including ECR Cloud approvals settled by QFPay's notification
 * (`resolvedBy: 'notification'`); anything else is refused rather than guessed.
 */
import type { TransactionOutcome } from '@qfpay-ecr/core/terminal';
import { CancelResultSchema, TransactionOutcomeSchema } from '../src/index.js';
import { parseCancelResult, parseOutcome } from '../src/transport/outcome-schemas.js';

const approved = (resolvedBy: string) => ({ status: 'approved', kind: 'payment', codes: { respcd: '0000' }, resolvedBy, syssn: '20250826100000000000000001', outTradeNo: 'ref-1', amountMinor: 1250, currency: 'HKD' });

describe('outcome schemas', () => {
  it.each(['reply', 'query', 'notification'])('an approval resolved by %s parses to the same outcome', (resolvedBy) => {
    const outcome = approved(resolvedBy) as TransactionOutcome;
    expect(parseOutcome(JSON.parse(JSON.stringify(outcome)))).toEqual(outcome);
    expect(parseCancelResult({ status: 'too_late', outcome })).toEqual({ status: 'too_late', outcome });
  });

  it('refuses what core never produces: other resolvers, a declined or cancelled outcome "resolved by notification"', () => {
    expect(TransactionOutcomeSchema.safeParse(approved('guess')).success).toBe(false);
    expect(parseOutcome({ status: 'declined', kind: 'payment', outTradeNo: 'r', codes: {}, reason: 'x', resolvedBy: 'notification' })).toBeUndefined();
    expect(parseOutcome({ status: 'cancelled', kind: 'payment', outTradeNo: 'r', codes: {}, by: 'pos', resolvedBy: 'notification' })).toBeUndefined();
    expect(CancelResultSchema.safeParse({ status: 'too_late', outcome: approved('guess') }).success).toBe(false);
  });
});
