/**
 * The QFPay backend side of ECR Cloud: checks what the backend can check (parameters, binding,
 * known orders, refund rules) and pushes the rest to the simulated terminal through the same
 * `Device` the LAN API drives, so screens, customer scripts, the book, faults and notifications
 * behave exactly as on LAN. Pushes are fire-and-forget: nothing waits for the screen to end.
 */
import type { z } from 'zod';
import { formatMinor, toWireAmount } from '@qfpay-ecr/core';
import type { TransactionBook } from '../book.js';
import type { Device, DeviceHints, EcrResult } from '../device.js';
import type { Screen } from '../screen.js';
import type { ScreenState } from '../types.js';
import { bookCancelledOrder, endedCancelled } from './cancelled.js';
import type { ResolvedCloudOptions } from './options.js';
import {
  describeParamIssues,
  paymentParamsSchema,
  presentParams,
  printReceiptParamsSchema,
  queryParamsSchema,
  refundParamsSchema,
  termidOnlyParamsSchema,
  type PaymentParams,
  type PrintReceiptParams,
  type QueryParams,
  type RefundParams,
} from './params.js';
import { cloudReplies, type CloudOperation, type CloudReply } from './replies.js';
import { toCloudTransaction } from './transaction.js';

/** What the terminal did with a push (for records, logs and tests; QFPay's reply does not say). */
export type TerminalOutcome =
  /** A payment/refund screen opened. */
  | 'opened'
  /** The terminal was busy with another screen (or a `busy` fault): the push was dropped, nothing happens. */
  | 'busy'
  /** A cancel push ended the open screen. */
  | 'cancelled'
  /** A cancel push found nothing to cancel. */
  | 'idle'
  /** A receipt or summary was printed. */
  | 'printed';

/** A reply and, for pushes that reached the terminal, what it did. */
export interface CloudOutcome {
  reply: CloudReply;
  terminal?: TerminalOutcome;
  /** A device-stage fault the push consumed (`busy`). */
  fault?: 'busy';
}

/** What the cloud needs from the simulator around it. */
export interface CloudServiceDeps {
  options: ResolvedCloudOptions;
  device: Device;
  /** Read-only lookups and the refund rules. */
  book: TransactionBook;
  screen: Screen;
  /** Subscribes to screens opening (before public listeners run); returns the unsubscribe. */
  onScreenOpen: (listener: (state: ScreenState) => void) => () => void;
  merchantName: string;
  merchantId: string;
  terminalId: string;
  clock: () => Date;
}

type Forwarded = { kind: 'opened'; state: ScreenState; ended: Promise<EcrResult> } | { kind: 'busy'; fault: boolean } | { kind: 'refused'; respcd: string; message: string };

type Validated<T> = { ok: true; value: T } | { ok: false; outcome: CloudOutcome };

/** How the device refused to open a screen. */
function refusalOf(result: EcrResult): Forwarded {
  const { reply } = result;
  if (reply.respcd === '6002') return { kind: 'busy', fault: result.fault === 'busy' };
  const data = reply.data;
  if (reply.respcd === '6000' && data && typeof data.respcd === 'string') {
    return { kind: 'refused', respcd: data.respcd, message: typeof data.reserr === 'string' && data.reserr ? data.reserr : 'Refused by the terminal' };
  }
  if (reply.respcd === '4006') return { kind: 'refused', respcd: '1104', message: `Request parameter error: ${reply.resperr}` };
  // 1252: "System error when making the order request" (status-codes.md).
  return { kind: 'refused', respcd: '1252', message: 'System error when making the order request' };
}

/**
 * A push the terminal took or dropped. A busy terminal drops it silently: the backend has already
 * answered "push success" (cloud is asynchronous), so the POS learns only from queries (1136).
 */
function pushedOutcome(op: 'payment' | 'refund', forwarded: Exclude<Forwarded, { kind: 'refused' }>): CloudOutcome {
  const outcome: CloudOutcome = { reply: cloudReplies.pushed(op), terminal: forwarded.kind };
  if (forwarded.kind === 'busy' && forwarded.fault) outcome.fault = 'busy';
  return outcome;
}

/** The fake QFPay backend for ECR Cloud. */
export class CloudService {
  constructor(private readonly deps: CloudServiceDeps) {}

  /** Answers one authenticated request. */
  async handle(op: CloudOperation, params: Readonly<Record<string, string>>): Promise<CloudOutcome> {
    switch (op) {
      case 'payment': {
        const v = this.validate(paymentParamsSchema, params);
        return v.ok ? this.payment(v.value) : v.outcome;
      }
      case 'refund': {
        const v = this.validate(refundParamsSchema, params);
        return v.ok ? this.refund(v.value) : v.outcome;
      }
      case 'cancel': {
        const v = this.validate(termidOnlyParamsSchema, params);
        return v.ok ? this.cancel() : v.outcome;
      }
      case 'print_receipt': {
        const v = this.validate(printReceiptParamsSchema, params);
        return v.ok ? this.printReceipt(v.value) : v.outcome;
      }
      case 'print_summary': {
        const v = this.validate(termidOnlyParamsSchema, params);
        return v.ok ? this.printSummary() : v.outcome;
      }
      case 'query': {
        const v = this.validate(queryParamsSchema, params);
        return v.ok ? this.query(v.value) : v.outcome;
      }
    }
  }

  /** Parameters (1104), then the merchant id rule (1104), then the termid binding (1106). */
  private validate<T extends { termid: string; mchid?: string | undefined }>(schema: z.ZodType<T>, params: Readonly<Record<string, string>>): Validated<T> {
    const fail = (reply: CloudReply): Validated<T> => ({ ok: false, outcome: { reply } });
    const parsed = schema.safeParse(presentParams(params));
    if (!parsed.success) return fail(cloudReplies.params(describeParamIssues(parsed.error)));
    const { mchid, termid } = this.deps.options;
    const given = parsed.data.mchid;
    if (mchid !== undefined && given === undefined) return fail(cloudReplies.params('mchid is required for this app code'));
    if (mchid !== undefined && given !== mchid) return fail(cloudReplies.params('mchid does not belong to this app code'));
    if (mchid === undefined && given !== undefined) return fail(cloudReplies.params('mchid must be omitted: none was issued for this app code'));
    if (parsed.data.termid !== termid) return fail(cloudReplies.unbound(parsed.data.termid));
    return { ok: true, value: parsed.data };
  }

  /** Whether an out_trade_no already names a booked transaction or the open screen. */
  private inUse(outTradeNo: string): boolean {
    return this.deps.book.byOutTradeNo(outTradeNo) !== undefined || this.deps.screen.current()?.outTradeNo === outTradeNo;
  }

  /**
   * Hands a request to the device without waiting for its screen to end: resolves as soon as
   * the screen opens (`opened`) or the device refuses (`busy`, or a refusal code).
   */
  private async forward(funcType: number, content: Record<string, string | number>, hints: DeviceHints, mine: (state: ScreenState) => boolean): Promise<Forwarded> {
    let unsubscribe = (): void => undefined;
    // The screen may open synchronously inside device.handle: the state is kept, the rest built after.
    const opened = new Promise<ScreenState>((resolve) => {
      unsubscribe = this.deps.onScreenOpen((state) => {
        if (mine(state)) resolve(state);
      });
    });
    const settled = this.deps.device.handle(funcType, content, hints);
    try {
      return await Promise.race([opened.then((state): Forwarded => ({ kind: 'opened', state, ended: settled })), settled.then(refusalOf)]);
    } finally {
      unsubscribe();
      // The screen's ending is the device's business (book, notification); nobody awaits it here.
      settled.catch(() => undefined);
    }
  }

  /**
   * The host order of an opened screen exists: if the screen ends cancelled (customer, cancel
   * push, timeout), it is booked as cancelled so queries can say so (see cancelled.ts).
   */
  private keepCancelledOrder(forwarded: Extract<Forwarded, { kind: 'opened' }>, scanType?: string): void {
    const { book, clock } = this.deps;
    forwarded.ended.then(
      (result) => {
        if (endedCancelled(result)) bookCancelledOrder(forwarded.state, { book, clock, ...(scanType !== undefined ? { scanType } : {}) });
      },
      () => undefined,
    );
  }

  private async payment(p: PaymentParams): Promise<CloudOutcome> {
    if (this.inUse(p.out_trade_no)) return { reply: cloudReplies.duplicate() };
    const content: Record<string, string | number> = {
      func_type: 1001,
      amt: toWireAmount(p.txamt),
      channel: p.channel,
      out_trade_no: p.out_trade_no,
      scan_type: p.scan_type,
      ...(p.camera_id !== undefined ? { camera_id: p.camera_id } : {}),
      ...(p.payment_timeout !== undefined ? { payment_timeout: p.payment_timeout } : {}),
    };
    const forwarded = await this.forward(1001, content, {}, (s) => s.kind === 'payment' && s.outTradeNo === p.out_trade_no);
    if (forwarded.kind === 'refused') return { reply: cloudReplies.refused(forwarded.respcd, forwarded.message) };
    if (forwarded.kind === 'opened') this.keepCancelledOrder(forwarded, p.scan_type);
    return pushedOutcome('payment', forwarded);
  }

  private async refund(p: RefundParams): Promise<CloudOutcome> {
    const { book } = this.deps;
    if (p.out_trade_no !== undefined && this.inUse(p.out_trade_no)) return { reply: cloudReplies.duplicate() };
    // The backend knows its orders: an unknown syssn, or a refund's, is refused before any push.
    const original = book.bySyssn(p.syssn);
    if (!original || original.kind !== 'payment') return { reply: cloudReplies.refundNotFound() };
    const check = book.checkRefund(p.syssn, p.txamt);
    if (!check.ok) return { reply: check.code === '1136' ? cloudReplies.refundNotFound() : cloudReplies.refused(check.code, check.message) };
    const content: Record<string, string | number> = {
      func_type: 1002,
      orderId: p.syssn,
      ...(p.txamt !== undefined ? { refund_amount: formatMinor(p.txamt) } : {}),
      ...(p.allow_modify_flag !== undefined ? { allow_modify_flag: p.allow_modify_flag } : {}),
    };
    const forwarded = await this.forward(1002, content, { refundOutTradeNo: p.out_trade_no }, (s) => s.kind === 'refund' && s.origSyssn === p.syssn);
    if (forwarded.kind === 'refused') return { reply: forwarded.respcd === '1136' ? cloudReplies.refundNotFound() : cloudReplies.refused(forwarded.respcd, forwarded.message) };
    if (forwarded.kind === 'opened') this.keepCancelledOrder(forwarded);
    return pushedOutcome('refund', forwarded);
  }

  /** Ends the open screen as cancelled by the POS; a push with nothing open is still "pushed". */
  private async cancel(): Promise<CloudOutcome> {
    const result = await this.deps.device.handle(5001, { func_type: 5001 });
    return { reply: cloudReplies.pushed('cancel'), terminal: result.reply.data?.respcd === '0000' ? 'cancelled' : 'idle' };
  }

  private async printReceipt(p: PrintReceiptParams): Promise<CloudOutcome> {
    const entry = this.deps.book.bySyssn(p.syssn);
    if (!entry || entry.outTradeNo !== p.out_trade_no) return { reply: cloudReplies.orderNotFound() };
    await this.deps.device.handle(3001, { func_type: 3001, orderId: p.syssn });
    return { reply: cloudReplies.pushed('print_receipt'), terminal: 'printed' };
  }

  private async printSummary(): Promise<CloudOutcome> {
    await this.deps.device.handle(3002, { func_type: 3002 });
    return { reply: cloudReplies.pushed('print_summary'), terminal: 'printed' };
  }

  /** Answers from the terminal's book through its 4001 logic (pending countdown and settling included). */
  private async query(p: QueryParams): Promise<CloudOutcome> {
    const { device, book, screen, merchantName, merchantId, terminalId } = this.deps;
    const result = await device.handle(4001, {
      func_type: 4001,
      ...(p.syssn !== undefined ? { orderId: p.syssn } : {}),
      ...(p.out_trade_no !== undefined ? { out_trade_no: p.out_trade_no } : {}),
    });
    const data = result.reply.data;
    const syssn = typeof data?.syssn === 'string' ? data.syssn : undefined;
    if (!data || syssn === undefined) return { reply: cloudReplies.orderNotFound() };
    const open = screen.current();
    const channel = book.bySyssn(syssn)?.channel ?? (open?.syssn === syssn ? open.channel : undefined);
    const transaction = toCloudTransaction(data, { merchantName, merchantId, terminalId, channel });
    return { reply: transaction ? cloudReplies.querySuccess(transaction) : cloudReplies.orderNotFound() };
  }
}
