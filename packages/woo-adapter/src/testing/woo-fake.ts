/**
 * A WooCommerce REST API fake (`/wp-json/wc/v3`) on a real HTTP(S) socket, for tests and demos.
 * It imitates WooCommerce on every point the adapter relies on; each behaviour cites its source:
 *
 * - Auth — `WC_REST_Authentication` (includes/class-wc-rest-authentication.php): Basic auth or
 *   `consumer_key`/`consumer_secret` query parameters (query first), only when WordPress sees
 *   HTTPS (`is_ssl()`); an unknown key leaves the request anonymous (the endpoint's permission
 *   check then answers 401 `woocommerce_rest_cannot_view|edit|create`); a wrong secret answers
 *   401 `woocommerce_rest_authentication_error` "Consumer secret is invalid."; a key without the
 *   needed permission answers 401 "The API key provided does not have read|write permissions.".
 * - Orders — REST API docs "Orders" (https://woocommerce.github.io/woocommerce-rest-api-docs/#orders)
 *   and `WC_REST_Orders_V2_Controller::save_object`: props and `meta_data` are applied, then
 *   `status`, the order is saved, and only then `set_paid: true` calls `payment_complete()` when
 *   `needs_payment()` (status pending/failed and total > 0 — `WC_Abstract_Order::needs_payment`).
 *   `payment_complete()` (class-wc-order.php) acts from on-hold/pending/failed/cancelled, stores
 *   the transaction id, sets `date_paid` and moves to processing — or completed when every item
 *   is virtual and downloadable (`needs_processing()`). Status changes add the system note
 *   "Order status changed from X to Y." (`WC_Order::status_transition`).
 * - `meta_data` — `WC_Data::update_meta_data`: an entry with a known `id` updates that entry; an
 *   entry without `id` updates the first entry with the same key (other duplicates are removed);
 *   otherwise it is added; `null` values are deleted on save. Scalars come back as strings after
 *   a reload (post meta is text), arrays/objects as stored.
 * - Notes — docs "Order notes": `POST /orders/:id/notes {note, customer_note}`; `note` is required
 *   (400 `rest_missing_callback_param`); listed newest first; 404 `woocommerce_rest_order_invalid_id`.
 * - Refunds — docs "Order refunds" and `WC_REST_Order_Refunds_V2_Controller` + `wc_create_refund`:
 *   `amount` is a string; `api_refund` defaults to true and then needs a PHP gateway supporting
 *   refunds (500 `woocommerce_rest_cannot_create_order_refund`); negative → 400
 *   `woocommerce_rest_invalid_order_refund`; above what is left → 500 "Invalid refund amount.";
 *   a refund leaving nothing → order `refunded` (`woocommerce_order_fully_refunded_status`).
 * - Errors — WordPress REST shape `{code, message, data:{status, params?}}`: 404
 *   `woocommerce_rest_shop_order_invalid_id` "Invalid ID.", 400 `rest_invalid_param`
 *   "Invalid parameter(s): x" with `data.params`, 404 `rest_no_route`, 400 `rest_invalid_json`.
 * - Listing — `GET /orders?status=a,b&per_page=&page=&orderby=&order=&modified_after=` with
 *   `X-WP-Total`/`X-WP-TotalPages`; `per_page` 1–100 (WP collection params).
 *
 * Not imitated: OAuth 1.0a over plain HTTP, products/stock, taxes, coupons, emails, webhooks.
 * Faults: `injectFault` (503, reset, HTML page; before or after the request is applied) and
 * `suspend()`/`resume()` (connection refused).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

/** Constant-time text comparison, as WooCommerce's `hash_equals` (hashing first hides the length too). */
function sameSecret(expected: string, given: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/** An API key of the fake shop. */
export interface FakeApiKey {
  consumerKey: string;
  consumerSecret: string;
  permissions: 'read' | 'write' | 'read_write';
}

/** Options of {@link startWooFake}. */
export interface WooFakeOptions {
  host?: string;
  port?: number;
  /** Serve HTTPS with this key/certificate (e.g. from the simulator's `createTestPki`). */
  tls?: { key: string; cert: string };
  /** API keys; default one random read/write key (see `fake.keys`). */
  keys?: FakeApiKey[];
  /**
   * Whether WordPress would see HTTPS on plain-http requests (a TLS-terminating proxy with
   * `$_SERVER['HTTPS']` set). Real WooCommerce accepts Basic/query auth only then. Default true.
   */
  assumeHttps?: boolean;
  /** Imitate hosts that strip the `Authorization` header before PHP sees it. Default false. */
  stripAuthorizationHeader?: boolean;
  /** Store currency for new orders; default HKD. */
  currency?: string;
  /** Clock; default real time. */
  now?: () => Date;
}

/** A line item when creating an order. */
export interface FakeLineItemInput {
  name: string;
  quantity?: number;
  /** Line total as a decimal string ("12.50"). */
  total: string;
  virtual?: boolean;
  downloadable?: boolean;
}

/** Input of {@link WooFake.createOrder}. */
export interface FakeOrderInput {
  status?: string;
  currency?: string;
  lineItems?: FakeLineItemInput[];
  /** Order total; default the sum of the line items. */
  total?: string;
  meta?: Array<{ key: string; value: unknown }>;
  paymentMethod?: string;
  paymentMethodTitle?: string;
  transactionId?: string;
  createdVia?: string;
}

/** A fault: the next `times` matching requests fail. */
export interface WooFault {
  /** `unavailable`: 503 with an HTML page; `reset`: socket destroyed; `html`: 200 with a maintenance page. */
  kind: 'unavailable' | 'reset' | 'html';
  /** How many requests it applies to; default 1. */
  times?: number;
  /** Only these methods. */
  method?: string | readonly string[];
  /** Only paths (below /wp-json/wc/v3) equal to / matching this. */
  path?: string | RegExp;
  /** Apply the request first, then fail the reply (the write happened, the client cannot know). */
  after?: boolean;
  /** Let this many matching requests through before the fault starts; default 0. */
  skip?: number;
}

/** A request the fake answered (credentials never recorded). */
export interface FakeRequestRecord {
  method: string;
  /** Path below /wp-json/wc/v3. */
  path: string;
  /** Query string without consumer_key/consumer_secret. */
  query: string;
  status: number | null;
  auth: 'basic' | 'query' | 'none';
  fault?: WooFault['kind'];
}

interface Meta {
  id: number;
  key: string;
  value: unknown;
}
interface LineItem {
  id: number;
  name: string;
  quantity: number;
  totalMinor: number;
  virtual: boolean;
  downloadable: boolean;
}
interface Note {
  id: number;
  note: string;
  customer_note: boolean;
  added_by_user: boolean;
  author: string;
  at: Date;
}
interface Refund {
  id: number;
  amountMinor: number;
  reason: string;
  at: Date;
  meta: Meta[];
  refunded_payment: boolean;
}
interface Order {
  id: number;
  order_key: string;
  created_via: string;
  status: string;
  currency: string;
  totalMinor: number;
  created: Date;
  modified: Date;
  paid: Date | null;
  completed: Date | null;
  payment_method: string;
  payment_method_title: string;
  transaction_id: string;
  customer_note: string;
  meta: Meta[];
  items: LineItem[];
  notes: Note[];
  refunds: Refund[];
}

type Json = Record<string, unknown>;

/** Order statuses a request may set (WooCommerce core + block checkout's draft). */
export const WOO_ORDER_STATUSES = ['pending', 'processing', 'on-hold', 'completed', 'cancelled', 'refunded', 'failed', 'checkout-draft'] as const;
const STATUS_NAMES: Record<string, string> = {
  pending: 'Pending payment',
  processing: 'Processing',
  'on-hold': 'On hold',
  completed: 'Completed',
  cancelled: 'Cancelled',
  refunded: 'Refunded',
  failed: 'Failed',
  'checkout-draft': 'Draft',
};
const PAYMENT_COMPLETE_FROM = new Set(['on-hold', 'pending', 'failed', 'cancelled']);
const NEEDS_PAYMENT = new Set(['pending', 'failed']);
const EDITABLE = new Set(['pending', 'on-hold', 'auto-draft', 'checkout-draft']);
const API = '/wp-json/wc/v3';

class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Json = {},
  ) {
    super(message);
  }
}

function invalidParam(name: string, why: string): RestError {
  return new RestError(400, 'rest_invalid_param', `Invalid parameter(s): ${name}`, { params: { [name]: why }, details: {} });
}

function money(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(minor)).padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** Decimal text → cents, the way PHP's float cast + wc_format_decimal would round it. */
function toMinor(text: string): number | undefined {
  const m = /^\s*(-?)(\d*)(?:\.(\d*))?\s*$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const frac = (m[3] ?? '').padEnd(3, '0');
  const cents = Number(m[2] || '0') * 100 + Number(frac.slice(0, 2)) + (Number(frac[2]) >= 5 ? 1 : 0);
  return m[1] === '-' ? -cents : cents;
}

function wcDate(d: Date | null): string | null {
  return d ? d.toISOString().slice(0, 19) : null;
}

/** What post meta gives back after a reload: scalars as text, arrays/objects as stored. */
function stored(value: unknown): unknown {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '';
  if (value !== null && typeof value === 'object') return JSON.parse(JSON.stringify(value)) as unknown;
  return value;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A running WooCommerce fake. */
export interface WooFake {
  /** Site URL, e.g. `http://127.0.0.1:50123` (give it to `WooClient`). */
  readonly url: string;
  /** `url` + `/wp-json/wc/v3`. */
  readonly apiUrl: string;
  readonly port: number;
  /** The API keys it accepts. */
  readonly keys: readonly FakeApiKey[];
  /** Creates an order directly (as the POS or checkout would); returns its REST representation. */
  createOrder(input?: FakeOrderInput): Json & { id: number };
  /** REST representation of an order (a copy), or undefined. */
  order(id: number): (Json & { id: number; status: string; transaction_id: string; meta_data: Array<{ id: number; key: string; value: unknown }> }) | undefined;
  /** Notes of an order, newest first (copies). */
  notes(id: number): Array<{ id: number; note: string; customer_note: boolean; author: string }>;
  /** Refunds of an order, newest first (copies). */
  refunds(id: number): Array<{ id: number; amount: string; reason: string; refunded_payment: boolean; meta_data: Array<{ id: number; key: string; value: unknown }> }>;
  /** Changes an order's status as a shop manager would (with the transition note). */
  setStatus(id: number, status: string): void;
  /** Sets (or with `null` deletes) an order meta value directly. */
  setMeta(id: number, key: string, value: unknown): void;
  injectFault(fault: WooFault): void;
  clearFaults(): void;
  /** Requests answered so far (no credentials). */
  requests(): FakeRequestRecord[];
  /** Stops accepting connections (clients get "connection refused") until `resume()`. */
  suspend(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a WooCommerce fake on `host:port` (default 127.0.0.1, a free port). */
export async function startWooFake(options: WooFakeOptions = {}): Promise<WooFake> {
  const now = options.now ?? (() => new Date());
  const keys: FakeApiKey[] = options.keys ?? [
    { consumerKey: `ck_${randomBytes(20).toString('hex')}`, consumerSecret: `cs_${randomBytes(20).toString('hex')}`, permissions: 'read_write' },
  ];
  const assumeHttps = options.assumeHttps ?? true;
  const storeCurrency = options.currency ?? 'HKD';
  const orders = new Map<number, Order>();
  let nextOrderId = 100;
  let nextMetaId = 1000;
  let nextItemId = 1;
  let nextNoteId = 1;
  let nextRefundId = 5000;
  const faults: Array<WooFault & { left: number; skipLeft: number }> = [];
  const records: FakeRequestRecord[] = [];
  const sockets = new Set<Socket>();

  // ------------------------------------------------------------------ model

  const needsProcessing = (o: Order) => o.items.length === 0 || o.items.some((i) => !(i.virtual && i.downloadable));
  const refundedMinor = (o: Order) => o.refunds.reduce((s, r) => s + r.amountMinor, 0);

  function addNote(o: Order, note: string, customerNote = false, byUser = false): Note {
    const n: Note = { id: nextNoteId++, note, customer_note: customerNote, added_by_user: byUser, author: byUser ? 'shop_manager' : 'system', at: now() };
    o.notes.push(n);
    return n;
  }

  /** `WC_Order::set_status` + `save` + `status_transition` (note) + maybe_set_date_paid/completed. */
  function setStatus(o: Order, status: string): void {
    if (o.status === status) return;
    const from = o.status;
    o.status = status;
    const paidStatus = needsProcessing(o) ? 'processing' : 'completed';
    if (!o.paid && (status === paidStatus || (paidStatus === 'processing' && status === 'completed'))) o.paid = now();
    if (status === 'completed') o.completed = now();
    addNote(o, `Order status changed from ${STATUS_NAMES[from] ?? from} to ${STATUS_NAMES[status] ?? status}.`);
  }

  function paymentComplete(o: Order, transactionId: string): void {
    if (!PAYMENT_COMPLETE_FROM.has(o.status)) return;
    if (transactionId) o.transaction_id = transactionId;
    if (!o.paid) o.paid = now();
    setStatus(o, needsProcessing(o) ? 'processing' : 'completed');
  }

  /** `WC_Data::update_meta_data` semantics for one `{id?, key, value}`. */
  function upsertMeta(list: Meta[], entry: { id?: unknown; key: string; value: unknown }): void {
    let target: Meta | undefined;
    if (typeof entry.id === 'number' && entry.id > 0) {
      target = list.find((m) => m.id === entry.id);
    } else {
      const matches = list.filter((m) => m.key === entry.key);
      target = matches[0];
      for (const extra of matches.slice(1)) list.splice(list.indexOf(extra), 1);
    }
    if (entry.value === null) {
      if (target) list.splice(list.indexOf(target), 1);
      return;
    }
    if (target) {
      target.key = entry.key;
      target.value = stored(entry.value);
    } else {
      list.push({ id: nextMetaId++, key: entry.key, value: stored(entry.value) });
    }
  }

  function orderJson(o: Order): Json & { id: number; status: string; transaction_id: string; meta_data: Meta[] } {
    return {
      id: o.id,
      parent_id: 0,
      number: String(o.id),
      order_key: o.order_key,
      created_via: o.created_via,
      version: '9.9.0',
      status: o.status,
      currency: o.currency,
      date_created: wcDate(o.created),
      date_created_gmt: wcDate(o.created),
      date_modified: wcDate(o.modified),
      date_modified_gmt: wcDate(o.modified),
      discount_total: '0.00',
      discount_tax: '0.00',
      shipping_total: '0.00',
      shipping_tax: '0.00',
      cart_tax: '0.00',
      total: money(o.totalMinor),
      total_tax: '0.00',
      prices_include_tax: false,
      customer_id: 0,
      customer_note: o.customer_note,
      billing: { first_name: '', last_name: '', company: '', address_1: '', address_2: '', city: '', state: '', postcode: '', country: '', email: '', phone: '' },
      shipping: { first_name: '', last_name: '', company: '', address_1: '', address_2: '', city: '', state: '', postcode: '', country: '', phone: '' },
      payment_method: o.payment_method,
      payment_method_title: o.payment_method_title,
      transaction_id: o.transaction_id,
      date_paid: wcDate(o.paid),
      date_paid_gmt: wcDate(o.paid),
      date_completed: wcDate(o.completed),
      date_completed_gmt: wcDate(o.completed),
      cart_hash: '',
      meta_data: clone(o.meta),
      line_items: o.items.map((i) => ({
        id: i.id,
        name: i.name,
        product_id: 0,
        variation_id: 0,
        quantity: i.quantity,
        tax_class: '',
        subtotal: money(i.totalMinor),
        subtotal_tax: '0.00',
        total: money(i.totalMinor),
        total_tax: '0.00',
        taxes: [],
        meta_data: [],
        sku: '',
        price: i.quantity ? (i.totalMinor / 100 / i.quantity) : 0,
      })),
      tax_lines: [],
      shipping_lines: [],
      fee_lines: [],
      coupon_lines: [],
      refunds: [...o.refunds].reverse().map((r) => ({ id: r.id, reason: r.reason, total: money(-r.amountMinor) })),
      payment_url: `${site}/checkout/order-pay/${o.id}/?pay_for_order=true&key=${o.order_key}`,
      is_editable: EDITABLE.has(o.status),
      needs_payment: NEEDS_PAYMENT.has(o.status) && o.totalMinor > 0,
      needs_processing: needsProcessing(o),
      currency_symbol: o.currency === 'HKD' ? 'HK$' : '$',
    };
  }

  function refundJson(r: Refund): Json {
    return {
      id: r.id,
      date_created: wcDate(r.at),
      date_created_gmt: wcDate(r.at),
      amount: money(r.amountMinor),
      reason: r.reason,
      refunded_by: 1,
      refunded_payment: r.refunded_payment,
      meta_data: clone(r.meta),
      line_items: [],
      shipping_lines: [],
      tax_lines: [],
      fee_lines: [],
    };
  }

  function noteJson(n: Note): Json {
    return { id: n.id, author: n.author, date_created: wcDate(n.at), date_created_gmt: wcDate(n.at), note: n.note, customer_note: n.customer_note, added_by_user: n.added_by_user };
  }

  function createOrder(input: FakeOrderInput = {}): Order {
    const items: LineItem[] = (input.lineItems ?? []).map((li) => {
      const minor = toMinor(li.total);
      if (minor === undefined) throw invalidParam('line_items', `line item total ${li.total} is not a number`);
      return { id: nextItemId++, name: li.name, quantity: li.quantity ?? 1, totalMinor: minor, virtual: li.virtual ?? false, downloadable: li.downloadable ?? false };
    });
    const total = input.total !== undefined ? toMinor(input.total) : items.reduce((s, i) => s + i.totalMinor, 0);
    if (total === undefined) throw invalidParam('total', 'total is not a number');
    const at = now();
    const o: Order = {
      id: nextOrderId++,
      order_key: `wc_order_${randomBytes(7).toString('hex')}`,
      created_via: input.createdVia ?? 'rest-api',
      status: 'pending',
      currency: input.currency ?? storeCurrency,
      totalMinor: total,
      created: at,
      modified: at,
      paid: null,
      completed: null,
      payment_method: input.paymentMethod ?? '',
      payment_method_title: input.paymentMethodTitle ?? '',
      transaction_id: input.transactionId ?? '',
      customer_note: '',
      meta: [],
      items,
      notes: [],
      refunds: [],
    };
    for (const m of input.meta ?? []) upsertMeta(o.meta, m);
    orders.set(o.id, o);
    if (input.status && input.status !== 'pending') {
      o.status = input.status;
      if (input.status === 'processing' || input.status === 'completed') o.paid = at;
      if (input.status === 'completed') o.completed = at;
    }
    return o;
  }

  // ------------------------------------------------------------------ HTTP

  let site = '';

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  function sendError(res: ServerResponse, e: RestError): void {
    const headers: Record<string, string> = e.extra.wwwAuthenticate ? { 'www-authenticate': String(e.extra.wwwAuthenticate) } : {};
    const { wwwAuthenticate: _omit, ...extra } = e.extra;
    send(res, e.status, { code: e.code, message: e.message, data: { status: e.status, ...extra } }, headers);
  }

  function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 1_000_000) {
          reject(new RestError(413, 'rest_request_too_large', 'Request body too large.'));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  type Auth = { mode: FakeRequestRecord['auth']; key?: FakeApiKey; error?: RestError };

  /** WC_REST_Authentication::authenticate / perform_basic_authentication. */
  function authenticate(req: IncomingMessage, url: URL): Auth {
    const ssl = options.tls !== undefined || assumeHttps;
    if (!ssl) return { mode: 'none' };
    let ck = '';
    let cs = '';
    let mode: Auth['mode'] = 'none';
    const qk = url.searchParams.get('consumer_key') ?? '';
    const qs = url.searchParams.get('consumer_secret') ?? '';
    if (qk && qs) {
      ck = qk;
      cs = qs;
      mode = 'query';
    }
    const header = options.stripAuthorizationHeader ? undefined : req.headers.authorization;
    if (!ck && header && /^Basic\s+/i.test(header)) {
      const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        ck = decoded.slice(0, colon);
        cs = decoded.slice(colon + 1);
        mode = 'basic';
      }
    }
    if (!ck || !cs) return { mode: 'none' };
    const key = keys.find((k) => k.consumerKey === ck);
    if (!key) return { mode };
    if (!sameSecret(key.consumerSecret, cs)) {
      return {
        mode,
        error: new RestError(401, 'woocommerce_rest_authentication_error', 'Consumer secret is invalid.', {
          wwwAuthenticate: 'Basic realm="WooCommerce API. Use a consumer key in the username field and a consumer secret in the password field."',
        }),
      };
    }
    return { mode, key };
  }

  function checkPermissions(auth: Auth, method: string, anonymous: RestError): void {
    if (auth.error) throw auth.error;
    if (!auth.key) throw anonymous;
    const p = auth.key.permissions;
    if (method === 'GET' || method === 'HEAD') {
      if (p !== 'read' && p !== 'read_write') throw new RestError(401, 'woocommerce_rest_authentication_error', 'The API key provided does not have read permissions.');
    } else if (p !== 'write' && p !== 'read_write') {
      throw new RestError(401, 'woocommerce_rest_authentication_error', 'The API key provided does not have write permissions.');
    }
  }

  function parseJson(text: string): Json {
    if (text.trim() === '') return {};
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new RestError(400, 'rest_invalid_json', 'Invalid JSON body passed.', { json_error_code: 4, json_error_message: 'Syntax error' });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    return value as Json;
  }

  function getOrder(id: number, code = 'woocommerce_rest_shop_order_invalid_id', message = 'Invalid ID.'): Order {
    const o = orders.get(id);
    if (!o) throw new RestError(404, code, message);
    return o;
  }

  function checkMetaParam(body: Json): Array<{ id?: unknown; key: string; value: unknown }> | undefined {
    if (body.meta_data === undefined) return undefined;
    if (!Array.isArray(body.meta_data)) throw invalidParam('meta_data', 'meta_data is not of type array.');
    return body.meta_data.map((m, i) => {
      if (typeof m !== 'object' || m === null || Array.isArray(m)) throw invalidParam('meta_data', `meta_data[${i}] is not of type object.`);
      const entry = m as Json;
      if (typeof entry.key !== 'string') throw invalidParam('meta_data', `meta_data[${i}][key] is not of type string.`);
      return { id: entry.id, key: entry.key, value: entry.value };
    });
  }

  function checkString(body: Json, name: string): string | undefined {
    const v = body[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw invalidParam(name, `${name} is not of type string.`);
    return v;
  }

  function checkBool(body: Json, name: string): boolean | undefined {
    const v = body[name];
    if (v === undefined) return undefined;
    // WordPress's rest_sanitize_boolean accepts these spellings.
    if (v === true || v === 'true' || v === '1' || v === 1) return true;
    if (v === false || v === 'false' || v === '0' || v === 0) return false;
    throw invalidParam(name, `${name} is not of type boolean.`);
  }

  function checkStatus(body: Json): string | undefined {
    const status = checkString(body, 'status');
    if (status !== undefined && status !== '' && !(WOO_ORDER_STATUSES as readonly string[]).includes(status)) {
      throw invalidParam('status', `status is not one of ${WOO_ORDER_STATUSES.join(', ')}.`);
    }
    return status;
  }

  /** `WC_REST_Orders_V2_Controller::save_object` for an update. */
  function updateOrder(o: Order, body: Json): void {
    const status = checkStatus(body);
    const setPaid = checkBool(body, 'set_paid');
    const meta = checkMetaParam(body);
    const transactionId = checkString(body, 'transaction_id');
    const pm = checkString(body, 'payment_method');
    const pmt = checkString(body, 'payment_method_title');
    const customerNote = checkString(body, 'customer_note');
    if (pm !== undefined) o.payment_method = pm;
    if (pmt !== undefined) o.payment_method_title = pmt;
    if (transactionId !== undefined) o.transaction_id = transactionId;
    if (customerNote !== undefined) o.customer_note = customerNote;
    for (const m of meta ?? []) upsertMeta(o.meta, m);
    if (status) setStatus(o, status);
    o.modified = now();
    if (setPaid === true && NEEDS_PAYMENT.has(o.status) && o.totalMinor > 0) paymentComplete(o, transactionId ?? '');
  }

  function createOrderFromRest(body: Json): Order {
    const status = checkStatus(body);
    const setPaid = checkBool(body, 'set_paid');
    const meta = checkMetaParam(body);
    const currency = checkString(body, 'currency');
    const items = body.line_items;
    if (items !== undefined && !Array.isArray(items)) throw invalidParam('line_items', 'line_items is not of type array.');
    const lineItems: FakeLineItemInput[] = (items as unknown[] | undefined ?? []).map((raw, i) => {
      const li = (typeof raw === 'object' && raw !== null ? raw : {}) as Json;
      const total = typeof li.total === 'string' ? li.total : typeof li.price === 'number' ? String(li.price) : undefined;
      if (total === undefined) throw invalidParam('line_items', `line_items[${i}][total] is required by this fake (it has no product catalogue).`);
      return { name: typeof li.name === 'string' ? li.name : `Item ${i + 1}`, quantity: typeof li.quantity === 'number' ? li.quantity : 1, total };
    });
    const o = createOrder({
      lineItems,
      ...(currency ? { currency } : {}),
      ...(meta ? { meta: meta.map((m) => ({ key: m.key, value: m.value })) } : {}),
      createdVia: 'rest-api',
    });
    const pm = checkString(body, 'payment_method');
    const pmt = checkString(body, 'payment_method_title');
    const tx = checkString(body, 'transaction_id');
    if (pm !== undefined) o.payment_method = pm;
    if (pmt !== undefined) o.payment_method_title = pmt;
    if (tx !== undefined) o.transaction_id = tx;
    if (status && status !== 'pending') setStatus(o, status);
    // On creation set_paid always calls payment_complete ("$creating || needs_payment()").
    if (setPaid === true) paymentComplete(o, tx ?? '');
    return o;
  }

  /** `WC_REST_Order_Refunds_V2_Controller::prepare_object_for_database` + `wc_create_refund`. */
  function createRefund(orderId: number, body: Json): Refund {
    const amountText = checkString(body, 'amount');
    const reason = checkString(body, 'reason') ?? '';
    const apiRefund = checkBool(body, 'api_refund') ?? true;
    const meta = checkMetaParam(body);
    const o = getOrder(orderId, 'woocommerce_rest_invalid_order_id', 'Invalid order ID.');
    const amount = amountText === undefined ? 0 : toMinor(amountText);
    if (amount === undefined) throw invalidParam('amount', 'amount is not a number.');
    if (amount < 0) throw new RestError(400, 'woocommerce_rest_invalid_order_refund', 'Refund amount must be greater than zero.');
    const remaining = o.totalMinor - refundedMinor(o);
    if (amount > remaining) throw new RestError(500, 'woocommerce_rest_cannot_create_order_refund', 'Invalid refund amount.');
    if (apiRefund) {
      // wc_refund_payment: the order's gateway must exist as a PHP gateway that supports refunds.
      throw new RestError(
        500,
        'woocommerce_rest_cannot_create_order_refund',
        o.payment_method ? 'The payment gateway for this order does not support automatic refunds.' : 'The payment gateway for this order does not exist.',
      );
    }
    const r: Refund = { id: nextRefundId++, amountMinor: amount, reason, at: now(), meta: [], refunded_payment: false };
    for (const m of meta ?? []) upsertMeta(r.meta, m);
    o.refunds.push(r);
    o.modified = now();
    if (remaining - amount <= 0) setStatus(o, 'refunded');
    return r;
  }

  function listOrders(url: URL): { body: unknown[]; headers: Record<string, string> } {
    const q = url.searchParams;
    const intParam = (name: string, dflt: number, min: number, max: number) => {
      const raw = q.get(name);
      if (raw === null) return dflt;
      if (!/^\d+$/.test(raw)) throw invalidParam(name, `${name} is not of type integer.`);
      const n = Number(raw);
      if (n < min || n > max) throw invalidParam(name, `${name} must be between ${min} (inclusive) and ${max} (inclusive)`);
      return n;
    };
    const perPage = intParam('per_page', 10, 1, 100);
    const page = intParam('page', 1, 1, Number.MAX_SAFE_INTEGER);
    const statusRaw = q.getAll('status').flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
    const allowed = ['any', 'trash', ...WOO_ORDER_STATUSES];
    for (const s of statusRaw) if (!allowed.includes(s)) throw invalidParam('status', `status[${statusRaw.indexOf(s)}] is not one of ${allowed.join(', ')}.`);
    const order = q.get('order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw invalidParam('order', 'order is not one of asc and desc.');
    const orderby = q.get('orderby') ?? 'date';
    if (!['date', 'id', 'include', 'title', 'slug', 'modified'].includes(orderby)) throw invalidParam('orderby', 'orderby is not one of date, id, include, title, slug, and modified.');
    const modifiedAfterRaw = q.get('modified_after');
    const modifiedAfter = modifiedAfterRaw === null ? undefined : Date.parse(modifiedAfterRaw.endsWith('Z') ? modifiedAfterRaw : `${modifiedAfterRaw}Z`);
    if (modifiedAfter !== undefined && Number.isNaN(modifiedAfter)) throw invalidParam('modified_after', 'Invalid date.');
    const any = statusRaw.length === 0 || statusRaw.includes('any');
    let list = [...orders.values()].filter((o) => (any ? o.status !== 'checkout-draft' : statusRaw.includes(o.status)));
    if (modifiedAfter !== undefined) list = list.filter((o) => o.modified.getTime() > modifiedAfter);
    const key = (o: Order) => (orderby === 'modified' ? o.modified.getTime() : orderby === 'date' ? o.created.getTime() : o.id);
    list.sort((a, b) => (key(a) - key(b) || a.id - b.id) * (order === 'asc' ? 1 : -1));
    const total = list.length;
    const totalPages = Math.ceil(total / perPage);
    const body = list.slice((page - 1) * perPage, page * perPage).map(orderJson);
    return { body, headers: { 'x-wp-total': String(total), 'x-wp-totalpages': String(totalPages) } };
  }

  async function route(req: IncomingMessage, url: URL, path: string, auth: Auth): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const method = req.method ?? 'GET';
    const editable = method === 'POST' || method === 'PUT' || method === 'PATCH';
    let m: RegExpExecArray | null;
    if (path === '/orders' || path === '/orders/') {
      if (method === 'GET') {
        checkPermissions(auth, method, new RestError(401, 'woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.'));
        const r = listOrders(url);
        return { status: 200, body: r.body, headers: r.headers };
      }
      if (method === 'POST') {
        checkPermissions(auth, method, new RestError(401, 'woocommerce_rest_cannot_create', 'Sorry, you are not allowed to create resources.'));
        const o = createOrderFromRest(parseJson(await readBody(req)));
        return { status: 201, body: orderJson(o) };
      }
    } else if ((m = /^\/orders\/(\d+)\/?$/.exec(path))) {
      const id = Number(m[1]);
      if (method === 'GET') {
        checkPermissions(auth, method, new RestError(401, 'woocommerce_rest_cannot_view', 'Sorry, you cannot view this resource.'));
        return { status: 200, body: orderJson(getOrder(id)) };
      }
      if (editable) {
        checkPermissions(auth, method, new RestError(401, 'woocommerce_rest_cannot_edit', 'Sorry, you are not allowed to edit this resource.'));
        const body = parseJson(await readBody(req));
        // Arguments are validated before the callback looks the order up.
        checkStatus(body);
        checkBool(body, 'set_paid');
        checkMetaParam(body);
        const o = getOrder(id);
        updateOrder(o, body);
        return { status: 200, body: orderJson(o) };
      }
    } else if ((m = /^\/orders\/(\d+)\/notes\/?$/.exec(path))) {
      const id = Number(m[1]);
      if (method === 'GET') {
        checkPermissions(auth, method, new RestError(401, 'woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.'));
        const o = getOrder(id, 'woocommerce_rest_order_invalid_id', 'Invalid order ID.');
        const type = url.searchParams.get('type') ?? 'any';
        if (!['any', 'customer', 'internal'].includes(type)) throw invalidParam('type', 'type is not one of any, customer, and internal.');
        const notes = [...o.notes].reverse().filter((n) => type === 'any' || (type === 'customer' ? n.customer_note : !n.customer_note));
        return { status: 200, body: notes.map(noteJson) };
      }
      if (method === 'POST') {
        checkPermissions(auth, method, new RestError(401, 'woocommerce_rest_cannot_create', 'Sorry, you are not allowed to create resources.'));
        const body = parseJson(await readBody(req));
        if (body.note === undefined) throw new RestError(400, 'rest_missing_callback_param', 'Missing parameter(s): note', { params: ['note'] });
        const note = checkString(body, 'note') ?? '';
        const customerNote = checkBool(body, 'customer_note') ?? false;
        const byUser = checkBool(body, 'added_by_user') ?? false;
        const o = getOrder(id, 'woocommerce_rest_order_invalid_id', 'Invalid order ID.');
        if (note === '') throw new RestError(500, 'woocommerce_api_cannot_create_order_note', 'Cannot create order note, please try again.');
        return { status: 201, body: noteJson(addNote(o, note, customerNote, byUser)) };
      }
    } else if ((m = /^\/orders\/(\d+)\/refunds\/?$/.exec(path))) {
      const id = Number(m[1]);
      if (method === 'GET') {
        checkPermissions(auth, method, new RestError(401, 'woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.'));
        const o = getOrder(id, 'woocommerce_rest_invalid_order_id', 'Invalid order ID.');
        return { status: 200, body: [...o.refunds].reverse().map(refundJson), headers: { 'x-wp-total': String(o.refunds.length), 'x-wp-totalpages': '1' } };
      }
      if (method === 'POST') {
        checkPermissions(auth, method, new RestError(401, 'woocommerce_rest_cannot_create', 'Sorry, you are not allowed to create resources.'));
        return { status: 201, body: refundJson(createRefund(id, parseJson(await readBody(req)))) };
      }
    } else if ((m = /^\/orders\/(\d+)\/refunds\/(\d+)\/?$/.exec(path))) {
      if (method === 'GET') {
        checkPermissions(auth, method, new RestError(401, 'woocommerce_rest_cannot_view', 'Sorry, you cannot view this resource.'));
        const o = getOrder(Number(m[1]), 'woocommerce_rest_invalid_order_id', 'Invalid order ID.');
        const r = o.refunds.find((x) => x.id === Number(m?.[2]));
        if (!r) throw new RestError(404, 'woocommerce_rest_invalid_id', 'Invalid ID.');
        return { status: 200, body: refundJson(r) };
      }
    }
    throw new RestError(404, 'rest_no_route', 'No route was found matching the URL and request method.');
  }

  function takeFault(method: string, path: string): WooFault | undefined {
    const i = faults.findIndex((f) => {
      const methods = f.method === undefined ? undefined : typeof f.method === 'string' ? [f.method] : f.method;
      if (methods && !methods.includes(method)) return false;
      if (f.path !== undefined && (typeof f.path === 'string' ? f.path !== path : !f.path.test(path))) return false;
      return true;
    });
    if (i < 0) return undefined;
    const f = faults[i] as WooFault & { left: number; skipLeft: number };
    if (f.skipLeft > 0) {
      f.skipLeft -= 1;
      return undefined;
    }
    f.left -= 1;
    if (f.left <= 0) faults.splice(i, 1);
    return f;
  }

  function fail(res: ServerResponse, fault: WooFault): void {
    if (fault.kind === 'reset') {
      res.socket?.destroy();
      return;
    }
    const html = fault.kind === 'unavailable' ? '<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>' : '<html><body><h1>Briefly unavailable for scheduled maintenance.</h1></body></html>';
    res.writeHead(fault.kind === 'unavailable' ? 503 : 200, { 'content-type': 'text/html; charset=UTF-8' });
    res.end(html);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const method = req.method ?? 'GET';
    const path = url.pathname.startsWith(API) ? url.pathname.slice(API.length) || '/' : url.pathname;
    const query = new URLSearchParams(url.searchParams);
    query.delete('consumer_key');
    query.delete('consumer_secret');
    const auth = authenticate(req, url);
    const record: FakeRequestRecord = { method, path, query: query.toString(), status: null, auth: auth.mode };
    records.push(record);
    const fault = takeFault(method, path);
    if (fault) record.fault = fault.kind;
    if (fault && !fault.after) {
      req.resume();
      fail(res, fault);
      return;
    }
    let result: { status: number; body: unknown; headers?: Record<string, string> };
    try {
      if (!url.pathname.startsWith(API)) throw new RestError(404, 'rest_no_route', 'No route was found matching the URL and request method.');
      // Authentication errors are returned before routing (rest_authentication_errors).
      if (auth.error) throw auth.error;
      result = await route(req, url, path, auth);
    } catch (error) {
      if (!(error instanceof RestError)) throw error;
      record.status = error.status;
      if (fault) return fail(res, fault);
      sendError(res, error);
      return;
    }
    record.status = result.status;
    if (fault) return fail(res, fault);
    send(res, result.status, result.body, result.headers);
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { code: 'internal_server_error', message: '<p>There has been a critical error on this website.</p>', data: { status: 500 } });
      else res.destroy();
    });
  };
  const server: Server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler) : createHttpServer(handler);
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  server.on('connection', track);
  server.on('clientError', (_e, socket) => socket.destroy());
  const host = options.host ?? '127.0.0.1';
  const listen = (port: number) =>
    new Promise<AddressInfo>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(server.address() as AddressInfo);
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      sockets.clear();
    });
  const address = await listen(options.port ?? 0);
  const port = address.port;
  site = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let suspended = false;

  const need = (id: number) => {
    const o = orders.get(id);
    if (!o) throw new Error(`fake has no order ${id}`);
    return o;
  };

  return {
    url: site,
    apiUrl: `${site}${API}`,
    port,
    keys,
    createOrder: (input) => orderJson(createOrder(input)),
    order: (id) => {
      const o = orders.get(id);
      return o ? orderJson(o) : undefined;
    },
    notes: (id) => [...need(id).notes].reverse().map((n) => ({ id: n.id, note: n.note, customer_note: n.customer_note, author: n.author })),
    refunds: (id) => [...need(id).refunds].reverse().map((r) => refundJson(r) as ReturnType<WooFake['refunds']>[number]),
    setStatus: (id, status) => {
      const o = need(id);
      setStatus(o, status);
      o.modified = now();
    },
    setMeta: (id, key, value) => {
      const o = need(id);
      upsertMeta(o.meta, { key, value });
      o.modified = now();
    },
    injectFault: (fault) => {
      faults.push({ ...fault, left: fault.times ?? 1, skipLeft: fault.skip ?? 0 });
    },
    clearFaults: () => {
      faults.length = 0;
    },
    requests: () => records.map((r) => ({ ...r })),
    suspend: async () => {
      if (suspended) return;
      suspended = true;
      await stop();
    },
    resume: async () => {
      if (!suspended) return;
      await listen(port);
      suspended = false;
    },
    close: async () => {
      if (!suspended) await stop();
      suspended = true;
    },
  };
}
