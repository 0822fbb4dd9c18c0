/**
 * The storefront's own records, in SQLite (better-sqlite3, WAL, synchronous=FULL): orders, each
 * payment attempt on the terminal (one fresh out_trade_no per attempt) and each refund. A row is
 * written before the terminal is asked anything, so a crash mid-payment leaves a trace that the
 * next start resolves instead of forgetting.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Channel } from '@qfpay-ecr/core';

/** Where a payment or refund is. The last five are final. */
export const STAGES = ['created', 'queued', 'sent', 'waiting_customer', 'resolving', 'approved', 'declined', 'cancelled', 'failed', 'unknown'] as const;
export type Stage = (typeof STAGES)[number];
export const FINAL_STAGES: ReadonlySet<Stage> = new Set(['approved', 'declined', 'cancelled', 'failed', 'unknown']);
export const IN_FLIGHT_STAGES: readonly Stage[] = ['created', 'queued', 'sent', 'waiting_customer', 'resolving'];

export interface OrderItem {
  productId: string;
  name: string;
  qty: number;
  unitMinor: number;
}

export interface OrderRecord {
  id: number;
  createdAt: string;
  items: OrderItem[];
  totalMinor: number;
  currency: 'HKD';
}

/** Outcome details shared by payments and refunds. */
export interface OutcomeFields {
  stage: Stage;
  syssn?: string | undefined;
  reason?: string | undefined;
  hint?: string | undefined;
  code?: string | undefined;
  resolvedBy?: 'reply' | 'query' | 'notification' | undefined;
  sysTime?: string | undefined;
}

export interface PaymentRecord extends OutcomeFields {
  outTradeNo: string;
  orderId: number;
  channel: Channel;
  amountMinor: number;
  cardScheme?: string | undefined;
  maskedCard?: string | undefined;
  channelRef?: string | undefined;
  payType?: string | undefined;
  /** Which run of the (simulated) terminal took it. */
  terminalSession: string;
  createdAt: string;
  updatedAt: string;
}

export interface RefundRecord extends OutcomeFields {
  id: number;
  orderId: number;
  paymentOutTradeNo: string;
  amountMinor: number;
  /** The refund's own reference, when the terminal gave one. */
  outTradeNo?: string | undefined;
  createdAt: string;
  updatedAt: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS orders (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at TEXT NOT NULL,
  items_json TEXT NOT NULL,
  total_minor INTEGER NOT NULL CHECK (total_minor > 0),
  currency TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS payments (
  out_trade_no TEXT PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  channel TEXT NOT NULL,
  amount_minor INTEGER NOT NULL,
  stage TEXT NOT NULL,
  syssn TEXT, card_scheme TEXT, masked_card TEXT, channel_ref TEXT, pay_type TEXT, sys_time TEXT,
  resolved_by TEXT, reason TEXT, hint TEXT, code TEXT,
  terminal_session TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS payments_order ON payments(order_id);
CREATE TABLE IF NOT EXISTS refunds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  payment_out_trade_no TEXT NOT NULL REFERENCES payments(out_trade_no),
  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  stage TEXT NOT NULL,
  out_trade_no TEXT, syssn TEXT, sys_time TEXT, resolved_by TEXT, reason TEXT, hint TEXT, code TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refunds_order ON refunds(order_id);
`;

type Row = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function paymentFrom(row: Row): PaymentRecord {
  return {
    outTradeNo: row.out_trade_no as string,
    orderId: row.order_id as number,
    channel: row.channel as Channel,
    amountMinor: row.amount_minor as number,
    stage: row.stage as Stage,
    syssn: str(row.syssn),
    cardScheme: str(row.card_scheme),
    maskedCard: str(row.masked_card),
    channelRef: str(row.channel_ref),
    payType: str(row.pay_type),
    sysTime: str(row.sys_time),
    resolvedBy: str(row.resolved_by) as PaymentRecord['resolvedBy'],
    reason: str(row.reason),
    hint: str(row.hint),
    code: str(row.code),
    terminalSession: row.terminal_session as string,
    createdAt: row.created_at as string,
    updatedAt: row.updated_at as string,
  };
}

function refundFrom(row: Row): RefundRecord {
  return {
    id: row.id as number,
    orderId: row.order_id as number,
    paymentOutTradeNo: row.payment_out_trade_no as string,
    amountMinor: row.amount_minor as number,
    stage: row.stage as Stage,
    outTradeNo: str(row.out_trade_no),
    syssn: str(row.syssn),
    sysTime: str(row.sys_time),
    resolvedBy: str(row.resolved_by) as RefundRecord['resolvedBy'],
    reason: str(row.reason),
    hint: str(row.hint),
    code: str(row.code),
    createdAt: row.created_at as string,
    updatedAt: row.updated_at as string,
  };
}

function orderFrom(row: Row): OrderRecord {
  return { id: row.id as number, createdAt: row.created_at as string, items: JSON.parse(row.items_json as string) as OrderItem[], totalMinor: row.total_minor as number, currency: 'HKD' };
}

const PAYMENT_UPDATABLE = {
  stage: 'stage',
  syssn: 'syssn',
  cardScheme: 'card_scheme',
  maskedCard: 'masked_card',
  channelRef: 'channel_ref',
  payType: 'pay_type',
  sysTime: 'sys_time',
  resolvedBy: 'resolved_by',
  reason: 'reason',
  hint: 'hint',
  code: 'code',
} as const;

const REFUND_UPDATABLE = {
  stage: 'stage',
  outTradeNo: 'out_trade_no',
  syssn: 'syssn',
  sysTime: 'sys_time',
  resolvedBy: 'resolved_by',
  reason: 'reason',
  hint: 'hint',
  code: 'code',
} as const;

export type PaymentUpdate = Partial<Pick<PaymentRecord, keyof typeof PAYMENT_UPDATABLE>>;
export type RefundUpdate = Partial<Pick<RefundRecord, keyof typeof REFUND_UPDATABLE>>;

/** SQLite-backed store of orders, payments and refunds. Synchronous (better-sqlite3). */
export class OrderStore {
  readonly #db: Database.Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.exec(SCHEMA);
  }

  createOrder(items: OrderItem[], now: Date): OrderRecord {
    const totalMinor = items.reduce((sum, i) => sum + i.qty * i.unitMinor, 0);
    const info = this.#db.prepare('INSERT INTO orders (created_at, items_json, total_minor, currency) VALUES (?, ?, ?, ?)').run(now.toISOString(), JSON.stringify(items), totalMinor, 'HKD');
    return this.order(Number(info.lastInsertRowid)) as OrderRecord;
  }

  order(id: number): OrderRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM orders WHERE id = ?').get(id) as Row | undefined;
    return row ? orderFrom(row) : undefined;
  }

  /** Newest first. */
  recentOrders(limit: number): OrderRecord[] {
    return (this.#db.prepare('SELECT * FROM orders ORDER BY id DESC LIMIT ?').all(limit) as Row[]).map(orderFrom);
  }

  insertPayment(p: { outTradeNo: string; orderId: number; channel: Channel; amountMinor: number; terminalSession: string }, now: Date): PaymentRecord {
    const at = now.toISOString();
    this.#db
      .prepare('INSERT INTO payments (out_trade_no, order_id, channel, amount_minor, stage, terminal_session, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(p.outTradeNo, p.orderId, p.channel, p.amountMinor, 'created', p.terminalSession, at, at);
    return this.payment(p.outTradeNo) as PaymentRecord;
  }

  payment(outTradeNo: string): PaymentRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM payments WHERE out_trade_no = ?').get(outTradeNo) as Row | undefined;
    return row ? paymentFrom(row) : undefined;
  }

  /** Payment attempts of an order, oldest first. */
  payments(orderId: number): PaymentRecord[] {
    return (this.#db.prepare('SELECT * FROM payments WHERE order_id = ? ORDER BY created_at, rowid').all(orderId) as Row[]).map(paymentFrom);
  }

  paymentsInStages(stages: readonly Stage[]): PaymentRecord[] {
    return (this.#db.prepare(`SELECT * FROM payments WHERE stage IN (${stages.map(() => '?').join(',')})`).all(...stages) as Row[]).map(paymentFrom);
  }

  updatePayment(outTradeNo: string, update: PaymentUpdate, now: Date): PaymentRecord | undefined {
    this.#update('payments', 'out_trade_no', outTradeNo, PAYMENT_UPDATABLE, update, now);
    return this.payment(outTradeNo);
  }

  insertRefund(r: { orderId: number; paymentOutTradeNo: string; amountMinor: number }, now: Date): RefundRecord {
    const at = now.toISOString();
    const info = this.#db
      .prepare('INSERT INTO refunds (order_id, payment_out_trade_no, amount_minor, stage, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(r.orderId, r.paymentOutTradeNo, r.amountMinor, 'created', at, at);
    return this.refund(Number(info.lastInsertRowid)) as RefundRecord;
  }

  refund(id: number): RefundRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM refunds WHERE id = ?').get(id) as Row | undefined;
    return row ? refundFrom(row) : undefined;
  }

  refunds(orderId: number): RefundRecord[] {
    return (this.#db.prepare('SELECT * FROM refunds WHERE order_id = ? ORDER BY id').all(orderId) as Row[]).map(refundFrom);
  }

  refundsInStages(stages: readonly Stage[]): RefundRecord[] {
    return (this.#db.prepare(`SELECT * FROM refunds WHERE stage IN (${stages.map(() => '?').join(',')})`).all(...stages) as Row[]).map(refundFrom);
  }

  updateRefund(id: number, update: RefundUpdate, now: Date): RefundRecord | undefined {
    this.#update('refunds', 'id', id, REFUND_UPDATABLE, update, now);
    return this.refund(id);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #update(table: string, keyColumn: string, key: string | number, columns: Record<string, string>, update: Record<string, unknown>, now: Date): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [field, column] of Object.entries(columns)) {
      if (!(field in update)) continue;
      sets.push(`${column} = ?`);
      const value = update[field];
      values.push(value === undefined ? null : value);
    }
    if (sets.length === 0) return;
    sets.push('updated_at = ?');
    values.push(now.toISOString());
    this.#db.prepare(`UPDATE ${table} SET ${sets.join(', ')} WHERE ${keyColumn} = ?`).run(...values, key);
  }
}
