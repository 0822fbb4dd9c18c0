/**
 * The WooCommerce REST client against the fake (HTTP and HTTPS): auth modes, typed errors that
 * say what to fix, retries only for safe calls, zod-checked replies, secrets never echoed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestPki } from '@qfpay-ecr/simulator';
import { WooAuthError, WooClient, WooConfigError, WooNotFoundError, WooRequestError, WooResponseError, WooUnavailableError, type WooLogger } from '../src/index.js';
import { startWooFake, type WooFake } from '../src/testing/index.js';

const KEY = 'ck_1111111111111111111111111111111111111111';
const SECRET = 'cs_SecretThatMustNeverLeak000000000000000000';
const RO_KEY = 'ck_2222222222222222222222222222222222222222';
const RO_SECRET = 'cs_ReadOnlySecretThatMustNeverLeak000000000';
const FAST = { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 5 };

let fake: WooFake;
const clients: WooClient[] = [];

function client(extra: Partial<ConstructorParameters<typeof WooClient>[0]> = {}): WooClient {
  const c = new WooClient({ url: fake.url, consumerKey: KEY, consumerSecret: SECRET, allowInsecureHttp: true, retry: FAST, ...extra });
  clients.push(c);
  return c;
}

function leaks(value: unknown): boolean {
  const e = value as Error;
  const text = `${e?.message}\n${e?.stack}\n${JSON.stringify(value)}\n${JSON.stringify((value as { call?: unknown }).call)}`;
  return [SECRET, RO_SECRET, KEY, RO_KEY].some((s) => text.includes(s));
}

beforeEach(async () => {
  fake = await startWooFake({
    keys: [
      { consumerKey: KEY, consumerSecret: SECRET, permissions: 'read_write' },
      { consumerKey: RO_KEY, consumerSecret: RO_SECRET, permissions: 'read' },
    ],
  });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await fake.close();
});

describe('configuration', () => {
  it('defaults to HTTPS: http:// needs allowInsecureHttp', () => {
    const err = (() => {
      try {
        return new WooClient({ url: fake.url, consumerKey: KEY, consumerSecret: SECRET });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(WooConfigError);
    expect(err).toMatchObject({ code: 'WOO_CONFIG_INSECURE_HTTP' });
    expect(leaks(err)).toBe(false);
  });

  it('names bad options without echoing their values', () => {
    let err: unknown;
    try {
      new WooClient({ url: 'https://shop.example', consumerKey: SECRET, consumerSecret: KEY });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'WOO_CONFIG' });
    expect((err as Error).message).toMatch(/consumerKey must look like ck_… \(did you swap key and secret\?\)/);
    expect(leaks(err)).toBe(false);
    expect(() => new WooClient({ url: 'not a url', consumerKey: KEY, consumerSecret: SECRET })).toThrow(/url must be an absolute URL/);
    expect(() => new WooClient({ url: 'https://u:p@shop.example', consumerKey: KEY, consumerSecret: SECRET })).toThrow(WooConfigError);
  });

  it('accepts the site URL or the API base', () => {
    expect(new WooClient({ url: 'https://shop.example/', consumerKey: KEY, consumerSecret: SECRET }).baseUrl).toBe('https://shop.example/wp-json/wc/v3');
    expect(new WooClient({ url: 'https://shop.example/sub/wp-json/wc/v3/?x=1', consumerKey: KEY, consumerSecret: SECRET }).baseUrl).toBe('https://shop.example/sub/wp-json/wc/v3');
  });
});

describe('HTTPS', () => {
  it('trusts a private CA given as `ca`; without it the certificate is refused (never "verification off")', async () => {
    const pki = await createTestPki({ ipAddresses: ['127.0.0.1'] });
    await fake.close();
    fake = await startWooFake({ tls: { key: pki.leafKeyPem, cert: pki.leafCertPem }, keys: [{ consumerKey: KEY, consumerSecret: SECRET, permissions: 'read_write' }] });
    expect(fake.url).toMatch(/^https:/);
    const id = fake.createOrder({ total: '1.00' }).id;
    const ok = client({ allowInsecureHttp: false, ca: pki.caCertPem });
    expect((await ok.getOrder(id)).id).toBe(id);
    const untrusted = client({ allowInsecureHttp: false });
    const err = await untrusted.getOrder(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WooUnavailableError);
    expect(err).toMatchObject({ code: 'WOO_TLS' });
    expect((err as Error).message).toMatch(/certificate was not accepted/);
    expect((err as Error).message).toMatch(/never disable verification/);
  });
});

describe('auth modes', () => {
  it('Basic by default; query-string auth for hosts that strip Authorization, without credentials in errors', async () => {
    await fake.close();
    fake = await startWooFake({ stripAuthorizationHeader: true, keys: [{ consumerKey: KEY, consumerSecret: SECRET, permissions: 'read_write' }] });
    const id = fake.createOrder({ total: '1.00' }).id;
    const basicErr = await client().getOrder(id).catch((e: unknown) => e);
    expect(basicErr).toBeInstanceOf(WooAuthError);
    expect((basicErr as Error).message).toMatch(/authMode "query"/);
    const q = client({ authMode: 'query' });
    expect((await q.getOrder(id)).id).toBe(id);
    expect(fake.requests().at(-1)?.auth).toBe('query');
    const notFound = await q.getOrder(424242).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(WooNotFoundError);
    expect(leaks(notFound)).toBe(false);
  });
});

describe('typed errors that say what to fix', () => {
  it('401 wrong secret → WooAuthError (check consumer key/secret and read/write permission)', async () => {
    const bad = client({ consumerSecret: 'cs_WrongSecretWrongSecretWrong00000000000' });
    const err = await bad.getOrder(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WooAuthError);
    expect(err).toMatchObject({ code: 'WOO_AUTH', call: { method: 'GET', path: '/orders/1', status: 401, wooCode: 'woocommerce_rest_authentication_error' } });
    expect((err as Error).message).toMatch(/check consumer key\/secret and that the key has read\/write permission/);
    expect((err as Error).message).not.toContain('cs_WrongSecret');
  });

  it('401 read-only key writing → WooAuthError quoting WooCommerce', async () => {
    const ro = client({ consumerKey: RO_KEY, consumerSecret: RO_SECRET });
    const id = fake.createOrder({ total: '1.00' }).id;
    const err = await ro.updateOrder(id, { status: 'failed' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WooAuthError);
    expect((err as Error).message).toMatch(/does not have write permissions/);
    expect(leaks(err)).toBe(false);
  });

  it('404 → WooNotFoundError "unknown order id"; unknown route → WOO_NO_ROUTE', async () => {
    const err = await client().getOrder(777777).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WooNotFoundError);
    expect(err).toMatchObject({ code: 'WOO_ORDER_NOT_FOUND', call: { wooCode: 'woocommerce_rest_shop_order_invalid_id' } });
    expect((err as Error).message).toMatch(/WooCommerce has no order 777777/);
    expect((err as Error).message).toMatch(/unknown order id/);
    const wrongBase = new WooClient({ url: `${fake.url}/shop`, consumerKey: KEY, consumerSecret: SECRET, allowInsecureHttp: true, retry: FAST });
    clients.push(wrongBase);
    // /shop/wp-json/wc/v3 is not where the fake serves: a JSON 404 rest_no_route.
    expect(await wrongBase.getOrder(1).catch((e: unknown) => e)).toMatchObject({ code: 'WOO_NO_ROUTE' });
  });

  it('400 → WooRequestError naming the parameter WooCommerce rejected', async () => {
    const id = fake.createOrder({ total: '1.00' }).id;
    const err = await client().updateOrder(id, { status: 'paid' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WooRequestError);
    expect(err).toMatchObject({ code: 'WOO_BAD_PARAM', params: ['status'] });
    expect((err as Error).message).toMatch(/rejected parameter\(s\) status of PUT \/orders\/\d+/);
    expect((err as Error).message).toMatch(/fix status/);
  });

  it('a refund WooCommerce refuses (500 with its JSON error) is a rejection, not "unavailable", and is not retried', async () => {
    const id = fake.createOrder({ total: '1.00', status: 'processing', transactionId: 'X' }).id;
    const err = await client().createRefund(id, { amount: '2.00', api_refund: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WooRequestError);
    expect((err as Error).message).toMatch(/Invalid refund amount/);
    expect(fake.requests().filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('a 200 HTML page (maintenance, login) → WooResponseError WOO_NOT_JSON; a wrong JSON shape → WOO_BAD_REPLY', async () => {
    const id = fake.createOrder({ total: '1.00' }).id;
    fake.injectFault({ kind: 'html', times: 10 });
    expect(await client().getOrder(id).catch((e: unknown) => e)).toMatchObject({ code: 'WOO_NOT_JSON' });
    fake.clearFaults();
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'one', status: 5 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const odd = new WooClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, consumerKey: KEY, consumerSecret: SECRET, allowInsecureHttp: true, retry: FAST });
    clients.push(odd);
    const err = await odd.getOrder(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WooResponseError);
    expect(err).toMatchObject({ code: 'WOO_BAD_REPLY' });
    expect((err as Error).message).toMatch(/id: /);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a reply over maxReplyBytes is abandoned, announced or streamed → WOO_REPLY_TOO_LARGE, not retried, no secret', async () => {
    let requests = 0;
    const big = Buffer.alloc(64 * 1024, 0x20);
    const server: Server = createServer((req, res) => {
      requests++;
      if (req.url?.startsWith('/wp-json/wc/v3/orders/1')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(big.length + 2) });
        res.end(Buffer.concat([Buffer.from('['), big, Buffer.from(']')]));
        return;
      }
      // No content-length: 4 MiB in chunks (bounded; the client stops reading after 16 KiB).
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 64; i++) res.write(big);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const capped = new WooClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, consumerKey: KEY, consumerSecret: SECRET, allowInsecureHttp: true, retry: FAST, maxReplyBytes: 16 * 1024 });
    clients.push(capped);
    const announced = await capped.getOrder(1).catch((e: unknown) => e);
    expect(announced).toBeInstanceOf(WooResponseError);
    expect(announced).toMatchObject({ code: 'WOO_REPLY_TOO_LARGE', call: { method: 'GET', status: 200 } });
    expect((announced as Error).message).toMatch(/more than 16384 bytes/);
    expect((announced as WooResponseError).hint).toMatch(/perPage/);
    const streamed = await capped.listOrders({ perPage: 100 }).catch((e: unknown) => e);
    expect(streamed).toMatchObject({ code: 'WOO_REPLY_TOO_LARGE' });
    const write = await capped.addNote(2, 'paid').catch((e: unknown) => e);
    expect(write).toMatchObject({ code: 'WOO_REPLY_TOO_LARGE', call: { method: 'POST' } });
    expect((write as WooResponseError).hint).toMatch(/write may have been applied/);
    expect(requests).toBe(3);
    for (const e of [announced, streamed, write]) expect(leaks(e)).toBe(false);
    expect(() => new WooClient({ url: 'https://shop.example', consumerKey: KEY, consumerSecret: SECRET, maxReplyBytes: 10 })).toThrow(/maxReplyBytes must be at least 1024/);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('retries only for safe calls', () => {
  it('GETs are retried through 503s; the logger sees no secrets', async () => {
    const id = fake.createOrder({ total: '1.00' }).id;
    const lines: string[] = [];
    const logger: WooLogger = { debug: (o, m) => lines.push(JSON.stringify(o) + (m ?? '')), warn: (o, m) => lines.push(JSON.stringify(o) + (m ?? '')) };
    fake.injectFault({ kind: 'unavailable', times: 2 });
    expect((await client({ logger, authMode: 'query' }).getOrder(id)).id).toBe(id);
    expect(fake.requests().filter((r) => r.path === `/orders/${id}`)).toHaveLength(3);
    expect(lines.some((l) => /retrying/.test(l))).toBe(true);
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('gives up after the configured retries with WooUnavailableError saying nothing is lost', async () => {
    fake.injectFault({ kind: 'unavailable', times: 10 });
    const err = await client().getOrder(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WooUnavailableError);
    expect((err as Error).message).toMatch(/reconcile/);
    expect(fake.requests()).toHaveLength(3);
  });

  it('PUT is retried only when declared idempotent; POST (notes, refunds) never', async () => {
    const id = fake.createOrder({ total: '1.00' }).id;
    fake.injectFault({ kind: 'unavailable', method: 'PUT' });
    await expect(client().updateOrder(id, { meta_data: [{ key: 'a', value: '1' }] })).rejects.toBeInstanceOf(WooUnavailableError);
    fake.injectFault({ kind: 'unavailable', method: 'PUT' });
    expect((await client().updateOrder(id, { meta_data: [{ key: 'a', value: '1' }] }, { idempotent: true })).id).toBe(id);
    fake.injectFault({ kind: 'unavailable', method: 'POST', after: true });
    await expect(client().addNote(id, 'hello')).rejects.toBeInstanceOf(WooUnavailableError);
    expect(fake.requests().filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(fake.notes(id)).toHaveLength(1);
  });

  it('connection refused → WooUnavailableError WOO_UNREACHABLE', async () => {
    await fake.suspend();
    const err = await client().getOrder(1).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'WooUnavailableError', code: 'WOO_UNREACHABLE' });
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    await fake.resume();
  });
});

describe('listing', () => {
  it('lists by status with paging headers', async () => {
    for (let i = 0; i < 3; i += 1) fake.createOrder({ total: '1.00' });
    fake.createOrder({ total: '1.00', status: 'completed' });
    const page = await client().listOrders({ status: ['pending'], perPage: 2, page: 1 });
    expect(page).toMatchObject({ page: 1, total: 3, totalPages: 2 });
    expect(page.orders).toHaveLength(2);
    expect(fake.requests().at(-1)?.query).toBe('status=pending&per_page=2&page=1');
  });
});
