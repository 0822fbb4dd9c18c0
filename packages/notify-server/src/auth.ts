/** Bearer-token check for the subscriber endpoints (SSE and transactions). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Whether `Authorization: Bearer <token>` carries `token`, compared in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  return bearerMatchesAny(header, [token]);
}

/** Whether `Authorization: Bearer <token>` carries one of `tokens`; every token is compared. */
export function bearerMatchesAny(header: string | undefined, tokens: readonly string[]): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  // Hashing first gives equal-length inputs, so neither the token nor its length leaks by timing.
  const given = digest(match?.[1] ?? '');
  let ok = false;
  for (const token of tokens) if (timingSafeEqual(given, digest(token))) ok = true;
  return ok && match !== null;
}

/**
 * Koa middleware: 404 when subscriber endpoints are disabled (no token configured), 401 with
 * `WWW-Authenticate: Bearer` when the token is missing or wrong. Tokens in the URL are not
 * accepted (URLs end up in proxy logs).
 */
export function requireBearer(tokens: readonly string[]) {
  return async function bearer(ctx: Context, next: Next): Promise<void> {
    if (tokens.length === 0) {
      ctx.status = 404;
      ctx.body = { ok: false, error: 'disabled', message: 'subscriber endpoints are disabled: start the server with an events token' };
      return;
    }
    if (!bearerMatchesAny(ctx.get('authorization') || undefined, tokens)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="qfpay-notify"');
      ctx.body = { ok: false, error: 'unauthorized', message: 'send Authorization: Bearer <events token>' };
      return;
    }
    await next();
  };
}
