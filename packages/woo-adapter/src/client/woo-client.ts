/**
 * A small WooCommerce REST client (`/wp-json/wc/v3`) over undici.
 *
 * - Auth: consumer key/secret as HTTP Basic over HTTPS (WooCommerce's `perform_basic_authentication`).
 *   When a host strips the `Authorization` header, `authMode: 'query'` sends them as
 *   `consumer_key`/`consumer_secret` query parameters instead (WooCommerce reads those first).
 *   Plain `http://` URLs are refused unless `allowInsecureHttp` is set: real WooCommerce only
 *   accepts Basic/query auth when WordPress sees HTTPS (`is_ssl()`), so http is for local fakes
 *   and TLS-terminating proxies.
 * - Every reply is checked with zod; failures are typed errors that say what to fix and never
 *   contain the key or secret.
 * - Retries (p-retry) only for safe calls: GETs, and `updateOrder(…, { idempotent: true })` for
 *   writes that are idempotent by construction. POSTs (notes, refunds) are never retried here;
 *   callers that need it check first whether the write already happened.
 */
import pRetry from 'p-retry';
import { Agent, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { WooAuthError, WooConfigError, WooError, WooNotFoundError, WooRequestError, WooResponseError, WooUnavailableError, type WooCallInfo } from '../errors.js';
import { readCapped } from './read-capped.js';
import {
  ErrorBodySchema,
  NoteListSchema,
  NoteSchema,
  OrderListSchema,
  OrderSchema,
  RefundListSchema,
  RefundSchema,
  type WooNote,
  type WooOrder,
  type WooRefund,
} from './schemas.js';

/** A pino-compatible logger (only `warn` and `debug` are used). Never receives secrets. */
export interface WooLogger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
}

/** Options of {@link WooClient}. */
export interface WooClientOptions {
  /** Site URL (`https://shop.example`) or the API base (`https://shop.example/wp-json/wc/v3`). */
  url: string;
  /** REST API consumer key (`ck_…`), from WooCommerce → Settings → Advanced → REST API. */
  consumerKey: string;
  /** REST API consumer secret (`cs_…`). Never logged, never in errors. */
  consumerSecret: string;
  /** `basic` (default): HTTP Basic header. `query`: fallback for hosts that strip `Authorization`. */
  authMode?: 'basic' | 'query';
  /** Allow `http://` URLs (local fakes, TLS-terminating proxies). Default false. */
  allowInsecureHttp?: boolean;
  /** Extra CA certificate(s), PEM, for a site whose certificate is not in Node's default roots. */
  ca?: string | string[];
  /** Per-request timeout; default 15000 ms. */
  timeoutMs?: number;
  /** Largest reply read, in bytes; default 16 MiB. A larger one is abandoned with `WOO_REPLY_TOO_LARGE`. */
  maxReplyBytes?: number;
  /** Retries of safe calls; default `{ retries: 3, minTimeoutMs: 250, maxTimeoutMs: 2000 }`. */
  retry?: { retries?: number; minTimeoutMs?: number; maxTimeoutMs?: number };
  /** A prebuilt undici dispatcher (advanced; `ca` is then ignored). */
  dispatcher?: Dispatcher;
  logger?: WooLogger;
  /** Sent as `User-Agent`; default `qfpay-ecr-woo-adapter`. */
  userAgent?: string;
}

const ms = (name: string) => z.number({ error: `${name} must be a number of milliseconds` }).int().min(0, { message: `${name} must not be negative` });

/** zod schema of {@link WooClientOptions}. Issues name the field, never its value. */
export const WooClientOptionsSchema = z.strictObject({
  url: z.string({ error: 'url must be the shop URL, e.g. https://shop.example' }).url({ message: 'url must be an absolute URL such as https://shop.example' }),
  consumerKey: z
    .string({ error: 'consumerKey is required (ck_… from WooCommerce → Settings → Advanced → REST API)' })
    .regex(/^ck_[A-Za-z0-9]+$/, { message: 'consumerKey must look like ck_… (did you swap key and secret?)' }),
  consumerSecret: z
    .string({ error: 'consumerSecret is required (cs_…)' })
    .regex(/^cs_[A-Za-z0-9]+$/, { message: 'consumerSecret must look like cs_… (did you swap key and secret?)' }),
  authMode: z.enum(['basic', 'query'], { error: 'authMode must be "basic" or "query"' }).optional(),
  allowInsecureHttp: z.boolean().optional(),
  ca: z.union([z.string(), z.array(z.string())]).optional(),
  timeoutMs: ms('timeoutMs').positive().optional(),
  maxReplyBytes: z.number({ error: 'maxReplyBytes must be a number of bytes' }).int().min(1024, { message: 'maxReplyBytes must be at least 1024' }).optional(),
  retry: z.strictObject({ retries: z.number().int().min(0).max(10).optional(), minTimeoutMs: ms('retry.minTimeoutMs').optional(), maxTimeoutMs: ms('retry.maxTimeoutMs').optional() }).optional(),
  dispatcher: z.custom<Dispatcher>((v) => typeof v === 'object' && v !== null && typeof (v as { dispatch?: unknown }).dispatch === 'function', { message: 'dispatcher must be an undici Dispatcher' }).optional(),
  logger: z.custom<WooLogger>((v) => typeof v === 'object' && v !== null && typeof (v as WooLogger).warn === 'function' && typeof (v as WooLogger).debug === 'function', { message: 'logger must have warn and debug functions' }).optional(),
  userAgent: z.string().min(1).max(200).optional(),
});

/** Fields the adapter writes on an order (`PUT /orders/:id`). */
export interface OrderUpdate {
  status?: string;
  set_paid?: boolean;
  transaction_id?: string;
  payment_method?: string;
  payment_method_title?: string;
  /** Upserted by key (an entry without `id` updates the existing entry with that key). `null` deletes. */
  meta_data?: Array<{ key: string; value: unknown; id?: number }>;
}

/** Query of {@link WooClient.listOrders}. */
export interface ListOrdersQuery {
  /** Order statuses, e.g. `['pending', 'on-hold']`; default `any`. */
  status?: readonly string[];
  /** 1–100; default 20 (WooCommerce's default is 10). */
  perPage?: number;
  /** 1-based page; default 1. */
  page?: number;
  /** Only orders modified after this time (WooCommerce ≥ 5.8). */
  modifiedAfter?: Date;
  orderby?: 'date' | 'id' | 'modified';
  order?: 'asc' | 'desc';
}

/** One page of orders with WooCommerce's paging headers. */
export interface OrderPage {
  orders: WooOrder[];
  page: number;
  /** `X-WP-Total`, when sent. */
  total?: number;
  /** `X-WP-TotalPages`, when sent. */
  totalPages?: number;
}

/** Body of `POST /orders/:id/refunds`. `api_refund` is required on purpose: WooCommerce defaults it to true. */
export interface NewRefund {
  /** Positive decimal string, e.g. "5.00". */
  amount: string;
  reason?: string;
  /** `false`: record money already returned (QFPay did it); `true` would call a PHP gateway's process_refund. */
  api_refund: boolean;
  meta_data?: Array<{ key: string; value: unknown }>;
}

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal;
}

const DEFAULTS = { timeoutMs: 15_000, maxReplyBytes: 16 * 1024 * 1024, retries: 3, minTimeoutMs: 250, maxTimeoutMs: 2_000 } as const;
const API_SUFFIX = '/wp-json/wc/v3';
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : 'value'}: ${i.message}`)
    .join('; ');
}

/** A JSON value from a reply as text: scalars as themselves, anything else as JSON. Never throws. */
function quotedText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return String(value);
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

function header(headers: RawReply['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function errorCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const name = (e as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return name;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * WooCommerce REST client. Construct once and reuse; `close()` releases connections.
 * Throws {@link WooConfigError} for unusable options (never echoing the secret).
 */
export class WooClient {
  /** API base, e.g. `https://shop.example/wp-json/wc/v3`. */
  readonly baseUrl: string;
  readonly #key: string;
  readonly #secret: string;
  readonly #authMode: 'basic' | 'query';
  readonly #timeoutMs: number;
  readonly #maxReplyBytes: number;
  readonly #retry: { retries: number; minTimeout: number; maxTimeout: number };
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #logger: WooLogger | undefined;
  readonly #userAgent: string;

  constructor(options: WooClientOptions) {
    const parsed = WooClientOptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new WooConfigError('WOO_CONFIG', `invalid WooCommerce client options: ${describeIssues(parsed.error.issues)}`, 'fix the listed options');
    }
    const o = parsed.data;
    const url = new URL(o.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new WooConfigError('WOO_CONFIG_URL', `WooCommerce URL must be https:// (got ${url.protocol})`, 'use the https:// address of the shop');
    }
    if (url.protocol === 'http:' && !o.allowInsecureHttp) {
      throw new WooConfigError(
        'WOO_CONFIG_INSECURE_HTTP',
        'WooCommerce URL is plain http://: the consumer secret would travel unencrypted',
        'use the https:// address of the shop; only for a local fake or a TLS-terminating proxy set allowInsecureHttp: true',
      );
    }
    if (url.username || url.password) {
      throw new WooConfigError('WOO_CONFIG_URL', 'WooCommerce URL must not contain a user name or password', 'pass consumerKey/consumerSecret as options instead');
    }
    url.search = '';
    url.hash = '';
    let path = url.pathname.replace(/\/+$/, '');
    if (!path.endsWith(API_SUFFIX)) path = `${path}${API_SUFFIX}`;
    this.baseUrl = `${url.origin}${path}`;
    this.#key = o.consumerKey;
    this.#secret = o.consumerSecret;
    this.#authMode = o.authMode ?? 'basic';
    this.#timeoutMs = o.timeoutMs ?? DEFAULTS.timeoutMs;
    this.#maxReplyBytes = o.maxReplyBytes ?? DEFAULTS.maxReplyBytes;
    this.#retry = {
      retries: o.retry?.retries ?? DEFAULTS.retries,
      minTimeout: o.retry?.minTimeoutMs ?? DEFAULTS.minTimeoutMs,
      maxTimeout: o.retry?.maxTimeoutMs ?? DEFAULTS.maxTimeoutMs,
    };
    this.#logger = o.logger;
    this.#userAgent = o.userAgent ?? 'qfpay-ecr-woo-adapter';
    if (o.dispatcher) {
      this.#dispatcher = o.dispatcher;
      this.#ownsDispatcher = false;
    } else {
      this.#dispatcher = new Agent({ connect: o.ca !== undefined ? { ca: o.ca } : {}, keepAliveTimeout: 10_000 });
      this.#ownsDispatcher = true;
    }
  }

  /** Which auth the client uses (for diagnostics). */
  get authMode(): 'basic' | 'query' {
    return this.#authMode;
  }

  // ------------------------------------------------------------------ orders

  /** `GET /orders/:id`. Retried on transient failures. */
  async getOrder(orderId: number, options: CallOptions = {}): Promise<WooOrder> {
    const path = `/orders/${orderId}`;
    return this.#retrying('GET', path, options, async () => this.#parse('GET', path, await this.#call('GET', path, options), OrderSchema));
  }

  /** `GET /orders` with status/paging filters; returns one page and the paging headers. */
  async listOrders(query: ListOrdersQuery = {}, options: CallOptions = {}): Promise<OrderPage> {
    const params = new URLSearchParams();
    if (query.status && query.status.length > 0) params.set('status', query.status.join(','));
    const page = query.page ?? 1;
    params.set('per_page', String(query.perPage ?? 20));
    params.set('page', String(page));
    if (query.modifiedAfter) params.set('modified_after', query.modifiedAfter.toISOString().replace(/\.\d{3}Z$/, ''));
    if (query.orderby) params.set('orderby', query.orderby);
    if (query.order) params.set('order', query.order);
    const path = '/orders';
    return this.#retrying('GET', path, options, async () => {
      const reply = await this.#call('GET', path, options, { query: params });
      const orders = this.#parse('GET', path, reply, OrderListSchema);
      const total = Number(header(reply.headers, 'x-wp-total'));
      const totalPages = Number(header(reply.headers, 'x-wp-totalpages'));
      return {
        orders,
        page,
        ...(Number.isInteger(total) ? { total } : {}),
        ...(Number.isInteger(totalPages) ? { totalPages } : {}),
      };
    });
  }

  /**
   * `PUT /orders/:id`. Retried only when `idempotent` is true, i.e. when sending the same body
   * twice leaves the order exactly as sending it once (same meta values, same status,
   * `set_paid` which WooCommerce ignores once the order no longer needs payment).
   */
  async updateOrder(orderId: number, update: OrderUpdate, options: CallOptions & { idempotent?: boolean } = {}): Promise<WooOrder> {
    const path = `/orders/${orderId}`;
    const once = async () => this.#parse('PUT', path, await this.#call('PUT', path, options, { body: update }), OrderSchema);
    return options.idempotent ? this.#retrying('PUT', path, options, once) : once();
  }

  /** `POST /orders` (used by demos and tests; the POS normally creates orders). Never retried. */
  async createOrder(body: Record<string, unknown>, options: CallOptions = {}): Promise<WooOrder> {
    const path = '/orders';
    return this.#parse('POST', path, await this.#call('POST', path, options, { body }), OrderSchema);
  }

  // ------------------------------------------------------------------ notes

  /** `GET /orders/:id/notes` (newest first). */
  async listNotes(orderId: number, options: CallOptions = {}): Promise<WooNote[]> {
    const path = `/orders/${orderId}/notes`;
    return this.#retrying('GET', path, options, async () => this.#parse('GET', path, await this.#call('GET', path, options), NoteListSchema));
  }

  /** `POST /orders/:id/notes`. Never retried (a retry could add the note twice). */
  async addNote(orderId: number, note: string, customerNote = false, options: CallOptions = {}): Promise<WooNote> {
    const path = `/orders/${orderId}/notes`;
    return this.#parse('POST', path, await this.#call('POST', path, options, { body: { note, customer_note: customerNote } }), NoteSchema);
  }

  // ------------------------------------------------------------------ refunds

  /** `GET /orders/:id/refunds`. */
  async listRefunds(orderId: number, options: CallOptions = {}): Promise<WooRefund[]> {
    const path = `/orders/${orderId}/refunds`;
    const params = new URLSearchParams({ per_page: '100' });
    return this.#retrying('GET', path, options, async () => this.#parse('GET', path, await this.#call('GET', path, options, { query: params }), RefundListSchema));
  }

  /** `POST /orders/:id/refunds`. Never retried (a retry could record the refund twice). */
  async createRefund(orderId: number, refund: NewRefund, options: CallOptions = {}): Promise<WooRefund> {
    const path = `/orders/${orderId}/refunds`;
    return this.#parse('POST', path, await this.#call('POST', path, options, { body: refund }), RefundSchema);
  }

  /** Releases pooled connections. */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  // ------------------------------------------------------------------ plumbing

  /** Removes the consumer key and secret from text quoted back from the server. */
  #scrub(text: string): string {
    let out = text;
    for (const s of [this.#secret, this.#key]) if (s) out = out.split(s).join('[redacted]');
    return out.length > 300 ? `${out.slice(0, 300)}…` : out;
  }

  async #retrying<T>(method: string, path: string, options: CallOptions, fn: () => Promise<T>): Promise<T> {
    return pRetry(fn, {
      retries: this.#retry.retries,
      minTimeout: this.#retry.minTimeout,
      maxTimeout: this.#retry.maxTimeout,
      factor: 2,
      ...(options.signal ? { signal: options.signal } : {}),
      shouldRetry: ({ error }) => error instanceof WooUnavailableError && error.code !== 'WOO_TLS',
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0 && error instanceof WooUnavailableError && error.code !== 'WOO_TLS') {
          this.#logger?.warn({ method, path, attempt: attemptNumber, code: error.code, status: error.call.status }, 'WooCommerce call failed; retrying');
        }
      },
    });
  }

  async #call(method: string, path: string, options: CallOptions, extra: { query?: URLSearchParams; body?: unknown } = {}): Promise<RawReply> {
    const call: WooCallInfo = { method, path };
    const params = new URLSearchParams(extra.query);
    if (this.#authMode === 'query') {
      params.set('consumer_key', this.#key);
      params.set('consumer_secret', this.#secret);
    }
    const qs = params.toString();
    const url = `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.#userAgent };
    if (this.#authMode === 'basic') headers.authorization = `Basic ${Buffer.from(`${this.#key}:${this.#secret}`, 'utf8').toString('base64')}`;
    let body: string | undefined;
    if (extra.body !== undefined) {
      body = JSON.stringify(extra.body);
      headers['content-type'] = 'application/json; charset=utf-8';
    }
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let reply: RawReply;
    try {
      const res = await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        ...(body !== undefined ? { body } : {}),
        dispatcher: this.#dispatcher,
        signal,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      const text = await readCapped(res.body, res.headers['content-length'], this.#maxReplyBytes);
      if (text === undefined) throw this.#tooLarge({ ...call, status: res.statusCode });
      reply = { status: res.statusCode, headers: res.headers, text };
    } catch (error) {
      if (error instanceof WooResponseError) throw error;
      throw this.#networkError(call, error, options.signal?.aborted === true);
    }
    this.#logger?.debug({ method, path, status: reply.status }, 'WooCommerce reply');
    if (reply.status >= 200 && reply.status < 300) return reply;
    throw this.#httpError({ ...call, status: reply.status }, reply);
  }

  #tooLarge(call: WooCallInfo): WooResponseError {
    const write = call.method !== 'GET';
    return new WooResponseError(
      'WOO_REPLY_TOO_LARGE',
      `${call.method} ${call.path}: WooCommerce answered HTTP ${call.status ?? '?'} with more than ${this.#maxReplyBytes} bytes; the reply was not read`,
      write
        ? 'the write may have been applied: check the order before trying again; raise maxReplyBytes if replies this large are expected'
        : 'ask for fewer orders per page (perPage), or raise maxReplyBytes if replies this large are expected',
      call,
    );
  }

  #networkError(call: WooCallInfo, error: unknown, abortedByCaller: boolean): WooError {
    const code = errorCode(error) ?? 'UNKNOWN';
    if (abortedByCaller) {
      return new WooUnavailableError('WOO_ABORTED', `${call.method} ${call.path} was aborted`, 'the caller cancelled the request; a write may or may not have reached WooCommerce', call);
    }
    if (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL')) {
      return new WooUnavailableError(
        'WOO_TLS',
        `${call.method} ${call.path}: the shop's HTTPS certificate was not accepted (${code})`,
        "fix the site's certificate, or pass its CA as `ca` (never disable verification)",
        call,
      );
    }
    const timeout = code === 'TimeoutError' || code === 'AbortError' || code.includes('TIMEOUT');
    return new WooUnavailableError(
      'WOO_UNREACHABLE',
      `${call.method} ${call.path}: WooCommerce did not answer (${timeout ? 'timeout' : code})`,
      'check the shop URL and that the site is up; nothing is lost: `qfpay-woo reconcile` applies pending results once it is back',
      call,
    );
  }

  #httpError(call: WooCallInfo, reply: RawReply): WooError {
    const status = reply.status;
    let body: z.output<typeof ErrorBodySchema> | undefined;
    try {
      const parsed = ErrorBodySchema.safeParse(JSON.parse(reply.text));
      if (parsed.success) body = parsed.data;
    } catch {
      body = undefined;
    }
    const wooCode = body?.code;
    const info: WooCallInfo = { ...call, ...(wooCode ? { wooCode } : {}) };
    const said = body ? ` (${status} ${body.code}: ${this.#scrub(body.message)})` : ` (HTTP ${status})`;
    const transient = status === 429 || status === 502 || status === 503 || status === 504 || (status >= 520 && status <= 530);
    if (transient || (status >= 500 && (!body || body.code === 'internal_server_error'))) {
      return new WooUnavailableError(
        'WOO_UNAVAILABLE',
        `${call.method} ${call.path}: WooCommerce is unavailable${said}`,
        'the site or its host failed; nothing is lost: `qfpay-woo reconcile` applies pending results once it is back',
        info,
      );
    }
    if (status === 401 || status === 403) {
      return new WooAuthError(
        'WOO_AUTH',
        `WooCommerce refused the API key for ${call.method} ${call.path}${said}`,
        'check consumer key/secret and that the key has read/write permission (WooCommerce → Settings → Advanced → REST API); if your host strips the Authorization header, use authMode "query"',
        info,
      );
    }
    if (status === 404) {
      const order = /^\/orders\/(\d+)/.exec(call.path)?.[1];
      if (body?.code === 'rest_no_route' || !order) {
        return new WooNotFoundError(
          'WOO_NO_ROUTE',
          `${call.method} ${call.path}: no such WooCommerce REST route${said}`,
          'check the URL: it must reach /wp-json/wc/v3 on a site with WooCommerce active and pretty permalinks enabled',
          info,
        );
      }
      return new WooNotFoundError('WOO_ORDER_NOT_FOUND', `WooCommerce has no order ${order}${said}`, 'unknown order id: check the order number in WooCommerce → Orders (the id, not the order key)', info);
    }
    if (status === 400) {
      const p = body?.data?.params;
      // Names and values are quoted back from the server: scrubbed, and read with quotedText (String() throws on {"toString":1}).
      const params = (Array.isArray(p) ? p.map(quotedText) : p ? Object.keys(p) : []).map((name) => this.#scrub(name));
      const detail = p && !Array.isArray(p) ? Object.values(p).map((v) => this.#scrub(quotedText(v))).join('; ') : '';
      return new WooRequestError(
        'WOO_BAD_PARAM',
        `WooCommerce rejected ${params.length ? `parameter(s) ${params.join(', ')}` : 'the request'} of ${call.method} ${call.path}${said}${detail ? `: ${detail}` : ''}`,
        params.length ? `fix ${params.join(', ')} (see WooCommerce's REST API reference)` : 'check the values sent against WooCommerce’s REST API reference',
        info,
        params,
      );
    }
    return new WooRequestError('WOO_REJECTED', `WooCommerce refused ${call.method} ${call.path}${said}`, 'read WooCommerce’s message above; the order may not allow this change', info);
  }

  #parse<S extends z.ZodType>(method: string, path: string, reply: RawReply, schema: S): z.output<S> {
    let json: unknown;
    try {
      json = JSON.parse(reply.text);
    } catch (cause) {
      const type = header(reply.headers, 'content-type') ?? 'no content type';
      throw new WooResponseError(
        'WOO_NOT_JSON',
        `the reply to ${method} ${path} is not JSON (${type.split(';')[0]})`,
        'check the URL points to the WordPress site with WooCommerce (a maintenance page, login page or security plugin may be answering)',
        { method, path, status: reply.status },
        { cause },
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new WooResponseError(
        'WOO_BAD_REPLY',
        `the reply to ${method} ${path} does not have WooCommerce's shape: ${describeIssues(parsed.error.issues)}`,
        'check the URL points to /wp-json/wc/v3 of a WooCommerce site; a plugin may be changing REST replies',
        { method, path, status: reply.status },
      );
    }
    return parsed.data;
  }
}
