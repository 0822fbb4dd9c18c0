import type { OutcomeStatus } from '../terminal/types.js';

/** Process exit codes of `qfpay-ecr`, one per outcome so scripts can branch without parsing. */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  declined: 3,
  cancelled: 4,
  failed: 5,
  unknown: 6,
  notFound: 7,
} as const;

/** Exit code for a transaction outcome; `approved` is success. */
export function exitCodeFor(status: OutcomeStatus): number {
  switch (status) {
    case 'approved':
      return EXIT.ok;
    case 'declined':
      return EXIT.declined;
    case 'cancelled':
      return EXIT.cancelled;
    case 'failed':
      return EXIT.failed;
    case 'unknown':
      return EXIT.unknown;
  }
}
