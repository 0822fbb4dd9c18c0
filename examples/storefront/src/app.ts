/**
 * The storefront's HTTP side (Koa): the cashier page and its assets, a small JSON API, a
 * Server-Sent Events stream of order changes, and — for the simulated terminal only — a relay of
 * the terminal's customer screen. Bound to 127.0.0.1; POSTs must be JSON (no cross-site form can
 * send one) and the Host header must name this server (no DNS rebinding).
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { Router } from '@koa/router';
import Koa, { type Context, type Next } from 'koa';
import { z } from 'zod';
import { CHANNELS, formatDisplay, parseMajorAmount, QfpayEcrError, type Channel } from '@qfpay-ecr/core';
import { CHANNEL_INFO, PRODUCT_IDS, PRODUCTS, SHOP_NAME } from './catalog.js';
import { CashierError, type Cashier, type OrderView } from './cashier.js';
import type { SimulatorProxy } from './sim-proxy.js';

const PUBLIC_DIR = new URL('../public/', import.meta.url);
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/terminal': { file: 'terminal.html', type: 'text/html; charset=utf-8' },
  '/assets/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/assets/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const channelSchema = z.enum(CHANNELS, { error: () => `channel must be one of: ${CHANNELS.join(', ')}` });
const createOrderSchema = z.strictObject({
  items: z
    .array(z.strictObject({ productId: z.enum(PRODUCT_IDS, { error: 'unknown product' }), qty: z.number().int().min(1).max(20) }), { error: 'items must be a list' })
    .min(1, { message: 'the cart is empty' })
    .max(20),
  channel: channelSchema,
});
const paySchema = z.strictObject({ channel: channelSchema });
const refundSchema = z.strictObject({ amount: z.string().max(20).optional() });
const declineSchema = z.strictObject({ code: z.string().regex(/^\d{4}$/).optional() });

export interface StorefrontAppOptions {
  cashier: Cashier;
  /** The simulated terminal, when the demo runs one. `injectLostReply` only on LAN (ECR Cloud holds no reply to lose). */
  simulator?: { proxy: SimulatorProxy; injectLostReply?: () => void };
  /** How the terminal is reached (shown on the page); default `lan`. */
  mode?: 'lan' | 'cloud';
  /** Host headers accepted (e.g. `127.0.0.1:8080`); filled in once the port is known. */
  allowedHosts: Set<string>;
}

/** The app plus a way to end its SSE streams on shutdown. */
export interface StorefrontApp {
  app: Koa;
  closeStreams(): void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(ctx: Context, limit = 16 * 1024): Promise<unknown> {
  if (!(ctx.get('content-type') || '').toLowerCase().startsWith('application/json')) throw new HttpError(415, 'json_only', 'Send Content-Type: application/json.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, 'too_large', 'The request body is too large.');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'not_json', 'The request body is not JSON.');
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new HttpError(400, 'bad_request', result.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; '));
  }
  return result.data;
}

function orderId(ctx: Context): number {
  const id = Number(ctx.params.id);
  if (!Number.isSafeInteger(id) || id <= 0) throw new HttpError(404, 'no_such_order', 'There is no such order.');
  return id;
}

/** Builds the Koa app. */
export function createStorefrontApp(options: StorefrontAppOptions): StorefrontApp {
  const { cashier, simulator, allowedHosts } = options;
  const mode = options.mode ?? 'lan';
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const [path, asset] of Object.entries(ASSETS)) files.set(path, { body: readFileSync(new URL(asset.file, PUBLIC_DIR)), type: asset.type });

  const app = new Koa();
  app.silent = true;
  const router = new Router();
  const streams = new Set<ServerResponse>();

  app.use(async (ctx: Context, next: Next) => {
    ctx.set(SECURITY_HEADERS);
    ctx.set('Cache-Control', 'no-store');
    if (!allowedHosts.has((ctx.get('host') || '').toLowerCase())) {
      ctx.status = 421;
      ctx.body = { error: 'wrong_host', message: 'Open the storefront at the address it printed.' };
      return;
    }
    try {
      await next();
    } catch (err) {
      if (err instanceof HttpError || err instanceof CashierError) {
        ctx.status = err.status;
        ctx.body = { error: err.code, message: err.message };
      } else if (err instanceof QfpayEcrError) {
        ctx.status = 400;
        ctx.body = { error: err.code, message: err.message };
      } else {
        ctx.status = 500;
        ctx.body = { error: 'internal', message: 'Something went wrong in the storefront.' };
      }
    }
  });

  for (const path of files.keys()) {
    router.get(path, (ctx) => {
      const file = files.get(path)!;
      ctx.type = file.type;
      ctx.body = file.body;
    });
  }

  router.get('/healthz', (ctx) => {
    ctx.body = { ok: true };
  });

  router.get('/api/catalog', (ctx) => {
    ctx.body = {
      shop: SHOP_NAME,
      currency: 'HKD',
      simulated: simulator !== undefined,
      terminalMode: mode,
      canLoseReply: simulator?.injectLostReply !== undefined,
      products: PRODUCTS.map((p) => ({ ...p, price: formatDisplay(p.priceMinor) })),
      channels: CHANNEL_INFO,
    };
  });

  router.get('/api/orders', async (ctx) => {
    ctx.body = { orders: await cashier.list(), busy: cashier.busy() ?? null };
  });

  router.get('/api/orders/:id', async (ctx) => {
    ctx.body = await cashier.view(orderId(ctx));
  });

  router.post('/api/orders', async (ctx) => {
    const body = parse(createOrderSchema, await readJson(ctx));
    ctx.status = 201;
    ctx.body = await cashier.createOrder({ items: body.items, channel: body.channel as Channel });
  });

  router.post('/api/orders/:id/pay', async (ctx) => {
    const id = orderId(ctx);
    const body = parse(paySchema, await readJson(ctx));
    ctx.status = 202;
    ctx.body = await cashier.pay(id, body.channel as Channel);
  });

  router.post('/api/orders/:id/cancel', async (ctx) => {
    const id = orderId(ctx);
    await readJson(ctx);
    ctx.body = await cashier.cancel(id);
  });

  router.post('/api/orders/:id/refunds', async (ctx) => {
    const id = orderId(ctx);
    const body = parse(refundSchema, await readJson(ctx));
    let amountMinor: number | undefined;
    if (body.amount !== undefined && body.amount.trim() !== '') {
      try {
        amountMinor = parseMajorAmount(body.amount.trim().replace(/^HK\$/i, ''));
      } catch (err) {
        throw new HttpError(400, 'bad_amount', `Refund amount: ${err instanceof QfpayEcrError ? err.message.split(' — ')[0] : 'write it like 12.50'}`);
      }
    }
    ctx.status = 202;
    ctx.body = await cashier.refund(id, amountMinor);
  });

  router.post('/api/orders/:id/check', async (ctx) => {
    const id = orderId(ctx);
    await readJson(ctx);
    ctx.body = await cashier.check(id);
  });

  // Live order changes for the page (EventSource reconnects by itself; it refetches on `hello`).
  router.get('/api/events', (ctx) => {
    ctx.respond = false;
    const res = ctx.res;
    ctx.req.socket.setTimeout(0);
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive' });
    res.write('retry: 1000\nevent: hello\ndata: {}\n\n');
    const onOrder = (view: OrderView) => {
      res.write(`event: order\ndata: ${JSON.stringify(view)}\n\n`);
    };
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 15_000);
    heartbeat.unref();
    cashier.events.on('order', onOrder);
    streams.add(res);
    res.on('close', () => {
      clearInterval(heartbeat);
      cashier.events.off('order', onOrder);
      streams.delete(res);
    });
  });

  // The simulated terminal's customer screen (demo only).
  router.get('/api/terminal/state', async (ctx) => {
    if (!simulator) throw new HttpError(404, 'no_simulator', 'The storefront is not running the simulated terminal.');
    try {
      ctx.body = await simulator.proxy.state();
    } catch {
      throw new HttpError(502, 'simulator_unreachable', 'The simulated terminal did not answer.');
    }
  });

  router.post('/api/terminal/:action', async (ctx) => {
    if (!simulator) throw new HttpError(404, 'no_simulator', 'The storefront is not running the simulated terminal.');
    const action = ctx.params.action;
    const body = await readJson(ctx, 4096);
    if (action === 'lose-next-reply') {
      parse(z.strictObject({}), body);
      if (!simulator.injectLostReply) throw new HttpError(409, 'no_reply_in_cloud_mode', 'In ECR Cloud mode the terminal never answers the till directly: results come from QFPay (query or notification), so there is no reply to lose.');
      simulator.injectLostReply();
      ctx.body = { ok: true };
      return;
    }
    if (action !== 'approve' && action !== 'decline' && action !== 'cancel') throw new HttpError(404, 'no_such_action', 'The terminal can approve, decline or cancel.');
    const payload = action === 'decline' ? parse(declineSchema, body) : parse(z.strictObject({}), body);
    try {
      ctx.body = { ok: await simulator.proxy.act(action, payload) };
    } catch {
      throw new HttpError(502, 'simulator_unreachable', 'The simulated terminal did not answer.');
    }
  });

  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = { error: 'not_found', message: 'Nothing here.' };
  });

  return {
    app,
    closeStreams() {
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}
