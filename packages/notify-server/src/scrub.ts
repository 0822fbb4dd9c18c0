/**
 * Text hygiene for anything we log or record that may echo what a sender wrote: card numbers
 * become first6…last4 and control characters are dropped. Identifiers are never passed through
 * this (a 19-digit out_trade_no is not a card number); only free text such as error details.
 */
import { looksLikePan, maskPan } from '@qfpay-ecr/core';

// A whole run of 13–19 digits (not part of a longer number), optionally grouped by single spaces or dashes.
const DIGIT_RUN = /(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]+/g;

/** Masks card-number-like digit runs and strips control characters; caps the length. */
export function scrubText(text: string, maxLength = 300): string {
  const masked = text.replace(DIGIT_RUN, (run) => (looksLikePan(run) ? maskPan(run) : run)).replace(CONTROL, ' ');
  return masked.length > maxLength ? `${masked.slice(0, maxLength)}…` : masked;
}
