/** Bearer-token check for the subscriber endpoints (SSE and transactions). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Whether `Authorization: Bearer <token>` carries `token`, compared in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  // Hashing first gives equal-length inputs, so neither the token nor its length leaks by timing.
  const given = digest(match?.[1] ?? '');
  return timingSafeEqual(given, digest(token)) && match !== null;
}

/**
 * Koa middleware: 404 when subscriber endpoints are disabled (no token configured), 401 with
 * `WWW-Authenticate: Bearer` when the token is missing or wrong. Tokens in the URL are not
 * accepted (URLs end up in proxy logs).
 */
export function requireBearer(token: string | undefined) {
  return async function bearer(ctx: Context, next: Next): Promise<void> {
    if (token === undefined) {
      ctx.status = 404;
      ctx.body = { ok: false, error: 'disabled', message: 'subscriber endpoints are disabled: start the server with an events token' };
      return;
    }
    if (!bearerMatches(ctx.get('authorization') || undefined, token)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="qfpay-notify"');
      ctx.body = { ok: false, error: 'unauthorized', message: 'send Authorization: Bearer <events token>' };
      return;
    }
    await next();
  };
}
