/** Mapping between {@link StoredNotification} and the flat row both SQL stores use. */
import type { NormalizedNotification } from '@qfpay-ecr/core';
import { dedupeKeyOf } from './dedupe.js';
import type { InsertMeta, RejectInput, RejectReason, RejectRecord, StoredNotification } from './types.js';

/** Column values of one notification row, in {@link NOTIFICATION_COLUMNS} order. */
export interface NotificationRowValues {
  dedupe_key: string;
  kind: string;
  notify_type: string;
  syssn: string | null;
  out_trade_no: string | null;
  orig_syssn: string | null;
  orig_out_trade_no: string | null;
  amount_minor: number | null;
  currency: string | null;
  success: boolean;
  notification: string;
  body_sha256: string;
  body_length: number;
  key_index: number;
  remote_ip: string | null;
  received_at: string;
}

/** Insert column order shared by both stores. */
export const NOTIFICATION_COLUMNS = [
  'dedupe_key', 'kind', 'notify_type', 'syssn', 'out_trade_no', 'orig_syssn', 'orig_out_trade_no', 'amount_minor',
  'currency', 'success', 'notification', 'body_sha256', 'body_length', 'key_index', 'remote_ip', 'received_at',
] as const;

/** Builds the row for a verified notification. */
export function toRowValues(n: NormalizedNotification, meta: InsertMeta): NotificationRowValues {
  return {
    dedupe_key: dedupeKeyOf(n, meta.bodySha256),
    kind: n.kind,
    notify_type: n.notifyType,
    syssn: n.syssn ?? null,
    out_trade_no: n.outTradeNo ?? null,
    orig_syssn: n.origSyssn ?? null,
    orig_out_trade_no: n.origOutTradeNo ?? null,
    amount_minor: n.amountMinor ?? null,
    currency: n.currency ?? null,
    success: n.success,
    notification: JSON.stringify(n),
    body_sha256: meta.bodySha256,
    body_length: meta.bodyLength,
    key_index: meta.keyIndex,
    remote_ip: meta.remoteIp ?? null,
    received_at: (meta.receivedAt ?? new Date()).toISOString(),
  };
}

/** The record a freshly inserted row stands for, built without reading it back. */
export function recordFromValues(id: number, values: NotificationRowValues, notification: NormalizedNotification): StoredNotification {
  const record: StoredNotification = {
    id,
    dedupeKey: values.dedupe_key,
    kind: notification.kind,
    notifyType: values.notify_type,
    success: values.success,
    receivedAt: values.received_at,
    bodySha256: values.body_sha256,
    bodyLength: values.body_length,
    keyIndex: values.key_index,
    notification,
  };
  if (values.syssn !== null) record.syssn = values.syssn;
  if (values.out_trade_no !== null) record.outTradeNo = values.out_trade_no;
  if (values.orig_syssn !== null) record.origSyssn = values.orig_syssn;
  if (values.orig_out_trade_no !== null) record.origOutTradeNo = values.orig_out_trade_no;
  if (values.amount_minor !== null) record.amountMinor = values.amount_minor;
  if (values.currency !== null) record.currency = values.currency;
  if (values.remote_ip !== null) record.remoteIp = values.remote_ip;
  return record;
}

/** A row as read back (drivers differ in how they return numbers, booleans, JSON and times). */
export interface NotificationRowRead {
  id: number | string | bigint;
  dedupe_key: string;
  kind: string;
  notify_type: string;
  syssn: string | null;
  out_trade_no: string | null;
  orig_syssn: string | null;
  orig_out_trade_no: string | null;
  amount_minor: number | string | bigint | null;
  currency: string | null;
  success: boolean | number;
  notification: string | object;
  body_sha256: string;
  body_length: number;
  key_index: number;
  remote_ip: string | null;
  received_at: string | Date;
}

function optional<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}

function isoTime(value: string | Date): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

/** Converts a read row to the public record shape. */
export function fromRow(row: NotificationRowRead): StoredNotification {
  const notification = (typeof row.notification === 'string' ? JSON.parse(row.notification) : row.notification) as NormalizedNotification;
  const record: StoredNotification = {
    id: Number(row.id),
    dedupeKey: row.dedupe_key,
    kind: row.kind as StoredNotification['kind'],
    notifyType: row.notify_type,
    success: row.success === true || row.success === 1,
    receivedAt: isoTime(row.received_at),
    bodySha256: row.body_sha256,
    bodyLength: Number(row.body_length),
    keyIndex: Number(row.key_index),
    notification,
  };
  const extras = {
    syssn: optional(row.syssn),
    outTradeNo: optional(row.out_trade_no),
    origSyssn: optional(row.orig_syssn),
    origOutTradeNo: optional(row.orig_out_trade_no),
    amountMinor: row.amount_minor === null ? undefined : Number(row.amount_minor),
    currency: optional(row.currency),
    remoteIp: optional(row.remote_ip),
  };
  for (const [k, v] of Object.entries(extras)) if (v !== undefined) Object.assign(record, { [k]: v });
  return record;
}

/** A reject row as read back. */
export interface RejectRowRead {
  id: number | string | bigint;
  at: string | Date;
  reason: string;
  status: number;
  detail: string | null;
  remote_ip: string | null;
  body_length: number | null;
  body_sha256: string | null;
}

/** Converts a read reject row to the public shape. */
export function fromRejectRow(row: RejectRowRead): RejectRecord {
  const record: RejectRecord = { id: Number(row.id), at: isoTime(row.at), reason: row.reason as RejectReason, status: Number(row.status) };
  if (row.detail !== null) record.detail = row.detail;
  if (row.remote_ip !== null) record.remoteIp = row.remote_ip;
  if (row.body_length !== null) record.bodyLength = Number(row.body_length);
  if (row.body_sha256 !== null) record.bodySha256 = row.body_sha256;
  return record;
}

/** Reject column values in insert order: at, reason, status, detail, remote_ip, body_length, body_sha256. */
export function rejectValues(r: RejectInput): [string, string, number, string | null, string | null, number | null, string | null] {
  return [(r.at ?? new Date()).toISOString(), r.reason, r.status, r.detail ?? null, r.remoteIp ?? null, r.bodyLength ?? null, r.bodySha256 ?? null];
}

/** Default cap on stored rejects; older rows are pruned so a flood cannot fill the disk. */
export const DEFAULT_MAX_REJECTS = 10_000;
