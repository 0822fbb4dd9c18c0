/** `GET /healthz`: 200 `{ ok: true, store }` when the store answers a trivial query, else 503. */
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { NotificationStore } from '../store/types.js';

/** Builds the health handler. `isClosing` makes it answer 503 during shutdown. */
export function healthHandler(deps: { store: NotificationStore; logger: Logger; isClosing: () => boolean; timeoutMs?: number }) {
  const timeoutMs = deps.timeoutMs ?? 2000;
  return async function health(ctx: Context): Promise<void> {
    ctx.set('Cache-Control', 'no-store');
    if (deps.isClosing()) {
      ctx.status = 503;
      ctx.body = { ok: false, store: deps.store.kind, error: 'shutting_down' };
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        deps.store.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`store did not answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      ctx.body = { ok: true, store: deps.store.kind };
    } catch (error) {
      deps.logger.warn({ err: error }, 'health check: store unavailable');
      ctx.status = 503;
      ctx.body = { ok: false, store: deps.store.kind, error: 'store_unavailable' };
    } finally {
      if (timer) clearTimeout(timer);
    }
  };
}
