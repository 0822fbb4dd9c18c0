/**
 * Fuzz: a local HTTP server answers the WooCommerce REST client with generated replies — status
 * codes, content types, bodies (valid resources, resources with mutated fields and wrong types for
 * money fields, WordPress error bodies with odd `params`, HTML error pages, random and truncated
 * JSON, huge bodies), small delays and dropped connections. Every call settles (a bound in the
 * test proves there is no hang) to data that fits the documented shapes or to one of the client's
 * typed errors (never a TypeError); no error quotes the consumer key or secret, even when the
 * server echoes them; writes (POST, non-idempotent PUT) are sent exactly once; safe calls are
 * retried only after replies that say "unavailable". An unhandled rejection fails the test (Jest
 * reports it as the test's error). Seeds are fixed, so a failure prints a seed.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import fc from 'fast-check';
import { NoteSchema, OrderSchema, RefundSchema, WooClient, WooConfigError, WooError, wooAmountToMinor } from '../src/index.js';

const KEY = 'ck_FuzzKey0000000000000000000000000000000001';
const SECRET = 'cs_FuzzSecretThatMustNeverLeak0000000000001';
const RETRIES = 2;
const TIMEOUT_MS = 300;
/** Far above anything a run needs (three hung attempts cost ~1 s): reaching it means a hang. */
const SETTLE_BOUND_MS = 15_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// ------------------------------------------------------------------------------------------ values

const EVIL_KEYS = ['__proto__', 'constructor', 'toString', 'valueOf', 'toJSON', 'then', 'id', 'status', 'total', 'amount', 'currency', 'meta_data', 'refunds', 'code', 'message', 'data', 'params'] as const;
const evilKey = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...EVIL_KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });
const oddScalar: fc.Arbitrary<Json> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('', '12.50', '12.505', '-5.00', '1e400', 'NaN', '0x10', ' 7 ', KEY, SECRET, `key ${SECRET} leaked`),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1e21, 12.5, Number.MAX_SAFE_INTEGER + 2),
  fc.boolean(),
  fc.constant(null),
);
const evilJson: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    oddScalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(evilKey, tie('value'), { maxKeys: 5, noNullPrototype: true }),
  ),
})).value;

/** Objects whose toString/valueOf are not functions: `String(value)` throws on them. */
const unprintable: fc.Arbitrary<Json> = fc.constantFrom<Json>({ toString: 1 }, { valueOf: {} }, { toString: {}, valueOf: null }, [{ toString: 'x', valueOf: 0 }]);

type Mutation = { key: string; value: Json | undefined };
const mutation: fc.Arbitrary<Mutation> = fc.record({ key: evilKey, value: fc.oneof(oddScalar, evilJson, fc.constant(undefined)) });
function mutate(base: Record<string, Json>, mutations: readonly Mutation[]): Record<string, Json> {
  const out: Record<string, Json> = { ...base };
  for (const m of mutations) {
    if (m.value === undefined) delete out[m.key];
    else Object.defineProperty(out, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const money = fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^\d{1,6}\.\d{2}$/) }, { weight: 1, arbitrary: oddScalar });
const meta = fc.array(fc.record({ id: fc.nat(), key: fc.constantFrom('_qfpay_attempts', '_qfpay_out_trade_no', 'x'), value: evilJson }), { maxLength: 3 });
const order = fc
  .tuple(
    fc.record({
      id: fc.integer({ min: 1, max: 1_000_000 }),
      number: fc.oneof(fc.string({ maxLength: 6 }), fc.nat()),
      status: fc.constantFrom('pending', 'processing', 'on-hold', 'failed', 'refunded'),
      currency: fc.constantFrom('HKD', 'USD'),
      total: money,
      transaction_id: fc.oneof(fc.string({ maxLength: 12 }), fc.constant(null)),
      payment_method: fc.constantFrom('qfpay', '', 'cod'),
      payment_method_title: fc.string({ maxLength: 10 }),
      date_paid: fc.oneof(fc.constant(null), fc.constant('2025-01-02T03:04:05')),
      meta_data: meta,
      refunds: fc.array(fc.record({ id: fc.nat(), reason: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(null)), total: money }), { maxLength: 2 }),
    }),
    fc.array(mutation, { maxLength: 2 }),
  )
  .map(([base, m]) => mutate(base as unknown as Record<string, Json>, m));
const note = fc
  .tuple(fc.record({ id: fc.nat(), note: fc.string({ maxLength: 30 }), customer_note: fc.boolean(), date_created: fc.constant('2025-01-02T03:04:05') }), fc.array(mutation, { maxLength: 2 }))
  .map(([base, m]) => mutate(base, m));
const refund = fc
  .tuple(fc.record({ id: fc.nat(), amount: money, reason: fc.string({ maxLength: 10 }), refunded_payment: fc.boolean(), meta_data: meta }), fc.array(mutation, { maxLength: 2 }))
  .map(([base, m]) => mutate(base as unknown as Record<string, Json>, m));
/** A WordPress REST error body; `params` may hold values that cannot become text. */
const wooError = fc
  .tuple(
    fc.record(
      {
        code: fc.constantFrom('rest_invalid_param', 'woocommerce_rest_shop_order_invalid_id', 'rest_no_route', 'internal_server_error', 'woocommerce_rest_cannot_edit', 'woocommerce_rest_authentication_error'),
        message: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(`Consumer secret ${SECRET} is invalid.`, `key ${KEY} has no write permission`)),
        data: fc.record(
          {
            status: fc.constantFrom(400, 401, 404, 500),
            params: fc.oneof(
              fc.dictionary(evilKey, fc.oneof(evilJson, unprintable), { maxKeys: 3, noNullPrototype: true }),
              fc.array(fc.oneof(evilJson, unprintable), { maxLength: 3 }),
              fc.constant({ amount: `bad value ${SECRET}` }),
            ),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ['code'] },
    ),
    fc.array(mutation, { maxLength: 1 }),
  )
  .map(([base, m]) => mutate(base as unknown as Record<string, Json>, m));

type Body =
  | { kind: 'json'; value: Json }
  | { kind: 'html'; text: string }
  | { kind: 'truncated'; value: Json; cut: number }
  | { kind: 'empty' }
  | { kind: 'huge'; bytes: number; asOrders: boolean };

const bodyArb: fc.Arbitrary<Body> = fc.oneof(
  { weight: 3, arbitrary: order.map((value) => ({ kind: 'json' as const, value })) },
  { weight: 2, arbitrary: fc.array(order, { maxLength: 3 }).map((value) => ({ kind: 'json' as const, value })) },
  { weight: 1, arbitrary: note.map((value) => ({ kind: 'json' as const, value })) },
  { weight: 1, arbitrary: fc.array(note, { maxLength: 3 }).map((value) => ({ kind: 'json' as const, value })) },
  { weight: 1, arbitrary: refund.map((value) => ({ kind: 'json' as const, value })) },
  { weight: 1, arbitrary: fc.array(refund, { maxLength: 3 }).map((value) => ({ kind: 'json' as const, value })) },
  { weight: 3, arbitrary: wooError.map((value) => ({ kind: 'json' as const, value })) },
  { weight: 2, arbitrary: evilJson.map((value) => ({ kind: 'json' as const, value })) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('<!DOCTYPE html><title>Briefly unavailable for scheduled maintenance</title>', `<html><body>Login required for ${KEY}:${SECRET}</body></html>`, '<html>Access denied by security plugin</html>')
      .map((text) => ({ kind: 'html' as const, text })),
  },
  { weight: 2, arbitrary: fc.tuple(fc.oneof(order, wooError, fc.array(order, { maxLength: 2 })), fc.nat()).map(([value, cut]) => ({ kind: 'truncated' as const, value, cut })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), bytes: fc.integer({ min: 500_000, max: 3_000_000 }), asOrders: fc.boolean() }) },
);

type Delivery =
  | { how: 'reply'; status: number; contentType: string | undefined; total: string | undefined; chunked: boolean }
  | { how: 'destroy-before' }
  | { how: 'destroy-mid' }
  | { how: 'short-length' }
  | { how: 'hang' };

const deliveryArb: fc.Arbitrary<Delivery> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record({
      how: fc.constant('reply' as const),
      status: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(200, 201) },
        { weight: 1, arbitrary: fc.constant(400) },
        { weight: 1, arbitrary: fc.constantFrom(401, 403, 404) },
        { weight: 2, arbitrary: fc.constantFrom(204, 301, 409, 410, 429, 500, 502, 503, 504, 520, 530) },
      ),
      contentType: fc.constantFrom('application/json; charset=UTF-8', 'application/json', 'text/html; charset=UTF-8', undefined),
      total: fc.option(fc.oneof(fc.nat().map(String), fc.constantFrom('', 'abc', '1e3', '-1', '3.5')), { nil: undefined }),
      chunked: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ how: 'destroy-before' as const }) },
  { weight: 2, arbitrary: fc.constant({ how: 'destroy-mid' as const }) },
  { weight: 1, arbitrary: fc.constant({ how: 'short-length' as const }) },
  { weight: 1, arbitrary: fc.constant({ how: 'hang' as const }) },
);

interface Spec {
  body: Body;
  delivery: Delivery;
  delayMs: number;
}
const specArb: fc.Arbitrary<Spec> = fc.record({ body: bodyArb, delivery: deliveryArb, delayMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 })) });

function bodyBytes(b: Body): Buffer {
  switch (b.kind) {
    case 'json':
      return Buffer.from(JSON.stringify(b.value), 'utf8');
    case 'html':
      return Buffer.from(b.text, 'utf8');
    case 'truncated': {
      const text = JSON.stringify(b.value);
      return Buffer.from(text.slice(0, b.cut % Math.max(1, text.length)), 'utf8');
    }
    case 'empty':
      return Buffer.alloc(0);
    case 'huge': {
      if (!b.asOrders) return Buffer.from(JSON.stringify({ code: 'x', message: 'm'.repeat(b.bytes) }), 'utf8');
      const one = JSON.stringify({ id: 1, status: 'pending', currency: 'HKD', total: '1.00', note: 'n'.repeat(1000) });
      return Buffer.from(`[${Array.from({ length: Math.ceil(b.bytes / one.length) }, () => one).join(',')}]`, 'utf8');
    }
  }
}

/** A reply that the client may treat as "WooCommerce unavailable" (and so retry a safe call). */
function mayBeTransient(spec: Spec): boolean {
  const d = spec.delivery;
  return d.how !== 'reply' || d.status === 429 || d.status >= 500;
}

// ------------------------------------------------------------------------------------------ server

class FuzzWoo {
  readonly requests: Array<{ method: string; path: string; spec: Spec }> = [];
  replies: Spec[] = [];
  fallback: Spec | undefined;
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
      s.on('error', () => undefined);
    });
    this.#server.on('clientError', (_e, s) => s.destroy());
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  reset(replies: Spec[], fallback: Spec): void {
    this.requests.length = 0;
    this.replies = [...replies];
    this.fallback = fallback;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    req.resume();
    req.on('end', () => {
      const spec = this.replies.shift() ?? (this.fallback as Spec);
      this.requests.push({ method: req.method ?? '?', path: new URL(req.url ?? '/', 'http://x').pathname, spec });
      const body = bodyBytes(spec.body);
      setTimeout(() => deliver(res, spec.delivery, body), spec.delayMs);
    });
  }
}

function deliver(res: ServerResponse, d: Delivery, body: Buffer): void {
  if (res.destroyed) return;
  switch (d.how) {
    case 'hang':
      return;
    case 'destroy-before':
      res.socket?.destroy();
      return;
    case 'destroy-mid':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length + 10) });
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      setImmediate(() => res.socket?.destroy());
      return;
    case 'short-length':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length + 50), connection: 'close' });
      res.end(body);
      return;
    case 'reply': {
      const headers: Record<string, string> = {};
      if (d.contentType !== undefined) headers['content-type'] = d.contentType;
      if (d.total !== undefined) {
        headers['x-wp-total'] = d.total;
        headers['x-wp-totalpages'] = d.total;
      }
      res.writeHead(d.status, headers);
      if (!d.chunked || body.length < 2) {
        res.end(body);
        return;
      }
      const half = Math.floor(body.length / 2);
      res.write(body.subarray(0, half));
      setImmediate(() => res.end(body.subarray(half)));
    }
  }
}

// ------------------------------------------------------------------------------------------ calls

type Call =
  | { call: 'getOrder' }
  | { call: 'listOrders' }
  | { call: 'listNotes' }
  | { call: 'listRefunds' }
  | { call: 'updateOrder'; idempotent: boolean }
  | { call: 'createOrder' }
  | { call: 'addNote' }
  | { call: 'createRefund' };

const callArb: fc.Arbitrary<Call> = fc.oneof(
  fc.constantFrom<Call>({ call: 'getOrder' }, { call: 'listOrders' }, { call: 'listNotes' }, { call: 'listRefunds' }, { call: 'createOrder' }, { call: 'addNote' }, { call: 'createRefund' }),
  fc.boolean().map((idempotent): Call => ({ call: 'updateOrder', idempotent })),
);

function isSafe(c: Call): boolean {
  return c.call === 'getOrder' || c.call === 'listOrders' || c.call === 'listNotes' || c.call === 'listRefunds' || (c.call === 'updateOrder' && c.idempotent);
}

function invoke(client: WooClient, c: Call): Promise<unknown> {
  switch (c.call) {
    case 'getOrder':
      return client.getOrder(42);
    case 'listOrders':
      return client.listOrders({ status: ['pending', 'on-hold'], perPage: 5 });
    case 'listNotes':
      return client.listNotes(42);
    case 'listRefunds':
      return client.listRefunds(42);
    case 'updateOrder':
      return client.updateOrder(42, { status: 'processing', meta_data: [{ key: '_qfpay_x', value: '1' }] }, { idempotent: c.idempotent });
    case 'createOrder':
      return client.createOrder({ currency: 'HKD' });
    case 'addNote':
      return client.addNote(42, 'QFPay payment approved');
    case 'createRefund':
      return client.createRefund(42, { amount: '5.00', api_refund: false });
  }
}

function ensure(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

function leaks(text: string): boolean {
  return text.includes(SECRET) || text.includes(KEY);
}

/** Parsed data must fit the documented shapes; money fields come back as text. */
function ensureData(c: Call, value: unknown): void {
  const orders = c.call === 'listOrders' ? (value as { orders: unknown[] }).orders : c.call === 'getOrder' || c.call === 'updateOrder' || c.call === 'createOrder' ? [value] : [];
  if (c.call === 'listOrders') {
    const page = value as { page: number; total?: number; totalPages?: number };
    ensure(page.page === 1, 'listOrders page');
    for (const n of [page.total, page.totalPages]) ensure(n === undefined || Number.isInteger(n), 'X-WP-Total read as a non-integer');
  }
  for (const o of orders) {
    ensure(OrderSchema.safeParse(o).success, 'an order that does not fit OrderSchema');
    const order = o as { id: number; total: unknown; currency: string; refunds: Array<{ total: unknown }> };
    ensure(Number.isInteger(order.id) && order.id > 0, 'order id');
    ensure(typeof order.total === 'string', 'order total must be text');
    // The adapter's money reader must take whatever total was parsed: cents or undefined, never a throw.
    const minor = wooAmountToMinor(order.total as string, order.currency);
    ensure(minor === undefined || (Number.isSafeInteger(minor) && minor >= 0), `total read as ${String(minor)}`);
    for (const r of order.refunds) ensure(typeof r.total === 'string', 'refund total must be text');
  }
  if (c.call === 'listNotes') for (const n of value as unknown[]) ensure(NoteSchema.safeParse(n).success, 'a note that does not fit NoteSchema');
  if (c.call === 'addNote') ensure(NoteSchema.safeParse(value).success, 'a note that does not fit NoteSchema');
  if (c.call === 'listRefunds') for (const r of value as unknown[]) ensure(RefundSchema.safeParse(r).success, 'a refund that does not fit RefundSchema');
  if (c.call === 'createRefund') {
    ensure(RefundSchema.safeParse(value).success, 'a refund that does not fit RefundSchema');
    ensure(typeof (value as { amount: unknown }).amount === 'string', 'refund amount must be text');
  }
}

function ensureTyped(error: unknown): void {
  if (!(error instanceof WooError) || error instanceof WooConfigError) {
    throw new Error(`untyped rejection: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
  ensure(!leaks(`${error.message}\n${error.hint}\n${error.stack ?? ''}\n${JSON.stringify(error)}\n${JSON.stringify(error.call)}`), 'consumer key or secret in an error');
  if ('params' in error) ensure(!leaks((error as { params: readonly string[] }).params.join(',')), 'consumer key or secret in params');
}

async function settled(promise: Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`call did not settle within ${SETTLE_BOUND_MS} ms (hang)`)), SETTLE_BOUND_MS);
  });
  try {
    return await Promise.race([promise.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error })), bound]);
  } finally {
    clearTimeout(timer);
  }
}

// ------------------------------------------------------------------------------------------ tests

describe('fuzz: WooClient against a misbehaving WooCommerce', () => {
  const woo = new FuzzWoo();

  beforeAll(async () => {
    await woo.start();
  });
  afterAll(async () => {
    await woo.close();
  });

  async function runOne(c: Call, replies: Spec[], fallback: Spec, authMode: 'basic' | 'query'): Promise<void> {
    woo.reset(replies, fallback);
    const client = new WooClient({ url: woo.url, consumerKey: KEY, consumerSecret: SECRET, allowInsecureHttp: true, authMode, timeoutMs: TIMEOUT_MS, retry: { retries: RETRIES, minTimeoutMs: 1, maxTimeoutMs: 5 } });
    try {
      const r = await settled(invoke(client, c));
      if (r.ok) ensureData(c, r.value);
      else ensureTyped(r.error);
      const sent = woo.requests.length;
      if (isSafe(c)) {
        ensure(sent >= 1 && sent <= RETRIES + 1, `${c.call}: ${sent} requests`);
        // Retried only after an answer that may mean "unavailable".
        for (const earlier of woo.requests.slice(0, -1)) ensure(mayBeTransient(earlier.spec), `${c.call} retried after a definite answer (${JSON.stringify(earlier.spec.delivery)})`);
      } else {
        ensure(sent === 1, `${c.call} (a write) was sent ${sent} times`);
      }
      // A clean 401/403 is an auth error, a clean 404 a not-found, whatever the body.
      const last = woo.requests.at(-1)?.spec.delivery;
      if (!r.ok && last?.how === 'reply' && sent === 1) {
        const name = (r.error as Error).name;
        if (last.status === 401 || last.status === 403) ensure(name === 'WooAuthError', `${last.status} gave ${name}`);
        if (last.status === 404) ensure(name === 'WooNotFoundError', `404 gave ${name}`);
      }
    } finally {
      await client.close();
    }
  }

  it('every call: parsed data or a typed error, secrets never quoted, writes sent once', async () => {
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(callArb, fc.array(specArb, { minLength: 1, maxLength: 3 }), specArb, fc.constantFrom('basic' as const, 'query' as const), async (c, replies, fallback, authMode) => {
        await runOne(c, replies, fallback, authMode);
        const key = woo.requests.length > 0 ? `${c.call}:${woo.requests.length}` : c.call;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }),
      {
        numRuns: 300,
        seed: 0x3c0f0001,
        examples: [
          // Regression: a 400 whose params hold a value with no usable toString made the client throw a TypeError.
          [
            { call: 'createRefund' },
            [{ body: { kind: 'json', value: JSON.parse('{"code":"rest_invalid_param","message":"Invalid parameter(s): amount","data":{"status":400,"params":{"amount":{"toString":1}}}}') as Json }, delivery: { how: 'reply', status: 400, contentType: 'application/json', total: undefined, chunked: false }, delayMs: 0 }],
            { body: { kind: 'empty' }, delivery: { how: 'destroy-before' }, delayMs: 0 },
            'basic',
          ],
          [
            { call: 'getOrder' },
            [{ body: { kind: 'json', value: JSON.parse('{"code":"rest_invalid_param","message":"x","data":{"status":400,"params":[{"valueOf":{}}]}}') as Json }, delivery: { how: 'reply', status: 400, contentType: 'application/json', total: undefined, chunked: false }, delayMs: 0 }],
            { body: { kind: 'empty' }, delivery: { how: 'destroy-before' }, delayMs: 0 },
            'query',
          ],
          // Regression: parameter names were quoted back unscrubbed (WooCommerce names the consumer_secret it was sent in query mode).
          [
            { call: 'listOrders' },
            [{ body: { kind: 'json', value: { code: 'rest_invalid_param', message: 'Invalid parameter(s)', data: { status: 400, params: [SECRET, `consumer_key=${KEY}`] } } }, delivery: { how: 'reply', status: 400, contentType: 'application/json', total: undefined, chunked: false }, delayMs: 0 }],
            { body: { kind: 'empty' }, delivery: { how: 'destroy-before' }, delayMs: 0 },
            'query',
          ],
          [
            { call: 'addNote' },
            [{ body: { kind: 'json', value: { code: 'rest_invalid_param', message: 'Invalid parameter(s)', data: { status: 400, params: { [SECRET]: 'is not allowed' } } } }, delivery: { how: 'reply', status: 400, contentType: 'application/json', total: undefined, chunked: false }, delayMs: 0 }],
            { body: { kind: 'empty' }, delivery: { how: 'destroy-before' }, delayMs: 0 },
            'query',
          ],
        ],
      },
    );
    // Writes were exercised against failing and succeeding replies alike, and safe calls were retried.
    expect([...outcomes.keys()].some((k) => /^(getOrder|listOrders|listNotes|listRefunds|updateOrder):[23]$/.test(k))).toBe(true);
  }, 120_000);
});
