/**
 * `GET /qfpay/transactions/:out_trade_no` (bearer token required): every stored notification
 * about that merchant reference — the payment(s) whose `out_trade_no` matches and the refunds
 * whose own `out_trade_no` or `orig_out_trade_no` matches — oldest first. Always 200; an empty
 * list means nothing has arrived (yet).
 */
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { z } from 'zod';
import { sendError } from '../http-util.js';
import type { NotificationStore } from '../store/types.js';

/** A merchant reference: 1–128 printable ASCII characters. */
export const OutTradeNoParamSchema = z.string().regex(/^[\x21-\x7e]{1,128}$/);

/** Builds the Koa handler (mount it behind the bearer check). */
export function transactionsHandler(deps: { store: NotificationStore; logger: Logger }) {
  return async function transactions(ctx: Context): Promise<void> {
    const params = (ctx as Context & { params?: Record<string, string> }).params ?? {};
    const parsed = OutTradeNoParamSchema.safeParse(params.out_trade_no);
    if (!parsed.success) {
      sendError(ctx, 400, 'bad_out_trade_no', 'out_trade_no must be 1–128 printable ASCII characters');
      return;
    }
    try {
      const notifications = await deps.store.byOutTradeNo(parsed.data);
      ctx.body = { ok: true, outTradeNo: parsed.data, notifications };
    } catch (error) {
      deps.logger.error({ err: error }, 'transactions lookup failed');
      sendError(ctx, 503, 'store_unavailable', 'the store did not answer; retry later');
    }
  };
}
