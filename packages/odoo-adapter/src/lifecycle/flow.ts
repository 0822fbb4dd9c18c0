/**
 * The lifecycle core: Odoo's payment-interface contract over a {@link PaymentTerminal}, free of
 * any Odoo type. One instance per QFPay payment method (as Odoo makes one interface per method).
 *
 * Outcomes come from whichever is first of: the terminal's reply, the polling fallback (4001 and
 * the notify server's transaction endpoint) and notifications. The first verified outcome of an
 * attempt wins; later ones are duplicates (or, if they contradict a cancel, raised to the
 * cashier: an approved payment is never dropped silently).
 *
 * Promise contract (odoo-lifecycle.md §3.2): `request` resolves `true` (→ `done`) or `false`
 * (→ `retry`), and rejects only after setting the line status itself (`force_done`: amount
 * mismatch, or no answer before the deadline). `cancel` resolves `true` only once the terminal
 * confirmed that nothing was charged.
 */
import { encodeOdooOutTradeNo, newOutTradeNo } from '@qfpay-ecr/core/reference';
import type { Channel, PaymentTerminal, ProgressStage, QueryResult, TransactionOutcome } from '@qfpay-ecr/core/terminal';
import { QfpayEcrError } from '@qfpay-ecr/core';
import { channelLabel, lineAmountToMinor } from '../amounts.js';
import { LineNeedsAttentionError } from '../errors.js';
import { DIALOG_TITLE, MESSAGES } from './messages.js';
import { normaliseNotification, type IntakeNotification, type NotificationSource } from './notifications.js';
import { nextInterval, RESOLVE_DEFAULTS, sleep, type ResolveSettings } from './polling.js';
import { checkRefund, syssnTime } from './refund-rules.js';
import { AttemptStore, memoryStorage, type AttemptRecord, type KeyValueStorage } from './resume-store.js';
import { OPEN_STATUSES, SILENT_LOGGER, type AdapterLogger, type ApprovalDetails, type CashierUi, type OriginalPayment, type PaymentLineHandle } from './types.js';

/** The payment method a flow serves. */
export interface PaymentMethodInfo {
  /** `pos.payment.method` id (last part of `out_trade_no`). */
  paymentMethodId: number;
  /** `pos.session` id (middle part of `out_trade_no`). */
  sessionId: number;
  /** Shown in "No payment with <name> found". */
  name: string;
  /** `qfpay_payment_type`: the channel sent to the terminal. */
  channel: Channel;
}

/** Looks an `out_trade_no` up on the notify server (`GET /qfpay/transactions/:out_trade_no`). */
export type TransactionLookup = (outTradeNo: string, signal?: AbortSignal) => Promise<IntakeNotification[]>;

/** Options of {@link QfpayPaymentFlow}. */
export interface FlowOptions {
  terminal: PaymentTerminal;
  method: PaymentMethodInfo;
  /** Current payment lines of this method (for resume and late notifications). */
  lines?: () => PaymentLineHandle[];
  /** Where per-line references are kept; default in memory (use `localStorage` in a browser). */
  storage?: KeyValueStorage;
  /** Clock for the refund rules; default `new Date()`. */
  clock?: () => Date;
  ui?: CashierUi;
  lookup?: TransactionLookup;
  resolve?: Partial<ResolveSettings>;
  /** Offer reversals of done lines (same-day full refunds); default true. */
  reversals?: boolean;
  logger?: AdapterLogger;
  /** Makes uuids for retried attempts; default `crypto.randomUUID()`. */
  newUuid?: () => string;
  /**
   * Called just before the flow rejects a request after setting the status itself. The Odoo
   * shims clear `pos.paymentTerminalInProgress` here, which Odoo leaves set when `pay()` rejects.
   */
  onManualStatus?: () => void;
  /** Flows sharing a key (one physical terminal) run one transaction at a time between them. */
  terminalKey?: string;
}

/** What became of a notification handed to {@link QfpayPaymentFlow.intake}. */
export type IntakeOutcome =
  | { status: 'applied'; outTradeNo: string }
  | { status: 'duplicate'; key: string }
  | { status: 'ignored'; reason: string };

type Phase = 'sending' | 'resolving' | 'final';

type Verdict =
  | { type: 'approved'; syssn: string; amountMinor: number; currency: string; channelRef?: string; cardScheme?: string; maskedCard?: string; source: string }
  | { type: 'rejected'; message?: string; source: string }
  | { type: 'mismatch'; message: string; syssn?: string; source: string };

interface Attempt {
  rec: AttemptRecord;
  line: PaymentLineHandle | undefined;
  phase: Phase;
  request?: { resolve(ok: boolean): void; reject(err: Error): void; done: boolean };
  /** Open while `cancel()` runs for this attempt: line changes wait for it (see `#afterGate`). */
  cancelGate?: Promise<void>;
  pollAbort?: AbortController;
  /** Set once the line was put in `force_done` for an unknown outcome. */
  flaggedUnknown: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_SEEN = 500;
const BUSY_LOCKS = new Map<string, string>();

function randomUuid(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Failure codes that mean "the terminal could not be reached; nothing was sent". */
const UNREACHABLE = /^(CONNECT_|TLS_|BRIDGE_UNREACHABLE|TERMINAL_UNREACHABLE)/;

/**
 * The Odoo payment lifecycle for one QFPay payment method. See the module documentation.
 *
 * @example
 * ```ts
 * const flow = new QfpayPaymentFlow({ terminal, method: { paymentMethodId: 3, sessionId: 7, name: 'QFPay Card', channel: 'card_payment' }, storage: localStorage });
 * const ok = await flow.request(lineHandle); // true → done, false → retry
 * ```
 */
export class QfpayPaymentFlow {
  readonly #terminal: PaymentTerminal;
  readonly #method: PaymentMethodInfo;
  readonly #lines: () => PaymentLineHandle[];
  readonly #store: AttemptStore;
  readonly #clock: () => Date;
  readonly #ui: CashierUi | undefined;
  readonly #lookup: TransactionLookup | undefined;
  readonly #resolve: ResolveSettings;
  readonly #reversals: boolean;
  readonly #log: AdapterLogger;
  readonly #newUuid: () => string;
  readonly #onManualStatus: (() => void) | undefined;
  readonly #lockKey: string;
  readonly #attempts = new Map<string, Attempt>();
  readonly #seen = new Set<string>();
  readonly #onProgress: (e: { kind: 'payment' | 'refund'; outTradeNo: string; stage: ProgressStage }) => void;
  #reversing = false;
  /** Lines left `reversing` by a reload whose reversal is being looked up. */
  readonly #reversalsResuming = new Set<string>();
  #closed = false;

  constructor(options: FlowOptions) {
    this.#terminal = options.terminal;
    this.#method = options.method;
    this.#lines = options.lines ?? (() => []);
    this.#clock = options.clock ?? (() => new Date());
    this.#log = options.logger ?? SILENT_LOGGER;
    this.#store = new AttemptStore(options.storage ?? memoryStorage(), options.method.paymentMethodId, { logger: this.#log });
    this.#ui = options.ui;
    this.#lookup = options.lookup;
    this.#resolve = { ...RESOLVE_DEFAULTS, ...options.resolve };
    this.#reversals = options.reversals ?? true;
    this.#newUuid = options.newUuid ?? randomUuid;
    this.#onManualStatus = options.onManualStatus;
    this.#lockKey = options.terminalKey ?? `flow:${randomUuid()}`;
    this.#onProgress = (e) => this.#progress(e.kind, e.outTradeNo, e.stage);
    this.#terminal.on('progress', this.#onProgress);
  }

  /** Whether reversals are offered (Odoo's `supports_reversals`). */
  get supportsReversals(): boolean {
    return this.#reversals;
  }

  /** The attempts this flow knows (copies), newest last: for diagnostics and tests. */
  attempts(): AttemptRecord[] {
    return this.#store.list();
  }

  /**
   * The original payment of a refund, from this flow's own records of the refunded order (for
   * Odoo versions whose front end does not load the original order's payments).
   */
  recordedOriginal(orderRef: string | undefined, refundMinor: number): OriginalPayment | undefined {
    if (!orderRef) return undefined;
    const recs = this.#store.list().filter((r) => r.kind === 'payment' && r.state === 'approved' && r.orderRef === orderRef && r.syssn);
    const pick = recs.find((r) => r.amountMinor >= refundMinor) ?? recs[0];
    if (!pick?.syssn) return undefined;
    const original: OriginalPayment = { syssn: pick.syssn, amountMinor: pick.amountMinor, paidAt: syssnTime(pick.syssn) ?? new Date(pick.updatedAt), channel: pick.channel };
    if (pick.lineUuid) original.lineUuid = pick.lineUuid;
    return original;
  }

  // ------------------------------------------------------------------ Odoo contract

  /**
   * `send_payment_request` / `sendPaymentRequest`: starts a payment (amount > 0) or a refund
   * (amount < 0) for the line, which Odoo has just put in `waiting`.
   */
  request(line: PaymentLineHandle): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    let amountMinor: number;
    try {
      amountMinor = lineAmountToMinor(line.amount());
    } catch (err) {
      this.#alert(err instanceof QfpayEcrError ? err.message : MESSAGES.paymentFailed);
      return Promise.resolve(false);
    }
    if (amountMinor === 0) return Promise.resolve(false);
    if (this.#busy()) {
      this.#alert(MESSAGES.alreadyInProgress);
      return Promise.resolve(false);
    }
    return line.amount() < 0 ? this.#startRefund(line, amountMinor) : this.#startPayment(line, amountMinor);
  }

  /**
   * `send_payment_cancel` / `sendPaymentCancel`: resolves `true` only when nothing was (or will
   * be) charged for the line, `false` when the terminal did not confirm (the line goes back to
   * `waitingCard` and keeps waiting for the outcome) or it was too late.
   */
  async cancel(line: PaymentLineHandle): Promise<boolean> {
    let attempt = this.#activeFor(line.key);
    // Right after a reload, before `resume()` ran, the line's attempt is only in storage: pick it
    // up first, or a "nothing to cancel" would send the line to `retry` with the screen still open.
    if (!attempt && this.#store.pending().length > 0) {
      this.resume();
      attempt = this.#activeFor(line.key);
    }
    if (!attempt) return true;
    let open!: () => void;
    attempt.cancelGate = new Promise<void>((r) => (open = r));
    try {
      return attempt.phase === 'sending' ? await this.#cancelSending(attempt) : await this.#cancelResolving(attempt);
    } finally {
      open();
      attempt.cancelGate = undefined;
    }
  }

  /**
   * `send_payment_reversal` / `sendPaymentReversal`: refunds a done line in full on the same
   * Hong Kong day (before 23:00). Resolves whether the reversal was approved.
   */
  async reverse(line: PaymentLineHandle): Promise<boolean> {
    if (!this.#reversals || this.#closed) return false;
    const syssn = line.transactionId();
    let amountMinor: number;
    try {
      amountMinor = lineAmountToMinor(line.amount());
    } catch {
      return false;
    }
    const rec = this.#store.forLine(line.key).find((r) => r.state === 'approved' && r.syssn === syssn);
    const paidAt = line.paidAt() ?? (syssn ? syssnTime(syssn) : undefined) ?? (rec ? new Date(rec.updatedAt) : undefined);
    const verdict = checkRefund({
      channel: this.#method.channel,
      methodName: this.#method.name,
      original: syssn ? { syssn, amountMinor, channel: this.#method.channel, ...(paidAt ? { paidAt } : {}) } : undefined,
      refundMinor: amountMinor,
      now: this.#clock(),
    });
    if (!verdict.ok) {
      this.#alert(verdict.message);
      return false;
    }
    if (this.#busy()) {
      this.#alert(MESSAGES.alreadyInProgress);
      return false;
    }
    this.#reversing = true;
    BUSY_LOCKS.set(this.#lockKey, `reversal:${verdict.original.syssn}`);
    try {
      const outcome = await this.#terminal.refund({ syssn: verdict.original.syssn, amountMinor, currency: 'HKD' });
      this.#log.info('reversal outcome', { syssn: verdict.original.syssn, status: outcome.status });
      if (outcome.status === 'approved') return true;
      if (outcome.status === 'unknown') this.#alert(MESSAGES.reversalUnknown(verdict.original.syssn));
      else if (outcome.status === 'declined') this.#alert(`${MESSAGES.refundFailed}\n${outcome.reason}`);
      else if (outcome.status === 'failed') this.#alert(`${MESSAGES.refundFailed}\n${outcome.error.message}\n${outcome.error.hint}`);
      return false;
    } catch (err) {
      this.#alert(`${MESSAGES.refundFailed}\n${err instanceof Error ? err.message : 'unknown error'}`);
      return false;
    } finally {
      this.#reversing = false;
      if (BUSY_LOCKS.get(this.#lockKey)?.startsWith('reversal:')) BUSY_LOCKS.delete(this.#lockKey);
    }
  }

  /**
   * Resumes after a page reload: every stored attempt still pending is resolved again (polling
   * the terminal and the notify server, listening to notifications); a line left in
   * `waiting`/`waitingCard` without a pending attempt is settled from its last record, or queried
   * under the reference pos_qfpay would have used; a line left `reversing` is settled from the
   * terminal's book of the original payment. Safe to call more than once.
   */
  resume(): void {
    if (this.#closed) return;
    const lines = this.#lines();
    for (const rec of this.#store.pending()) {
      if (this.#attempts.has(rec.outTradeNo)) continue;
      const line = this.#match(rec, lines);
      const attempt: Attempt = { rec, line, phase: 'resolving', flaggedUnknown: false };
      this.#attempts.set(rec.outTradeNo, attempt);
      this.#log.info('resuming attempt', { outTradeNo: rec.outTradeNo, kind: rec.kind, line: line?.key });
      this.#startResolving(attempt, 'resumed after reload');
    }
    for (const line of lines) {
      const status = line.status();
      if (status === 'reversing') {
        void this.#resumeReversal(line);
        continue;
      }
      if (status !== 'waiting' && status !== 'waitingCard') continue;
      // (Also true for a line the loop above matched to a stored attempt by order and amount,
      // as after Odoo 17 gave it a new id: finishing it here would show `retry` while the
      // payment may still be approved.)
      if (this.#activeFor(line.key)) continue;
      const last = this.#store.forLine(line.key).at(-1);
      if (last) {
        // The attempt finished while nobody listened: apply what it ended as.
        if (last.state === 'approved' && last.syssn) {
          line.applyApproval(this.#approvalDetails({ syssn: last.syssn, channelRef: undefined, cardScheme: undefined, maskedCard: undefined }));
          line.finish(true);
        } else if (last.state === 'mismatch') line.setStatus('force_done');
        else line.finish(false);
        continue;
      }
      // No record (storage lost, or never sent): ask the terminal under pos_qfpay's reference.
      let amountMinor: number;
      try {
        amountMinor = lineAmountToMinor(line.amount());
      } catch {
        line.finish(false);
        continue;
      }
      if (!line.uuid || !UUID.test(line.uuid) || line.amount() <= 0 || amountMinor === 0) {
        line.finish(false);
        continue;
      }
      const rec = this.#newRecord(line, 'payment', this.#reference(line.uuid), amountMinor, line.uuid);
      this.#store.put(rec);
      const attempt: Attempt = { rec, line, phase: 'resolving', flaggedUnknown: false };
      this.#attempts.set(rec.outTradeNo, attempt);
      this.#startResolving(attempt, 'line left waiting without a stored reference');
    }
  }

  /**
   * Takes a notification from any carrier (Odoo bus, notify-server events, transaction lookup;
   * see `normaliseNotification`). Success notifications settle their attempt, duplicates are
   * dropped, and anything not ours is ignored. Never throws.
   */
  intake(payload: unknown, source: NotificationSource = 'events'): IntakeOutcome {
    if (this.#closed) return { status: 'ignored', reason: 'closed' };
    const parsed = normaliseNotification(payload, source);
    if (!parsed.ok) {
      this.#log.debug('notification not usable', { reason: parsed.reason, source });
      return { status: 'ignored', reason: parsed.reason };
    }
    const n = parsed.notification;
    if (!n.success) return { status: 'ignored', reason: 'not a success notification (QFPay only confirms successes; the terminal decides failures)' };
    const key = `${n.kind}:${n.syssn}`;
    if (this.#seen.has(key)) return { status: 'duplicate', key };
    const attempt = n.kind === 'payment' ? this.#attemptForPayment(n) : this.#attemptForRefund(n);
    if (!attempt) return { status: 'ignored', reason: 'no attempt of this payment method matches' };
    this.#remember(key);
    if (attempt.phase === 'final' && attempt.rec.state !== 'rejected' && attempt.rec.syssn === n.syssn) return { status: 'duplicate', key };
    this.#settle(attempt, this.#approvedFrom(n, `notification:${source}`));
    return { status: 'applied', outTradeNo: attempt.rec.outTradeNo };
  }

  /**
   * Stops timers and listeners. Attempts stay in storage, so a new flow (after a reload)
   * resumes them; nothing is cancelled on the terminal.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#terminal.off('progress', this.#onProgress);
    for (const a of this.#attempts.values()) {
      a.pollAbort?.abort();
      this.#release(a);
    }
  }

  // ------------------------------------------------------------------ starting

  #startPayment(line: PaymentLineHandle, amountMinor: number): Promise<boolean> {
    let outTradeNo: string;
    let lineUuid: string;
    try {
      const fresh = !line.uuid || !UUID.test(line.uuid) || this.#store.forLine(line.key).length > 0 || [...this.#attempts.values()].some((a) => a.rec.lineKey === line.key);
      lineUuid = fresh ? this.#newUuid() : (line.uuid as string);
      outTradeNo = this.#reference(lineUuid);
    } catch (err) {
      this.#alert(MESSAGES.config(err instanceof Error ? err.message : 'bad session or payment method id'));
      return Promise.resolve(false);
    }
    const attempt = this.#begin(line, this.#newRecord(line, 'payment', outTradeNo, amountMinor, lineUuid));
    const promise = this.#requestPromise(attempt);
    let pay: Promise<TransactionOutcome>;
    try {
      pay = this.#terminal.pay({ amountMinor, currency: 'HKD', channel: this.#method.channel, outTradeNo });
    } catch (err) {
      pay = Promise.reject(err);
    }
    pay.then(
      (outcome) => this.#onOutcome(attempt, outcome),
      (err: unknown) => this.#onStartError(attempt, err),
    );
    return promise;
  }

  #startRefund(line: PaymentLineHandle, amountMinor: number): Promise<boolean> {
    const verdict = checkRefund({ channel: this.#method.channel, methodName: this.#method.name, original: line.originalPayment(), refundMinor: amountMinor, now: this.#clock() });
    if (!verdict.ok) {
      this.#log.info('refund refused by pre-check', { code: verdict.code });
      this.#alert(verdict.message);
      return Promise.resolve(false);
    }
    const rec = { ...this.#newRecord(line, 'refund', newOutTradeNo('rf'), amountMinor, undefined), origSyssn: verdict.original.syssn };
    const attempt = this.#begin(line, rec);
    const promise = this.#requestPromise(attempt);
    let refund: Promise<TransactionOutcome>;
    try {
      refund = this.#terminal.refund({ syssn: verdict.original.syssn, amountMinor, currency: 'HKD' });
    } catch (err) {
      refund = Promise.reject(err);
    }
    refund.then(
      (outcome) => this.#onOutcome(attempt, outcome),
      (err: unknown) => this.#onStartError(attempt, err),
    );
    return promise;
  }

  #begin(line: PaymentLineHandle, rec: AttemptRecord): Attempt {
    this.#store.put(rec);
    const attempt: Attempt = { rec, line, phase: 'sending', flaggedUnknown: false };
    this.#attempts.set(rec.outTradeNo, attempt);
    BUSY_LOCKS.set(this.#lockKey, rec.outTradeNo);
    this.#log.info('attempt started', { outTradeNo: rec.outTradeNo, kind: rec.kind, amountMinor: rec.amountMinor });
    return attempt;
  }

  #requestPromise(attempt: Attempt): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      attempt.request = { resolve, reject, done: false };
    });
  }

  #newRecord(line: PaymentLineHandle, kind: 'payment' | 'refund', outTradeNo: string, amountMinor: number, lineUuid: string | undefined): AttemptRecord {
    const now = Date.now();
    const rec: AttemptRecord = { v: 1, outTradeNo, kind, lineKey: line.key, amountMinor, currency: 'HKD', channel: this.#method.channel, startedAt: now, updatedAt: now, state: 'pending' };
    if (lineUuid) rec.lineUuid = lineUuid;
    if (line.orderRef) rec.orderRef = line.orderRef;
    return rec;
  }

  #reference(lineUuid: string): string {
    return encodeOdooOutTradeNo({ lineUuid, sessionId: this.#method.sessionId, paymentMethodId: this.#method.paymentMethodId });
  }

  #busy(): boolean {
    if (this.#reversing) return true;
    for (const a of this.#attempts.values()) if (a.phase === 'sending') return true;
    const holder = BUSY_LOCKS.get(this.#lockKey);
    return holder !== undefined;
  }

  #release(attempt: Attempt): void {
    if (BUSY_LOCKS.get(this.#lockKey) === attempt.rec.outTradeNo) BUSY_LOCKS.delete(this.#lockKey);
  }

  // ------------------------------------------------------------------ outcomes

  #progress(kind: 'payment' | 'refund', outTradeNo: string, stage: ProgressStage): void {
    if (this.#closed || stage === 'queued') return;
    let attempt = this.#attempts.get(outTradeNo);
    // A refund's reference is made by the terminal: it is this flow's refund on the wire.
    if (!attempt && kind === 'refund') attempt = [...this.#attempts.values()].find((a) => a.rec.kind === 'refund' && a.phase === 'sending');
    if (!attempt || attempt.phase === 'final') return;
    if (attempt.line?.status() === 'waiting') attempt.line.setStatus('waitingCard');
  }

  #onOutcome(attempt: Attempt, outcome: TransactionOutcome): void {
    if (this.#closed) return;
    this.#log.info('terminal outcome', { outTradeNo: attempt.rec.outTradeNo, status: outcome.status });
    switch (outcome.status) {
      case 'approved':
        this.#settle(attempt, {
          type: 'approved',
          syssn: outcome.syssn,
          amountMinor: outcome.amountMinor,
          currency: outcome.currency,
          channelRef: outcome.channelRef,
          cardScheme: outcome.cardScheme,
          maskedCard: outcome.maskedCard,
          source: `terminal:${outcome.resolvedBy}`,
        });
        if (outcome.syssn) this.#remember(`${outcome.kind}:${outcome.syssn}`);
        return;
      case 'declined':
        this.#settle(attempt, { type: 'rejected', message: `${attempt.rec.kind === 'refund' ? MESSAGES.refundFailed : MESSAGES.paymentFailed}\n${outcome.reason}`, source: 'terminal' });
        return;
      case 'cancelled':
        // Odoo stays silent on a cancel (6001): the cashier or the customer chose it.
        this.#settle(attempt, { type: 'rejected', source: 'terminal' });
        return;
      case 'failed': {
        const { code, message, hint } = outcome.error;
        const text = UNREACHABLE.test(code) ? MESSAGES.unreachable(hint) : /^\d{4}$/.test(code) ? MESSAGES.errorCode(code, `${message} — ${hint}`) : `${message}\n${hint}`;
        this.#settle(attempt, { type: 'rejected', message: attempt.rec.kind === 'refund' ? `${MESSAGES.refundFailed}\n${text}` : text, source: 'terminal' });
        return;
      }
      case 'unknown':
        if (/amount mismatch/i.test(outcome.reason)) {
          this.#settle(attempt, { type: 'mismatch', message: `${outcome.reason}`, source: 'terminal' });
          return;
        }
        this.#startResolving(attempt, outcome.reason);
        return;
    }
  }

  #onStartError(attempt: Attempt, err: unknown): void {
    if (this.#closed) return;
    // pay()/refund() reject only before anything is sent (invalid input, closed terminal).
    const text = err instanceof QfpayEcrError ? `${err.message}` : 'the payment could not be started';
    this.#log.warn('terminal refused to start', { outTradeNo: attempt.rec.outTradeNo, code: err instanceof QfpayEcrError ? err.code : undefined });
    this.#settle(attempt, { type: 'rejected', message: text, source: 'terminal' });
  }

  #approvedFrom(n: IntakeNotification, source: string): Verdict {
    const v: Verdict = { type: 'approved', syssn: n.syssn, amountMinor: n.amountMinor, currency: n.currency, source };
    if (n.channelRef) v.channelRef = n.channelRef;
    if (n.maskedCard) v.maskedCard = n.maskedCard;
    return v;
  }

  #approvalDetails(v: { syssn: string; channelRef: string | undefined; cardScheme: string | undefined; maskedCard: string | undefined }): ApprovalDetails {
    const label = channelLabel(this.#method.channel);
    const lines = [`QFPay ${label}`];
    if (v.cardScheme) lines.push(`Card: ${v.cardScheme}${v.maskedCard ? ` ${v.maskedCard}` : ''}`);
    else if (v.maskedCard) lines.push(`Account: ${v.maskedCard}`);
    lines.push(`Transaction: ${v.syssn}`);
    if (v.channelRef) lines.push(`Reference: ${v.channelRef}`);
    const details: ApprovalDetails = { syssn: v.syssn, cardType: v.cardScheme ?? label, receiptInfo: lines.join('\n') };
    if (v.channelRef) details.channelRef = v.channelRef;
    if (v.maskedCard) details.maskedCard = v.maskedCard;
    return details;
  }

  /** The single place where an attempt's outcome is applied. */
  #settle(attempt: Attempt, verdict: Verdict): void {
    let v = verdict;
    if (v.type === 'approved' && (v.amountMinor !== attempt.rec.amountMinor || v.currency.toUpperCase() !== 'HKD')) {
      this.#log.warn('amount or currency mismatch', { outTradeNo: attempt.rec.outTradeNo, expectedMinor: attempt.rec.amountMinor, reportedMinor: v.amountMinor, currency: v.currency });
      v = { type: 'mismatch', message: MESSAGES.amountMismatch(v.amountMinor, v.currency.toUpperCase(), attempt.rec.amountMinor), syssn: v.syssn, source: v.source };
    }
    if (attempt.phase === 'final') {
      this.#settleLate(attempt, v);
      return;
    }
    attempt.phase = 'final';
    attempt.pollAbort?.abort();
    this.#release(attempt);
    const outTradeNo = attempt.rec.outTradeNo;
    this.#log.info('attempt settled', { outTradeNo, verdict: v.type, source: v.source });
    switch (v.type) {
      case 'approved': {
        attempt.rec = this.#store.update(outTradeNo, { state: 'approved', syssn: v.syssn }) ?? { ...attempt.rec, state: 'approved', syssn: v.syssn };
        const details = this.#approvalDetails({ syssn: v.syssn, channelRef: v.channelRef, cardScheme: v.cardScheme, maskedCard: v.maskedCard });
        this.#afterGate(attempt, () => {
          attempt.line?.applyApproval(details);
          this.#finish(attempt, true);
        });
        return;
      }
      case 'rejected':
        attempt.rec = this.#store.update(outTradeNo, { state: 'rejected' }) ?? { ...attempt.rec, state: 'rejected' };
        if (v.message) this.#alert(v.message);
        this.#afterGate(attempt, () => this.#finish(attempt, false));
        return;
      case 'mismatch':
        attempt.rec = this.#store.update(outTradeNo, { state: 'mismatch', ...(v.syssn ? { syssn: v.syssn } : {}) }) ?? { ...attempt.rec, state: 'mismatch' };
        this.#afterGate(attempt, () => {
          attempt.line?.setStatus('force_done');
          this.#alert(v.message);
          this.#rejectRequest(attempt, new LineNeedsAttentionError('AMOUNT_MISMATCH', v.message, 'check the transaction on the terminal before doing anything else'));
        });
        return;
    }
  }

  /** An outcome for an attempt that already ended. */
  #settleLate(attempt: Attempt, v: Verdict): void {
    const rec = attempt.rec;
    if (v.type !== 'approved') {
      if (v.type === 'rejected' && rec.state === 'approved') this.#log.warn('a later answer contradicts an approval; keeping the approval', { outTradeNo: rec.outTradeNo, source: v.source });
      return;
    }
    if (rec.state === 'approved' || rec.state === 'mismatch') return; // duplicate
    // Approved after we concluded it was not: money moved. Never drop it.
    attempt.rec = this.#store.update(rec.outTradeNo, { state: 'approved', syssn: v.syssn }) ?? { ...rec, state: 'approved', syssn: v.syssn };
    this.#log.warn('late approval', { outTradeNo: rec.outTradeNo, syssn: v.syssn, source: v.source });
    const line = attempt.line ?? this.#match(rec, this.#lines());
    if (!line) {
      this.#alert(MESSAGES.approvedOrphan(v.syssn, v.amountMinor, rec.outTradeNo));
      return;
    }
    this.#afterGate(attempt, () => {
      if (line.status() !== 'done') {
        line.applyApproval(this.#approvalDetails({ syssn: v.syssn, channelRef: v.channelRef, cardScheme: v.cardScheme, maskedCard: v.maskedCard }));
        line.finish(true);
      }
      this.#alert(MESSAGES.approvedAfterCancel(v.syssn, v.amountMinor));
    });
  }

  #finish(attempt: Attempt, ok: boolean): void {
    const req = attempt.request;
    if (req && !req.done) {
      req.done = true;
      req.resolve(ok);
      return;
    }
    const line = attempt.line;
    if (!line) {
      if (ok) this.#alert(MESSAGES.approvedOrphan(attempt.rec.syssn ?? '?', attempt.rec.amountMinor, attempt.rec.outTradeNo));
      return;
    }
    const status = line.status();
    if (ok) {
      if (status !== 'done') line.finish(true);
      return;
    }
    if (status === 'done') this.#alert(MESSAGES.forcedButFailed(attempt.rec.outTradeNo));
    else if (status !== undefined && (OPEN_STATUSES as readonly string[]).includes(status)) line.finish(false);
  }

  #rejectRequest(attempt: Attempt, err: Error): void {
    const req = attempt.request;
    if (!req || req.done) return;
    req.done = true;
    try {
      this.#onManualStatus?.();
    } finally {
      req.reject(err);
    }
  }

  /**
   * Runs `fn` now, or — while `cancel()` is running for the attempt — on a later task after the
   * cancel has returned. Odoo's screen sets the status from the cancel's result
   * (`waitingCard` / `retry`), so a line change made in between would be overwritten.
   */
  #afterGate(attempt: Attempt, fn: () => void): void {
    const gate = attempt.cancelGate;
    if (!gate) {
      fn();
      return;
    }
    void gate.then(() => setTimeout(fn, 0));
  }

  // ------------------------------------------------------------------ resolving

  #startResolving(attempt: Attempt, why: string): void {
    attempt.phase = 'resolving';
    const line = attempt.line;
    if (line?.status() === 'waiting') line.setStatus('waitingCard');
    this.#log.info('resolving', { outTradeNo: attempt.rec.outTradeNo, why });
    if (attempt.rec.kind === 'refund') {
      void this.#pollRefund(attempt);
      return;
    }
    void this.#poll(attempt);
  }

  /**
   * A refund without a final answer (or resumed after a reload, when its notification may have
   * gone by unseen). It has no reference of ours on the wire, so: the notify server's lookup by
   * the original payment's reference (it lists the refunds of it, with their syssn), then the
   * terminal's book of the original payment — refunded more than this flow's other refunds
   * account for means this refund happened; unchanged after a 5001 means it did not. Until one
   * answers, the line waits; after the deadline it is `force_done` and only a notification
   * settles it.
   */
  async #pollRefund(attempt: Attempt): Promise<void> {
    attempt.pollAbort?.abort();
    const abort = new AbortController();
    attempt.pollAbort = abort;
    const s = this.#resolve;
    const rec = attempt.rec;
    const origSyssn = rec.origSyssn;
    const started = Date.now();
    let interval = s.intervalMs;
    let unchanged = 0;
    const live = () => !abort.signal.aborted && attempt.phase === 'resolving' && !this.#closed;
    for (;;) {
      if (!live() || !origSyssn) {
        if (!origSyssn) this.#flagUnknown(attempt, MESSAGES.refundUnknown('?'));
        return;
      }
      const verdict = await this.#probeRefund(attempt, origSyssn, abort.signal);
      if (!live()) return;
      if (typeof verdict === 'object') {
        this.#settle(attempt, verdict);
        return;
      }
      if (verdict === 'unchanged') {
        unchanged += 1;
        if (unchanged >= s.notFoundGrace) {
          // Close a refund screen still open for it, then ask once more: now it is final.
          try {
            await this.#terminal.cancel({ evenIfIdle: true });
          } catch {
            // Best effort: the query below decides.
          }
          const again = await this.#probeRefund(attempt, origSyssn, abort.signal);
          if (!live()) return;
          if (typeof again === 'object') {
            this.#settle(attempt, again);
            return;
          }
          if (again === 'unchanged') {
            this.#settle(attempt, { type: 'rejected', source: 'query', message: `${MESSAGES.refundFailed}\nThe terminal shows no refund of ${origSyssn}: nothing was refunded.` });
            return;
          }
        }
      }
      const elapsed = Date.now() - started;
      if (elapsed >= s.deadlineMs) this.#flagUnknown(attempt, MESSAGES.refundUnknown(origSyssn));
      if (elapsed >= s.deadlineMs + s.backgroundMs) {
        this.#log.warn('stopped polling; only a notification can settle this refund now', { outTradeNo: rec.outTradeNo });
        return;
      }
      await sleep(interval, abort.signal);
      interval = nextInterval(interval, s);
    }
  }

  /** One round of {@link #pollRefund}: an approval, `unchanged` (the book shows no such refund) or `error`. */
  async #probeRefund(attempt: Attempt, origSyssn: string, signal: AbortSignal): Promise<Verdict | 'unchanged' | 'error'> {
    const rec = attempt.rec;
    const records = this.#store.list();
    const otherRefunds = records.filter((r) => r.kind === 'refund' && r.origSyssn === origSyssn && r.outTradeNo !== rec.outTradeNo && r.state === 'approved');
    const taken = new Set(otherRefunds.map((r) => r.syssn).filter((x): x is string => !!x));
    const original = records.find((r) => r.kind === 'payment' && r.syssn === origSyssn);
    if (this.#lookup && original) {
      try {
        const found = await this.#lookup(original.outTradeNo, signal);
        const hit = found.find((n) => n.kind === 'refund' && n.success && n.origSyssn === origSyssn && n.amountMinor === rec.amountMinor && !taken.has(n.syssn) && !this.#seen.has(`refund:${n.syssn}`));
        if (hit) {
          this.#remember(`refund:${hit.syssn}`);
          return this.#approvedFrom(hit, 'lookup');
        }
      } catch (err) {
        this.#log.debug('transaction lookup failed', { outTradeNo: rec.outTradeNo, error: err instanceof QfpayEcrError ? err.code : 'error' });
      }
    }
    let q: QueryResult;
    try {
      q = await this.#terminal.query({ syssn: origSyssn, signal });
    } catch (err) {
      this.#log.debug('query failed', { outTradeNo: rec.outTradeNo, error: err instanceof QfpayEcrError ? err.code : 'error' });
      return 'error';
    }
    if (!q.found || q.amountMinor === undefined || q.refundableMinor === undefined) return 'error';
    const refundedOnTerminal = q.amountMinor - q.refundableMinor;
    const accountedFor = otherRefunds.reduce((sum, r) => sum + r.amountMinor, 0);
    if (refundedOnTerminal - accountedFor >= rec.amountMinor) {
      // The refund's own syssn is not visible from the original; its notification carries it.
      return { type: 'approved', syssn: '', amountMinor: rec.amountMinor, currency: q.currency ?? 'HKD', source: 'query' };
    }
    return 'unchanged';
  }

  #flagUnknown(attempt: Attempt, message: string): void {
    if (attempt.flaggedUnknown || attempt.phase !== 'resolving') return;
    attempt.flaggedUnknown = true;
    this.#release(attempt);
    this.#afterGate(attempt, () => {
      if (attempt.phase !== 'resolving') return;
      attempt.line?.setStatus('force_done');
      this.#alert(message);
      this.#rejectRequest(attempt, new LineNeedsAttentionError('OUTCOME_UNKNOWN', message, 'check the terminal before charging again'));
    });
  }

  async #poll(attempt: Attempt): Promise<void> {
    attempt.pollAbort?.abort();
    const abort = new AbortController();
    attempt.pollAbort = abort;
    const s = this.#resolve;
    const started = Date.now();
    let interval = s.intervalMs;
    let notFound = 0;
    for (;;) {
      if (abort.signal.aborted || attempt.phase !== 'resolving' || this.#closed) return;
      const verdict = await this.#probe(attempt, abort.signal);
      if (abort.signal.aborted || attempt.phase !== 'resolving' || this.#closed) return;
      if (verdict === 'not_found') {
        notFound += 1;
        if (notFound >= s.notFoundGrace) {
          this.#settle(attempt, { type: 'rejected', source: 'query', message: `${MESSAGES.paymentFailed}\nThe terminal has no record of this payment: nothing was charged.` });
          return;
        }
      } else if (verdict !== 'pending' && verdict !== 'error') {
        this.#settle(attempt, verdict);
        return;
      } else if (verdict === 'pending') notFound = 0;
      const elapsed = Date.now() - started;
      if (elapsed >= s.deadlineMs) this.#flagUnknown(attempt, MESSAGES.outcomeUnknown(attempt.rec.outTradeNo));
      if (elapsed >= s.deadlineMs + s.backgroundMs) {
        this.#log.warn('stopped polling; only a notification can settle this attempt now', { outTradeNo: attempt.rec.outTradeNo });
        return;
      }
      await sleep(interval, abort.signal);
      interval = nextInterval(interval, s);
    }
  }

  /** One round of the polling fallback: the notify server first (cheap), then the terminal (4001). */
  async #probe(attempt: Attempt, signal: AbortSignal): Promise<Verdict | 'not_found' | 'pending' | 'error'> {
    const outTradeNo = attempt.rec.outTradeNo;
    if (this.#lookup) {
      try {
        const found = await this.#lookup(outTradeNo, signal);
        const hit = found.find((n) => n.kind === 'payment' && n.success && n.outTradeNo === outTradeNo);
        if (hit) {
          this.#remember(`payment:${hit.syssn}`);
          return this.#approvedFrom(hit, 'lookup');
        }
      } catch (err) {
        this.#log.debug('transaction lookup failed', { outTradeNo, error: err instanceof QfpayEcrError ? err.code : 'error' });
      }
    }
    let q: QueryResult;
    try {
      q = await this.#terminal.query({ outTradeNo, signal });
    } catch (err) {
      this.#log.debug('query failed', { outTradeNo, error: err instanceof QfpayEcrError ? err.code : 'error' });
      return 'error';
    }
    if (!q.found) return 'not_found';
    switch (q.state) {
      case 'paid':
      case 'refunded':
      case 'partially_refunded': {
        if (!q.syssn) return 'pending';
        const v: Verdict = { type: 'approved', syssn: q.syssn, amountMinor: q.amountMinor ?? attempt.rec.amountMinor, currency: q.currency ?? 'HKD', source: 'query' };
        if (q.channelRef) v.channelRef = q.channelRef;
        if (q.cardScheme) v.cardScheme = q.cardScheme;
        if (q.maskedCard) v.maskedCard = q.maskedCard;
        return v;
      }
      case 'pending':
        return 'pending';
      case 'failed':
        return { type: 'rejected', source: 'query', message: `${MESSAGES.paymentFailed}${q.codes.message ? `\n${q.codes.message}` : ''}` };
      case 'cancelled':
        return { type: 'rejected', source: 'query' };
    }
  }

  /**
   * A line left `reversing` by a reload: nobody awaits the reversal any more, and only the
   * terminal's book of the original payment tells whether it happened. Polls it; while it shows
   * the payment unrefunded, closes any reversal screen still open (5001) and asks once more, so
   * the answer is final. Unreachable terminal: the line stays `reversing` and the cashier is told.
   */
  async #resumeReversal(line: PaymentLineHandle): Promise<void> {
    const syssn = line.transactionId();
    if (!syssn || this.#reversalsResuming.has(line.key)) return;
    this.#reversalsResuming.add(line.key);
    try {
      const reversed = async (): Promise<boolean | undefined> => {
        try {
          const q = await this.#terminal.query({ syssn });
          return q.found ? q.state === 'refunded' || q.refundableMinor === 0 : undefined;
        } catch {
          return undefined;
        }
      };
      let verdict: boolean | undefined;
      for (let i = 0; i < this.#resolve.notFoundGrace && verdict !== true && !this.#closed; i++) {
        if (i > 0) await sleep(this.#resolve.intervalMs);
        verdict = await reversed();
      }
      if (verdict !== true && !this.#closed) {
        try {
          await this.#terminal.cancel({ evenIfIdle: true });
        } catch {
          // Best effort: the query below decides.
        }
        verdict = await reversed();
      }
      if (this.#closed || line.status() !== 'reversing') return;
      this.#log.info('resumed reversal', { syssn, reversed: verdict });
      if (verdict === undefined) {
        this.#alert(MESSAGES.reversalUnknown(syssn));
        return;
      }
      if (line.finishReversal) line.finishReversal(verdict);
      else line.setStatus(verdict ? 'reversed' : 'done');
    } finally {
      this.#reversalsResuming.delete(line.key);
    }
  }

  // ------------------------------------------------------------------ cancel

  async #cancelSending(attempt: Attempt): Promise<boolean> {
    let result;
    try {
      result = await this.#terminal.cancel();
    } catch (err) {
      this.#alert(MESSAGES.cancelFailed(err instanceof Error ? err.message : 'unknown error'));
      return false;
    }
    this.#log.info('cancel result', { outTradeNo: attempt.rec.outTradeNo, status: result.status });
    switch (result.status) {
      case 'confirmed':
        return attempt.rec.state !== 'approved';
      case 'too_late':
        this.#alert(MESSAGES.cancelTooLate);
        return false;
      case 'nothing_to_cancel':
        // The transaction just ended: its outcome decides.
        return attempt.phase === 'final' ? attempt.rec.state === 'rejected' : false;
      case 'requested':
        if (attempt.phase === 'final') return attempt.rec.state === 'rejected';
        this.#alert(MESSAGES.cancelNotConfirmed);
        return false;
    }
  }

  async #cancelResolving(attempt: Attempt): Promise<boolean> {
    // Close any screen still open for it, then ask what happened.
    try {
      await this.#terminal.cancel({ evenIfIdle: true });
    } catch {
      // Best effort: the query below decides.
    }
    const verdict = await this.#probe(attempt, new AbortController().signal);
    if (verdict === 'not_found' || (typeof verdict === 'object' && verdict.type === 'rejected')) {
      if (attempt.phase !== 'final') this.#settle(attempt, { type: 'rejected', source: 'cancel' });
      return attempt.rec.state === 'rejected';
    }
    if (typeof verdict === 'object') {
      this.#settle(attempt, verdict);
      if (verdict.type === 'approved') this.#alert(MESSAGES.cancelTooLate);
      return false;
    }
    this.#alert(MESSAGES.cancelNotConfirmed);
    return false;
  }

  // ------------------------------------------------------------------ matching

  /**
   * The unsettled attempt of a line: recorded under its key, or matched to it on resume (Odoo 17
   * gives lines new ids on reload, so a resumed attempt may carry the line's old key).
   */
  #activeFor(lineKey: string): Attempt | undefined {
    for (const a of this.#attempts.values()) if ((a.rec.lineKey === lineKey || a.line?.key === lineKey) && a.phase !== 'final') return a;
    return undefined;
  }

  #match(rec: AttemptRecord, lines: PaymentLineHandle[]): PaymentLineHandle | undefined {
    const exact = lines.find((l) => l.key === rec.lineKey);
    if (exact) return exact;
    // Odoo 17 may give lines new ids after a reload: same order, same amount, still open.
    const candidates = lines.filter((l) => {
      if (rec.orderRef === undefined || l.orderRef !== rec.orderRef) return false;
      const s = l.status();
      if (s === undefined || !(OPEN_STATUSES as readonly string[]).includes(s)) return false;
      try {
        return lineAmountToMinor(l.amount()) === rec.amountMinor && (l.amount() < 0) === (rec.kind === 'refund');
      } catch {
        return false;
      }
    });
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  #rehydrate(rec: AttemptRecord): Attempt {
    const existing = this.#attempts.get(rec.outTradeNo);
    if (existing) return existing;
    const attempt: Attempt = { rec, line: this.#match(rec, this.#lines()), phase: rec.state === 'pending' ? 'resolving' : 'final', flaggedUnknown: false };
    this.#attempts.set(rec.outTradeNo, attempt);
    return attempt;
  }

  #attemptForPayment(n: IntakeNotification): Attempt | undefined {
    if (n.outTradeNo) {
      const a = this.#attempts.get(n.outTradeNo);
      if (a) return a;
      const rec = this.#store.get(n.outTradeNo);
      if (rec) return this.#rehydrate(rec);
    }
    if (n.lineUuid) {
      const inMemory = [...this.#attempts.values()].filter((a) => a.rec.kind === 'payment' && a.rec.lineUuid === n.lineUuid);
      const live = inMemory.find((a) => a.phase !== 'final') ?? inMemory.at(-1);
      if (live) return live;
      const rec = this.#store.list().filter((r) => r.kind === 'payment' && r.lineUuid === n.lineUuid).at(-1);
      if (rec) return this.#rehydrate(rec);
    }
    return undefined;
  }

  #attemptForRefund(n: IntakeNotification): Attempt | undefined {
    let orig = n.origSyssn;
    if (!orig && n.origOutTradeNo) orig = this.#store.get(n.origOutTradeNo)?.syssn;
    if (!orig) return undefined;
    const live = [...this.#attempts.values()].find((a) => a.rec.kind === 'refund' && a.rec.origSyssn === orig && a.phase !== 'final');
    if (live) return live;
    const rec = this.#store.list().filter((r) => r.kind === 'refund' && r.origSyssn === orig && r.state === 'pending').at(-1);
    return rec ? this.#rehydrate(rec) : undefined;
  }

  #remember(key: string): void {
    this.#seen.add(key);
    if (this.#seen.size > MAX_SEEN) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }

  #alert(message: string): void {
    try {
      this.#ui?.alert(DIALOG_TITLE, message);
    } catch {
      // A broken dialog must not break a payment.
    }
  }
}
