import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { signNotification } from '@qfpay-ecr/core/notify';
import { SIMULATOR_DEFAULTS } from './config.js';
import { hkDateTime } from './time.js';
import type { BookEntry, NotificationRecord, NotifyFault } from './types.js';

/** The notification QFPay's backend posts for a successful payment or refund: all values are strings, amounts in cents. */
export function buildNotification(entry: BookEntry, context: { merchantId: string; original?: BookEntry; now: Date }): Record<string, string> {
  const cents = String(entry.amountMinor);
  const body: Record<string, string> = {
    notify_type: entry.kind,
    status: '1',
    syssn: entry.syssn,
    out_trade_no: entry.outTradeNo,
    txamt: cents,
    txcurrcd: entry.currency,
    pay_type: entry.busicd,
    txdtm: entry.sysdtm,
    sysdtm: entry.sysdtm,
    paydtm: hkDateTime(context.now),
    cancel: '0',
    respcd: '0000',
    chnlsn: entry.chnlsn,
    chnlsn2: '',
    cardcd: entry.maskedCard ?? '',
    mchid: context.merchantId,
    customer_source: 'HK',
    cash_fee: cents,
    cash_fee_type: entry.currency,
    exchange_rate: '1',
    goods_name: '',
    goods_info: '',
  };
  if (entry.kind === 'refund') {
    body.orig_syssn = entry.origSyssn ?? '';
    body.orig_out_trade_no = context.original?.outTradeNo ?? entry.origOutTradeNo ?? '';
    body.cash_refund_fee = cents;
    body.cash_refund_fee_type = entry.currency;
  }
  return body;
}

/** Where and how to deliver. */
export interface NotifierOptions {
  url: string;
  key: string;
  ca: string | undefined;
  scheduleMs: readonly number[];
  timeoutMs?: number;
}

/** How one notification is to be delivered (its fault, if any). */
interface DeliveryPlan {
  /** Added to the first attempt's delay (`notify-delay`). */
  extraDelayMs: number;
  /** First attempt with an altered body under the genuine signature (`notify-tamper`). */
  tamper: boolean;
  /** Post once more after delivery (`notify-duplicate`). */
  duplicate: boolean;
  /** Runs once the first attempt has finished (releases a notification held back by `notify-reorder`). */
  afterFirst: (() => void) | undefined;
}

/** A notification held back by `notify-reorder`. */
interface Held {
  record: NotificationRecord;
  timer: NodeJS.Timeout;
}

/** Result of one POST. */
interface PostResult {
  status: number | undefined;
  text: string;
  error?: string;
}

const DEFAULT_MAX_HOLD_MS = 2_000;

/** The body a man in the middle would send: same fields, another amount. */
function tamperedBody(body: string): string {
  const fields = JSON.parse(body) as Record<string, string>;
  const changed = fields.txamt === '1' ? '2' : '1';
  return JSON.stringify({ ...fields, txamt: changed, cash_fee: changed });
}

/**
 * Posts signed notifications and retries on QFPay's schedule until a receiver answers
 * 200 `SUCCESS`. Each delay in `scheduleMs` is counted from the end of the previous attempt.
 * A notification fault (see `Fault`) changes how one notification is delivered.
 */
export class Notifier {
  private readonly records: NotificationRecord[] = [];
  private readonly plans = new Map<NotificationRecord, DeliveryPlan>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<ClientRequest>();
  private held: Held | undefined;
  private closed = false;

  constructor(
    private readonly options: NotifierOptions,
    private readonly onAttempt: (record: NotificationRecord) => void,
  ) {}

  /** Starts delivering one notification, with `fault` applied to it. */
  send(notifyType: 'payment' | 'refund', fields: Record<string, string>, fault?: NotifyFault): void {
    if (this.closed) return;
    const record: NotificationRecord = { notifyType, syssn: fields.syssn ?? '', body: JSON.stringify(fields), attempts: 0, delivered: false, gaveUp: false, ...(fault ? { fault: fault.kind } : {}) };
    this.records.push(record);
    // A notification held back by notify-reorder goes out right after this one.
    const earlier = this.held;
    this.held = undefined;
    const releaseEarlier = earlier ? () => this.release(earlier) : undefined;
    if (fault?.kind === 'notify-lost') {
      record.gaveUp = true;
      this.onAttempt({ ...record });
      releaseEarlier?.();
      return;
    }
    if (fault?.kind === 'notify-reorder') {
      releaseEarlier?.();
      const timer = setTimeout(() => {
        if (this.held?.record === record) {
          this.held = undefined;
          this.release({ record, timer });
        }
      }, fault.maxHoldMs ?? DEFAULT_MAX_HOLD_MS);
      this.timers.add(timer);
      this.plans.set(record, { extraDelayMs: 0, tamper: false, duplicate: false, afterFirst: undefined });
      this.held = { record, timer };
      return;
    }
    this.plans.set(record, {
      extraDelayMs: fault?.kind === 'notify-delay' ? fault.ms : 0,
      tamper: fault?.kind === 'notify-tamper',
      duplicate: fault?.kind === 'notify-duplicate',
      afterFirst: releaseEarlier,
    });
    this.scheduleAttempt(record, 0);
  }

  /** Copies of every notification's delivery state. */
  snapshot(): NotificationRecord[] {
    return this.records.map((r) => ({ ...r }));
  }

  /** Stops retrying and aborts attempts in flight. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const req of this.inFlight) req.destroy();
    this.inFlight.clear();
    this.held = undefined;
  }

  private release(held: Held): void {
    clearTimeout(held.timer);
    this.timers.delete(held.timer);
    this.scheduleAttempt(held.record, 0);
  }

  private scheduleAttempt(record: NotificationRecord, index: number): void {
    const scheduled = this.options.scheduleMs[index];
    if (scheduled === undefined || this.closed) return;
    const plan = this.plans.get(record);
    const delay = scheduled + (index === 0 ? (plan?.extraDelayMs ?? 0) : 0);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(record, index === 0 && plan?.tamper === true).then(() => {
        if (this.closed) return;
        const last = index + 1 >= this.options.scheduleMs.length;
        if (!record.delivered && last) record.gaveUp = true;
        this.onAttempt({ ...record });
        if (index === 0) plan?.afterFirst?.();
        if (record.delivered && plan?.duplicate) {
          plan.duplicate = false;
          this.redeliver(record);
        }
        if (!record.delivered && !last) this.scheduleAttempt(record, index + 1);
        if (record.delivered || last) this.plans.delete(record);
      });
    }, delay);
    this.timers.add(timer);
  }

  /** Posts a delivered notification once more (`notify-duplicate`); the record stays delivered. */
  private redeliver(record: NotificationRecord): void {
    record.attempts += 1;
    void this.post(record.body, record.body).then(() => {
      if (!this.closed) this.onAttempt({ ...record });
    });
  }

  private async attempt(record: NotificationRecord, tamper: boolean): Promise<void> {
    record.attempts += 1;
    const result = await this.post(tamper ? tamperedBody(record.body) : record.body, record.body);
    if (result.status === undefined) delete record.lastStatus;
    else record.lastStatus = result.status;
    if (result.error === undefined) delete record.lastError;
    else record.lastError = result.error;
    record.delivered = result.status === 200 && result.text.trim() === 'SUCCESS';
  }

  /** One signed POST of `body`; the signature is computed over `signedBody` (the same, unless tampered). */
  private post(body: string, signedBody: string): Promise<PostResult> {
    const bytes = Buffer.from(body, 'utf8');
    const url = new URL(this.options.url);
    const headers = {
      'Content-Type': 'application/json',
      'Content-Length': String(bytes.length),
      'X-QF-SIGN': signNotification(Buffer.from(signedBody, 'utf8'), this.options.key),
      'User-Agent': 'qfpay-ecr-simulator',
    };
    const timeoutMs = this.options.timeoutMs ?? SIMULATOR_DEFAULTS.notifyTimeoutMs;
    return new Promise<PostResult>((resolve) => {
      let done = false;
      const finish = (status: number | undefined, text: string, error?: string) => {
        if (done) return;
        done = true;
        this.inFlight.delete(req);
        resolve(error === undefined ? { status, text } : { status, text, error });
      };
      let responded = false;
      const onResponse = (res: IncomingMessage) => {
        responded = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= 65536) chunks.push(chunk);
        });
        res.on('end', () => finish(res.statusCode, Buffer.concat(chunks).toString('utf8')));
        res.on('error', (err) => finish(res.statusCode, '', errorName(err)));
        res.on('close', () => {
          if (!res.complete) finish(res.statusCode, '', 'response aborted');
        });
      };
      const req =
        url.protocol === 'https:'
          ? httpsRequest(url, { method: 'POST', headers, ...(this.options.ca ? { ca: this.options.ca } : {}) }, onResponse)
          : httpRequest(url, { method: 'POST', headers }, onResponse);
      this.inFlight.add(req);
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('notification attempt timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => finish(undefined, '', errorName(err)));
      req.on('close', () => {
        if (!responded) finish(undefined, '', 'connection closed');
      });
      req.end(bytes);
    });
  }
}

/** An error's code or class, never its message (which could echo a URL with credentials). */
function errorName(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'string') return (err as { code: string }).code;
  return err instanceof Error ? err.name : 'error';
}
