import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimHttpServer } from './http-server.js';
import { encodeResponseBody } from '@qfpay-ecr/core';
import { SIMULATOR_DEFAULTS } from './config.js';
import { decodeEcrBody } from './decode.js';
import { replies, type Device, type EcrReply } from './device.js';
import type { FaultQueue } from './faults.js';
import { BodyTooLarge, corsHeaders, preflightHeaders, readBody, send, sendTruncated } from './http-util.js';
import { ECR_PATHS } from './schemas.js';
import type { RequestRecord } from './types.js';

/** Handles the simulator's own routes (`/` and `/sim/*`); see web.ts. */
export type WebHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;

/** What the HTTP layer needs. */
export interface ServerDeps {
  posKey: string;
  encryptReplies: boolean;
  device: Device;
  faults: FaultQueue;
  clock: () => Date;
  web: WebHandler;
  /** A request arrived (the record is completed in place later). */
  arrived: (record: RequestRecord) => void;
  /** A request was answered or dropped. */
  completed: (record: RequestRecord) => void;
  log: ((line: string) => void) | undefined;
}

/** Body of the `garbage` fault: neither JSON nor Base64. */
export const GARBAGE_BODY = '~#%! garbled reply: ECR service error %!#~';
const HTML_500 = '<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1><p>ECR service error</p></body></html>';
const JSON_TYPE = { 'Content-Type': 'application/json; charset=utf-8' };

/**
 * The terminal's HTTP(S) listener: routes ECR requests (`POST /api/pos/*`), answers CORS
 * preflights, applies faults, and hands `/` and `/sim/*` to the web page. Tracks sockets so
 * `close()` ends everything at once.
 */
export class EcrServer extends SimHttpServer {
  constructor(
    private readonly deps: ServerDeps,
    tls: { key: string; cert: string } | undefined,
  ) {
    super(tls);
  }

  protected async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://terminal').pathname;
    if (req.method === 'OPTIONS') {
      send(res, 204, preflightHeaders(req), '');
      return;
    }
    if (path === '/' || path === '/sim' || path.startsWith('/sim/')) {
      await this.deps.web(req, res, path);
      return;
    }
    if (path.startsWith('/api/pos/')) {
      await this.ecr(req, res, path);
      return;
    }
    send(res, 404, { 'Content-Type': 'text/plain' }, 'not found');
  }

  private async ecr(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const { deps } = this;
    const record: RequestRecord = { path, method: req.method ?? '', funcType: null, content: null, at: deps.clock(), respcd: null };
    const fault = deps.faults.takeOnArrival();
    if (fault) record.fault = fault.kind;
    deps.arrived(record);
    const done = () => {
      deps.log?.(`${record.method} ${record.path}${record.funcType !== null ? ` func_type=${record.funcType}` : ''} → ${record.respcd ?? 'no reply'}${record.fault ? ` (fault: ${record.fault})` : ''}`);
      deps.completed(record);
    };

    if (fault?.kind === 'drop-before') {
      req.socket.destroy();
      done();
      return;
    }

    const reply = async (status: number, body: string, encrypted: { respcd: string } | null, headers: Record<string, string> = JSON_TYPE) => {
      if (fault?.kind === 'delay') await this.sleep(fault.ms);
      if (this.closing) return;
      if (fault?.kind === 'garbage') {
        send(res, 200, { 'Content-Type': 'application/json', ...corsHeaders(req) }, GARBAGE_BODY);
      } else if (fault?.kind === 'truncate') {
        sendTruncated(res, status, { ...headers, ...corsHeaders(req) }, body, fault.complete === true);
      } else {
        record.respcd = encrypted?.respcd ?? null;
        send(res, status, { ...headers, ...corsHeaders(req) }, body);
      }
      done();
    };
    const protocol = (r: EcrReply, encrypt: boolean) =>
      reply(200, encodeResponseBody(r, encrypt && deps.encryptReplies ? { posKey: deps.posKey } : {}), { respcd: r.respcd });

    const funcType = ECR_PATHS[path];
    if (funcType === undefined) {
      await reply(404, encodeResponseBody(replies.other('unknown ECR path')), { respcd: '4005' });
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      await protocol(replies.method(), false);
      return;
    }
    let body: string;
    try {
      body = await readBody(req, SIMULATOR_DEFAULTS.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('Connection', 'close');
        await protocol(replies.params('request body too large'), false);
      } else {
        req.socket.destroy();
        done();
      }
      return;
    }
    const verdict = decodeEcrBody(body, deps.posKey);
    if (!verdict.ok) {
      const r = verdict.respcd === '4003' ? replies.denied() : verdict.respcd === '5001' ? replies.decrypt() : replies.params(verdict.reason);
      await protocol(r, false);
      return;
    }
    const { content } = verdict.request;
    record.content = { ...content };
    record.funcType = typeof content.func_type === 'number' ? content.func_type : null;
    if (record.funcType !== null) deps.device.noteRequest(record.funcType, content);

    if (fault?.kind === 'http500') {
      await reply(500, HTML_500, null, { 'Content-Type': 'text/html; charset=utf-8' });
      return;
    }
    if (record.funcType !== funcType) {
      await protocol(replies.params(`func_type must be ${funcType} on ${path}`), true);
      return;
    }
    const result = await deps.device.handle(funcType, content);
    if (result.fault && !record.fault) record.fault = result.fault;
    if (result.drop) {
      res.destroy();
      req.socket.destroy();
      done();
      return;
    }
    await protocol(result.reply, true);
  }
}
