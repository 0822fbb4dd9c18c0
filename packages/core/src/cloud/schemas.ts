/**
 * zod schemas of OpenAPI replies to the ECR Cloud endpoints. Every reply is a JSON object
 * `{respcd, resperr, respmsg}`: pushes answer `respcd 0000` ("Order push success") or an error
 * code; a successful query carries the transaction object INSIDE `respmsg` (an object, or, to be
 * tolerant, a JSON string). The transaction object has the fields of the terminal's 4001 reply
 * (integer-cent `txamt`/`allow_refund_amt`, `txcurrcd` "344", `cancel` flag…), so it is read
 * with the same schema.
 */
import { z } from 'zod';
import { DecodeError, QfpayEcrError } from '../errors.js';
import { codeText, describeIssues, looseText } from '../protocol/loose.js';
import { parseReplyData, type QueryReplyData } from '../protocol/reply-schemas.js';
import { bareMessage } from '../terminal/support.js';

/** The envelope of every reply. Unknown fields are kept. */
export const CloudReplySchema = z.looseObject({
  respcd: codeText,
  resperr: looseText,
  respmsg: z.unknown().optional(),
});

/** A decoded reply: the code, QFPay's message, and `respmsg` as sent (the query's transaction). */
export interface CloudReply {
  respcd: string;
  /** `resperr`, or `respmsg` when that is text; absent when both are empty. */
  message?: string;
  /** `respmsg` as sent: `""` for pushes, the transaction object (or its JSON text) for a query. */
  respmsg: unknown;
}

/** Decodes a reply body. Throws {@link DecodeError} `CLOUD_REPLY_NOT_JSON` / `CLOUD_REPLY_SCHEMA`. */
export function decodeCloudReply(body: string): CloudReply {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    throw new DecodeError('CLOUD_REPLY_NOT_JSON', 'the OpenAPI reply is not JSON', 'check the base URL points at the QFPay OpenAPI (not a proxy or captive portal)', { cause });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new DecodeError('CLOUD_REPLY_SCHEMA', 'the OpenAPI reply is not a JSON object', 'check the base URL points at the QFPay OpenAPI');
  }
  const parsed = CloudReplySchema.safeParse(json);
  if (!parsed.success) {
    throw new DecodeError('CLOUD_REPLY_SCHEMA', `the OpenAPI reply does not fit {respcd, resperr, respmsg}: ${describeIssues(parsed.error.issues)}`, 'check the base URL points at the QFPay OpenAPI');
  }
  const { respcd, resperr, respmsg } = parsed.data;
  const text = typeof respmsg === 'string' && respmsg.trim() !== '' ? respmsg.trim() : undefined;
  // A query's respmsg is the transaction (JSON), not a message.
  const message = resperr ?? (text !== undefined && !text.startsWith('{') ? text : undefined);
  return { respcd, respmsg, ...(message !== undefined ? { message: message.slice(0, 300) } : {}) };
}

/**
 * Reads the transaction object of a successful query from `respmsg` (object or JSON text).
 * Throws {@link DecodeError} `CLOUD_QUERY_NO_TRANSACTION` when there is none, or
 * `DECODE_REPLY_DATA` (from the 4001 schema) when its fields do not fit.
 */
export function parseCloudTransaction(respmsg: unknown): QueryReplyData {
  let value = respmsg;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') throw new DecodeError('CLOUD_QUERY_NO_TRANSACTION', 'the query answered 0000 without a transaction', 'query again; check the syssn / out_trade_no');
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new DecodeError('CLOUD_QUERY_NO_TRANSACTION', 'the transaction in the query reply is not JSON', 'query again; report this reply to QFPay if it persists', { cause });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DecodeError('CLOUD_QUERY_NO_TRANSACTION', 'the query answered 0000 without a transaction object', 'query again; check the syssn / out_trade_no');
  }
  try {
    return parseReplyData(4001, value);
  } catch (err) {
    if (err instanceof QfpayEcrError) throw new DecodeError(err.code, bareMessage(err).replace('func_type 4001', 'the cloud query'), err.hint);
    throw err;
  }
}
