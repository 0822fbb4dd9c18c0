import { formatDisplay } from '../money/index.js';
import type { CancelResult, ProgressStage, QueryResult, TransactionOutcome } from '../terminal/types.js';

const STAGE_TEXT: Record<ProgressStage, string> = {
  queued: 'Waiting for the terminal to be free…',
  sent: 'Sent to the terminal…',
  waiting_customer: 'Waiting for the customer on the terminal (Ctrl-C cancels)…',
  resolving: 'No clear answer: asking the terminal what happened…',
};

/** One human line per progress stage. */
export function describeStage(stage: ProgressStage): string {
  return STAGE_TEXT[stage];
}

/** Human summary of an outcome, several lines. `queryCommand` is how to look it up later. */
export function describeOutcome(outcome: TransactionOutcome, queryCommand = 'qfpay-ecr query'): string {
  const what = outcome.kind === 'payment' ? 'Payment' : 'Refund';
  switch (outcome.status) {
    case 'approved': {
      const lines = [
        `✓ ${what} approved: ${formatDisplay(outcome.amountMinor, outcome.currency)}`,
        `  syssn          ${outcome.syssn}`,
        `  out_trade_no   ${outcome.outTradeNo}`,
      ];
      if (outcome.cardScheme || outcome.maskedCard) lines.push(`  card           ${[outcome.cardScheme, outcome.maskedCard].filter(Boolean).join(' ')}`);
      if (outcome.channelRef) lines.push(`  channel ref    ${outcome.channelRef}`);
      if (outcome.origSyssn) lines.push(`  refund of      ${outcome.origSyssn}`);
      return lines.join('\n');
    }
    case 'declined':
      return `✗ ${what} declined: ${outcome.reason}${codeSuffix(outcome.codes.txnRespcd)}\n  out_trade_no   ${outcome.outTradeNo}`;
    case 'cancelled':
      return `– ${what} cancelled by the ${outcome.by === 'pos' ? 'cashier' : 'customer'}; nothing was charged.\n  out_trade_no   ${outcome.outTradeNo}`;
    case 'failed':
      return `✗ ${what} failed: ${outcome.error.message}\n  fix: ${outcome.error.hint}\n  out_trade_no   ${outcome.outTradeNo}`;
    case 'unknown':
      return `? ${what} outcome unknown: ${outcome.reason}\n  Do NOT charge again. Check later: ${queryCommand} --out-trade-no ${outcome.outTradeNo}`;
  }
}

export function describeQuery(result: QueryResult): string {
  if (!result.found) return `Not found on the terminal${codeSuffix(result.codes.txnRespcd)}.`;
  const lines = [`${result.kind === 'refund' ? 'Refund' : 'Payment'} ${result.syssn}: ${result.state}`];
  if (result.amountMinor !== undefined) lines.push(`  amount         ${formatDisplay(result.amountMinor, result.currency ?? 'HKD')}`);
  if (result.refundableMinor !== undefined) lines.push(`  refundable     ${formatDisplay(result.refundableMinor, result.currency ?? 'HKD')}`);
  if (result.outTradeNo) lines.push(`  out_trade_no   ${result.outTradeNo}`);
  if (result.cardScheme || result.maskedCard) lines.push(`  card           ${[result.cardScheme, result.maskedCard].filter(Boolean).join(' ')}`);
  return lines.join('\n');
}

export function describeCancel(result: CancelResult): string {
  switch (result.status) {
    case 'confirmed':
      return `Cancelled: the terminal confirmed nothing was charged for ${result.outTradeNo}.`;
    case 'requested':
      return 'Cancel sent to the terminal. If a payment was open, query it before charging again.';
    case 'nothing_to_cancel':
      return 'Nothing was waiting on the terminal.';
    case 'too_late':
      return `Too late to cancel:\n${describeOutcome(result.outcome)}`;
  }
}

function codeSuffix(code: string | undefined): string {
  return code ? ` (code ${code})` : '';
}
