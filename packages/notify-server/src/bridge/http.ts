/**
 * Shared plumbing of the browser-facing routes: bearer-token auth (constant time), CORS for the
 * POS origin (with Chrome's Private Network Access), size-limited JSON bodies, typed error
 * answers. Tokens and bodies never reach a log line or an error message.
 */
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { ConfigError } from '@qfpay-ecr/core';
import { bearerMatchesAny } from '../auth.js';

/** A pino-compatible logger (`(obj, msg)`); the bridge never passes it secrets. */
export interface BridgeLogger {
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

export const SILENT_BRIDGE_LOGGER: BridgeLogger = { info() {}, warn() {}, error() {} };

/** Which browser origins may call the routes: a list, or `'*'` (any; only for trusted LANs). */
export type AllowedOrigins = readonly string[] | '*';

const TokenListSchema = z
  .array(z.string().min(16, { message: 'each bridge token must be at least 16 characters' }).max(512), { error: 'tokens must be a list of strings' })
  .min(1, { message: 'at least one bridge token is required' });

const OriginsSchema = z.union([z.literal('*'), z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, { message: 'origins look like https://pos.example.com (no path)' }))]);

/** Validates the token list (never echoing a token). */
export function checkTokens(tokens: unknown): readonly string[] {
  const r = TokenListSchema.safeParse(tokens);
  if (!r.success) throw new ConfigError('CONFIG_BRIDGE_TOKENS', `invalid bridge tokens: ${r.error.issues.map((i) => i.message).join('; ')}`, 'configure one or more random tokens of 16+ characters');
  return r.data;
}

/** Validates the allowed origins. */
export function checkOrigins(origins: unknown): AllowedOrigins {
  const r = OriginsSchema.safeParse(origins ?? []);
  if (!r.success) throw new ConfigError('CONFIG_BRIDGE_ORIGINS', `invalid allowed origins: ${r.error.issues.map((i) => i.message).join('; ')}`, 'list the POS origins, e.g. ["https://odoo.shop.example"]');
  return r.data;
}

/** Validates the refund token list: like {@link checkTokens}, but may be empty (no refunds at all). */
export function checkRefundTokens(tokens: unknown): readonly string[] {
  if (Array.isArray(tokens) && tokens.length === 0) return [];
  const r = TokenListSchema.safeParse(tokens);
  if (!r.success) throw new ConfigError('CONFIG_BRIDGE_REFUND_TOKENS', `invalid refund tokens: ${r.error.issues.map((i) => i.message).join('; ')}`, 'list the tokens (16+ characters each) that may refund, or [] to forbid refunds');
  return r.data;
}

/**
 * After {@link bearerAuth}: when `refundTokens` is set and the bearer is not one of them, answers
 * 403 `BRIDGE_REFUND_FORBIDDEN` and returns true (the caller stops).
 */
export function refundForbidden(ctx: Context, refundTokens: readonly string[] | undefined): boolean {
  if (!refundTokens || bearerMatchesAny(ctx.get('authorization') || undefined, refundTokens)) return false;
  const none = refundTokens.length === 0;
  sendError(
    ctx,
    403,
    'BRIDGE_REFUND_FORBIDDEN',
    none ? 'refunds are switched off on this bridge; nothing was sent to the terminal' : 'this till may not refund; nothing was sent to the terminal',
    none ? 'refund in the QFPay merchant app, or ask the administrator (refundTokens)' : 'refund from a till whose token may refund, or ask the administrator (refundTokens)',
  );
  return true;
}

/** Koa middleware: `Authorization: Bearer <token>` must match one of `tokens` (compared in constant time). */
export function bearerAuth(tokens: readonly string[]) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!bearerMatchesAny(ctx.get('authorization') || undefined, tokens)) {
      ctx.set('WWW-Authenticate', 'Bearer');
      sendError(ctx, 401, 'BRIDGE_UNAUTHORIZED', 'missing or wrong access token', 'send Authorization: Bearer <token> with a token configured on the server');
      return;
    }
    await next();
  };
}

function originAllowed(origin: string, allowed: AllowedOrigins): boolean {
  return allowed === '*' || allowed.includes(origin);
}

/** Koa middleware adding CORS headers for allowed origins (actual requests). */
export function corsHeaders(allowed: AllowedOrigins) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const origin = ctx.get('origin');
    if (origin && originAllowed(origin, allowed)) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.vary('Origin');
    }
    await next();
  };
}

/** Koa handler answering a CORS preflight for allowed origins (403 otherwise). */
export function corsPreflight(allowed: AllowedOrigins, methods: string) {
  return (ctx: Context): void => {
    const origin = ctx.get('origin');
    ctx.vary('Origin');
    if (!origin || !originAllowed(origin, allowed)) {
      ctx.status = 403;
      return;
    }
    ctx.set('Access-Control-Allow-Origin', origin);
    ctx.set('Access-Control-Allow-Methods', `${methods}, OPTIONS`);
    ctx.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept, Last-Event-ID');
    ctx.set('Access-Control-Max-Age', '600');
    if (ctx.get('access-control-request-private-network') === 'true') ctx.set('Access-Control-Allow-Private-Network', 'true');
    ctx.status = 204;
  };
}

/** Answers `{ error: { code, message, hint } }`. */
export function sendError(ctx: Context, status: number, code: string, message: string, hint: string): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error: { code, message, hint } };
}

/** Answers JSON with no caching. */
export function sendJson(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

/** Thrown by {@link readJsonBody}; the route turns it into a 4xx. */
export class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The request's JSON body, read with a size limit. A body parsed by an earlier middleware
 * (`ctx.request.body`) is used as is.
 */
export async function readJsonBody(ctx: Context, limit: number): Promise<unknown> {
  const pre = (ctx.request as unknown as { body?: unknown }).body;
  if (pre !== undefined) return pre;
  const type = ctx.get('content-type');
  if (type && !/^application\/json\b/i.test(type)) throw new BodyError(415, 'BRIDGE_BAD_CONTENT_TYPE', 'the body must be application/json');
  const declared = ctx.request.length;
  if (declared !== undefined && declared > limit) {
    // Refused without reading; closing keeps the unread rest from being parsed as a next request.
    ctx.set('Connection', 'close');
    throw new BodyError(413, 'BRIDGE_BODY_TOO_LARGE', `the body is larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyError(413, 'BRIDGE_BODY_TOO_LARGE', `the body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyError(400, 'BRIDGE_BAD_JSON', 'the body is not JSON');
  }
}

/** Turns zod issues into a short description without values. */
export function describeZodIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}
