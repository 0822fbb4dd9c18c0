/**
 * `POST /qfpay/notify`: allowlist → content type → raw body (limit) → `X-QF-SIGN` over the raw
 * bytes → parse → durable, idempotent insert → `200 SUCCESS`. Anything refused gets a 4xx (never
 * `SUCCESS`), changes nothing and is recorded in the rejects table.
 */
import * as crypto from 'node:crypto';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { DecodeError, parseNotification, verifyNotification, type NormalizedNotification } from '@qfpay-ecr/core';
import type { IpAllowlist } from '../allowlist.js';
import type { NotifyEvents } from '../events.js';
import type { StoreFeed } from '../feed.js';
import { clientIp, sendError } from '../http-util.js';
import { flatRecordLogger } from '../logger.js';
import { readRawBody } from '../raw-body.js';
import type { RejectRecorder } from '../rejects.js';
import { scrubText } from '../scrub.js';
import type { InsertMeta, InsertResult, NotificationStore, RejectInput, RejectReason } from '../store/types.js';

/** What the notify route needs. */
export interface NotifyRouteDeps {
  keys: readonly string[];
  store: NotificationStore;
  events: NotifyEvents;
  feed: StoreFeed;
  rejects: RejectRecorder;
  allowlist: IpAllowlist | undefined;
  bodyLimitBytes: number;
  logger: Logger;
}

const MESSAGES: Record<RejectReason, string> = {
  ip_not_allowed: 'this address may not post notifications',
  bad_content_type: 'Content-Type must be application/json',
  unsupported_encoding: 'Content-Encoding is not supported; send the JSON body as is',
  too_large: 'the body is larger than the configured limit',
  missing_signature: 'the X-QF-SIGN header is missing',
  bad_signature: 'X-QF-SIGN does not match the body under any configured key',
  not_json: 'the body is not JSON',
  bad_schema: "the body does not fit QFPay's notification format",
};

/** `application/json`, optionally with `charset=utf-8` (QFPay sends UTF-8; the parser decodes UTF-8 only). */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [type = '', ...params] = header.split(';');
  if (type.trim().toLowerCase() !== 'application/json') return false;
  return params.every((param) => {
    const [name = '', value = ''] = param.split('=');
    if (name.trim().toLowerCase() !== 'charset') return true;
    return /^"?utf-?8"?$/i.test(value.trim());
  });
}

// One-shot hashing (Node >= 20.12) creates no Hash object per request: cheaper in CPU and in GC.
const oneShotHash = typeof crypto.hash === 'function' ? crypto.hash : undefined;

function sha256(bytes: Buffer): string {
  return oneShotHash ? oneShotHash('sha256', bytes, 'hex') : crypto.createHash('sha256').update(bytes).digest('hex');
}

// One strict UTF-8 decoder for every request (`decode()` without `stream` keeps no state between
// calls); given bytes, core's parser would build a decoder per call. Same bytes, same text: the
// BOM, if any, is dropped either way.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text, or the bytes themselves when they are not UTF-8 (core's parser then refuses them). */
function bodyText(bytes: Buffer): string | Buffer {
  try {
    return UTF8.decode(bytes);
  } catch {
    return bytes;
  }
}

function logFields(n: NormalizedNotification, id?: number, keyIndex?: number): Record<string, unknown> {
  // Identifiers and amounts only: never the body, the card field or the signature.
  return { id, keyIndex, kind: n.kind, notifyType: scrubText(n.notifyType, 40), syssn: n.syssn, outTradeNo: n.outTradeNo, origSyssn: n.origSyssn, amountMinor: n.amountMinor, currency: n.currency, success: n.success };
}

/** Builds the Koa handler of `POST /qfpay/notify`. */
export function notifyHandler(deps: NotifyRouteDeps) {
  const { keys, store, events, feed, rejects, allowlist, bodyLimitBytes, logger } = deps;
  // Per-notification lines carry only primitives (see logFields): no wildcard redaction needed.
  const recordLogger = flatRecordLogger(logger);

  function refuse(ctx: Context, status: number, reason: RejectReason, extra: Omit<RejectInput, 'reason' | 'status'>): void {
    const reject: RejectInput = { reason, status, ...extra };
    rejects.record(reject);
    logger.warn({ reason, status, remoteIp: extra.remoteIp, bodyLength: extra.bodyLength, detail: extra.detail }, 'notification refused');
    try {
      events.emit('rejected', reject);
    } catch (error) {
      logger.error({ err: error }, "a 'rejected' listener threw");
    }
    sendError(ctx, status, reason, extra.detail ? `${MESSAGES[reason]}: ${extra.detail}` : MESSAGES[reason]);
  }

  return async function notify(ctx: Context): Promise<void> {
    const remoteIp = clientIp(ctx);
    const base = remoteIp === undefined ? {} : { remoteIp };
    if (allowlist && !allowlist.allows(remoteIp)) {
      ctx.set('Connection', 'close');
      return refuse(ctx, 403, 'ip_not_allowed', base);
    }
    if (!isJsonContentType(ctx.get('content-type') || undefined)) {
      return refuse(ctx, 400, 'bad_content_type', { ...base, detail: scrubText(`got "${ctx.get('content-type')}"`, 120) });
    }
    const encoding = ctx.get('content-encoding').trim().toLowerCase();
    if (encoding !== '' && encoding !== 'identity') {
      return refuse(ctx, 400, 'unsupported_encoding', base);
    }

    const read = await readRawBody(ctx.req, { limitBytes: bodyLimitBytes });
    if (read.kind === 'too_large') {
      ctx.set('Connection', 'close');
      return refuse(ctx, 413, 'too_large', { ...base, bodyLength: read.declaredBytes ?? read.receivedBytes, detail: `limit is ${bodyLimitBytes} bytes` });
    }
    const body = read.body;
    const bodySha256 = sha256(body);
    const received = (): Omit<RejectInput, 'reason' | 'status'> => ({ ...base, bodyLength: body.length, bodySha256 });

    const verification = verifyNotification(body, ctx.get('x-qf-sign') || undefined, keys);
    if (!verification.ok) return refuse(ctx, 401, verification.reason, received());

    let notification: NormalizedNotification;
    try {
      notification = parseNotification(bodyText(body));
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      const reason: RejectReason = error.code === 'NOTIFY_NOT_JSON' ? 'not_json' : 'bad_schema';
      const detail = reason === 'bad_schema' ? scrubText(error.message.split(' — ')[0] ?? '', 300) : undefined;
      return refuse(ctx, 400, reason, detail ? { ...received(), detail } : received());
    }

    let result: InsertResult;
    try {
      const meta: InsertMeta = { bodySha256, bodyLength: body.length, keyIndex: verification.keyIndex };
      if (remoteIp !== undefined) meta.remoteIp = remoteIp;
      result = await store.insert(notification, meta);
    } catch (error) {
      // Not stored, so not acknowledged: QFPay retries later. No reject row (the store is the problem).
      logger.error({ err: error, ...logFields(notification) }, 'could not store a verified notification; answering 503 so QFPay retries');
      sendError(ctx, 503, 'store_unavailable', 'the notification could not be stored; retry later');
      return;
    }

    const { record } = result;
    if (result.inserted) {
      recordLogger.info(logFields(notification, record.id, verification.keyIndex), 'notification stored');
      feed.kick();
      try {
        events.emit('notification', record);
      } catch (error) {
        logger.error({ err: error, id: record.id }, "a 'notification' listener threw; the record is stored and acknowledged");
      }
    } else {
      const sameBody = record.bodySha256 === bodySha256;
      const fields = { id: record.id, dedupeKey: record.dedupeKey, sameBody };
      if (sameBody) recordLogger.info(fields, 'duplicate notification acknowledged');
      else recordLogger.warn(fields, 'duplicate notification with a different body acknowledged; the first one stays stored');
      try {
        events.emit('duplicate', record, { bodySha256, sameBody });
      } catch (error) {
        logger.error({ err: error, id: record.id }, "a 'duplicate' listener threw");
      }
    }
    ctx.status = 200;
    ctx.type = 'text/plain';
    ctx.body = 'SUCCESS';
  };
}
