/**
 * Route authentication, proven over a real socket against the app as createNotifyApp builds it
 * with every option that adds routes (events token, terminal bridge, signing route).
 *
 * The routes are read from the app's own routers (not a hand-written list), so a route added
 * later without authentication fails here. Every route except `POST /qfpay/notify` (signature)
 * and `GET|HEAD /healthz` answers 401 without a bearer token, with a wrong one, with a token of
 * another kind and with malformed Authorization headers; CORS preflights are answered without
 * auth but do nothing. Throughout, the (simulated) terminal receives no request and nothing is
 * signed: an unauthenticated caller can neither sign nor start a payment.
 */
import type Router from '@koa/router';
import type Koa from 'koa';
import { QFPayTerminal } from '@qfpay-ecr/core';
import { startSimulator, type Simulator } from '@qfpay-ecr/simulator';
import { request } from 'undici';
import { createNotifyApp, createSqliteStore, type NotifyApp } from '../src/index.js';
import { EVENTS_TOKEN, KEY, paymentBody, signedHeaders } from './support/fixtures.js';
import { captureLogs, type CapturedLogs } from './support/logs.js';

const POS_KEY = 'RoutesSecP0sKey-0123456789abcdef';
const BRIDGE_TOKEN = 'bridge-token-routes-sec-7Hq2Lx9Vw4';
const SIGNER_TOKEN = 'signer-token-routes-sec-3Nc8Rt5Yz1';
const ORIGIN = 'https://pos.shop.example';
const EVIL = 'https://evil.example';

type Kind = 'subscriber' | 'bridge' | 'signing';

/** Which token kinds each route family accepts. A route in no family fails the test. */
const FAMILIES: ReadonlyArray<{ prefix: string; kind: Kind }> = [
  { prefix: '/qfpay/events', kind: 'subscriber' },
  { prefix: '/qfpay/transactions/', kind: 'subscriber' },
  { prefix: '/qfpay/terminals/', kind: 'bridge' },
  { prefix: '/qfpay/sign/', kind: 'signing' },
];
const ACCEPTED: Record<Kind, readonly string[]> = {
  subscriber: [EVENTS_TOKEN, BRIDGE_TOKEN],
  bridge: [BRIDGE_TOKEN],
  signing: [SIGNER_TOKEN],
};
const ALL_TOKENS = [EVENTS_TOKEN, BRIDGE_TOKEN, SIGNER_TOKEN];

/** Routes served without a bearer token, and why. */
const PUBLIC = new Map<string, string>([
  ['POST /qfpay/notify', 'authenticated by X-QF-SIGN over the raw body'],
  ['GET /healthz', 'liveness for load balancers; says only ok/store kind'],
  ['HEAD /healthz', 'liveness for load balancers; says only ok/store kind'],
]);

interface Route {
  method: string;
  path: string;
}

/** Every (method, path) the app's routers serve, read from the routers themselves. */
function mountedRoutes(app: Koa): Route[] {
  const routes: Route[] = [];
  for (const middleware of app.middleware) {
    const router = (middleware as { router?: Router }).router;
    if (!router) continue;
    for (const layer of router.stack) {
      for (const method of layer.methods) routes.push({ method, path: String(layer.path) });
    }
  }
  return routes;
}

/** Fills route parameters with values that exist, so a 404 never hides a missing auth check. */
function concrete(path: string): string {
  return path.replace(':terminalId', 'till1').replace(':id', 'till1').replace(':ref', 'job-ref-1').replace(':out_trade_no', 'A-1');
}

/** A body that would do something real if it got past authentication. */
function actionBody(path: string): string {
  if (path.endsWith('/payments')) return JSON.stringify({ ref: 'unauth-pay-1', amountMinor: 100, channel: 'card_payment' });
  if (path.endsWith('/refunds')) return JSON.stringify({ ref: 'unauth-refund-1', syssn: '20250101000000000001' });
  if (path.endsWith('/query')) return JSON.stringify({ outTradeNo: 'unauth-query-1' });
  if (path.endsWith('/print-receipt')) return JSON.stringify({ syssn: '20250101000000000001' });
  if (path.startsWith('/qfpay/sign/')) return JSON.stringify({ content: { func_type: 1001, amt: 1, channel: 'card_payment', out_trade_no: 'unauth-sign-1' } });
  return JSON.stringify({ evenIfIdle: true });
}

function familyOf(path: string): Kind | undefined {
  return FAMILIES.find((f) => path.startsWith(f.prefix))?.kind;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

let sim: Simulator;
let terminal: QFPayTerminal;
let notify: NotifyApp;
let logs: CapturedLogs;
let base: string;
const answers: Answer[] = [];

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const controller = new AbortController();
  const res = await request(`${base}${path}`, {
    method: method as 'GET',
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
    signal: controller.signal,
    headersTimeout: 10_000,
  });
  let text = '';
  if (res.headers['content-type']?.toString().startsWith('text/event-stream')) {
    // An authorised SSE stream stays open: take the status and leave.
    controller.abort();
    await res.body.text().catch(() => undefined);
  } else {
    text = await res.body.text();
  }
  const answer = { status: res.statusCode, headers: res.headers, text };
  answers.push(answer);
  return answer;
}

/** Authorization headers that must never be accepted for a route of `kind`. */
function badCredentials(kind: Kind): Array<{ label: string; headers: Record<string, string>; query?: string }> {
  const right = ACCEPTED[kind][0] as string;
  const wrongKind = ALL_TOKENS.filter((t) => !ACCEPTED[kind].includes(t));
  return [
    { label: 'no Authorization', headers: {} },
    { label: 'wrong token of the same length', headers: { authorization: `Bearer ${'x'.repeat(right.length)}` } },
    ...wrongKind.map((t) => ({ label: `token of another kind (${t.slice(0, 6)}…)`, headers: { authorization: `Bearer ${t}` } })),
    { label: 'right token plus a character', headers: { authorization: `Bearer ${right}x` } },
    { label: 'right token minus a character', headers: { authorization: `Bearer ${right.slice(0, -1)}` } },
    { label: 'right token as Basic', headers: { authorization: `Basic ${Buffer.from(`${right}:`).toString('base64')}` } },
    { label: 'right token twice', headers: { authorization: `Bearer ${right} ${right}` } },
    { label: 'empty Bearer', headers: { authorization: 'Bearer ' } },
    { label: 'right token in the query string only', headers: {}, query: `access_token=${encodeURIComponent(right)}&token=${encodeURIComponent(right)}` },
  ];
}

beforeAll(async () => {
  sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 50 } });
  terminal = new QFPayTerminal({ host: '127.0.0.1', port: sim.port, posKey: POS_KEY, ca: sim.caPem as string, pinnedCaFingerprint256: sim.caFingerprint256 as string });
  logs = captureLogs();
  notify = createNotifyApp({
    keys: KEY,
    store: createSqliteStore({ path: ':memory:' }),
    logger: logs.logger,
    eventsToken: EVENTS_TOKEN,
    bridge: { terminals: { till1: terminal }, tokens: [BRIDGE_TOKEN], allowedOrigins: [ORIGIN] },
    signing: { posKeys: { till1: POS_KEY }, tokens: [SIGNER_TOKEN], allowedOrigins: [ORIGIN] },
  });
  base = (await notify.listen({ port: 0, host: '127.0.0.1' })).url;
});

afterAll(async () => {
  await notify.close();
  await terminal.close();
  await sim.close();
});

describe('route authentication (createNotifyApp with bridge and signing)', () => {
  it('the routers serve the routes this test knows how to judge, and nothing else answers requests', () => {
    const routes = mountedRoutes(notify.app);
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    // The enumeration is real: it sees the routes each option adds.
    for (const k of ['POST /qfpay/notify', 'GET /qfpay/events', 'POST /qfpay/terminals/:id/payments', 'POST /qfpay/terminals/:id/refunds', 'POST /qfpay/sign/:terminalId']) expect(keys).toContain(k);
    expect(routes.length).toBeGreaterThanOrEqual(25);
    // Every route is public on purpose, a CORS preflight, or in a family with known tokens.
    const unclassified = routes.filter((r) => !PUBLIC.has(`${r.method} ${r.path}`) && r.method !== 'OPTIONS' && familyOf(r.path) === undefined);
    expect(unclassified).toEqual([]);
    // Besides the routers, only the error boundary, the lifecycle gate and allowedMethods run.
    const others = notify.app.middleware.filter((m) => !(m as { router?: unknown }).router).map((m) => m.name);
    expect(others).toEqual(['errorBoundary', 'lifecycle', '']);
  });

  it('every protected route answers 401 to missing, wrong, other-kind and malformed credentials; nothing reaches the terminal or gets signed', async () => {
    const protectedRoutes = mountedRoutes(notify.app).filter((r) => r.method !== 'OPTIONS' && !PUBLIC.has(`${r.method} ${r.path}`));
    let checked = 0;
    for (const route of protectedRoutes) {
      const kind = familyOf(route.path) as Kind;
      const path = concrete(route.path);
      const body = route.method === 'POST' ? actionBody(route.path) : undefined;
      for (const bad of badCredentials(kind)) {
        const answer = await call(route.method, bad.query ? `${path}?${bad.query}` : path, { ...bad.headers, origin: ORIGIN }, body);
        if (answer.status !== 401) throw new Error(`${route.method} ${path} with ${bad.label} answered ${answer.status}`);
        expect(answer.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(answer.text).not.toMatch(/ciphertext|syssn|"busy"/);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(120);
    expect(sim.requests()).toEqual([]);
    expect(await notify.store.since(0, 10)).toEqual([]);
  });

  it('path variants (trailing slash, upper case, encoded parameter) never get past authentication', async () => {
    const targets = ['/qfpay/terminals/till1/payments', '/qfpay/sign/till1', '/qfpay/terminals/till1/refunds'];
    for (const path of targets) {
      for (const variant of [`${path}/`, path.toUpperCase(), path.replace('till1', 'till%31'), `${path}?`, `${path}%20`]) {
        const answer = await call('POST', variant, { origin: ORIGIN }, actionBody(path));
        expect([401, 404, 405]).toContain(answer.status);
      }
    }
    expect(sim.requests()).toEqual([]);
  });

  it('each right token passes authentication on its own routes (so the 401s above are the auth check, not a broken route)', async () => {
    const protectedRoutes = mountedRoutes(notify.app).filter((r) => r.method !== 'OPTIONS' && !PUBLIC.has(`${r.method} ${r.path}`));
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(15);
    for (const route of protectedRoutes) {
      const kind = familyOf(route.path) as Kind;
      for (const token of ACCEPTED[kind]) {
        // A body that fails validation proves auth passed without starting anything on the terminal.
        const body = route.method === 'POST' ? '{"not_a_field":true}' : undefined;
        const answer = await call(route.method, concrete(route.path), { authorization: `Bearer ${token}` }, body);
        if (answer.status === 401) throw new Error(`${route.method} ${route.path} refused a right ${kind} token`);
        // HEAD answers too (an SSE HEAD used to hang with no headers until shutdown).
        expect(answer.status).toBeLessThan(500);
      }
    }
  });

  it('POST /qfpay/notify needs the signature, whatever bearer token comes with it', async () => {
    const body = paymentBody();
    for (const token of ALL_TOKENS) {
      const answer = await call('POST', '/qfpay/notify', { authorization: `Bearer ${token}` }, body);
      expect(answer.status).toBe(401);
      expect(answer.text).not.toContain('SUCCESS');
    }
    const signed = await call('POST', '/qfpay/notify', signedHeaders(body), body);
    expect(signed.text).toBe('SUCCESS');
  });

  it('GET /healthz says nothing but its state', async () => {
    const answer = await call('GET', '/healthz');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ ok: true, store: 'sqlite' });
  });
});

describe('CORS', () => {
  it('preflights are answered without auth for the POS origin only, never with credentials, and start nothing', async () => {
    const preflights = mountedRoutes(notify.app).filter((r) => r.method === 'OPTIONS');
    expect(preflights.length).toBeGreaterThanOrEqual(10);
    const before = sim.requests().length;
    for (const route of preflights) {
      const path = concrete(route.path);
      const ok = await call('OPTIONS', path, { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' });
      expect(ok.status).toBe(204);
      expect(ok.text).toBe('');
      expect(ok.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(ok.headers['access-control-allow-credentials']).toBeUndefined();
      const evil = await call('OPTIONS', path, { origin: EVIL, 'access-control-request-method': 'POST' });
      expect(evil.status).toBe(403);
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
      // The actual request after a successful preflight still needs the token.
      const method = route.path.startsWith('/qfpay/sign/') || /\/(payments|refunds|cancel|query|print-receipt|print-summary)$/.test(route.path) ? 'POST' : 'GET';
      const after = await call(method, path, { origin: ORIGIN }, method === 'POST' ? actionBody(route.path) : undefined);
      expect(after.status).toBe(401);
    }
    expect(sim.requests().length).toBe(before);
  });

  it('no answer ever carries a wildcard origin or Access-Control-Allow-Credentials; other origins get no CORS headers', async () => {
    for (const route of mountedRoutes(notify.app).filter((r) => r.method !== 'OPTIONS')) {
      const answer = await call(route.method, concrete(route.path), { origin: EVIL });
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(answers.length).toBeGreaterThan(200);
    for (const a of answers) {
      expect(a.headers['access-control-allow-origin']).not.toBe('*');
      expect(a.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });

  it("allowedOrigins '*' reflects the caller's origin without credentials and still requires the token", async () => {
    const open = createNotifyApp({
      keys: KEY,
      store: createSqliteStore({ path: ':memory:' }),
      logger: captureLogs().logger,
      bridge: { terminals: { till1: terminal }, tokens: [BRIDGE_TOKEN], allowedOrigins: '*' },
      signing: { posKeys: { till1: POS_KEY }, tokens: [SIGNER_TOKEN], allowedOrigins: '*' },
    });
    const { url } = await open.listen({ port: 0, host: '127.0.0.1' });
    const before = sim.requests().length;
    try {
      for (const path of ['/qfpay/terminals/till1/payments', '/qfpay/sign/till1']) {
        const pre = await request(`${url}${path}`, { method: 'OPTIONS', headers: { origin: EVIL, 'access-control-request-method': 'POST' } });
        await pre.body.dump();
        expect(pre.statusCode).toBe(204);
        expect(pre.headers['access-control-allow-origin']).toBe(EVIL);
        expect(pre.headers['access-control-allow-credentials']).toBeUndefined();
        const post = await request(`${url}${path}`, { method: 'POST', headers: { origin: EVIL, 'content-type': 'application/json' }, body: actionBody(path) });
        await post.body.dump();
        expect(post.statusCode).toBe(401);
      }
      expect(sim.requests().length).toBe(before);
    } finally {
      await open.close();
    }
  });
});

afterAll(() => {
  // No token, key or POS-KEY in anything the server logged during these tests.
  const text = logs.text();
  for (const secret of [POS_KEY, KEY, EVENTS_TOKEN, BRIDGE_TOKEN, SIGNER_TOKEN]) expect(text).not.toContain(secret);
});
