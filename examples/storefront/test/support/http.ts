/** Small HTTP helpers for the storefront tests (real sockets on 127.0.0.1). */
import { request } from 'node:http';
import type { OrderView } from '../../src/cashier.js';

export interface Reply<T = unknown> {
  status: number;
  body: T;
}

/** JSON request to the storefront with fetch (Host is set by fetch). */
export async function call<T = unknown>(base: string, method: string, path: string, body?: unknown): Promise<Reply<T>> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** A raw request with any headers (fetch forbids setting Host). */
export function raw(base: string, method: string, path: string, headers: Record<string, string>, body = ''): Promise<Reply<string>> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path: url.pathname, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls an order until `done(order)` holds. Not a timed assertion: it waits as long as the test's
 * own timeout allows, and reports the last state seen if that runs out.
 */
export async function waitForOrder(base: string, id: number, done: (order: OrderView) => boolean): Promise<OrderView> {
  for (;;) {
    const { status, body } = await call<OrderView>(base, 'GET', `/api/orders/${id}`);
    if (status === 200 && done(body)) return body;
    await pause(40);
  }
}

/** Polls the simulated terminal (through the storefront's relay) until a screen is open. */
export async function waitForScreen(base: string): Promise<{ kind: string; amountMinor: number; channel: string }> {
  for (;;) {
    const { body } = await call<{ screen: { kind: string; amountMinor: number; channel: string } | null }>(base, 'GET', '/api/terminal/state');
    if (body.screen) return body.screen;
    await pause(40);
  }
}

/** Creates an order and starts its payment, as the page's Pay button does (201 expected). */
export async function placeOrder(base: string, items: Array<{ productId: string; qty: number }>, channel: string): Promise<OrderView> {
  const res = await call<OrderView>(base, 'POST', '/api/orders', { items, channel });
  expect(res.status).toBe(201);
  return res.body;
}

/** The customer acts on the simulated terminal once its screen is open. */
export async function customerActs(base: string, action: 'approve' | 'decline' | 'cancel'): Promise<void> {
  await waitForScreen(base);
  const res = await call<{ ok: boolean }>(base, 'POST', `/api/terminal/${action}`, {});
  expect(res.body).toEqual({ ok: true });
}
