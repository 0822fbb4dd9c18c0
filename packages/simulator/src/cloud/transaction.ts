/**
 * Turns the terminal's 4001 answer (the device's view of a book entry) into the transaction
 * object ECR Cloud's query puts inside `respmsg`, with the fields and types of QFPay's samples:
 * `txamt` / `allow_refund_amt` integer cents, `cancel` integer, `txcurrcd` `"344"` (ISO numeric
 * HKD), card fields only for card payments, Octopus fields only for Octopus.
 */
import { z } from 'zod';
import { isPendingTransactionCode, type Channel } from '@qfpay-ecr/core';

/** What the device's 4001 data carries (missing fields default; the open screen's answer is short). */
const deviceQueryData = z.looseObject({
  respcd: z.string(),
  server_time: z.string(),
  syssn: z.string(),
  out_trade_no: z.string().default(''),
  tradetp: z.enum(['payment', 'refund']),
  cancel: z.number().int().default(0),
  txamt: z.number().int(),
  allow_refund_amt: z.number().int().default(0),
  busicd: z.string().default(''),
  origbusicd: z.string().default(''),
  origssn: z.string().default(''),
  sysdtm: z.string().default(''),
  chnlsn: z.string().default(''),
  clisn: z.string().default(''),
  opuid: z.string().default(''),
  opuser: z.string().default(''),
  nickname: z.string().optional(),
  customer_source: z.string().default(''),
  cardscheme: z.string().optional(),
  cardno: z.string().optional(),
  cardtype: z.string().optional(),
  batchno: z.string().optional(),
  refno: z.string().optional(),
});

/** Context the device data does not carry. */
export interface CloudTransactionContext {
  merchantName: string;
  merchantId: string;
  terminalId: string;
  /** The entry's channel when the book has it (Octopus gets its own fields). */
  channel: Channel | undefined;
}

/** ISO 4217 numeric code of HKD, as the cloud query reports `txcurrcd`. */
export const HKD_NUMERIC = '344';

/**
 * The cloud query's transaction object, or null when `data` is not a transaction (the device
 * said "does not exist").
 */
export function toCloudTransaction(data: unknown, ctx: CloudTransactionContext): Record<string, unknown> | null {
  const parsed = deviceQueryData.safeParse(data);
  if (!parsed.success) return null;
  const d = parsed.data;
  const transaction: Record<string, unknown> = {
    server_time: d.server_time,
    chnluserid: '',
    cancel: d.cancel,
    chnltermid: '',
    opuid: d.opuid,
    out_trade_no: d.out_trade_no,
    syssn: d.syssn,
    tradetp: d.tradetp,
    sysdtm: d.sysdtm,
    billamt: 0,
    txcurrcd: HKD_NUMERIC,
    origssn: d.origssn,
    allow_refund_amt: d.allow_refund_amt,
    opuser: d.opuser,
    nickname: d.nickname ?? ctx.merchantName,
    customer_source: d.customer_source,
    cardcd: '',
    userid: /^\d{1,15}$/.test(ctx.merchantId) ? Number(ctx.merchantId) : ctx.merchantId,
    txamt: d.txamt,
    busicd: d.busicd,
    clisn: d.clisn,
    respcd: d.respcd,
    origbusicd: d.origbusicd,
    chnlsn: d.chnlsn,
  };
  if (d.cardscheme !== undefined) {
    Object.assign(transaction, {
      cardscheme: d.cardscheme,
      cardno: d.cardno ?? '',
      cardtype: d.cardtype ?? '',
      batchno: d.batchno ?? '',
      refno: d.refno ?? '',
      storeno: ctx.merchantId,
      termno: ctx.terminalId,
    });
  }
  if (ctx.channel === 'octopus') {
    Object.assign(transaction, {
      octopus_order_status: d.respcd === '0000' ? 'SUCCESS' : isPendingTransactionCode(d.respcd) ? 'PROCESSING' : 'FAILED',
      octopus_account_id: `38${d.clisn.padStart(7, '0')}`,
      octopus_balance: 0,
      octopus_order_id: d.chnlsn,
      octopus_paydtm: d.sysdtm,
      octopus_no: '',
    });
  }
  return transaction;
}
