import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { decodeResponseBody, encodeRequestBody, type DecodedResponse, type WireContent } from '@qfpay-ecr/core';
import type { Simulator } from '../src/index.js';

export const POS_KEY = '0123456789abcdef0123456789abcdef';
export const OTHER_KEY = 'fedcba9876543210fedcba9876543210';

export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP(S) request to the simulator, trusting its CA (never disabling verification). */
export function raw(sim: Simulator, path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<RawReply> {
  const url = new URL(path, sim.url);
  const method = init.method ?? 'POST';
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json', ...init.headers };
  if (init.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(init.body));
  return new Promise((resolve, reject) => {
    const onResponse = (res: import('node:http').IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const req = url.protocol === 'https:' ? httpsRequest(url, { method, headers, ca: sim.caPem ?? undefined, agent: false }, onResponse) : httpRequest(url, { method, headers, agent: false }, onResponse);
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Sends an ECR request built by core's encoder and decodes the reply. */
export async function ecr(sim: Simulator, path: string, content: WireContent, posKey = POS_KEY): Promise<DecodedResponse & { status: number }> {
  const reply = await raw(sim, `/api/pos/${path}`, { body: encodeRequestBody(content, posKey) });
  return { ...decodeResponseBody(reply.body, POS_KEY), status: reply.status };
}

export const pay = (sim: Simulator, outTradeNo: string, amt: number, channel = 'card_payment', extra: WireContent = {}) =>
  ecr(sim, 'trade', { func_type: 1001, amt, channel, out_trade_no: outTradeNo, ...extra });
export const refund = (sim: Simulator, orderId: string, refundAmount?: string) =>
  ecr(sim, 'cancel', { func_type: 1002, orderId, ...(refundAmount !== undefined ? { refund_amount: refundAmount } : {}) });
export const query = (sim: Simulator, ref: { out_trade_no: string } | { orderId: string }) => ecr(sim, 'query_transaction', { func_type: 4001, ...ref });
export const cancelRequest = (sim: Simulator) => ecr(sim, 'cancel_request', { func_type: 5001 });

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` is true or fails after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(10);
  }
}
