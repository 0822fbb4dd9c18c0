/** Small helpers shared by the routes. */
import type { Context } from 'koa';
import { normaliseIp } from './allowlist.js';

/** The client address: the socket's, or the trusted proxy's X-Forwarded-For entry when `app.proxy` is on. */
export function clientIp(ctx: Context): string | undefined {
  const ip = ctx.request.ip || ctx.req.socket.remoteAddress;
  return ip ? normaliseIp(ip) : undefined;
}

/** Sends a JSON error body `{ ok: false, error, message }`. */
export function sendError(ctx: Context, status: number, error: string, message: string): void {
  ctx.status = status;
  ctx.body = { ok: false, error, message };
}

/** Parses a non-negative integer id (SSE `Last-Event-ID`, `?since=`); `undefined` when absent, `null` when malformed. */
export function parseEventId(value: string | undefined): number | undefined | null {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (!/^\d{1,15}$/.test(trimmed)) return null;
  return Number(trimmed);
}
