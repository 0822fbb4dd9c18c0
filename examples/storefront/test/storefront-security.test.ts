/**
 * The storefront demo's HTTP guards as security properties: bounded JSON bodies (413), no CORS
 * for other sites, this host only (no DNS rebinding), and the browser hardening headers.
 */
import { mkdtempSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo, type RunningDemo } from '../src/demo.js';
import { raw } from './support/http.js';

/** A raw request that also returns the answer's headers. */
function send(method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const url = new URL(path, demo.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path: url.pathname, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let demo: RunningDemo;
let host: string;

beforeAll(async () => {
  demo = await startDemo({ port: 0, dataDir: mkdtempSync(join(tmpdir(), 'storefront-sec-')) });
  host = new URL(demo.url).host;
});
afterAll(async () => {
  await demo.close();
});

describe('storefront security guards', () => {
  it('a JSON body over 16 KiB → 413 (declared or chunked) and no order is created', async () => {
    const big = JSON.stringify({ items: [{ productId: 'milk-tea', qty: 1 }], channel: 'wx', pad: 'x'.repeat(17 * 1024) });
    const declared = await raw(demo.url, 'POST', '/api/orders', { host, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) }, big);
    expect(declared.status).toBe(413);
    const chunked = await raw(demo.url, 'POST', '/api/orders', { host, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, big);
    expect(chunked.status).toBe(413);
    const list = await raw(demo.url, 'GET', '/api/orders', { host });
    expect(JSON.parse(list.body)).toMatchObject({ orders: [] });
    expect(demo.simulator.requests()).toEqual([]);
  });

  it('answers other sites with no CORS headers, and another Host with 421', async () => {
    const cross = await send('OPTIONS', '/api/orders', { host, origin: 'https://evil.example', 'access-control-request-method': 'POST' });
    const get = await send('GET', '/api/orders', { host, origin: 'https://evil.example' });
    expect(get.status).toBe(200);
    for (const answer of [cross, get]) {
      expect(Object.keys(answer.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
    expect(get.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(get.headers['x-frame-options']).toBe('DENY');
    expect((await raw(demo.url, 'POST', '/api/orders', { host: 'rebound.example:8080', 'content-type': 'application/json' }, '{}')).status).toBe(421);
  });
});
