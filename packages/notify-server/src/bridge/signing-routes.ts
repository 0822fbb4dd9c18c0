/**
 * The signing route for the direct topology: the browser POS builds an ECR request, this
 * server signs and encrypts it with the terminal's POS-KEY, and the browser POSTs the result to
 * the terminal itself. The POS-KEY never leaves the server.
 *
 * `POST /qfpay/sign/:terminalId` `{ content }` (authenticated, CORS for the POS origin) →
 * `{ ciphertext, body }`: `ciphertext` is the Base64 string, `body` the exact HTTP body (that
 * string as a JSON literal). Only valid ECR requests are signed (core's request schemas), only
 * the allowed func_types, and payments only up to `maxAmountMinor`: pos_qfpay's
 * `qfpay_sign_request` signs anything for any POS user (odoo-lifecycle.md §2.9 item 6).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { ConfigError, QfpayEcrError } from '@qfpay-ecr/core';
import { parseMajorAmount } from '@qfpay-ecr/core/money';
import { aesKeyFromPosKey, encodeRequestBody, FUNC_TYPES, parseRequestContent, type EcrFuncType } from '@qfpay-ecr/core/protocol';
import { BodyError, bearerAuth, checkOrigins, checkRefundTokens, checkTokens, corsHeaders, corsPreflight, readJsonBody, refundForbidden, sendError, sendJson, SILENT_BRIDGE_LOGGER, type AllowedOrigins, type BridgeLogger } from './http.js';

/** Options of {@link createSigningRouter}. */
export interface SigningRouteOptions {
  /** POS-KEY of each terminal, by terminal id. Never logged, never in an answer. */
  posKeys: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** Accepted bearer tokens (16+ characters each). */
  tokens: readonly string[];
  /**
   * Tokens that may have refunds (1002) signed; accepted for everything else too. Default: every
   * token in `tokens`. `[]` signs no refund (as leaving 1002 out of `allowedFuncTypes`).
   */
  refundTokens?: readonly string[];
  allowedOrigins?: AllowedOrigins;
  /** func_types this route signs; default all six. Leave out 1002 to keep refunds off the browser. */
  allowedFuncTypes?: readonly EcrFuncType[];
  /** Largest payment (1001 `amt`) signed, in minor units; default no limit beyond core's. */
  maxAmountMinor?: number;
  /** Route prefix; default `/qfpay/sign`. */
  prefix?: string;
  maxBodyBytes?: number;
  logger?: BridgeLogger;
}

const REF = /^[A-Za-z0-9_-]{1,64}$/;
const BodySchema = z.strictObject({ content: z.record(z.string(), z.unknown()) });

/** Builds the signing router (mount with `app.use(router.routes())`). Throws `ConfigError` for a bad key or option. */
export function createSigningRouter(options: SigningRouteOptions): Router {
  const tokens = checkTokens(options.tokens);
  const refundTokens = options.refundTokens === undefined ? undefined : checkRefundTokens(options.refundTokens);
  const origins = checkOrigins(options.allowedOrigins ?? []);
  const log = options.logger ?? SILENT_BRIDGE_LOGGER;
  const allowed = new Set<number>(options.allowedFuncTypes ?? FUNC_TYPES);
  const keys = new Map(options.posKeys instanceof Map ? options.posKeys : Object.entries(options.posKeys));
  for (const [id, key] of keys) {
    if (!REF.test(id)) throw new ConfigError('CONFIG_SIGNING_TERMINALS', `terminal id ${JSON.stringify(id)} is not 1–64 characters of A-Z a-z 0-9 _ -`, 'rename the terminal');
    aesKeyFromPosKey(key); // throws ConfigError (without the key) for an unusable length
  }
  const router = new Router({ prefix: options.prefix ?? '/qfpay/sign' });
  router.options('/:terminalId', corsPreflight(origins, 'POST'));
  router.post('/:terminalId', corsHeaders(origins), bearerAuth(refundTokens ? [...tokens, ...refundTokens] : tokens), async (ctx: Context) => {
    const id = String((ctx as unknown as { params: Record<string, string> }).params.terminalId ?? '');
    const key = keys.get(id);
    if (!key) {
      sendError(ctx, 404, 'BRIDGE_UNKNOWN_TERMINAL', `no POS-KEY for terminal ${REF.test(id) ? id : '(invalid id)'}`, 'check the terminal id configured on the payment method');
      return;
    }
    let raw: unknown;
    try {
      raw = await readJsonBody(ctx, options.maxBodyBytes ?? 8 * 1024);
    } catch (err) {
      if (err instanceof BodyError) return sendError(ctx, err.status, err.code, err.message, 'send { "content": { … } } as JSON');
      throw err;
    }
    const body = BodySchema.safeParse(raw);
    if (!body.success) return sendError(ctx, 400, 'BRIDGE_INVALID_REQUEST', 'the body must be { "content": { … } }', 'send the ECR request content to sign');
    let content;
    try {
      content = parseRequestContent(body.data.content);
    } catch (err) {
      const e = err instanceof QfpayEcrError ? err : undefined;
      return sendError(ctx, 400, 'BRIDGE_INVALID_REQUEST', e ? e.message.replace(` — ${e.hint}`, '') : 'invalid request content', e?.hint ?? 'send a valid ECR request');
    }
    if (!allowed.has(content.func_type)) {
      log.warn({ terminal: id, funcType: content.func_type }, 'signing refused: func_type not allowed');
      return sendError(ctx, 403, 'BRIDGE_FUNC_TYPE_FORBIDDEN', `func_type ${content.func_type} may not be signed here`, 'ask the administrator (allowedFuncTypes)');
    }
    if (content.func_type === 1002 && refundForbidden(ctx, refundTokens)) {
      log.warn({ terminal: id, funcType: 1002 }, 'signing refused: this token may not refund');
      return;
    }
    if (content.func_type === 1001 && options.maxAmountMinor !== undefined && parseMajorAmount(content.amt) > options.maxAmountMinor) {
      log.warn({ terminal: id, funcType: 1001 }, 'signing refused: amount above the limit');
      return sendError(ctx, 403, 'BRIDGE_AMOUNT_LIMIT', 'the amount is above the limit this server signs', 'split the payment or ask the administrator');
    }
    const httpBody = encodeRequestBody(content, key);
    const ref = 'out_trade_no' in content ? content.out_trade_no : 'orderId' in content ? content.orderId : undefined;
    log.info({ terminal: id, funcType: content.func_type, ref }, 'signed ECR request');
    sendJson(ctx, 200, { ciphertext: JSON.parse(httpBody) as string, body: httpBody });
  });
  return router;
}
