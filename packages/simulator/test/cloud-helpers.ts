/**
 * Test-side ECR Cloud client: signs requests with its own node:crypto code (independent of both
 * the simulator's verifier and core's signer) and posts them over real TLS trusting sim.caPem.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Simulator } from '../src/index.js';

export const APP_CODE = 'TESTAPPCODE0001';
export const CLIENT_KEY = 'cl1ent-KEY-s3cret-0123456789ABCDEF';
export const TERMID = '235C1234503';
export const NOTIFY_KEY = 'notify-key-for-cloud-tests';

/** QFPay's OpenAPI signature: sorted `k=v` joined by `&`, raw values, key appended, upper hex. */
export function qfSign(params: Record<string, string>, key = CLIENT_KEY, type: 'MD5' | 'SHA256' = 'MD5'): string {
  const text =
    Object.keys(params)
      .sort()
      .map((k) => `${k}=${params[k]}`)
      .join('&') + key;
  return createHash(type === 'SHA256' ? 'sha256' : 'md5').update(text, 'utf8').digest('hex').toUpperCase();
}

export interface CloudJson {
  resperr: string;
  respcd: string;
  respmsg: string | Record<string, unknown>;
}

export interface CloudHttpReply {
  status: number;
  contentType: string | undefined;
  text: string;
  json: CloudJson;
}

export interface PostOptions {
  appCode?: string | null;
  key?: string;
  signType?: 'MD5' | 'SHA256';
  /** Send this X-QF-SIGNTYPE header value verbatim (default: only for SHA256). */
  signTypeHeader?: string;
  /** Override the signature (null = no X-QF-SIGN header). */
  sign?: string | null;
  contentType?: string;
  method?: string;
  /** Body to send instead of the form encoding of params. */
  rawBody?: string;
  ca?: string;
}

/** POSTs a signed form to `sim.cloud.url + path`. */
export function cloudPost(sim: Simulator, path: string, params: Record<string, string>, o: PostOptions = {}): Promise<CloudHttpReply> {
  if (!sim.cloud) throw new Error('cloud mode is off');
  const url = new URL(path, sim.cloud.url);
  const body = o.rawBody ?? new URLSearchParams(params).toString();
  const headers: Record<string, string> = { 'Content-Type': o.contentType ?? 'application/x-www-form-urlencoded', 'Content-Length': String(Buffer.byteLength(body)) };
  const appCode = o.appCode === undefined ? APP_CODE : o.appCode;
  if (appCode !== null) headers['X-QF-APPCODE'] = appCode;
  const sign = o.sign === undefined ? qfSign(params, o.key ?? CLIENT_KEY, o.signType ?? 'MD5') : o.sign;
  if (sign !== null) headers['X-QF-SIGN'] = sign;
  if (o.signTypeHeader !== undefined) headers['X-QF-SIGNTYPE'] = o.signTypeHeader;
  else if (o.signType === 'SHA256') headers['X-QF-SIGNTYPE'] = 'SHA256';
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: o.method ?? 'POST', headers, ca: o.ca ?? sim.caPem ?? undefined, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: CloudJson;
        try {
          json = JSON.parse(text) as CloudJson;
        } catch {
          json = { resperr: '(not JSON)', respcd: '', respmsg: '' };
        }
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.method === 'GET' ? undefined : body);
  });
}

export const pushPayment = (sim: Simulator, outTradeNo: string, txamt: string, channel = 'card_payment', extra: Record<string, string> = {}, o?: PostOptions) =>
  cloudPost(sim, '/ecr/v1/payment/async', { txamt, termid: TERMID, channel, out_trade_no: outTradeNo, scan_type: 'SCAN_PAY', ...extra }, o);
export const pushRefund = (sim: Simulator, syssn: string, extra: Record<string, string> = {}) => cloudPost(sim, '/ecr/v1/refund/async', { syssn, termid: TERMID, ...extra });
export const pushCancel = (sim: Simulator) => cloudPost(sim, '/ecr/v1/cancel/async', { termid: TERMID });
export const cloudQuery = (sim: Simulator, ref: { syssn?: string; out_trade_no?: string }, path = '/ecr/v1/query') =>
  cloudPost(sim, path, { termid: TERMID, ...(ref.syssn ? { syssn: ref.syssn } : {}), ...(ref.out_trade_no ? { out_trade_no: ref.out_trade_no } : {}) });

/** The transaction object of a successful query. */
export function txOf(reply: CloudHttpReply): Record<string, unknown> {
  if (reply.json.respcd !== '0000' || typeof reply.json.respmsg !== 'object') throw new Error(`not a query success: ${reply.text}`);
  return reply.json.respmsg;
}

export interface Received {
  body: string;
  valid: boolean;
}

/** A local notification receiver that checks X-QF-SIGN (MD5 of raw body + key) itself. */
export async function notifyReceiver(key = NOTIFY_KEY) {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = createHash('md5').update(Buffer.concat([raw, Buffer.from(key, 'utf8')])).digest('hex').toUpperCase();
      received.push({ body: raw.toString('utf8'), valid: req.headers['x-qf-sign'] === expected });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('SUCCESS');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/qfpay/notify`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}
