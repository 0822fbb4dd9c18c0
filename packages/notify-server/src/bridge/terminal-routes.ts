/**
 * The payment bridge: authenticated HTTP routes that let a browser POS (Odoo's
 * `RemoteTerminal` from `@qfpay-ecr/odoo-adapter`) drive `PaymentTerminal`s owned by this Node
 * process. The browser then needs neither the POS-KEY nor QFPay's CA.
 *
 * Routes (prefix `/qfpay/terminals`), all `Authorization: Bearer <token>`, JSON:
 * - `GET  /:id` → `{ id, busy, current? }`
 * - `POST /:id/payments` `{ ref, amountMinor, channel, currency?, scanType?, cameraId?, paymentTimeoutSec?, moveToBack? }`
 *   → 202 new job, 200 same `ref` again (idempotent: never a second payment), 409 busy or `ref`
 *   reused with other parameters
 * - `POST /:id/refunds` `{ ref, syssn, amountMinor?, currency?, allowModify?, moveToBack? }` → as above
 * - `GET  /:id/jobs/:ref?since=<version>&waitMs=<ms>` → the job once its version exceeds `since`
 *   (long poll, capped at `maxWaitMs`)
 * - `POST /:id/cancel` `{ evenIfIdle? }` → `CancelResult`
 * - `POST /:id/query` `{ outTradeNo } | { syssn }` → `QueryResult`
 * - `POST /:id/print-receipt` `{ syssn }`, `POST /:id/print-summary` → 204
 * Errors: `{ error: { code, message, hint } }` with 400/401/403/404/409/413/415, 502 for terminal
 * failures (403: a refund with a token not in `refundTokens`). CORS preflights are answered for `allowedOrigins`.
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { QfpayEcrError } from '@qfpay-ecr/core';
import { CHANNELS, type PaymentTerminal, type ProgressStage, type TransactionOutcome } from '@qfpay-ecr/core/terminal';
import { BodyError, bearerAuth, checkOrigins, checkRefundTokens, checkTokens, corsHeaders, corsPreflight, describeZodIssues, readJsonBody, refundForbidden, sendError, sendJson, SILENT_BRIDGE_LOGGER, type AllowedOrigins, type BridgeLogger } from './http.js';
import { JobTable, viewOf } from './jobs.js';

/** Options of {@link createTerminalBridgeRouter}. */
export interface TerminalBridgeOptions {
  /** The terminals, by id (`[A-Za-z0-9_-]{1,64}`). The bridge never closes them. */
  terminals: ReadonlyMap<string, PaymentTerminal> | Readonly<Record<string, PaymentTerminal>>;
  /** Accepted bearer tokens (16+ characters each; several for rotation). */
  tokens: readonly string[];
  /**
   * Tokens that may refund (a manager's till, say); they are accepted on every other route too.
   * Default: every token in `tokens` may refund. `[]` forbids refunds through this bridge.
   */
  refundTokens?: readonly string[];
  /** Browser origins allowed by CORS (the POS's), or `'*'`. Default none (same-origin/non-browser only). */
  allowedOrigins?: AllowedOrigins;
  /** Route prefix; default `/qfpay/terminals`. */
  prefix?: string;
  /** Longest long poll; default 25000 ms. */
  maxWaitMs?: number;
  /** Finished jobs are kept this long; default 1 h. */
  jobRetentionMs?: number;
  /** Jobs kept per terminal; default 1000. */
  maxJobs?: number;
  /** Largest request body; default 16 KiB. */
  maxBodyBytes?: number;
  logger?: BridgeLogger;
  /** Told about every final outcome (e.g. to persist it). */
  onOutcome?: (terminalId: string, outcome: TransactionOutcome) => void;
}

const REF = /^[A-Za-z0-9_-]{1,64}$/;
const ref = z.string().regex(REF, { message: 'must be 1–64 characters of A-Z a-z 0-9 _ -' });

const PaymentBodySchema = z.strictObject({
  ref,
  amountMinor: z.number().int().positive(),
  currency: z.literal('HKD').optional(),
  channel: z.enum(CHANNELS),
  scanType: z.enum(['QRCODE_PAY', 'SCAN_PAY']).optional(),
  cameraId: z.union([z.literal(0), z.literal(1)]).optional(),
  paymentTimeoutSec: z.number().int().positive().max(3600).optional(),
  moveToBack: z.boolean().optional(),
});

const RefundBodySchema = z.strictObject({
  ref,
  syssn: ref,
  amountMinor: z.number().int().positive().optional(),
  currency: z.literal('HKD').optional(),
  allowModify: z.boolean().optional(),
  moveToBack: z.boolean().optional(),
});

const CancelBodySchema = z.strictObject({ evenIfIdle: z.boolean().optional() });
const QueryBodySchema = z.union([z.strictObject({ outTradeNo: ref }), z.strictObject({ syssn: ref })]);
const ReceiptBodySchema = z.strictObject({ syssn: ref });
const WaitQuerySchema = z.object({
  since: z.coerce.number().int().nonnegative().optional(),
  waitMs: z.coerce.number().int().nonnegative().optional(),
});

interface TerminalEntry {
  id: string;
  terminal: PaymentTerminal;
  jobs: JobTable;
  /** While a refund call starts, the job its synchronous 'queued' event belongs to. */
  capturing?: ReturnType<JobTable['create']>;
  /** Terminal-made refund references → job refs. */
  refundRefs: Map<string, string>;
}

function terminalMap(terminals: TerminalBridgeOptions['terminals']): Map<string, PaymentTerminal> {
  const entries = terminals instanceof Map ? [...terminals.entries()] : Object.entries(terminals);
  for (const [id] of entries) {
    if (!REF.test(id)) throw new QfpayEcrError('CONFIG_BRIDGE_TERMINALS', `terminal id ${JSON.stringify(id)} is not 1–64 characters of A-Z a-z 0-9 _ -`, 'rename the terminal');
  }
  return new Map(entries);
}

function errorBody(err: unknown): { code: string; message: string; hint: string } {
  if (err instanceof QfpayEcrError) return { code: err.code, message: err.message.replace(` — ${err.hint}`, ''), hint: err.hint };
  return { code: 'INTERNAL', message: 'internal error', hint: 'see the bridge logs' };
}

function failedOutcome(kind: 'payment' | 'refund', outTradeNo: string, err: unknown): TransactionOutcome {
  return { status: 'failed', kind, outTradeNo, codes: {}, error: errorBody(err) };
}

/**
 * Builds the bridge router. Mount it with `app.use(router.routes())`; it answers its own CORS
 * preflights. Returns the router and `close()`, which releases long polls (call it on shutdown).
 */
export function createTerminalBridgeRouter(options: TerminalBridgeOptions): { router: Router; close(): void } {
  const tokens = checkTokens(options.tokens);
  const refundTokens = options.refundTokens === undefined ? undefined : checkRefundTokens(options.refundTokens);
  const origins = checkOrigins(options.allowedOrigins ?? []);
  const log = options.logger ?? SILENT_BRIDGE_LOGGER;
  const maxWaitMs = options.maxWaitMs ?? 25_000;
  const maxBody = options.maxBodyBytes ?? 16 * 1024;
  const entries = new Map<string, TerminalEntry>();
  const shutdown = new AbortController();

  for (const [id, terminal] of terminalMap(options.terminals)) {
    const entry: TerminalEntry = { id, terminal, jobs: new JobTable({ retainMs: options.jobRetentionMs ?? 3_600_000, maxJobs: options.maxJobs ?? 1000 }), refundRefs: new Map() };
    terminal.on('progress', (e: { kind: 'payment' | 'refund'; outTradeNo: string; stage: ProgressStage }) => {
      let job = e.kind === 'payment' ? entry.jobs.get(e.outTradeNo) : undefined;
      if (e.kind === 'refund') {
        if (entry.capturing && e.stage === 'queued') entry.refundRefs.set(e.outTradeNo, entry.capturing.ref);
        const mapped = entry.refundRefs.get(e.outTradeNo);
        job = mapped ? entry.jobs.get(mapped) : undefined;
        if (!job) {
          const active = entry.jobs.active();
          job = active?.kind === 'refund' ? active : undefined;
        }
      }
      if (job && job.kind === e.kind) entry.jobs.advance(job, e.stage);
    });
    entries.set(id, entry);
  }

  const router = new Router({ prefix: options.prefix ?? '/qfpay/terminals' });
  const auth = bearerAuth(refundTokens ? [...tokens, ...refundTokens] : tokens);
  const mayRefund = async (ctx: Context, next: Next) => (refundForbidden(ctx, refundTokens) ? undefined : next());
  const cors = corsHeaders(origins);

  const withEntry = (handler: (ctx: Context, entry: TerminalEntry) => Promise<void>) => async (ctx: Context) => {
    const id = String((ctx as unknown as { params: Record<string, string> }).params.id ?? '');
    const entry = entries.get(id);
    if (!entry) {
      sendError(ctx, 404, 'BRIDGE_UNKNOWN_TERMINAL', `no terminal ${REF.test(id) ? id : '(invalid id)'} on this bridge`, 'check the terminal id configured on the payment method');
      return;
    }
    try {
      await handler(ctx, entry);
    } catch (err) {
      if (err instanceof BodyError) sendError(ctx, err.status, err.code, err.message, 'send a small JSON body');
      else {
        log.error({ terminal: id, err: errorBody(err) }, 'bridge route failed');
        sendError(ctx, 500, 'INTERNAL', 'internal error', 'see the bridge logs');
      }
    }
  };

  async function parseBody<S extends z.ZodType>(ctx: Context, schema: S): Promise<z.output<S> | undefined> {
    const raw = await readJsonBody(ctx, maxBody);
    const r = schema.safeParse(raw);
    if (!r.success) {
      sendError(ctx, 400, 'BRIDGE_INVALID_REQUEST', `invalid request: ${describeZodIssues(r.error.issues)}`, 'fix the listed fields; nothing was sent to the terminal');
      return undefined;
    }
    return r.data;
  }

  function finish(entry: TerminalEntry, job: NonNullable<ReturnType<JobTable['get']>>, outcome: TransactionOutcome): void {
    entry.jobs.advance(job, 'final', outcome);
    for (const [k, v] of entry.refundRefs) if (v === job.ref) entry.refundRefs.delete(k);
    log.info({ terminal: entry.id, ref: job.ref, kind: job.kind, status: outcome.status }, 'bridge job finished');
    try {
      options.onOutcome?.(entry.id, outcome);
    } catch {
      // The hook's problem.
    }
  }

  /** Starts (or finds) a job; answers 202/200/409. */
  function startJob(ctx: Context, entry: TerminalEntry, kind: 'payment' | 'refund', jobRef: string, fingerprint: string, run: () => Promise<TransactionOutcome>): void {
    const existing = entry.jobs.get(jobRef);
    if (existing) {
      if (existing.kind !== kind || existing.fingerprint !== fingerprint) {
        sendError(ctx, 409, 'BRIDGE_REF_CONFLICT', `reference ${jobRef} was already used for another request`, 'use a fresh reference for every new attempt');
        return;
      }
      sendJson(ctx, 200, viewOf(existing));
      return;
    }
    const active = entry.jobs.active();
    if (active) {
      sendError(ctx, 409, 'TERMINAL_BUSY', 'There is already an electronic payment in progress on this terminal; nothing was sent', 'wait for it to finish, or cancel it');
      return;
    }
    const job = entry.jobs.create(jobRef, kind, fingerprint);
    log.info({ terminal: entry.id, ref: jobRef, kind }, 'bridge job started');
    let promise: Promise<TransactionOutcome>;
    entry.capturing = job;
    try {
      promise = run();
    } catch (err) {
      promise = Promise.reject(err);
    } finally {
      entry.capturing = undefined;
    }
    promise.then(
      (outcome) => finish(entry, job, outcome),
      (err: unknown) => finish(entry, job, failedOutcome(kind, jobRef, err)),
    );
    sendJson(ctx, 202, viewOf(job));
  }

  const route = (path: string, methods: string) => router.options(path, corsPreflight(origins, methods));

  route('/:id', 'GET');
  router.get('/:id', cors, auth, withEntry(async (ctx, entry) => {
    const active = entry.jobs.active();
    sendJson(ctx, 200, { id: entry.id, busy: active !== undefined, ...(active ? { current: { ref: active.ref, kind: active.kind, stage: active.stage } } : {}) });
  }));

  route('/:id/payments', 'POST');
  router.post('/:id/payments', cors, auth, withEntry(async (ctx, entry) => {
    const body = await parseBody(ctx, PaymentBodySchema);
    if (!body) return;
    const { ref: jobRef, ...fields } = body;
    startJob(ctx, entry, 'payment', jobRef, JSON.stringify(Object.entries(body).sort()), () => entry.terminal.pay({ ...fields, outTradeNo: jobRef }));
  }));

  route('/:id/refunds', 'POST');
  router.post('/:id/refunds', cors, auth, mayRefund, withEntry(async (ctx, entry) => {
    const body = await parseBody(ctx, RefundBodySchema);
    if (!body) return;
    const { ref: jobRef, ...fields } = body;
    startJob(ctx, entry, 'refund', jobRef, JSON.stringify(Object.entries(body).sort()), () => entry.terminal.refund(fields));
  }));

  route('/:id/jobs/:ref', 'GET');
  router.get('/:id/jobs/:ref', cors, auth, withEntry(async (ctx, entry) => {
    const jobRef = String((ctx as unknown as { params: Record<string, string> }).params.ref ?? '');
    const job = REF.test(jobRef) ? entry.jobs.get(jobRef) : undefined;
    if (!job) {
      sendError(ctx, 404, 'BRIDGE_UNKNOWN_JOB', 'no such job on this bridge (finished long ago, or the bridge restarted)', 'query the terminal for the transaction; never re-send a payment');
      return;
    }
    const q = WaitQuerySchema.safeParse(ctx.query);
    if (!q.success) {
      sendError(ctx, 400, 'BRIDGE_INVALID_REQUEST', `invalid query: ${describeZodIssues(q.error.issues)}`, 'since and waitMs are whole numbers');
      return;
    }
    const since = q.data.since ?? 0;
    const wait = Math.min(q.data.waitMs ?? 0, maxWaitMs);
    const gone = new AbortController();
    const onClose = () => gone.abort();
    ctx.res.once('close', onClose);
    const stop = AbortSignal.any([gone.signal, shutdown.signal]);
    try {
      await entry.jobs.waitForChange(job, since, wait, stop);
    } finally {
      ctx.res.off('close', onClose);
    }
    sendJson(ctx, 200, viewOf(job));
  }));

  route('/:id/cancel', 'POST');
  router.post('/:id/cancel', cors, auth, withEntry(async (ctx, entry) => {
    const body = await parseBody(ctx, CancelBodySchema);
    if (!body) return;
    try {
      const result = await entry.terminal.cancel(body.evenIfIdle ? { evenIfIdle: true } : {});
      log.info({ terminal: entry.id, cancel: result.status }, 'bridge cancel');
      sendJson(ctx, 200, result);
    } catch (err) {
      const e = errorBody(err);
      log.warn({ terminal: entry.id, err: e }, 'bridge cancel failed');
      sendError(ctx, 502, e.code, e.message, e.hint);
    }
  }));

  route('/:id/query', 'POST');
  router.post('/:id/query', cors, auth, withEntry(async (ctx, entry) => {
    const body = await parseBody(ctx, QueryBodySchema);
    if (!body) return;
    try {
      sendJson(ctx, 200, await entry.terminal.query(body));
    } catch (err) {
      const e = errorBody(err);
      sendError(ctx, 502, e.code, e.message, e.hint);
    }
  }));

  route('/:id/print-receipt', 'POST');
  router.post('/:id/print-receipt', cors, auth, withEntry(async (ctx, entry) => {
    const body = await parseBody(ctx, ReceiptBodySchema);
    if (!body) return;
    try {
      await entry.terminal.printReceipt(body.syssn);
      ctx.status = 204;
    } catch (err) {
      const e = errorBody(err);
      sendError(ctx, 502, e.code, e.message, e.hint);
    }
  }));

  route('/:id/print-summary', 'POST');
  router.post('/:id/print-summary', cors, auth, withEntry(async (ctx, entry) => {
    try {
      await entry.terminal.printSummary();
      ctx.status = 204;
    } catch (err) {
      const e = errorBody(err);
      sendError(ctx, 502, e.code, e.message, e.hint);
    }
  }));

  return {
    router,
    close() {
      shutdown.abort();
      for (const e of entries.values()) e.jobs.wakeAll();
    },
  };
}

export type { AllowedOrigins, BridgeLogger };
