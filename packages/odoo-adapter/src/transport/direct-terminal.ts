/**
 * `DirectTerminal`: a browser-safe {@link PaymentTerminal} that POSTs straight to the terminal
 * (`https://<ip>:9001/api/pos/...`, as pos_qfpay does), with every body signed and encrypted by
 * a server-side {@link RequestSigner} so the POS-KEY never reaches the browser. The device must
 * trust the terminal's certificate (QFPay's `ca3.crt`); if it cannot, use the bridge topology.
 *
 * Replies are read as plain JSON (what terminals send over HTTPS, and all Odoo reads). Safety
 * rules as in core's `QFPayTerminal`: a payment is never re-sent; before a payment, a 4001 for its
 * reference proves the terminal is reachable (so "cannot reach" really means nothing was sent)
 * and that the reference is fresh; after it, anything unclear is `unknown` (the lifecycle then
 * polls); a 6001 is confirmed by a query before it counts as cancelled.
 */
import { z } from 'zod';
import { toWireAmount, toWireRefundAmount } from '@qfpay-ecr/core/money';
import {
  classifyOuterCode,
  classifyTransactionCode,
  ECR_PATHS,
  isPendingTransactionCode,
  parseReplyData,
  parseRequestContent,
  type EcrFuncType,
  type EcrRequestContent,
  type QueryReplyData,
} from '@qfpay-ecr/core/protocol';
import { newOutTradeNo } from '@qfpay-ecr/core/reference';
import {
  CHANNELS,
  InvalidRequestError,
  TerminalRequestError,
  type CancelOptions,
  type CancelResult,
  type OutcomeCodes,
  type PaymentTerminal,
  type PayRequest,
  type QueryRequest,
  type QueryResult,
  type RefundRequest,
  type TransactionOutcome,
} from '@qfpay-ecr/core/terminal';
import { QfpayEcrError } from '@qfpay-ecr/core';
import { AdapterConfigError } from '../errors.js';
import { TerminalEmitter } from './emitter.js';
import { withTimeout, type FetchLike } from './http.js';
import type { RequestSigner } from './signer.js';

/** Options of {@link DirectTerminal}. */
export interface DirectTerminalOptions {
  /** The terminal's IP address (its certificate is issued for it). */
  host: string;
  /** Default 9001. */
  port?: number;
  /** Default `https`; `http` only if the terminal serves plain HTTP on purpose. */
  protocol?: 'https' | 'http';
  /** Signs and encrypts each request on a server (Odoo RPC or the notify server's route). */
  signer: RequestSigner;
  fetch?: FetchLike;
  /** Timeout of queries, cancels and prints; default 15000 ms. */
  requestTimeoutMs?: number;
  /** Added to the customer's time to get the payment's HTTP timeout; default 30000 ms. */
  paymentReplyGraceMs?: number;
  /** Customer time when a payment gives none; default 120 s (the terminal's default). */
  defaultPaymentTimeoutSec?: number;
  /** How long `cancel()` waits for the open transaction to settle; default 10000 ms. */
  cancelWaitMs?: number;
}

const REF = /^[A-Za-z0-9_-]{1,64}$/;
const NOT_FOUND = new Set(['1136', '1268']);
const CERT_HINT =
  "check the terminal's IP address and that this device is on the shop network; if the address is right, this browser probably does not trust the terminal's certificate: import QFPay's ca3.crt on this device, or use the payment bridge";

const OptionsSchema = z.object({
  host: z.string().regex(/^[A-Za-z0-9.:[\]-]{1,253}$/, { message: 'host must be the terminal IP address' }),
  port: z.number().int().min(1).max(65535).optional(),
  protocol: z.enum(['https', 'http']).optional(),
  signer: z.custom<RequestSigner>((v) => typeof v === 'function', { message: 'signer must be a function' }),
});

const PayRequestSchema = z.object({
  amountMinor: z.number().int().positive(),
  currency: z.literal('HKD').optional(),
  channel: z.enum(CHANNELS),
  outTradeNo: z.string().regex(REF).optional(),
  scanType: z.enum(['QRCODE_PAY', 'SCAN_PAY']).optional(),
  cameraId: z.union([z.literal(0), z.literal(1)]).optional(),
  paymentTimeoutSec: z.number().int().positive().max(3600).optional(),
  moveToBack: z.boolean().optional(),
});

const RefundRequestSchema = z.object({
  syssn: z.string().regex(REF),
  amountMinor: z.number().int().positive().optional(),
  currency: z.literal('HKD').optional(),
  allowModify: z.boolean().optional(),
  moveToBack: z.boolean().optional(),
});

const ReplySchema = z.looseObject({
  respcd: z.union([z.string(), z.number()]).transform(String),
  respmsg: z.unknown().optional(),
  resperr: z.unknown().optional(),
  data: z.unknown().optional(),
});

interface Reply {
  respcd: string;
  message: string;
  data: Record<string, unknown> | null;
}

type Exchange =
  | { kind: 'reply'; reply: Reply }
  | { kind: 'sign-error'; error: QfpayEcrError }
  | { kind: 'network'; detail: string }
  | { kind: 'http-error'; status: number }
  | { kind: 'undecodable' };

interface InFlight {
  kind: 'payment' | 'refund';
  outTradeNo: string;
  cancelRequested: boolean;
  sent: boolean;
  outcome?: TransactionOutcome;
  settled: Promise<TransactionOutcome>;
  settle: (o: TransactionOutcome) => void;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** Reads a terminal reply as plain JSON (`data` possibly a JSON string); undefined when it is not one. */
export function decodePlainReply(body: string): Reply | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const r = ReplySchema.safeParse(json);
  if (!r.success) return undefined;
  let data: unknown = r.data.data;
  if (typeof data === 'string') {
    if (data === '') data = null;
    else {
      try {
        data = JSON.parse(data);
      } catch {
        return undefined;
      }
    }
  }
  if (data !== undefined && data !== null && (typeof data !== 'object' || Array.isArray(data))) return undefined;
  const d = (data ?? null) as Record<string, unknown> | null;
  return { respcd: r.data.respcd, message: text(r.data.resperr) || text(r.data.respmsg) || text(d?.reserr) || text(d?.resmsg), data: d };
}

function invalid(what: string, issues: z.core.$ZodIssue[]): InvalidRequestError {
  return new InvalidRequestError('REQUEST_INVALID', `invalid ${what}: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, 'fix the listed fields; nothing was sent');
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function paidState(cancel: number | undefined): 'paid' | 'refunded' | 'partially_refunded' | 'cancelled' {
  if (cancel === 1 || cancel === 2) return 'cancelled';
  if (cancel === 3) return 'refunded';
  if (cancel === 5) return 'partially_refunded';
  return 'paid';
}

/** See the module documentation. */
export class DirectTerminal extends TerminalEmitter implements PaymentTerminal {
  readonly #origin: string;
  readonly #signer: RequestSigner;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;
  readonly #graceMs: number;
  readonly #defaultTimeoutSec: number;
  readonly #cancelWaitMs: number;
  #current: InFlight | undefined;
  #closed = false;

  constructor(options: DirectTerminalOptions) {
    super();
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new AdapterConfigError('CONFIG_TERMINAL', `invalid DirectTerminal options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'set the terminal IP address of the payment method');
    }
    const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
    this.#origin = `${options.protocol ?? 'https'}://${host}:${options.port ?? 9001}`;
    this.#signer = options.signer;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#timeoutMs = options.requestTimeoutMs ?? 15_000;
    this.#graceMs = options.paymentReplyGraceMs ?? 30_000;
    this.#defaultTimeoutSec = options.defaultPaymentTimeoutSec ?? 120;
    this.#cancelWaitMs = options.cancelWaitMs ?? 10_000;
  }

  /** Where requests go, e.g. `https://192.168.1.50:9001`. */
  get origin(): string {
    return this.#origin;
  }

  async pay(request: PayRequest): Promise<TransactionOutcome> {
    const { signal, ...rest } = request;
    const parsed = PayRequestSchema.safeParse(rest);
    if (!parsed.success) throw invalid('payment request', parsed.error.issues);
    const p = parsed.data;
    const outTradeNo = p.outTradeNo ?? newOutTradeNo();
    const content = parseRequestContent(
      compact({
        func_type: 1001,
        amt: toWireAmount(p.amountMinor),
        channel: p.channel,
        out_trade_no: outTradeNo,
        camera_id: p.cameraId,
        scan_type: p.scanType,
        payment_timeout: p.paymentTimeoutSec,
        moveToBack: p.moveToBack === undefined ? undefined : p.moveToBack ? 1 : 0,
      }),
    );
    return this.#run('payment', outTradeNo, signal, async (ctx) => {
      const pre = await this.#exchange(4001, { func_type: 4001, out_trade_no: outTradeNo }, this.#timeoutMs, signal);
      const refused = this.#preflightRefusal('payment', outTradeNo, pre, true);
      if (refused) return refused;
      if (ctx.cancelRequested) return { status: 'cancelled', kind: 'payment', outTradeNo, codes: {}, by: 'pos', resolvedBy: 'reply' };
      const timeoutMs = (p.paymentTimeoutSec ?? this.#defaultTimeoutSec) * 1000 + this.#graceMs;
      const ex = await this.#send(ctx, 1001, content, timeoutMs);
      return this.#interpretPayment(ex, p.amountMinor, outTradeNo, ctx);
    });
  }

  async refund(request: RefundRequest): Promise<TransactionOutcome> {
    const { signal, ...rest } = request;
    const parsed = RefundRequestSchema.safeParse(rest);
    if (!parsed.success) throw invalid('refund request', parsed.error.issues);
    const r = parsed.data;
    const localRef = newOutTradeNo('rf');
    const content = parseRequestContent(
      compact({
        func_type: 1002,
        orderId: r.syssn,
        refund_amount: r.amountMinor === undefined ? undefined : toWireRefundAmount(r.amountMinor),
        allow_modify_flag: r.allowModify === undefined ? undefined : r.allowModify ? 1 : 0,
        moveToBack: r.moveToBack === undefined ? undefined : r.moveToBack ? 1 : 0,
      }),
    );
    return this.#run('refund', localRef, signal, async (ctx) => {
      const pre = await this.#exchange(4001, { func_type: 4001, orderId: r.syssn }, this.#timeoutMs, signal);
      const refused = this.#preflightRefusal('refund', localRef, pre, false);
      if (refused) return refused;
      if (ctx.cancelRequested) return { status: 'cancelled', kind: 'refund', outTradeNo: localRef, codes: {}, by: 'pos', resolvedBy: 'reply' };
      const ex = await this.#send(ctx, 1002, content, this.#defaultTimeoutSec * 1000 + this.#graceMs);
      return this.#interpretRefund(ex, r.amountMinor, r.syssn, localRef, ctx);
    });
  }

  async cancel(options: CancelOptions = {}): Promise<CancelResult> {
    const ctx = this.#current;
    if (!ctx) {
      if (!options.evenIfIdle) return this.#cancelResult({ status: 'nothing_to_cancel' });
      const ex = await this.#exchange(5001, { func_type: 5001 }, this.#timeoutMs, options.signal);
      if (ex.kind === 'reply' && ex.reply.respcd === '6000') return this.#cancelResult({ status: 'requested' });
      throw this.#requestError(ex, 'cancel (5001)');
    }
    if (ctx.outcome) return this.#cancelResult(this.#cancelFor(ctx, ctx.outcome));
    ctx.cancelRequested = true;
    let sent: Exchange | undefined;
    if (ctx.sent) {
      sent = await this.#exchange(5001, { func_type: 5001 }, this.#timeoutMs, options.signal);
      if (sent.kind === 'sign-error' || (sent.kind === 'network' && !ctx.outcome)) throw this.#requestError(sent, 'cancel (5001)');
    }
    const outcome = ctx.outcome ?? (await this.#within(ctx.settled, this.#cancelWaitMs));
    if (outcome) return this.#cancelResult(this.#cancelFor(ctx, outcome));
    if (!sent || (sent.kind === 'reply' && sent.reply.respcd === '6000')) return this.#cancelResult({ status: 'requested', outTradeNo: ctx.outTradeNo });
    throw this.#requestError(sent, 'cancel (5001)');
  }

  async query(request: QueryRequest): Promise<QueryResult> {
    const by = request.outTradeNo !== undefined ? { out_trade_no: request.outTradeNo } : { orderId: request.syssn as string };
    const ex = await this.#exchange(4001, { func_type: 4001, ...by }, this.#timeoutMs, request.signal);
    if (ex.kind !== 'reply' || ex.reply.respcd !== '6000' || !ex.reply.data) throw this.#requestError(ex, 'query (4001)');
    let data: QueryReplyData;
    try {
      data = parseReplyData(4001, ex.reply.data);
    } catch (err) {
      throw new TerminalRequestError('REPLY_UNDECODABLE', 'query failed: the terminal answered data that does not fit', 'check the Haojin version', { cause: err });
    }
    const codes = this.#codes(ex.reply, data);
    if (NOT_FOUND.has(data.respcd)) return { found: false, codes };
    const state = data.respcd === '0000' ? paidState(data.cancel) : isPendingTransactionCode(data.respcd) ? 'pending' : 'failed';
    return compact({
      found: true as const,
      state,
      kind: data.tradetp === 'refund' ? ('refund' as const) : ('payment' as const),
      refundableMinor: data.refundableMinor,
      codes,
      syssn: data.syssn ?? '',
      outTradeNo: data.out_trade_no,
      amountMinor: data.amountMinor,
      currency: data.currency === 'HKD' ? ('HKD' as const) : undefined,
      channelRef: data.chnlsn,
      payType: data.busicd,
      cardScheme: data.cardscheme,
      maskedCard: data.cardno,
      sysTime: data.sysdtm,
      origSyssn: data.origssn,
    });
  }

  async printReceipt(syssn: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!REF.test(syssn)) throw new InvalidRequestError('REQUEST_INVALID', 'invalid syssn', 'pass the transaction id');
    const ex = await this.#exchange(3001, { func_type: 3001, orderId: syssn }, this.#timeoutMs, options.signal);
    if (ex.kind !== 'reply' || ex.reply.respcd !== '6000') throw this.#requestError(ex, 'print receipt (3001)');
  }

  async printSummary(options: { signal?: AbortSignal } = {}): Promise<void> {
    const ex = await this.#exchange(3002, { func_type: 3002 }, this.#timeoutMs, options.signal);
    if (ex.kind !== 'reply' || ex.reply.respcd !== '6000') throw this.#requestError(ex, 'print summary (3002)');
  }

  /** Waits for the open transaction (bounded by its HTTP timeout), then refuses new ones. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#current) await this.#current.settled;
  }

  // ------------------------------------------------------------------ internals

  async #run(kind: 'payment' | 'refund', outTradeNo: string, signal: AbortSignal | undefined, body: (ctx: InFlight) => Promise<TransactionOutcome>): Promise<TransactionOutcome> {
    if (this.#closed) return this.#emitOutcome({ status: 'failed', kind, outTradeNo, codes: {}, error: { code: 'TERMINAL_CLOSED', message: 'the terminal was closed', hint: 'nothing was sent' } });
    if (this.#current) {
      return this.#emitOutcome({ status: 'failed', kind, outTradeNo, codes: {}, error: { code: 'TERMINAL_BUSY', message: 'another payment or refund is in progress on this terminal; nothing was sent', hint: 'wait for it to finish' } });
    }
    let settle!: (o: TransactionOutcome) => void;
    const settled = new Promise<TransactionOutcome>((r) => (settle = r));
    const ctx: InFlight = { kind, outTradeNo, cancelRequested: false, sent: false, settled, settle };
    this.#current = ctx;
    this.emit('progress', { kind, outTradeNo, stage: 'queued' });
    const onAbort = () => void this.cancel().catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    let outcome: TransactionOutcome;
    try {
      outcome = await body(ctx);
    } catch {
      outcome = ctx.sent
        ? { status: 'unknown', kind, outTradeNo, codes: {}, reason: 'internal error after the request was sent; never re-send: query it' }
        : { status: 'failed', kind, outTradeNo, codes: {}, error: { code: 'INTERNAL', message: 'internal error before anything was sent', hint: 'report this' } };
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    ctx.outcome = outcome;
    this.#current = undefined;
    ctx.settle(outcome);
    return this.#emitOutcome(outcome);
  }

  #emitOutcome(outcome: TransactionOutcome): TransactionOutcome {
    this.emit('outcome', outcome);
    return outcome;
  }

  /** Judges the 4001 sent before a payment/refund; a refusal means nothing was sent. */
  #preflightRefusal(kind: 'payment' | 'refund', outTradeNo: string, ex: Exchange, mustBeNew: boolean): TransactionOutcome | undefined {
    const failed = (code: string, message: string, hint: string): TransactionOutcome => ({ status: 'failed', kind, outTradeNo, codes: {}, error: { code, message, hint } });
    switch (ex.kind) {
      case 'sign-error':
        return failed(ex.error.code, `${ex.error.message.replace(` — ${ex.error.hint}`, '')}; nothing was sent to the terminal`, ex.error.hint);
      case 'network':
        return failed('TERMINAL_UNREACHABLE', `cannot reach the terminal at ${this.#origin} (${ex.detail})`, CERT_HINT);
      case 'http-error':
        return failed(`HTTP_${ex.status}`, `the terminal answered HTTP ${ex.status}; nothing was sent`, 'check that the address is the terminal ECR port (9001)');
      case 'undecodable':
        return failed('REPLY_UNDECODABLE', 'the terminal answered something unreadable; nothing was sent', 'check the Haojin version; encrypted replies need the payment bridge');
      case 'reply':
        break;
    }
    const reply = ex.reply;
    if (reply.respcd !== '6000') {
      const info = classifyOuterCode(reply.respcd);
      return { status: 'failed', kind, outTradeNo, codes: { respcd: reply.respcd, ...(reply.message ? { message: reply.message } : {}) }, error: { code: reply.respcd, message: `terminal answered ${reply.respcd}: ${info.meaning}; nothing was sent`, hint: info.hint ?? 'check the terminal' } };
    }
    if (mustBeNew && reply.data && typeof reply.data.respcd === 'string' && !NOT_FOUND.has(reply.data.respcd)) {
      return failed('REQUEST_REUSED_OUT_TRADE_NO', `the terminal already has a transaction ${outTradeNo}; nothing was sent`, 'query it instead; every attempt needs a fresh reference');
    }
    return undefined;
  }

  async #send(ctx: InFlight, funcType: 1001 | 1002, content: EcrRequestContent, timeoutMs: number): Promise<Exchange> {
    let ciphertext: string;
    try {
      ciphertext = await this.#signer(content);
    } catch (err) {
      return { kind: 'sign-error', error: err instanceof QfpayEcrError ? err : new AdapterConfigError('SIGNER_FAILED', 'signing failed', 'check the signing endpoint') };
    }
    ctx.sent = true;
    this.emit('progress', { kind: ctx.kind, outTradeNo: ctx.outTradeNo, stage: 'sent' });
    return this.#post(funcType, ciphertext, timeoutMs);
  }

  async #exchange(funcType: EcrFuncType, content: EcrRequestContent, timeoutMs: number, signal?: AbortSignal): Promise<Exchange> {
    let ciphertext: string;
    try {
      ciphertext = await this.#signer(parseRequestContent(content), signal);
    } catch (err) {
      return { kind: 'sign-error', error: err instanceof QfpayEcrError ? err : new AdapterConfigError('SIGNER_FAILED', 'signing failed', 'check the signing endpoint') };
    }
    return this.#post(funcType, ciphertext, timeoutMs, signal);
  }

  async #post(funcType: EcrFuncType, ciphertext: string, timeoutMs: number, signal?: AbortSignal): Promise<Exchange> {
    let res: Response;
    try {
      res = await this.#fetch(`${this.#origin}${ECR_PATHS[funcType]}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(ciphertext),
        signal: withTimeout(timeoutMs, signal),
      });
    } catch (err) {
      return { kind: 'network', detail: err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError') ? 'no answer in time' : 'failed to fetch' };
    }
    let body: string;
    try {
      body = await res.text();
    } catch {
      return { kind: 'network', detail: 'connection lost while reading the reply' };
    }
    if (res.status < 200 || res.status >= 300) return { kind: 'http-error', status: res.status };
    const reply = decodePlainReply(body);
    return reply ? { kind: 'reply', reply } : { kind: 'undecodable' };
  }

  #codes(reply: Reply, data?: { respcd?: string; resperr?: string; respmsg?: string }): OutcomeCodes {
    const message = data?.resperr || data?.respmsg || reply.message || undefined;
    return compact({ respcd: reply.respcd, txnRespcd: data?.respcd, message });
  }

  async #interpretPayment(ex: Exchange, amountMinor: number, outTradeNo: string, ctx: InFlight): Promise<TransactionOutcome> {
    const unknown = (reason: string): TransactionOutcome => ({ status: 'unknown', kind: 'payment', outTradeNo, codes: ex.kind === 'reply' ? this.#codes(ex.reply) : {}, reason });
    switch (ex.kind) {
      case 'sign-error':
        return { status: 'failed', kind: 'payment', outTradeNo, codes: {}, error: { code: ex.error.code, message: 'signing failed; nothing was sent to the terminal', hint: ex.error.hint } };
      case 'network':
        return unknown(`no reply from the terminal (${ex.detail})`);
      case 'http-error':
        return unknown(`terminal answered HTTP ${ex.status}`);
      case 'undecodable':
        return unknown('terminal reply could not be read');
      case 'reply':
        break;
    }
    const reply = ex.reply;
    if (reply.respcd === '6001') return this.#confirmCancelled(outTradeNo, amountMinor, ctx);
    if (reply.respcd !== '6000') {
      const info = classifyOuterCode(reply.respcd);
      if (info.kind === 'failed' && reply.respcd !== '4005') {
        return { status: 'failed', kind: 'payment', outTradeNo, codes: this.#codes(reply), error: { code: reply.respcd, message: `terminal answered ${reply.respcd}: ${info.meaning}`, hint: info.hint ?? 'check the terminal' } };
      }
      return unknown(`terminal answered ${reply.respcd} (${info.meaning})`);
    }
    if (!reply.data) return unknown('terminal answered 6000 without transaction data');
    let data;
    try {
      data = parseReplyData(1001, reply.data);
    } catch {
      return unknown('reply data unusable');
    }
    const codes = this.#codes(reply, data);
    if (data.out_trade_no !== undefined && data.out_trade_no !== outTradeNo) return unknown(`reply names another out_trade_no (${data.out_trade_no})`);
    const txn = data.respcd;
    if (txn === '0000') {
      if (!data.syssn || data.amountMinor === undefined) return unknown('approved without a syssn or amount');
      if (data.amountMinor !== amountMinor || (data.currency !== undefined && data.currency !== 'HKD')) {
        return { status: 'unknown', kind: 'payment', outTradeNo, codes, reason: `amount mismatch: requested ${amountMinor} minor units HKD, terminal reported ${data.amountMinor} ${data.currency ?? ''}; check syssn ${data.syssn}, never re-send` };
      }
      const card = (data as Record<string, unknown>).cardno;
      return compact({
        status: 'approved' as const,
        kind: 'payment' as const,
        codes,
        resolvedBy: 'reply' as const,
        syssn: data.syssn,
        outTradeNo,
        amountMinor,
        currency: 'HKD' as const,
        channelRef: data.chnlsn,
        payType: data.busicd,
        cardScheme: data.cardscheme,
        maskedCard: typeof card === 'string' && card !== '' ? card : undefined,
        sysTime: data.sysdtm,
      });
    }
    if (isPendingTransactionCode(txn)) return unknown(`pending (${txn})`);
    if (classifyTransactionCode(txn).kind === 'failed') {
      const info = classifyTransactionCode(txn);
      const said = data.resperr || data.respmsg;
      return { status: 'declined', kind: 'payment', outTradeNo, codes, reason: `${txn} ${info.meaning}${said ? ` (${said})` : ''}`, resolvedBy: 'reply' };
    }
    return unknown(`unrecognised transaction code ${txn}`);
  }

  /** A 6001 proves nothing until the terminal's book agrees: one query decides. */
  async #confirmCancelled(outTradeNo: string, amountMinor: number, ctx: InFlight): Promise<TransactionOutcome> {
    const by = ctx.cancelRequested ? ('pos' as const) : ('customer' as const);
    let q: QueryResult;
    try {
      q = await this.query({ outTradeNo });
    } catch {
      return { status: 'unknown', kind: 'payment', outTradeNo, codes: { respcd: '6001' }, reason: 'terminal answered 6001 but the cancel could not be confirmed by a query' };
    }
    if (!q.found || q.state === 'failed' || q.state === 'cancelled') return { status: 'cancelled', kind: 'payment', outTradeNo, codes: q.codes, by, resolvedBy: 'query' };
    if (q.state === 'pending') return { status: 'unknown', kind: 'payment', outTradeNo, codes: q.codes, reason: 'terminal answered 6001 but its book shows the payment pending' };
    if (q.amountMinor !== undefined && q.amountMinor !== amountMinor) return { status: 'unknown', kind: 'payment', outTradeNo, codes: q.codes, reason: `amount mismatch: requested ${amountMinor}, terminal book shows ${q.amountMinor}` };
    return compact({ status: 'approved' as const, kind: 'payment' as const, codes: q.codes, resolvedBy: 'query' as const, syssn: q.syssn, outTradeNo, amountMinor, currency: 'HKD' as const, channelRef: q.channelRef, payType: q.payType, cardScheme: q.cardScheme, maskedCard: q.maskedCard, sysTime: q.sysTime });
  }

  #interpretRefund(ex: Exchange, amountMinor: number | undefined, origSyssn: string, localRef: string, ctx: InFlight): TransactionOutcome {
    const unknown = (reason: string): TransactionOutcome => ({ status: 'unknown', kind: 'refund', outTradeNo: localRef, codes: {}, reason });
    switch (ex.kind) {
      case 'sign-error':
        return { status: 'failed', kind: 'refund', outTradeNo: localRef, codes: {}, error: { code: ex.error.code, message: 'signing failed; nothing was sent to the terminal', hint: ex.error.hint } };
      case 'network':
        return unknown(`no reply from the terminal (${ex.detail}); check payment ${origSyssn} before refunding again`);
      case 'http-error':
        return unknown(`terminal answered HTTP ${ex.status}`);
      case 'undecodable':
        return unknown('terminal reply could not be read');
      case 'reply':
        break;
    }
    const reply = ex.reply;
    if (reply.respcd === '6001') return { status: 'cancelled', kind: 'refund', outTradeNo: localRef, codes: this.#codes(reply), by: ctx.cancelRequested ? 'pos' : 'customer', resolvedBy: 'reply' };
    if (reply.respcd !== '6000') {
      const info = classifyOuterCode(reply.respcd);
      if (info.kind === 'failed' && reply.respcd !== '4005') {
        return { status: 'failed', kind: 'refund', outTradeNo: localRef, codes: this.#codes(reply), error: { code: reply.respcd, message: `terminal answered ${reply.respcd}: ${info.meaning}`, hint: info.hint ?? 'check the terminal' } };
      }
      return unknown(`terminal answered ${reply.respcd} (${info.meaning})`);
    }
    if (!reply.data) return unknown('terminal answered 6000 without refund data');
    let data;
    try {
      data = parseReplyData(1002, reply.data);
    } catch {
      return unknown('reply data unusable');
    }
    const codes = this.#codes(reply, data);
    const outTradeNo = data.out_trade_no ?? localRef;
    if (data.respcd === '0000') {
      if (amountMinor !== undefined && data.amountMinor !== undefined && data.amountMinor !== amountMinor) {
        return { status: 'unknown', kind: 'refund', outTradeNo, codes, reason: `amount mismatch: requested ${amountMinor}, terminal refunded ${data.amountMinor}` };
      }
      return compact({
        status: 'approved' as const,
        kind: 'refund' as const,
        codes,
        resolvedBy: 'reply' as const,
        syssn: data.syssn ?? '',
        outTradeNo,
        amountMinor: data.amountMinor ?? amountMinor ?? 0,
        currency: 'HKD' as const,
        channelRef: data.chnlsn,
        payType: data.busicd,
        cardScheme: data.cardscheme,
        sysTime: data.sysdtm,
        origSyssn: data.orig_syssn ?? origSyssn,
      });
    }
    if (isPendingTransactionCode(data.respcd)) return unknown(`pending (${data.respcd})`);
    const info = classifyTransactionCode(data.respcd);
    if (info.kind === 'failed') return { status: 'declined', kind: 'refund', outTradeNo, codes, reason: `${data.respcd} ${info.meaning}`, resolvedBy: 'reply' };
    return unknown(`unrecognised transaction code ${data.respcd}`);
  }

  #cancelFor(ctx: InFlight, outcome: TransactionOutcome): CancelResult {
    switch (outcome.status) {
      case 'approved':
        return { status: 'too_late', outcome };
      case 'unknown':
        return { status: 'requested', outTradeNo: ctx.outTradeNo };
      default:
        return { status: 'confirmed', outTradeNo: ctx.outTradeNo };
    }
  }

  #cancelResult(result: CancelResult): CancelResult {
    this.emit('cancel', result);
    return result;
  }

  #requestError(ex: Exchange, what: string): QfpayEcrError {
    switch (ex.kind) {
      case 'sign-error':
        return ex.error;
      case 'network':
        return new TerminalRequestError('TERMINAL_UNREACHABLE', `${what} failed: cannot reach the terminal at ${this.#origin} (${ex.detail})`, CERT_HINT);
      case 'http-error':
        return new TerminalRequestError(`HTTP_${ex.status}`, `${what} failed: the terminal answered HTTP ${ex.status}`, 'check the terminal address');
      case 'undecodable':
        return new TerminalRequestError('REPLY_UNDECODABLE', `${what} failed: unreadable reply`, 'check the Haojin version');
      case 'reply': {
        const info = classifyOuterCode(ex.reply.respcd);
        return new TerminalRequestError(ex.reply.respcd, `${what} failed: terminal answered ${ex.reply.respcd}: ${info.meaning}`, info.hint ?? 'check the terminal', { respcd: ex.reply.respcd });
      }
    }
  }

  async #within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
