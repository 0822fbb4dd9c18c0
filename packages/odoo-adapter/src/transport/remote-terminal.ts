/**
 * `RemoteTerminal`: a browser-safe {@link PaymentTerminal} over the payment bridge's HTTP API
 * (routes `/qfpay/terminals/:id/...` served next to the notify server, where a Node process owns
 * the real `QFPayTerminal`). Uses only `fetch`; no Node built-ins.
 *
 * Bridge API (all JSON, `Authorization: Bearer <token>`):
 * - `GET  /qfpay/terminals/:id` → `{ id, busy }` (reachability check before anything is sent)
 * - `POST /qfpay/terminals/:id/payments` `{ ref, amountMinor, channel, … }` → 202/200 job
 *   (idempotent on `ref` = the payment's out_trade_no: a retried POST never charges twice)
 * - `POST /qfpay/terminals/:id/refunds` `{ ref, syssn, amountMinor?, … }` → 202/200 job
 * - `GET  /qfpay/terminals/:id/jobs/:ref?since=<version>&waitMs=<ms>` → job (long poll)
 * - `POST /qfpay/terminals/:id/cancel` `{ evenIfIdle? }` → CancelResult
 * - `POST /qfpay/terminals/:id/query` `{ outTradeNo } | { syssn }` → QueryResult
 * - `POST /qfpay/terminals/:id/print-receipt` `{ syssn }`, `POST …/print-summary` → 204
 * A job is `{ ref, kind, version, stage, outcome? }`; `stage` is `accepted`, `queued`, `sent`,
 * `waiting_customer`, `resolving` or `final` (then `outcome` is set).
 */
import { z } from 'zod';
import { newOutTradeNo } from '@qfpay-ecr/core/reference';
import {
  CHANNELS,
  type CancelOptions,
  type CancelResult,
  type PaymentTerminal,
  type PayRequest,
  type ProgressStage,
  type QueryRequest,
  type QueryResult,
  type RefundRequest,
  type TransactionOutcome,
  validatePay,
  validateRefund,
} from '@qfpay-ecr/core/terminal';
import { QfpayEcrError } from '@qfpay-ecr/core';
import { AdapterConfigError, BridgeError } from '../errors.js';
import { sleep } from '../lifecycle/polling.js';
import { TerminalEmitter } from './emitter.js';
import { errorFromAnswer, requestJson, resolveToken, type FetchLike, type TokenSource } from './http.js';
import { parseCancelResult, parseOutcome, parseQueryResult, TransactionOutcomeSchema } from './outcome-schemas.js';

/** Options of {@link RemoteTerminal}. */
export interface RemoteTerminalOptions {
  /** Origin (and optional path prefix) of the bridge, e.g. `https://pos-bridge.shop.example`. */
  baseUrl: string;
  /** The terminal's id on the bridge. */
  terminalId: string;
  /** Bearer token for the bridge, or a function returning one (fetched lazily, e.g. by RPC). */
  token: TokenSource;
  /** Default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Timeout of ordinary requests; default 15000 ms. */
  requestTimeoutMs?: number;
  /** Longest wait of one long poll; default 20000 ms (the bridge caps it too). */
  longPollMs?: number;
  /** How long `pay`/`refund` follow a job before answering `unknown`; default 300000 ms. */
  followDeadlineMs?: number;
  /** Timeout of `cancel` (the bridge waits for the terminal to confirm); default 30000 ms. */
  cancelTimeoutMs?: number;
}

const REF = /^[A-Za-z0-9_-]{1,64}$/;

const OptionsSchema = z.object({
  baseUrl: z.url({ protocol: /^https?$/, error: 'baseUrl must be an http(s) URL' }),
  terminalId: z.string().regex(REF, { message: 'terminalId must be 1–64 characters of A-Z a-z 0-9 _ -' }),
  requestTimeoutMs: z.number().int().positive().optional(),
  longPollMs: z.number().int().positive().max(60_000).optional(),
  followDeadlineMs: z.number().int().positive().optional(),
  cancelTimeoutMs: z.number().int().positive().optional(),
});

const STAGES = ['accepted', 'queued', 'sent', 'waiting_customer', 'resolving', 'final'] as const;

/** A bridge job as the client reads it. */
export const BridgeJobSchema = z.object({
  ref: z.string().regex(REF),
  kind: z.enum(['payment', 'refund']),
  version: z.number().int().nonnegative(),
  stage: z.enum(STAGES),
  outcome: TransactionOutcomeSchema.optional(),
});
export type BridgeJob = z.infer<typeof BridgeJobSchema>;

/**
 * A {@link PaymentTerminal} whose terminal lives behind the payment bridge. `pay`/`refund`
 * resolve to outcomes and never reject once their input is valid; `close()` stops following
 * jobs (a transaction in flight keeps running on the bridge and its promise resolves `unknown`:
 * resolve it with `query`).
 */
export class RemoteTerminal extends TerminalEmitter implements PaymentTerminal {
  readonly #base: string;
  readonly #token: TokenSource;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;
  readonly #longPollMs: number;
  readonly #followMs: number;
  readonly #cancelMs: number;
  readonly #closing = new AbortController();
  #cachedToken: string | undefined;

  constructor(options: RemoteTerminalOptions) {
    super();
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new AdapterConfigError('CONFIG_BRIDGE', `invalid RemoteTerminal options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'set the bridge URL and terminal id of the payment method');
    }
    this.#base = `${options.baseUrl.replace(/\/+$/, '')}/qfpay/terminals/${encodeURIComponent(options.terminalId)}`;
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#timeoutMs = options.requestTimeoutMs ?? 15_000;
    this.#longPollMs = options.longPollMs ?? 20_000;
    this.#followMs = options.followDeadlineMs ?? 300_000;
    this.#cancelMs = options.cancelTimeoutMs ?? 30_000;
  }

  /** Takes a payment on the bridge's terminal. `outTradeNo` doubles as the job reference. */
  async pay(request: PayRequest): Promise<TransactionOutcome> {
    const { signal, amt: _wireAmount, outTradeNo, ...fields } = validatePay(request, {});
    const ref = outTradeNo ?? newOutTradeNo();
    return this.#transaction('payment', ref, '/payments', { ref, ...fields }, signal);
  }

  /** Refunds (part of) a payment by its syssn on the bridge's terminal. */
  async refund(request: RefundRequest): Promise<TransactionOutcome> {
    const { signal, refundAmount: _wireAmount, ...fields } = validateRefund(request, {});
    const ref = newOutTradeNo('rf');
    return this.#transaction('refund', ref, '/refunds', { ref, ...fields }, signal);
  }

  /** Asks the bridge's terminal to abandon its open screen. Rejects with {@link BridgeError} when the bridge cannot do it. */
  async cancel(options: CancelOptions = {}): Promise<CancelResult> {
    const answer = await this.#call('POST', '/cancel', { evenIfIdle: options.evenIfIdle === true }, this.#cancelMs, options.signal);
    if (answer.status !== 200) throw errorFromAnswer(answer, 'cancel');
    const result = parseCancelResult(answer.body);
    if (!result) throw new BridgeError('BRIDGE_BAD_ANSWER', 'cancel: the payment bridge answered something unexpected', 'check that the bridge and this page are the same version');
    this.emit('cancel', result);
    return result;
  }

  /** Looks a transaction up on the bridge's terminal (4001). */
  async query(request: QueryRequest): Promise<QueryResult> {
    const body = request.outTradeNo !== undefined ? { outTradeNo: request.outTradeNo } : { syssn: request.syssn };
    const answer = await this.#call('POST', '/query', body, this.#timeoutMs, request.signal);
    if (answer.status !== 200) throw errorFromAnswer(answer, 'query');
    const result = parseQueryResult(answer.body);
    if (!result) throw new BridgeError('BRIDGE_BAD_ANSWER', 'query: the payment bridge answered something unexpected', 'check that the bridge and this page are the same version');
    return result;
  }

  async printReceipt(syssn: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const answer = await this.#call('POST', '/print-receipt', { syssn }, this.#timeoutMs, options.signal);
    if (answer.status !== 204 && answer.status !== 200) throw errorFromAnswer(answer, 'print receipt');
  }

  async printSummary(options: { signal?: AbortSignal } = {}): Promise<void> {
    const answer = await this.#call('POST', '/print-summary', {}, this.#timeoutMs, options.signal);
    if (answer.status !== 204 && answer.status !== 200) throw errorFromAnswer(answer, 'print summary');
  }

  /** Stops following jobs; see the class documentation. */
  async close(): Promise<void> {
    this.#closing.abort();
  }

  // ------------------------------------------------------------------ internals

  async #call(method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number, signal?: AbortSignal) {
    const token = await this.#tokenValue();
    const signals = signal ? AbortSignal.any([signal, this.#closing.signal]) : this.#closing.signal;
    const answer = await requestJson(this.#fetch, `${this.#base}${path}`, { method, token, ...(body !== undefined && method === 'POST' ? { body } : {}), timeoutMs, signal: signals });
    if (answer.status === 401) this.#cachedToken = undefined;
    return answer;
  }

  async #tokenValue(): Promise<string> {
    if (this.#cachedToken === undefined) this.#cachedToken = await resolveToken(this.#token);
    return this.#cachedToken;
  }

  #failed(kind: 'payment' | 'refund', outTradeNo: string, err: unknown, fallbackCode: string): TransactionOutcome {
    const e = err instanceof QfpayEcrError ? err : undefined;
    const code = e?.code ?? fallbackCode;
    const message = e ? e.message.replace(` — ${e.hint}`, '') : 'the payment bridge could not take the request';
    return { status: 'failed', kind, outTradeNo, codes: {}, error: { code, message: `${message}; nothing was sent to the terminal`, hint: e?.hint ?? 'check the payment bridge' } };
  }

  async #transaction(kind: 'payment' | 'refund', ref: string, path: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<TransactionOutcome> {
    // 1. Is the bridge there? Nothing is sent to the terminal if not.
    try {
      const health = await this.#call('GET', '', undefined, this.#timeoutMs, signal);
      if (health.status !== 200) return this.#finish(this.#failed(kind, ref, errorFromAnswer(health, `${kind}`), 'BRIDGE_HTTP_ERROR'));
    } catch (err) {
      return this.#finish(this.#failed(kind, ref, err, 'BRIDGE_UNREACHABLE'));
    }
    // 2. Submit. The POST is idempotent on ref, so a lost answer is simply asked again.
    this.emit('progress', { kind, outTradeNo: ref, stage: 'queued' });
    const deadline = Date.now() + this.#followMs;
    let job: BridgeJob | undefined;
    let delay = 250;
    while (!job) {
      let answer;
      try {
        answer = await this.#call('POST', path, body, this.#timeoutMs, signal);
      } catch (err) {
        if (this.#closing.signal.aborted || Date.now() > deadline) return this.#finish(this.#unknown(kind, ref, 'the payment bridge stopped answering after the request was sent'));
        if (err instanceof BridgeError && err.code === 'ABORTED') return this.#finish(this.#unknown(kind, ref, 'aborted after the request was sent'));
        await sleep(delay, this.#closing.signal);
        delay = Math.min(delay * 2, 5000);
        continue;
      }
      if (answer.status === 200 || answer.status === 202) {
        const parsed = BridgeJobSchema.safeParse(answer.body);
        if (!parsed.success) return this.#finish(this.#unknown(kind, ref, 'the payment bridge accepted the request but answered something unexpected'));
        job = parsed.data;
        break;
      }
      // Refused before anything reached the terminal (busy, invalid, unauthorised…).
      const err = errorFromAnswer(answer, kind);
      const code = answer.status === 409 && err.code === 'BRIDGE_HTTP_ERROR' ? 'TERMINAL_BUSY' : err.code;
      return this.#finish({ status: 'failed', kind, outTradeNo: ref, codes: {}, error: { code, message: err.message.replace(` — ${err.hint}`, ''), hint: err.hint } });
    }
    if (signal) signal.addEventListener('abort', () => void this.cancel().catch(() => undefined), { once: true });
    return this.#follow(kind, ref, job, deadline);
  }

  async #follow(kind: 'payment' | 'refund', ref: string, first: BridgeJob, deadline: number): Promise<TransactionOutcome> {
    let job = first;
    let announced: string = 'queued';
    let delay = 250;
    for (;;) {
      if (job.stage !== announced && job.stage !== 'final' && job.stage !== 'accepted') {
        announced = job.stage;
        this.emit('progress', { kind, outTradeNo: ref, stage: job.stage as ProgressStage });
      }
      if (job.stage === 'final') {
        const outcome = job.outcome ? parseOutcome(job.outcome) : undefined;
        return this.#finish(outcome ?? this.#unknown(kind, ref, 'the payment bridge finished the job without a readable outcome'));
      }
      if (this.#closing.signal.aborted) return this.#finish(this.#unknown(kind, ref, 'stopped following (terminal closed); query it to learn the outcome'));
      if (Date.now() > deadline) return this.#finish(this.#unknown(kind, ref, `no final answer from the payment bridge within ${this.#followMs} ms`));
      try {
        const answer = await this.#call('GET', `/jobs/${encodeURIComponent(ref)}?since=${job.version}&waitMs=${this.#longPollMs}`, undefined, this.#longPollMs + this.#timeoutMs);
        if (answer.status === 404) return this.#finish(this.#unknown(kind, ref, 'the payment bridge lost track of the job (restarted?); query it to learn the outcome'));
        if (answer.status !== 200) throw errorFromAnswer(answer, 'follow');
        const parsed = BridgeJobSchema.safeParse(answer.body);
        if (!parsed.success) throw new BridgeError('BRIDGE_BAD_ANSWER', 'unexpected job answer', 'check versions');
        job = parsed.data;
        delay = 250;
      } catch {
        // Unreachable for a moment: the bridge keeps the transaction; ask again.
        await sleep(delay, this.#closing.signal);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  #unknown(kind: 'payment' | 'refund', outTradeNo: string, reason: string): TransactionOutcome {
    return { status: 'unknown', kind, outTradeNo, codes: {}, reason: `${reason}; never re-send: query({ outTradeNo }) or wait for the notification` };
  }

  #finish(outcome: TransactionOutcome): TransactionOutcome {
    this.emit('outcome', outcome);
    return outcome;
  }
}
