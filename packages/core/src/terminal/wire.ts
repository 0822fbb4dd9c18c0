/**
 * One request/reply with the terminal through the injected codec and poster, turned into an
 * {@link Exchange} (never a throw for terminal-side problems), plus the 4001 probe built on it.
 * Browser-safe.
 */
import { QfpayEcrError } from '../errors.js';
import { parseReplyData, type QueryReplyData } from '../protocol/reply-schemas.js';
import { ECR_PATHS, parseRequestContent, type EcrFuncType } from '../protocol/request-schemas.js';
import type { WireContent } from '../protocol/format.js';
import { ConnectionLostError, TransportError } from '../transport/errors.js';
import { errInfo } from './logger.js';
import type { EcrCodec, EcrPoster, TerminalLogger } from './ports.js';
import { bareMessage, failureOf, nonReplyFailure, NOT_FOUND_CODES, outerFailure, replyCodes, type Exchange, type Probe } from './support.js';

/** Options of one exchange. */
export interface ExchangeOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onSent?: () => void;
}

/** The engine's link to one terminal. */
export class TerminalWire {
  readonly #id: string;
  readonly #codec: EcrCodec;
  readonly #poster: EcrPoster;
  readonly #log: TerminalLogger;

  constructor(id: string, codec: EcrCodec, poster: EcrPoster, log: TerminalLogger) {
    this.#id = id;
    this.#codec = codec;
    this.#poster = poster;
    this.#log = log;
  }

  /** One request/reply. Never throws for terminal-side problems; returns what happened. */
  async exchange(funcType: EcrFuncType, content: WireContent, options: ExchangeOptions): Promise<Exchange> {
    const checked = parseRequestContent(content);
    const ref = (content.out_trade_no ?? content.orderId) as string | undefined;
    let body: string;
    try {
      body = await this.#codec.encode(checked, options.signal);
    } catch (err) {
      // A codec that cannot build the body (e.g. a remote signer refused) sent nothing.
      if (!(err instanceof QfpayEcrError)) throw err;
      const error = new TransportError(err.code, bareMessage(err), err.hint, { phase: 'request', mayHaveReachedTerminal: false, cause: err });
      this.#log.warn({ terminal: this.#id, funcType, ref, err: errInfo(error) }, 'ecr request not encoded');
      return { kind: 'transport-error', error };
    }
    const path = ECR_PATHS[funcType];
    this.#log.debug({ terminal: this.#id, funcType, path, ref }, 'ecr request');
    let status: number;
    let text: string;
    try {
      ({ status, body: text } = await this.#poster.post(path, body, options));
    } catch (err) {
      const error =
        err instanceof TransportError
          ? err
          : new ConnectionLostError('CONNECTION_LOST', `transport failed (${err instanceof Error ? err.name : 'unknown error'})`, 'treat the request as possibly delivered: query before acting', {
              phase: 'response',
              mayHaveReachedTerminal: true,
            });
      this.#log.warn({ terminal: this.#id, funcType, ref, err: errInfo(error) }, 'ecr transport error');
      return { kind: 'transport-error', error };
    }
    if (status < 200 || status >= 300) {
      this.#log.warn({ terminal: this.#id, funcType, ref, httpStatus: status }, 'ecr http error');
      return { kind: 'http-error', status };
    }
    try {
      const reply = this.#codec.decode(text);
      const txn = reply.data?.respcd;
      this.#log.debug({ terminal: this.#id, funcType, ref, respcd: reply.respcd, txnRespcd: typeof txn === 'string' ? txn : undefined, encrypted: reply.encrypted }, 'ecr reply');
      return { kind: 'reply', reply };
    } catch (error) {
      this.#log.warn({ terminal: this.#id, funcType, ref, err: errInfo(error), bytes: text.length }, 'ecr reply undecodable');
      return { kind: 'undecodable', error };
    }
  }

  /** One 4001 lookup. */
  async probe(by: { out_trade_no: string } | { orderId: string }, timeoutMs: number, signal?: AbortSignal): Promise<Probe> {
    const ex = await this.exchange(4001, { func_type: 4001, ...by }, { timeoutMs, ...(signal ? { signal } : {}) });
    if (ex.kind === 'transport-error') return { kind: 'error', reason: ex.error.code, failure: failureOf(ex.error), codes: {}, transportError: ex.error };
    if (ex.kind !== 'reply') {
      const failure = nonReplyFailure(ex);
      return { kind: 'error', reason: failure.code, failure, codes: {} };
    }
    const reply = ex.reply;
    if (reply.respcd !== '6000') return { kind: 'error', reason: `terminal answered ${reply.respcd}`, failure: outerFailure(reply), codes: replyCodes(reply) };
    if (!reply.data) {
      return { kind: 'error', reason: 'no data', failure: { code: 'REPLY_NO_DATA', message: 'the terminal answered the query without transaction data', hint: 'check the Haojin version (4001 needs 4.31.1+, out_trade_no lookups 4.32.5+)' }, codes: replyCodes(reply) };
    }
    let data: QueryReplyData;
    try {
      data = parseReplyData(4001, reply.data);
    } catch (err) {
      const failure = err instanceof QfpayEcrError ? failureOf(err) : { code: 'REPLY_UNDECODABLE', message: 'query data could not be read', hint: 'check the Haojin version' };
      return { kind: 'error', reason: failure.code, failure, codes: replyCodes(reply) };
    }
    const codes = replyCodes(reply, data);
    if (NOT_FOUND_CODES.has(data.respcd)) return { kind: 'not_found', codes };
    return { kind: 'found', data, codes };
  }

  /** A 5001 (cancel the open payment/refund screen). */
  send5001(timeoutMs: number, signal?: AbortSignal): Promise<Exchange> {
    return this.exchange(5001, { func_type: 5001 }, { timeoutMs, ...(signal ? { signal } : {}) });
  }

  async close(): Promise<void> {
    await this.#poster.close?.();
  }
}
