/**
 * The signed OpenAPI calls of ECR Cloud: builds the form body (termid, mchid when configured),
 * signs it, posts it, and turns what came back into a {@link CloudExchange} (never a throw for
 * anything QFPay or the network did), plus the query lookup as the terminal layer's `Probe`.
 */
import { QfpayEcrError } from '../errors.js';
import { isPendingTransactionCode } from '../protocol/codes.js';
import type { QueryReplyData } from '../protocol/reply-schemas.js';
import { errInfo } from '../terminal/logger.js';
import type { TerminalLogger } from '../terminal/ports.js';
import { compact, failureOf, NOT_FOUND_CODES, type Probe } from '../terminal/support.js';
import type { OutcomeCodes } from '../terminal/types.js';
import { ConnectionLostError, TransportError } from '../transport/errors.js';
import { cloudFailure, httpFailure } from './codes.js';
import type { CloudHttp } from './http.js';
import { decodeCloudReply, parseCloudTransaction, type CloudReply } from './schemas.js';
import { cloudAuthHeaders, sentParams, type CloudParams, type CloudSignType } from './signing.js';

/** The ECR Cloud endpoints. */
export const CLOUD_PATHS = Object.freeze({
  payment: '/ecr/v1/payment/async',
  refund: '/ecr/v1/refund/async',
  cancel: '/ecr/v1/cancel/async',
  printReceipt: '/ecr/v1/print_receipt/async',
  printSummary: '/ecr/v1/print_summary/async',
  /** The English doc's spelling; the Chinese doc says `/ecr/v1/query/async` (tried on a 404). */
  query: '/ecr/v1/query',
  queryAsync: '/ecr/v1/query/async',
} as const);

/** The two spellings of the query path. */
export type CloudQueryPath = typeof CLOUD_PATHS.query | typeof CLOUD_PATHS.queryAsync;

/** What one call to the OpenAPI produced. */
export type CloudExchange =
  | { kind: 'reply'; reply: CloudReply }
  | { kind: 'http-error'; status: number }
  | { kind: 'undecodable'; error: unknown }
  | { kind: 'transport-error'; error: TransportError };

/** Credentials and identity of the client. */
export interface CloudClientConfig {
  id: string;
  http: CloudHttp;
  appCode: string;
  clientKey: string;
  signType: CloudSignType;
  termid: string;
  mchid?: string;
  queryPath: CloudQueryPath;
  log: TerminalLogger;
}

/** Codes of a reply as an outcome carries them: QFPay's code, the transaction's, the message. */
export function cloudCodes(reply: CloudReply, data?: QueryReplyData): OutcomeCodes {
  const message = data?.resperr || data?.respmsg || reply.message || undefined;
  return compact({ respcd: reply.respcd, txnRespcd: data?.respcd, message });
}

/** Signed calls to one OpenAPI for one terminal (termid). */
export class CloudClient {
  readonly #c: CloudClientConfig;
  #queryPath: CloudQueryPath;

  constructor(config: CloudClientConfig) {
    this.#c = config;
    this.#queryPath = config.queryPath;
  }

  /** One signed POST. `params` get `termid` (and `mchid` when configured). Never throws for QFPay-side or network problems. */
  async exchange(path: string, params: CloudParams, options: { timeoutMs: number; signal?: AbortSignal; onSent?: () => void }): Promise<CloudExchange> {
    const c = this.#c;
    const all: CloudParams = { ...params, termid: c.termid, ...(c.mchid !== undefined ? { mchid: c.mchid } : {}) };
    const form = new URLSearchParams(sentParams(all)).toString();
    const ref = (params.out_trade_no ?? params.syssn) as string | undefined;
    c.log.debug({ terminal: c.id, path, ref }, 'cloud request');
    let status: number;
    let body: string;
    try {
      ({ status, body } = await c.http.post(path, form, cloudAuthHeaders(all, c.appCode, c.clientKey, c.signType), options));
    } catch (err) {
      const error =
        err instanceof TransportError
          ? err
          : new ConnectionLostError('CONNECTION_LOST', `request failed (${err instanceof Error ? err.name : 'unknown error'})`, 'treat it as possibly received by QFPay: query before acting', {
              phase: 'response',
              mayHaveReachedTerminal: true,
            });
      c.log.warn({ terminal: c.id, path, ref, err: errInfo(error) }, 'cloud transport error');
      return { kind: 'transport-error', error };
    }
    if (status < 200 || status >= 300) {
      c.log.warn({ terminal: c.id, path, ref, httpStatus: status }, 'cloud http error');
      return { kind: 'http-error', status };
    }
    try {
      const reply = decodeCloudReply(body);
      c.log.debug({ terminal: c.id, path, ref, respcd: reply.respcd }, 'cloud reply');
      return { kind: 'reply', reply };
    } catch (error) {
      c.log.warn({ terminal: c.id, path, ref, err: errInfo(error), bytes: body.length }, 'cloud reply undecodable');
      return { kind: 'undecodable', error };
    }
  }

  /** A query (by syssn or out_trade_no) on the configured path, trying the other spelling once on a 404. */
  async queryExchange(by: { syssn: string } | { out_trade_no: string }, timeoutMs: number, signal?: AbortSignal): Promise<CloudExchange> {
    const opts = { timeoutMs, ...(signal ? { signal } : {}) };
    const first = await this.exchange(this.#queryPath, by, opts);
    if (first.kind !== 'http-error' || first.status !== 404) return first;
    const other: CloudQueryPath = this.#queryPath === CLOUD_PATHS.query ? CLOUD_PATHS.queryAsync : CLOUD_PATHS.query;
    const second = await this.exchange(other, by, opts);
    if (second.kind === 'reply') {
      this.#c.log.info({ terminal: this.#c.id, queryPath: other }, 'the OpenAPI answers queries on the other path; using it from now on');
      this.#queryPath = other;
    }
    return second.kind === 'http-error' && second.status === 404 ? first : second;
  }

  /** One lookup in QFPay's book, judged: found (with the transaction), not found (1136/1268), or an error. */
  async probe(by: { syssn: string } | { out_trade_no: string }, timeoutMs: number, signal?: AbortSignal): Promise<Probe> {
    const ex = await this.queryExchange(by, timeoutMs, signal);
    return judgeQueryExchange(ex);
  }

  /** The query path in use. */
  get queryPath(): CloudQueryPath {
    return this.#queryPath;
  }

  async close(): Promise<void> {
    await this.#c.http.close();
  }
}

/** A query exchange as a `Probe` (the terminal layer's lookup result). */
export function judgeQueryExchange(ex: CloudExchange): Probe {
  switch (ex.kind) {
    case 'transport-error':
      return { kind: 'error', reason: ex.error.code, failure: failureOf(ex.error), codes: {}, transportError: ex.error };
    case 'http-error': {
      const failure = httpFailure(ex.status, 'query');
      return { kind: 'error', reason: failure.code, failure, codes: {} };
    }
    case 'undecodable': {
      const failure = ex.error instanceof QfpayEcrError ? failureOf(ex.error) : { code: 'CLOUD_REPLY_UNDECODABLE', message: 'the query reply could not be read', hint: 'check the base URL' };
      return { kind: 'error', reason: failure.code, failure, codes: {} };
    }
    case 'reply':
      break;
  }
  const reply = ex.reply;
  if (NOT_FOUND_CODES.has(reply.respcd)) return { kind: 'not_found', codes: cloudCodes(reply) };
  if (reply.respcd !== '0000') {
    const failure = cloudFailure(reply.respcd, reply.message, 'query');
    return { kind: 'error', reason: `QFPay answered ${reply.respcd}${isPendingTransactionCode(reply.respcd) ? ' (pending)' : ''}`, failure, codes: cloudCodes(reply) };
  }
  let data: QueryReplyData;
  try {
    data = parseCloudTransaction(reply.respmsg);
  } catch (err) {
    const failure = err instanceof QfpayEcrError ? failureOf(err) : { code: 'CLOUD_REPLY_UNDECODABLE', message: 'the transaction in the query reply could not be read', hint: 'query again' };
    return { kind: 'error', reason: failure.code, failure, codes: cloudCodes(reply) };
  }
  const codes = cloudCodes(reply, data);
  // A transaction whose own status says "does not exist" is not found either.
  if (NOT_FOUND_CODES.has(data.respcd)) return { kind: 'not_found', codes };
  return { kind: 'found', data, codes };
}
