/**
 * Meaning of QFPay's codes. Outer codes (`respcd` of the reply) come from the ECR layer;
 * transaction codes (`data.respcd`) from QFPay's host. The `kind` says what a client may conclude.
 */

/** What a code lets a client conclude about money. */
export type CodeKind =
  /** The request did what was asked (outer 6000 / transaction 0000). */
  | 'success'
  /** Not final yet: keep querying, never re-send a payment. */
  | 'pending'
  /** Final: the request was refused or failed; no money moved for it. */
  | 'failed'
  /** The request was cancelled (6001). */
  | 'cancelled'
  /** Not in QFPay's tables: a payment answered with it is treated as unknown and queried. */
  | 'unrecognised';

export interface CodeInfo {
  readonly meaning: string;
  readonly kind: CodeKind;
  /** What to do, for codes a person must act on. */
  readonly hint?: string;
}

/** Outer ECR response codes. */
export const OUTER_CODES: Readonly<Record<string, CodeInfo>> = {
  '6000': { meaning: 'request succeeded', kind: 'success' },
  '6001': { meaning: 'request cancelled (by the customer on the terminal or by a 5001 cancel)', kind: 'cancelled' },
  '6002': { meaning: 'request error', kind: 'failed', hint: 'the terminal rejected the request; check it is idle and on the Haojin home screen' },
  '4003': {
    meaning: 'request denied (POS-KEY invalid, or HTTPS not synced)',
    kind: 'failed',
    hint: 'check the POS-KEY matches MMS → Device Settings → POS Key Mgmt; if HTTPS was just enabled in MMS, re-login the Haojin app so it syncs',
  },
  '4004': { meaning: 'wrong request method', kind: 'failed', hint: 'requests must be HTTP POST' },
  '4005': { meaning: 'other error', kind: 'failed' },
  '4006': { meaning: 'incorrect parameter(s)', kind: 'failed', hint: 'check the request fields against the ECR spec' },
  '5001': { meaning: 'decryption failed', kind: 'failed', hint: 'the POS-KEY used to encrypt differs from the terminal\'s; re-copy it and re-login Haojin' },
};

const PENDING = new Set(['1143', '1145', '1295', '1296', '1298']);

/** Transaction status codes (`data.respcd`), from QFPay's status-code table. */
export const TRANSACTION_CODES: Readonly<Record<string, CodeInfo>> = {
  '0000': { meaning: 'success', kind: 'success' },
  '1100': { meaning: 'system under maintenance', kind: 'failed' },
  '1101': { meaning: 'reversal error', kind: 'failed' },
  '1102': { meaning: 'duplicate request', kind: 'failed', hint: 'query the original transaction instead of repeating it' },
  '1103': { meaning: 'request format error', kind: 'failed' },
  '1104': { meaning: 'request parameter error', kind: 'failed' },
  '1105': { meaning: 'device not activated', kind: 'failed' },
  '1106': { meaning: 'invalid device', kind: 'failed' },
  '1107': { meaning: 'device not allowed', kind: 'failed' },
  '1108': { meaning: 'signature error', kind: 'failed' },
  '1125': { meaning: 'transaction already refunded', kind: 'failed' },
  '1136': { meaning: 'transaction does not exist or is not operational', kind: 'failed' },
  '1142': { meaning: 'order already closed', kind: 'failed' },
  '1143': { meaning: 'not yet paid: customer is entering the password', kind: 'pending' },
  '1145': { meaning: 'please wait: processing', kind: 'pending' },
  '1147': { meaning: 'WeChat Pay error', kind: 'failed' },
  '1150': { meaning: 'T0 billing: cancel not supported', kind: 'failed' },
  '1155': { meaning: 'refund denied', kind: 'failed' },
  '1181': { meaning: 'order expired', kind: 'failed' },
  '1201': { meaning: 'insufficient balance', kind: 'failed' },
  '1202': { meaning: 'payment code wrong or expired', kind: 'failed' },
  '1203': { meaning: 'merchant account error', kind: 'failed' },
  '1204': { meaning: 'bank error', kind: 'failed' },
  '1205': { meaning: 'transaction failed, retry later', kind: 'failed' },
  '1212': { meaning: 'use a UnionPay overseas payment code', kind: 'failed' },
  '1241': { meaning: 'store does not exist or status is wrong', kind: 'failed' },
  '1242': { meaning: 'store not configured correctly', kind: 'failed' },
  '1243': { meaning: 'store disabled', kind: 'failed' },
  '1250': { meaning: 'transaction forbidden', kind: 'failed' },
  '1251': { meaning: 'system error', kind: 'failed' },
  '1252': { meaning: 'system error', kind: 'failed' },
  '1254': { meaning: 'system error', kind: 'failed' },
  '1260': { meaning: 'order already paid', kind: 'failed', hint: 'query the original payment; do not charge again' },
  '1261': { meaning: 'order not paid', kind: 'failed' },
  '1262': { meaning: 'order already refunded', kind: 'failed' },
  '1263': { meaning: 'order cancelled', kind: 'failed' },
  '1264': { meaning: 'order closed', kind: 'failed' },
  '1265': { meaning: 'no refunds between 23:30 and 00:30', kind: 'failed', hint: 'retry the refund after 00:30 Hong Kong time' },
  '1266': { meaning: 'wrong transaction amount', kind: 'failed' },
  '1267': { meaning: 'order information mismatch', kind: 'failed' },
  '1268': { meaning: 'order does not exist', kind: 'failed' },
  '1269': { meaning: 'not enough unsettled funds today to refund', kind: 'failed' },
  '1270': { meaning: 'partial refund not supported for this currency', kind: 'failed' },
  '1271': { meaning: 'partial refund not supported for this transaction', kind: 'failed' },
  '1272': { meaning: 'refund above the maximum refundable amount', kind: 'failed' },
  '1294': { meaning: 'transaction blocked by the bank', kind: 'failed' },
  '1295': { meaning: 'slow network: confirm the result later (do not repeat the payment)', kind: 'pending' },
  '1296': { meaning: 'slow network: confirm the result later (do not repeat the payment)', kind: 'pending' },
  '1297': { meaning: 'bank system busy', kind: 'failed' },
  '1298': { meaning: 'slow network: confirm the result later (do not repeat the payment)', kind: 'pending' },
  '2005': { meaning: 'customer payment code wrong', kind: 'failed' },
  '2011': { meaning: 'transaction serial number repeats', kind: 'failed', hint: 'query the original transaction; use a fresh out_trade_no for a new attempt' },
};

/** Transaction codes that mean "not final yet: query again". */
export function isPendingTransactionCode(code: string): boolean {
  return PENDING.has(code);
}

/** Classifies an outer code; codes outside the table are `unrecognised`. */
export function classifyOuterCode(code: string): CodeInfo {
  return lookup(OUTER_CODES, code) ?? { meaning: `unrecognised ECR code ${code}`, kind: 'unrecognised' };
}

/** Classifies a transaction code; codes outside the table are `unrecognised`. */
export function classifyTransactionCode(code: string): CodeInfo {
  return lookup(TRANSACTION_CODES, code) ?? { meaning: `unrecognised transaction code ${code}`, kind: 'unrecognised' };
}

// Own properties only: a code such as "constructor" from a garbled reply must not hit Object.prototype.
function lookup(table: Readonly<Record<string, CodeInfo>>, code: string): CodeInfo | undefined {
  return Object.prototype.hasOwnProperty.call(table, code) ? table[code] : undefined;
}
