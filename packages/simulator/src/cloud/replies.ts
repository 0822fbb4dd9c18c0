/**
 * Replies of QFPay's OpenAPI as the ECR Cloud doc shows them: a JSON object with `resperr`,
 * `respcd` and `respmsg` in that order; `respmsg` is `""` except for a successful query, where it
 * holds the transaction. Codes come from QFPay's status-code table
 * (QFPay/docs docs/02-api-reference/status-codes.md @ ecdcfd79).
 */

/** One OpenAPI reply body. */
export interface CloudReply {
  resperr: string;
  respcd: string;
  respmsg: string | Record<string, unknown>;
}

/** The operations of the ECR Cloud API. */
export type CloudOperation = 'payment' | 'refund' | 'cancel' | 'print_receipt' | 'print_summary' | 'query';

/** Success messages exactly as QFPay's samples spell them (note the capital S of "Summary"). */
const PUSHED: Readonly<Record<Exclude<CloudOperation, 'query'>, string>> = {
  payment: 'Order push success',
  refund: 'Refund push success',
  cancel: 'Cancel push success',
  print_receipt: 'Print receipt push success',
  print_summary: 'Print Summary push success',
};

const reply = (respcd: string, resperr: string): CloudReply => ({ resperr, respcd, respmsg: '' });

/**
 * Masks a termid the way QFPay's 1106 sample does (`235C****503`): the first 4 and last 3
 * characters of a long id, 2 and 2 of a medium one, nothing of a short one.
 */
export function maskTermid(termid: string): string {
  if (termid.length >= 11) return `${termid.slice(0, 4)}****${termid.slice(-3)}`;
  if (termid.length >= 6) return `${termid.slice(0, 2)}****${termid.slice(-2)}`;
  return '****';
}

/** Reply builders. */
export const cloudReplies = {
  /** `0000`: the request was pushed to the terminal (the result comes later, by notification or query). */
  pushed: (op: Exclude<CloudOperation, 'query'>): CloudReply => reply('0000', PUSHED[op]),
  /** `0000` with the transaction inside `respmsg`. */
  querySuccess: (transaction: Record<string, unknown>): CloudReply => ({ resperr: 'Query success', respcd: '0000', respmsg: transaction }),
  /** `1136` for queries and receipts (the doc's wording). */
  orderNotFound: (): CloudReply => reply('1136', "The order doesn't exist"),
  /** `1136` for refunds of an unknown or unsuccessful payment (the doc's refund wording). */
  refundNotFound: (): CloudReply => reply('1136', "Transaction doesn't exist or now isn't in operation time"),
  /** `1106` "Invalid device": the termid is not the one bound to this app (the doc's wording, termid masked). */
  unbound: (termid: string): CloudReply => reply('1106', `Termid ${maskTermid(termid)} is unbounded, please login MchntApp to bind it!`),
  /** `1108` "Signature error": missing/unknown app code, missing/wrong signature, unsupported sign type. */
  signature: (why: string): CloudReply => reply('1108', `Signature error: ${why}`),
  /** `1103` "Request format error": not a form-encoded POST body. */
  format: (why: string): CloudReply => reply('1103', `Request format error: ${why}`),
  /** `1104` "Request parameter error": names the field, never echoes its value. */
  params: (why: string): CloudReply => reply('1104', `Request parameter error: ${why}`),
  /** `1102` "Duplicate request": this out_trade_no is already in use. */
  duplicate: (): CloudReply => reply('1102', 'Duplicate request: out_trade_no has already been used'),
  /** Any other refusal with its status code. */
  refused: (respcd: string, resperr: string): CloudReply => reply(respcd, resperr),
};
