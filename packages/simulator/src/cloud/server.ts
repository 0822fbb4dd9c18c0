/**
 * The fake QFPay OpenAPI listener for ECR Cloud: its own HTTP(S) server (QFPay's API is another
 * host than the terminal) serving `POST /ecr/v1/...` with the terminal's test CA. Checks the
 * request format (1103), the app code and signature (1108), applies arrival faults, records
 * every request and hands authenticated ones to the {@link CloudService}.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimHttpServer } from '../http-server.js';
import { SIMULATOR_DEFAULTS } from '../config.js';
import type { Device } from '../device.js';
import type { FaultQueue } from '../faults.js';
import { BodyTooLarge, readBody, send, sendTruncated } from '../http-util.js';
import { GARBAGE_BODY } from '../server.js';
import type { RequestRecord } from '../types.js';
import type { ResolvedCloudOptions } from './options.js';
import { CLOUD_FUNC_TYPES, CLOUD_PATHS, parseForm } from './params.js';
import { cloudReplies, type CloudOperation, type CloudReply } from './replies.js';
import type { CloudOutcome, CloudService } from './service.js';
import { parseSignType, verifyOpenApiSignature } from './signature.js';

/** What the OpenAPI listener needs. */
export interface CloudServerDeps {
  options: ResolvedCloudOptions;
  service: CloudService;
  device: Device;
  faults: FaultQueue;
  clock: () => Date;
  /** A request arrived (the record is completed in place later). */
  arrived: (record: RequestRecord) => void;
  /** A request was answered or dropped. */
  completed: (record: RequestRecord) => void;
  log: ((line: string) => void) | undefined;
}

const JSON_TYPE = { 'Content-Type': 'application/json; charset=utf-8' };
const HTML_500 = '<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>';

type Auth = { ok: true } | { ok: false; reply: CloudReply };

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** App code, then signature type, then signature; every failure is 1108 with a reason that echoes nothing. */
function authenticate(req: IncomingMessage, params: Readonly<Record<string, string>>, options: ResolvedCloudOptions): Auth {
  const appCode = header(req, 'x-qf-appcode')?.trim();
  if (!appCode) return { ok: false, reply: cloudReplies.signature('X-QF-APPCODE header is missing') };
  // No QFPay status code says "unknown app code"; without the app there is no client_key to
  // verify against, so it is answered as a signature error with its own reason.
  if (appCode !== options.appCode) return { ok: false, reply: cloudReplies.signature('X-QF-APPCODE is not a known app code') };
  const signType = parseSignType(header(req, 'x-qf-signtype'));
  if (!signType) return { ok: false, reply: cloudReplies.signature('X-QF-SIGNTYPE must be MD5 or SHA256') };
  const sign = header(req, 'x-qf-sign')?.trim();
  if (!sign) return { ok: false, reply: cloudReplies.signature('X-QF-SIGN header is missing') };
  if (!verifyOpenApiSignature(params, sign, options.clientKey, signType)) return { ok: false, reply: cloudReplies.signature('X-QF-SIGN does not match the parameters') };
  return { ok: true };
}

/** The OpenAPI HTTP(S) listener. */
export class CloudServer extends SimHttpServer {
  constructor(
    private readonly deps: CloudServerDeps,
    tls: { key: string; cert: string } | undefined,
  ) {
    super(tls);
  }

  protected async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://openapi').pathname;
    const op = CLOUD_PATHS[path];
    if (op === undefined) {
      req.resume();
      send(res, 404, JSON_TYPE, JSON.stringify(cloudReplies.params('unknown API path')));
      return;
    }
    await this.api(req, res, path, op);
  }

  private async api(req: IncomingMessage, res: ServerResponse, path: string, op: CloudOperation): Promise<void> {
    const { deps } = this;
    const record: RequestRecord = { path, method: req.method ?? '', funcType: CLOUD_FUNC_TYPES[op], content: null, at: deps.clock(), respcd: null };
    const fault = deps.faults.takeOnArrival();
    if (fault) record.fault = fault.kind;
    deps.arrived(record);
    let terminal: CloudOutcome['terminal'];
    const done = () => {
      deps.log?.(`cloud ${record.method} ${record.path} → ${record.respcd ?? 'no reply'}${terminal ? ` (terminal: ${terminal})` : ''}${record.fault ? ` (fault: ${record.fault})` : ''}`);
      deps.completed(record);
    };
    if (fault?.kind === 'drop-before') {
      req.socket.destroy();
      done();
      return;
    }
    const reply = async (status: number, r: CloudReply | null, body = r ? JSON.stringify(r) : HTML_500) => {
      if (fault?.kind === 'delay') await this.sleep(fault.ms);
      if (this.closing) return;
      if (fault?.kind === 'garbage') {
        send(res, 200, JSON_TYPE, GARBAGE_BODY);
      } else if (fault?.kind === 'truncate') {
        sendTruncated(res, status, r ? JSON_TYPE : { 'Content-Type': 'text/html; charset=utf-8' }, body, fault.complete === true);
      } else {
        record.respcd = r?.respcd ?? null;
        send(res, status, r ? JSON_TYPE : { 'Content-Type': 'text/html; charset=utf-8' }, body);
      }
      done();
    };

    if (req.method !== 'POST') {
      req.resume();
      await reply(405, cloudReplies.format('use POST'));
      return;
    }
    const type = (header(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      req.resume();
      await reply(200, cloudReplies.format('the body must be application/x-www-form-urlencoded'));
      return;
    }
    let body: string;
    try {
      body = await readBody(req, SIMULATOR_DEFAULTS.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('Connection', 'close');
        await reply(200, cloudReplies.format('request body too large'));
      } else {
        req.socket.destroy();
        done();
      }
      return;
    }
    const form = parseForm(body);
    if (!form.ok) {
      await reply(200, cloudReplies.format(form.reason));
      return;
    }
    record.content = { ...form.params };
    const auth = authenticate(req, form.params, deps.options);
    // Like LAN 1001s, an authentic payment push counts before any fault or validation.
    if (auth.ok && op === 'payment' && form.params.out_trade_no) deps.device.noteRequest(1001, { out_trade_no: form.params.out_trade_no });
    if (fault?.kind === 'http500') {
      await reply(500, null);
      return;
    }
    if (!auth.ok) {
      await reply(200, auth.reply);
      return;
    }
    const outcome = await deps.service.handle(op, form.params);
    terminal = outcome.terminal;
    if (outcome.fault && !record.fault) record.fault = outcome.fault;
    await reply(200, outcome.reply);
  }
}
