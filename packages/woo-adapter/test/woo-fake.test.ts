/**
 * The WooCommerce fake, tested against WooCommerce's documented behaviour with plain HTTP
 * requests (not the adapter's client). Sources are cited per block:
 * - REST API docs: https://woocommerce.github.io/woocommerce-rest-api-docs/ (#authentication,
 *   #orders, #order-notes, #order-refunds, #errors) and developer.woocommerce.com's v3 pages;
 * - WooCommerce core: WC_REST_Authentication, WC_REST_Orders_V2_Controller::save_object,
 *   WC_Order::payment_complete / status_transition, WC_Abstract_Order::needs_payment,
 *   WC_Data::update_meta_data, WC_REST_Order_Refunds_V2_Controller, wc_create_refund.
 */
import { request } from 'undici';
import { startWooFake, type WooFake } from '../src/testing/index.js';

let fake: WooFake;
let basic: string;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test-local convenience
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: basic }, query = ''): Promise<Reply> {
  const res = await request(`${fake.apiUrl}${path}${query}`, {
    method: method as 'GET',
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.statusCode, headers: res.headers, json };
}

const basicOf = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;

beforeEach(async () => {
  fake = await startWooFake({
    keys: [
      { consumerKey: 'ck_readwrite0001', consumerSecret: 'cs_readwrite0001', permissions: 'read_write' },
      { consumerKey: 'ck_readonly00001', consumerSecret: 'cs_readonly00001', permissions: 'read' },
    ],
  });
  basic = basicOf('ck_readwrite0001', 'cs_readwrite0001');
});
afterEach(async () => {
  await fake.close();
});

describe('authentication (WC_REST_Authentication; docs #authentication)', () => {
  it('no credentials: the endpoint permission check answers 401 woocommerce_rest_cannot_view', async () => {
    const r = await call('GET', '/orders', undefined, {});
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ code: 'woocommerce_rest_cannot_view', message: 'Sorry, you cannot list resources.', data: { status: 401 } });
  });

  it('a known key with a wrong secret: 401 "Consumer secret is invalid." and a Basic challenge', async () => {
    const r = await call('GET', '/orders', undefined, { authorization: basicOf('ck_readwrite0001', 'cs_wrong') });
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ code: 'woocommerce_rest_authentication_error', message: 'Consumer secret is invalid.', data: { status: 401 } });
    expect(String(r.headers['www-authenticate'])).toMatch(/^Basic realm=/);
  });

  it('an unknown key leaves the request anonymous (no auth error, the permission check fails)', async () => {
    const r = await call('PUT', '/orders/1', { status: 'failed' }, { authorization: basicOf('ck_unknown', 'cs_unknown') });
    expect(r.status).toBe(401);
    expect(r.json.code).toBe('woocommerce_rest_cannot_edit');
  });

  it('consumer_key/consumer_secret query parameters are read first (the fallback for stripped headers)', async () => {
    const order = fake.createOrder({ total: '10.00' });
    const r = await call('GET', `/orders/${order.id}`, undefined, {}, '?consumer_key=ck_readwrite0001&consumer_secret=cs_readwrite0001');
    expect(r.status).toBe(200);
    expect(fake.requests().at(-1)).toMatchObject({ auth: 'query', query: '' });
  });

  it('read-only keys may read but not write: 401 "does not have write permissions"', async () => {
    const ro = basicOf('ck_readonly00001', 'cs_readonly00001');
    const order = fake.createOrder({ total: '10.00' });
    expect((await call('GET', `/orders/${order.id}`, undefined, { authorization: ro })).status).toBe(200);
    const w = await call('PUT', `/orders/${order.id}`, { status: 'failed' }, { authorization: ro });
    expect(w.status).toBe(401);
    expect(w.json).toMatchObject({ code: 'woocommerce_rest_authentication_error', message: 'The API key provided does not have write permissions.' });
    expect(fake.order(order.id)?.status).toBe('pending');
  });

  it('Basic auth only counts when WordPress sees HTTPS (is_ssl); plain http needs OAuth, which the fake does not do', async () => {
    await fake.close();
    fake = await startWooFake({ assumeHttps: false, keys: [{ consumerKey: 'ck_readwrite0001', consumerSecret: 'cs_readwrite0001', permissions: 'read_write' }] });
    const r = await call('GET', '/orders');
    expect(r.status).toBe(401);
    expect(r.json.code).toBe('woocommerce_rest_cannot_view');
  });

  it('a host that strips Authorization: Basic fails, query-string auth works', async () => {
    await fake.close();
    fake = await startWooFake({ stripAuthorizationHeader: true, keys: [{ consumerKey: 'ck_readwrite0001', consumerSecret: 'cs_readwrite0001', permissions: 'read_write' }] });
    expect((await call('GET', '/orders')).status).toBe(401);
    expect((await call('GET', '/orders', undefined, {}, '?consumer_key=ck_readwrite0001&consumer_secret=cs_readwrite0001')).status).toBe(200);
  });

  it('never records credentials', async () => {
    await call('GET', '/orders', undefined, {}, '?consumer_key=ck_readwrite0001&consumer_secret=cs_readwrite0001&per_page=5');
    expect(JSON.stringify(fake.requests())).not.toMatch(/cs_readwrite0001|ck_readwrite0001/);
  });
});

describe('errors (docs #errors: {code, message, data:{status}})', () => {
  it('unknown order: 404 woocommerce_rest_shop_order_invalid_id "Invalid ID."', async () => {
    const r = await call('GET', '/orders/999999');
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ code: 'woocommerce_rest_shop_order_invalid_id', message: 'Invalid ID.', data: { status: 404 } });
  });

  it('invalid status: 400 rest_invalid_param naming the parameter', async () => {
    const order = fake.createOrder({ total: '10.00' });
    const r = await call('PUT', `/orders/${order.id}`, { status: 'paid' });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('rest_invalid_param');
    expect(r.json.message).toBe('Invalid parameter(s): status');
    expect(Object.keys(r.json.data.params)).toEqual(['status']);
  });

  it('validation happens before the order is looked up; unknown routes and bad JSON have their own codes', async () => {
    expect((await call('PUT', '/orders/999999', { set_paid: 'maybe' })).json.code).toBe('rest_invalid_param');
    expect((await call('GET', '/products')).json.code).toBe('rest_no_route');
    expect((await call('PUT', '/orders/1', '{not json')).json.code).toBe('rest_invalid_json');
  });
});

describe('set_paid and statuses (save_object; payment_complete; needs_payment)', () => {
  it('pending + set_paid → processing with transaction_id and date_paid, plus the transition note', async () => {
    const order = fake.createOrder({ lineItems: [{ name: 'Tea', total: '12.50' }] });
    expect(order).toMatchObject({ status: 'pending', total: '12.50', needs_payment: true, date_paid: null });
    const r = await call('PUT', `/orders/${order.id}`, { set_paid: true, transaction_id: 'T1', payment_method: 'qfpay_terminal' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'processing', transaction_id: 'T1', payment_method: 'qfpay_terminal', needs_payment: false });
    expect(r.json.date_paid).not.toBeNull();
    expect(fake.notes(order.id)[0]?.note).toBe('Order status changed from Pending payment to Processing.');
  });

  it('orders whose items are all virtual and downloadable go straight to completed', async () => {
    const order = fake.createOrder({ lineItems: [{ name: 'E-book', total: '5.00', virtual: true, downloadable: true }] });
    const r = await call('PUT', `/orders/${order.id}`, { set_paid: true, transaction_id: 'T2' });
    expect(r.json).toMatchObject({ status: 'completed', needs_processing: false });
    expect(r.json.date_completed).not.toBeNull();
  });

  it('failed orders still need payment: set_paid acts', async () => {
    const order = fake.createOrder({ total: '8.00', status: 'failed' });
    expect((await call('PUT', `/orders/${order.id}`, { set_paid: true, transaction_id: 'T3' })).json.status).toBe('processing');
  });

  it('set_paid does nothing on an order that no longer needs payment (already paid, on-hold, cancelled)', async () => {
    const paid = fake.createOrder({ total: '8.00' });
    const first = await call('PUT', `/orders/${paid.id}`, { set_paid: true, transaction_id: 'T4' });
    const notes = fake.notes(paid.id).length;
    const again = await call('PUT', `/orders/${paid.id}`, { set_paid: true, transaction_id: 'T4' });
    expect(again.json).toMatchObject({ status: 'processing', date_paid: first.json.date_paid });
    expect(fake.notes(paid.id)).toHaveLength(notes);

    for (const status of ['on-hold', 'cancelled']) {
      const o = fake.createOrder({ total: '8.00', status });
      const r = await call('PUT', `/orders/${o.id}`, { set_paid: true, transaction_id: 'T5' });
      // transaction_id is a plain prop and is stored; the payment is not completed.
      expect(r.json).toMatchObject({ status, transaction_id: 'T5', date_paid: null });
    }
  });

  it('status in the same request is applied before set_paid is judged: on-hold → pending + set_paid completes the payment', async () => {
    const o = fake.createOrder({ total: '8.00', status: 'on-hold' });
    const r = await call('PUT', `/orders/${o.id}`, { status: 'pending', set_paid: true, transaction_id: 'T6' });
    expect(r.json.status).toBe('processing');
    expect(fake.notes(o.id).map((n) => n.note)).toEqual(['Order status changed from Pending payment to Processing.', 'Order status changed from On hold to Pending payment.']);
  });

  it('zero-total orders do not need payment', async () => {
    const o = fake.createOrder({ total: '0.00' });
    expect(o.needs_payment).toBe(false);
    expect((await call('PUT', `/orders/${o.id}`, { set_paid: true })).json.status).toBe('pending');
  });

  it('POST /orders with set_paid completes the payment on creation', async () => {
    const r = await call('POST', '/orders', { line_items: [{ name: 'Cake', quantity: 2, total: '40.00' }], set_paid: true, transaction_id: 'T7' });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ status: 'processing', total: '40.00', transaction_id: 'T7', created_via: 'rest-api' });
  });
});

describe('meta_data (WC_Data::update_meta_data)', () => {
  it('adds, updates by key without id, updates by id, deletes with null; scalars come back as text', async () => {
    const o = fake.createOrder({ total: '1.00' });
    const a = await call('PUT', `/orders/${o.id}`, { meta_data: [{ key: '_qfpay_attempt', value: 1 }, { key: 'flag', value: true }] });
    expect(a.json.meta_data).toEqual([
      { id: expect.any(Number), key: '_qfpay_attempt', value: '1' },
      { id: expect.any(Number), key: 'flag', value: '1' },
    ]);
    const id = a.json.meta_data[0].id as number;
    const b = await call('PUT', `/orders/${o.id}`, { meta_data: [{ key: '_qfpay_attempt', value: '2' }] });
    expect(b.json.meta_data).toContainEqual({ id, key: '_qfpay_attempt', value: '2' });
    expect(b.json.meta_data.filter((m: { key: string }) => m.key === '_qfpay_attempt')).toHaveLength(1);
    const c = await call('PUT', `/orders/${o.id}`, { meta_data: [{ id, key: '_qfpay_attempt', value: '3' }, { key: 'flag', value: null }] });
    expect(c.json.meta_data).toEqual([{ id, key: '_qfpay_attempt', value: '3' }]);
    const d = await call('PUT', `/orders/${o.id}`, { meta_data: [{ key: 'list', value: [1, { a: 'b' }] }] });
    expect(d.json.meta_data).toContainEqual({ id: expect.any(Number), key: 'list', value: [1, { a: 'b' }] });
  });

  it('duplicate keys collapse into the first entry when updated by key', async () => {
    const o = fake.createOrder({ total: '1.00', meta: [{ key: 'dup', value: 'x' }] });
    fake.setMeta(o.id, 'other', 'y');
    // Two entries with the same key can exist (added with distinct ids by plugins):
    await call('PUT', `/orders/${o.id}`, { meta_data: [{ id: 999999, key: 'dup', value: 'z' }] });
    expect(fake.order(o.id)?.meta_data.filter((m) => m.key === 'dup')).toHaveLength(2);
    const r = await call('PUT', `/orders/${o.id}`, { meta_data: [{ key: 'dup', value: 'only' }] });
    expect(r.json.meta_data.filter((m: { key: string }) => m.key === 'dup')).toEqual([{ id: expect.any(Number), key: 'dup', value: 'only' }]);
  });

  it('meta_data must be an array of objects with a key', async () => {
    const o = fake.createOrder({ total: '1.00' });
    expect((await call('PUT', `/orders/${o.id}`, { meta_data: { key: 'x' } })).json.code).toBe('rest_invalid_param');
  });
});

describe('order notes (docs #order-notes)', () => {
  it('adds notes with the customer_note flag and lists them newest first', async () => {
    const o = fake.createOrder({ total: '1.00' });
    const a = await call('POST', `/orders/${o.id}/notes`, { note: 'first' });
    expect(a.status).toBe(201);
    expect(a.json).toMatchObject({ note: 'first', customer_note: false, author: 'system', added_by_user: false });
    await call('POST', `/orders/${o.id}/notes`, { note: 'for the customer', customer_note: true });
    const list = await call('GET', `/orders/${o.id}/notes`);
    expect(list.json.map((n: { note: string }) => n.note)).toEqual(['for the customer', 'first']);
    const customer = await call('GET', `/orders/${o.id}/notes`, undefined, { authorization: basic }, '?type=customer');
    expect(customer.json).toHaveLength(1);
  });

  it('note is required; unknown orders are 404 woocommerce_rest_order_invalid_id', async () => {
    const o = fake.createOrder({ total: '1.00' });
    const r = await call('POST', `/orders/${o.id}/notes`, { customer_note: true });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'rest_missing_callback_param', data: { params: ['note'] } });
    expect((await call('POST', '/orders/999999/notes', { note: 'x' })).json.code).toBe('woocommerce_rest_order_invalid_id');
  });
});

describe('refunds (docs #order-refunds; wc_create_refund)', () => {
  async function paidOrder(total: string) {
    const o = fake.createOrder({ total });
    await call('PUT', `/orders/${o.id}`, { set_paid: true, transaction_id: 'PAY1', payment_method: 'qfpay_terminal' });
    return o.id;
  }

  it('api_refund defaults to true and needs a PHP gateway that refunds: 500, nothing recorded', async () => {
    const id = await paidOrder('20.00');
    const r = await call('POST', `/orders/${id}/refunds`, { amount: '5.00' });
    expect(r.status).toBe(500);
    expect(r.json.code).toBe('woocommerce_rest_cannot_create_order_refund');
    expect(fake.refunds(id)).toHaveLength(0);
  });

  it('records a refund with api_refund false, its reason and meta; the order keeps its status until fully refunded', async () => {
    const id = await paidOrder('20.00');
    const r = await call('POST', `/orders/${id}/refunds`, { amount: '5.00', reason: 'broken cup', api_refund: false, meta_data: [{ key: '_qfpay_refund_syssn', value: 'R1' }] });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ amount: '5.00', reason: 'broken cup', refunded_payment: false, meta_data: [{ key: '_qfpay_refund_syssn', value: 'R1' }] });
    const order = fake.order(id);
    expect(order?.status).toBe('processing');
    expect(order?.refunds).toEqual([{ id: r.json.id, reason: 'broken cup', total: '-5.00' }]);
    const rest = await call('POST', `/orders/${id}/refunds`, { amount: '15.00', api_refund: false });
    expect(rest.status).toBe(201);
    expect(fake.order(id)?.status).toBe('refunded');
    expect(fake.notes(id)[0]?.note).toBe('Order status changed from Processing to Refunded.');
  });

  it('refunds above what is left are refused with "Invalid refund amount."; negative ones with 400', async () => {
    const id = await paidOrder('20.00');
    await call('POST', `/orders/${id}/refunds`, { amount: '15.00', api_refund: false });
    const over = await call('POST', `/orders/${id}/refunds`, { amount: '5.01', api_refund: false });
    expect(over.status).toBe(500);
    expect(over.json).toMatchObject({ code: 'woocommerce_rest_cannot_create_order_refund', message: 'Invalid refund amount.' });
    const neg = await call('POST', `/orders/${id}/refunds`, { amount: '-1.00', api_refund: false });
    expect(neg.status).toBe(400);
    expect(neg.json.code).toBe('woocommerce_rest_invalid_order_refund');
    expect((await call('POST', `/orders/${id}/refunds`, { amount: 5, api_refund: false })).json.code).toBe('rest_invalid_param');
    expect((await call('GET', `/orders/${id}/refunds`)).json).toHaveLength(1);
  });
});

describe('listing orders (docs "List all orders"; WP collection params)', () => {
  it('filters by a comma-separated status list and pages with X-WP-Total headers', async () => {
    for (let i = 0; i < 5; i += 1) fake.createOrder({ total: '1.00' });
    fake.createOrder({ total: '1.00', status: 'on-hold' });
    fake.createOrder({ total: '1.00', status: 'completed' });
    const r = await call('GET', '/orders', undefined, { authorization: basic }, '?status=pending,on-hold&per_page=4&page=2');
    expect(r.status).toBe(200);
    expect(r.headers['x-wp-total']).toBe('6');
    expect(r.headers['x-wp-totalpages']).toBe('2');
    expect(r.json).toHaveLength(2);
    const all = await call('GET', '/orders', undefined, { authorization: basic }, '?per_page=100');
    expect(all.json).toHaveLength(7);
    // newest first by default
    expect(all.json[0].id).toBeGreaterThan(all.json[6].id);
  });

  it('rejects per_page above 100 and unknown statuses with rest_invalid_param', async () => {
    expect((await call('GET', '/orders', undefined, { authorization: basic }, '?per_page=101')).json.data.params).toHaveProperty('per_page');
    expect((await call('GET', '/orders', undefined, { authorization: basic }, '?status=paid')).json.data.params).toHaveProperty('status');
  });
});

describe('fault injection', () => {
  it('"unavailable" answers 503 with an HTML page for the next matching requests, then recovers', async () => {
    const o = fake.createOrder({ total: '1.00' });
    fake.injectFault({ kind: 'unavailable', times: 2, method: 'GET' });
    expect((await call('GET', `/orders/${o.id}`)).status).toBe(503);
    expect((await call('GET', `/orders/${o.id}`)).status).toBe(503);
    expect((await call('GET', `/orders/${o.id}`)).status).toBe(200);
  });

  it('"after" applies the write and then fails the reply (the client cannot know it happened)', async () => {
    const o = fake.createOrder({ total: '1.00' });
    fake.injectFault({ kind: 'unavailable', method: 'POST', path: `/orders/${o.id}/notes`, after: true });
    expect((await call('POST', `/orders/${o.id}/notes`, { note: 'landed' })).status).toBe(503);
    expect(fake.notes(o.id).map((n) => n.note)).toEqual(['landed']);
  });

  it('"reset" destroys the connection; suspend() refuses connections until resume()', async () => {
    const o = fake.createOrder({ total: '1.00' });
    fake.injectFault({ kind: 'reset' });
    await expect(call('GET', `/orders/${o.id}`)).rejects.toThrow();
    await fake.suspend();
    await expect(call('GET', `/orders/${o.id}`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await fake.resume();
    expect((await call('GET', `/orders/${o.id}`)).status).toBe(200);
  });
});
