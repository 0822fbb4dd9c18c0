import { classifyTransactionCode, formatMinor, isPendingTransactionCode, type Channel } from '@qfpay-ecr/core';
import type { z } from 'zod';
import { newEntry, type TransactionBook } from './book.js';
import { busicdFor, defaultCard, isCardChannel } from './channels.js';
import { SIMULATOR_DEFAULTS } from './config.js';
import { playCustomer } from './customer.js';
import type { FaultQueue } from './faults.js';
import type { Notifier } from './notifier.js';
import { buildNotification } from './notifier.js';
import { centsOf, refundSchema, SCHEMAS, tradeSchema, type QueryContent, type RefundContent, type TradeContent } from './schemas.js';
import type { Screen } from './screen.js';
import { hkDateTime } from './time.js';
import type { BookEntry, CustomerScript, PrintRecord, ScreenResult, ScreenState, SimCard } from './types.js';

/** A reply as the ECR layer builds it, before encoding. */
export interface EcrReply {
  respcd: string;
  respmsg: string;
  resperr: string;
  data?: Record<string, unknown> | null;
}

/** What the server should do with a processed request. */
export interface EcrResult {
  reply: EcrReply;
  /** Destroy the socket instead of replying (the `drop-after-payment` fault). */
  drop: boolean;
  /** The stage fault that applied, if any. */
  fault?: 'busy' | 'drop-after-payment';
}

/** The last screen's ending, for the web page. */
export interface LastResult {
  kind: 'payment' | 'refund';
  outTradeNo: string;
  amountMinor: number;
  channel: Channel;
  status: 'approved' | 'declined' | 'pending' | 'cancelled';
  code?: string;
  message: string;
  card?: SimCard;
  endedAt: Date;
}

/** Request facts that do not travel in the LAN content (see {@link Device.handle}). */
export interface DeviceHints {
  /** The refund's own out_trade_no (ECR Cloud); default `R<syssn>`. */
  refundOutTradeNo?: string | undefined;
}

/** Everything the device needs from the simulator around it. */
export interface DeviceDeps {
  book: TransactionBook;
  screen: Screen;
  faults: FaultQueue;
  notifier: Notifier | undefined;
  clock: () => Date;
  merchantName: string;
  terminalId: string;
  merchantId: string;
  customer: () => CustomerScript;
}

/** Outer-code replies. */
export const replies = {
  ok: (data: Record<string, unknown> | null): EcrReply => ({ respcd: '6000', respmsg: 'success', resperr: '', data }),
  cancelled: (why: string): EcrReply => ({ respcd: '6001', respmsg: '', resperr: `Request cancelled: ${why}` }),
  busy: (): EcrReply => ({ respcd: '6002', respmsg: '', resperr: 'Terminal busy: another payment or refund is in progress' }),
  denied: (): EcrReply => ({ respcd: '4003', respmsg: '', resperr: 'Request Denied' }),
  method: (): EcrReply => ({ respcd: '4004', respmsg: '', resperr: 'Wrong request method: use POST' }),
  other: (why: string): EcrReply => ({ respcd: '4005', respmsg: '', resperr: `Other error: ${why}` }),
  params: (why: string): EcrReply => ({ respcd: '4006', respmsg: '', resperr: `Incorrect parameter(s): ${why}` }),
  decrypt: (): EcrReply => ({ respcd: '5001', respmsg: '', resperr: 'Decryption failed' }),
};

const CANCEL_REASON: Record<Extract<ScreenResult, { action: 'cancel' }>['by'], string> = {
  customer: 'cancelled by the customer on the terminal',
  pos: 'cancelled by the POS (5001)',
  timeout: 'payment timeout',
  shutdown: 'terminal shutting down',
};

function describeCode(code: string): string {
  const info = classifyTransactionCode(code);
  return info.meaning.charAt(0).toUpperCase() + info.meaning.slice(1);
}

function describeZod(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'content'}: ${i.message}`).join('; ');
}

/**
 * The Haojin app's ECR logic: validates each request, drives the screen, books transactions,
 * answers from the book and triggers notifications. Transport-free: the server feeds it decoded
 * content and encodes what it returns.
 */
export class Device {
  private readonly paymentCounts = new Map<string, number>();
  private readonly prints: PrintRecord[] = [];
  private last: LastResult | null = null;

  constructor(private readonly deps: DeviceDeps) {}

  /** Counts a decoded request that reached the terminal (before any fault or validation). */
  noteRequest(funcType: number, content: Record<string, string | number>): void {
    const ref = content.out_trade_no;
    if (funcType === 1001 && typeof ref === 'string') this.paymentCounts.set(ref, (this.paymentCounts.get(ref) ?? 0) + 1);
  }

  /** How many decoded 1001 requests carried this out_trade_no. */
  paymentRequestCount(outTradeNo: string): number {
    return this.paymentCounts.get(outTradeNo) ?? 0;
  }

  /** Receipts and summaries printed. */
  printed(): PrintRecord[] {
    return this.prints.map((p) => ({ ...p }));
  }

  /** How the last screen ended. */
  lastResult(): LastResult | null {
    return this.last ? { ...this.last } : null;
  }

  /**
   * Processes one decoded request whose func_type matches its path. `hints` carries what only
   * the ECR Cloud route knows (a cloud refund names its own out_trade_no; a LAN 1002 cannot).
   */
  async handle(funcType: number, content: Record<string, string | number>, hints: DeviceHints = {}): Promise<EcrResult> {
    const schema = SCHEMAS[funcType as keyof typeof SCHEMAS];
    if (!schema) return { reply: replies.params(`unknown func_type ${funcType}`), drop: false };
    const parsed = schema.safeParse(content);
    if (!parsed.success) return { reply: replies.params(describeZod(parsed.error)), drop: false };
    switch (funcType) {
      case 1001:
        return this.trade(tradeSchema.parse(content));
      case 1002:
        return this.refund(refundSchema.parse(content), hints.refundOutTradeNo);
      case 3001:
        return { reply: this.printReceipt(String(content.orderId)), drop: false };
      case 3002:
        return { reply: this.printSummary(), drop: false };
      case 4001:
        return { reply: this.query(parsed.data as QueryContent), drop: false };
      default:
        return { reply: this.cancelRequest(), drop: false };
    }
  }

  private timeoutMs(content: { payment_timeout?: number | undefined; wait_card_timeout?: number | undefined }): number {
    return (content.payment_timeout ?? content.wait_card_timeout ?? SIMULATOR_DEFAULTS.paymentTimeoutSec) * 1000;
  }

  private async trade(c: TradeContent): Promise<EcrResult> {
    const { book, screen, faults, clock } = this.deps;
    if (faults.take('busy')) return { reply: replies.busy(), drop: false, fault: 'busy' };
    if (screen.current()) return { reply: replies.busy(), drop: false };
    const outTradeNo = c.out_trade_no ?? '';
    const amountMinor = centsOf(c.amt) as number;
    if (outTradeNo) {
      const previous = book.byOutTradeNo(outTradeNo);
      if (previous) {
        const paid = previous.respcd === '0000' || isPendingTransactionCode(previous.respcd);
        const code = paid ? '1260' : '1102';
        return { reply: replies.ok({ respcd: code, resmsg: '', reserr: paid ? 'Order already paid' : 'Duplicate request', out_trade_no: outTradeNo, syssn: previous.syssn }), drop: false };
      }
    }
    const state: ScreenState = { kind: 'payment', outTradeNo, amountMinor, channel: c.channel, openedAt: clock(), syssn: book.nextSyssn() };
    const ended = screen.tryOpen(state, this.timeoutMs(c), (result) => this.settlePayment(state, c, result));
    if (!ended) return { reply: replies.busy(), drop: false };
    const drop = faults.take('drop-after-payment');
    playCustomer(this.deps.customer(), screen, state);
    return drop ? { reply: await ended, drop, fault: 'drop-after-payment' } : { reply: await ended, drop };
  }

  private settlePayment(state: ScreenState, c: TradeContent, result: ScreenResult): EcrReply {
    const { book, clock } = this.deps;
    if (result.action === 'cancel') {
      this.remember(state, 'cancelled', CANCEL_REASON[result.by]);
      return replies.cancelled(CANCEL_REASON[result.by]);
    }
    const now = clock();
    const card = isCardChannel(state.channel) ? (result.action === 'approve' ? result.card : undefined) ?? defaultCard(state.channel) : undefined;
    const respcd = result.action === 'approve' ? '0000' : result.code;
    const entry = newEntry({
      kind: 'payment',
      syssn: state.syssn,
      outTradeNo: state.outTradeNo,
      channel: state.channel,
      busicd: busicdFor(state.channel, c.scan_type),
      amountMinor: state.amountMinor,
      wireAmount: c.amt,
      respcd,
      chnlsn: book.nextChnlsn(),
      clisn: book.nextClisn(),
      sysdtm: hkDateTime(now),
      createdAt: now,
      ...(card ? { cardScheme: card.scheme, maskedCard: card.masked } : {}),
      ...(result.action === 'pending' ? { pendingQueriesLeft: result.pendingQueries } : {}),
    });
    book.add(entry);
    const status = respcd === '0000' ? 'approved' : result.action === 'pending' ? 'pending' : 'declined';
    this.remember(state, status, respcd === '0000' ? 'Payment approved' : describeCode(respcd), respcd, card);
    if (respcd === '0000') this.notify(entry);
    return replies.ok(this.paymentData(entry, respcd === '0000' ? '' : describeCode(respcd)));
  }

  private paymentData(entry: BookEntry, reserr: string): Record<string, unknown> {
    const { merchantName, terminalId, merchantId } = this.deps;
    return {
      respcd: entry.respcd,
      resmsg: entry.respcd === '0000' ? 'success' : '',
      reserr,
      mchntnm: merchantName,
      sysdtm: entry.sysdtm,
      paydtm: entry.sysdtm,
      userid: merchantId,
      busicd: entry.busicd,
      txamt: entry.wireAmount,
      txcurrcd: entry.currency,
      chnlsn: entry.chnlsn,
      udid: terminalId,
      syssn: entry.syssn,
      clisn: entry.clisn,
      out_trade_no: entry.outTradeNo,
      ...(entry.cardScheme ? { cardscheme: entry.cardScheme, cardno: entry.maskedCard } : {}),
    };
  }

  private async refund(c: RefundContent, outTradeNo?: string): Promise<EcrResult> {
    const { book, screen, faults, clock } = this.deps;
    if (faults.take('busy')) return { reply: replies.busy(), drop: false, fault: 'busy' };
    if (screen.current()) return { reply: replies.busy(), drop: false };
    const check = book.checkRefund(c.orderId, c.refund_amount === undefined ? undefined : centsOf(c.refund_amount));
    if (!check.ok) return { reply: replies.ok({ respcd: check.code, resmsg: '', reserr: check.message, orig_syssn: c.orderId }), drop: false };
    const { original, amountMinor } = check;
    const syssn = book.nextSyssn();
    const state: ScreenState = { kind: 'refund', outTradeNo: outTradeNo ?? `R${syssn}`, amountMinor, channel: original.channel, openedAt: clock(), syssn, origSyssn: original.syssn };
    const ended = screen.tryOpen(state, SIMULATOR_DEFAULTS.paymentTimeoutSec * 1000, (result) => this.settleRefund(state, c, original, result));
    if (!ended) return { reply: replies.busy(), drop: false };
    playCustomer(this.deps.customer(), screen, state);
    return { reply: await ended, drop: false };
  }

  private settleRefund(state: ScreenState, c: RefundContent, original: BookEntry, result: ScreenResult): EcrReply {
    const { book, clock } = this.deps;
    const { syssn, amountMinor } = state;
    if (result.action === 'cancel') {
      this.remember(state, 'cancelled', CANCEL_REASON[result.by]);
      return replies.cancelled(CANCEL_REASON[result.by]);
    }
    const now = clock();
    const respcd = result.action === 'decline' ? result.code : '0000';
    const entry = newEntry({
      kind: 'refund',
      syssn,
      outTradeNo: state.outTradeNo,
      channel: original.channel,
      busicd: original.busicd,
      amountMinor,
      wireAmount: c.refund_amount ?? formatMinor(amountMinor),
      respcd,
      chnlsn: book.nextChnlsn(),
      clisn: book.nextClisn(),
      sysdtm: hkDateTime(now),
      createdAt: now,
      origSyssn: original.syssn,
      origOutTradeNo: original.outTradeNo,
      ...(original.cardScheme ? { cardScheme: original.cardScheme, maskedCard: original.maskedCard ?? '' } : {}),
    });
    if (respcd !== '0000') {
      book.add(entry);
      this.remember(state, 'declined', describeCode(respcd), respcd);
      return replies.ok({ respcd, resmsg: '', reserr: describeCode(respcd), syssn, orig_syssn: original.syssn, out_trade_no: entry.outTradeNo });
    }
    book.applyRefund(original, entry);
    this.remember(state, 'approved', 'Refund approved', '0000');
    this.notify(entry, original);
    const data = {
      respcd: '0000',
      resmsg: 'success',
      reserr: '',
      sysdtm: entry.sysdtm,
      paydtm: entry.sysdtm,
      txdtm: entry.sysdtm,
      txcurrcd: entry.currency,
      orig_syssn: original.syssn,
      out_trade_no: entry.outTradeNo,
      syssn,
      chnlsn: entry.chnlsn,
      txamt: entry.wireAmount,
      originTxamt: original.wireAmount,
    };
    return replies.ok(data);
  }

  private printReceipt(orderId: string): EcrReply {
    const entry = this.deps.book.byOrderId(orderId);
    if (!entry) return replies.ok({ respcd: '1136', resmsg: '', reserr: 'Transaction does not exist' });
    this.prints.push({ kind: 'receipt', syssn: entry.syssn, at: this.deps.clock() });
    return replies.ok({ respcd: '0000', resmsg: 'Receipt printed', reserr: '', syssn: entry.syssn, out_trade_no: entry.outTradeNo });
  }

  private printSummary(): EcrReply {
    this.prints.push({ kind: 'summary', at: this.deps.clock() });
    return replies.ok({ respcd: '0000', resmsg: 'Summary printed', reserr: '' });
  }

  private query(c: QueryContent): EcrReply {
    const { book, screen, clock } = this.deps;
    const open = screen.current();
    const refs = [c.orderId, c.out_trade_no].filter((r): r is string => typeof r === 'string' && r !== '');
    if (open && refs.some((r) => r === open.syssn || r === open.outTradeNo)) {
      return replies.ok({
        respcd: '1145',
        resmsg: '',
        reserr: 'Please wait: processing',
        server_time: hkDateTime(clock()),
        syssn: open.syssn,
        out_trade_no: open.outTradeNo,
        tradetp: open.kind,
        txamt: open.amountMinor,
        txcurrcd: 'HKD',
        cancel: 0,
        allow_refund_amt: 0,
      });
    }
    const entry = (c.orderId !== undefined ? book.byOrderId(c.orderId) : undefined) ?? (c.out_trade_no !== undefined ? book.byOutTradeNo(c.out_trade_no) : undefined);
    if (!entry) return replies.ok({ respcd: '1136', resmsg: '', reserr: 'Transaction does not exist', server_time: hkDateTime(clock()) });
    if (isPendingTransactionCode(entry.respcd)) {
      if (entry.pendingQueriesLeft > 0) book.update(entry, { pendingQueriesLeft: entry.pendingQueriesLeft - 1 });
      else {
        book.update(entry, { respcd: '0000' });
        this.notify(entry);
      }
    }
    return replies.ok(this.queryData(entry));
  }

  private queryData(entry: BookEntry): Record<string, unknown> {
    const { book, clock, merchantName } = this.deps;
    const original = entry.origSyssn ? book.bySyssn(entry.origSyssn) : undefined;
    const card = isCardChannel(entry.channel);
    return {
      respcd: entry.respcd,
      resmsg: entry.respcd === '0000' ? 'success' : '',
      reserr: entry.respcd === '0000' ? '' : describeCode(entry.respcd),
      server_time: hkDateTime(clock()),
      syssn: entry.syssn,
      out_trade_no: entry.outTradeNo,
      tradetp: entry.kind,
      cancel: entry.cancel,
      txamt: entry.amountMinor,
      allow_refund_amt: entry.kind === 'payment' && entry.respcd === '0000' && entry.channel !== 'octopus' ? entry.amountMinor - entry.refundedMinor : 0,
      txcurrcd: entry.currency,
      busicd: entry.busicd,
      origbusicd: original?.busicd ?? '',
      origssn: entry.origSyssn ?? '',
      sysdtm: entry.sysdtm,
      chnlsn: entry.chnlsn,
      clisn: entry.clisn,
      opuid: '1',
      opuser: 'operator',
      nickname: merchantName,
      customer_source: 'HK',
      desc: '',
      ...(card ? { cardscheme: entry.cardScheme ?? '', cardno: entry.maskedCard ?? '', cardtype: 'CREDIT', batchno: '000001', refno: entry.chnlsn } : {}),
    };
  }

  private cancelRequest(): EcrReply {
    const open = this.deps.screen.current();
    if (open && this.deps.screen.end({ action: 'cancel', by: 'pos' })) {
      return replies.ok({ respcd: '0000', resmsg: 'Request cancelled', reserr: '', tradetp: open.kind, out_trade_no: open.outTradeNo });
    }
    return replies.ok({ respcd: '1136', resmsg: '', reserr: 'No payment or refund in progress to cancel' });
  }

  private notify(entry: BookEntry, original?: BookEntry): void {
    const { notifier, merchantId, clock, faults } = this.deps;
    if (!notifier) return;
    notifier.send(entry.kind, buildNotification(entry, { merchantId, now: clock(), ...(original ? { original } : {}) }), faults.takeForNotification());
  }

  private remember(state: ScreenState, status: LastResult['status'], message: string, code?: string, card?: SimCard): void {
    this.last = {
      kind: state.kind,
      outTradeNo: state.outTradeNo,
      amountMinor: state.amountMinor,
      channel: state.channel,
      status,
      message,
      endedAt: this.deps.clock(),
      ...(code ? { code } : {}),
      ...(card ? { card } : {}),
    };
  }
}
