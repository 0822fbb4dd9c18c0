import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { signNotification } from '@qfpay-ecr/core/notify';
import { SIMULATOR_DEFAULTS } from './config.js';
import { hkDateTime } from './time.js';
import type { BookEntry, NotificationRecord } from './types.js';

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

/**
 * Posts signed notifications and retries on QFPay's schedule until a receiver answers
 * 200 `SUCCESS`. Each delay in `scheduleMs` is counted from the end of the previous attempt.
 */
export class Notifier {
  private readonly records: NotificationRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<ClientRequest>();
  private closed = false;

  constructor(
    private readonly options: NotifierOptions,
    private readonly onAttempt: (record: NotificationRecord) => void,
  ) {}

  /** Starts delivering one notification. */
  send(notifyType: 'payment' | 'refund', fields: Record<string, string>): void {
    if (this.closed) return;
    const record: NotificationRecord = { notifyType, syssn: fields.syssn ?? '', body: JSON.stringify(fields), attempts: 0, delivered: false, gaveUp: false };
    this.records.push(record);
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
  }

  private scheduleAttempt(record: NotificationRecord, index: number): void {
    const delay = this.options.scheduleMs[index];
    if (delay === undefined || this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(record).then(() => {
        if (this.closed) return;
        const last = index + 1 >= this.options.scheduleMs.length;
        if (!record.delivered && last) record.gaveUp = true;
        this.onAttempt({ ...record });
        if (!record.delivered && !last) this.scheduleAttempt(record, index + 1);
      });
    }, delay);
    this.timers.add(timer);
  }

  private attempt(record: NotificationRecord): Promise<void> {
    record.attempts += 1;
    const body = Buffer.from(record.body, 'utf8');
    const url = new URL(this.options.url);
    const headers = {
      'Content-Type': 'application/json',
      'Content-Length': String(body.length),
      'X-QF-SIGN': signNotification(body, this.options.key),
      'User-Agent': 'qfpay-ecr-simulator',
    };
    const timeoutMs = this.options.timeoutMs ?? SIMULATOR_DEFAULTS.notifyTimeoutMs;
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = (status: number | undefined, text: string, error?: string) => {
        if (done) return;
        done = true;
        this.inFlight.delete(req);
        if (status === undefined) delete record.lastStatus;
        else record.lastStatus = status;
        if (error === undefined) delete record.lastError;
        else record.lastError = error;
        record.delivered = status === 200 && text.trim() === 'SUCCESS';
        resolve();
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
      req.end(body);
    });
  }
}

/** An error's code or class, never its message (which could echo a URL with credentials). */
function errorName(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'string') return (err as { code: string }).code;
  return err instanceof Error ? err.name : 'error';
}
