/**
 * A small fake of QFPay's OpenAPI for ECR Cloud, over real TLS (a throw-away CA from the
 * simulator's createTestPki), on 127.0.0.1:0. It behaves like the party it imitates, not like a
 * mock: it checks every signature itself (node:crypto over its own reading of the form body, not
 * core's signing code), refuses an unbound termid (1106), holds the pushed payment/refund "on the
 * terminal screen" until the customer acts, books results in its own transaction book, answers
 * queries from it (transaction inside `respmsg`), prints, and emits signed-then-verified
 * notifications of successes to a listener source. Faults are one-shot per path.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createTestPki, type TestPki } from '@qfpay-ecr/simulator';
import { parseNotification, verifyNotification, type NormalizedNotification } from '../../src/notify/index.js';
import { startHttps, type Running } from './net-fixtures.js';

export const PATHS = {
  payment: '/ecr/v1/payment/async',
  refund: '/ecr/v1/refund/async',
  cancel: '/ecr/v1/cancel/async',
  printReceipt: '/ecr/v1/print_receipt/async',
  printSummary: '/ecr/v1/print_summary/async',
  query: '/ecr/v1/query',
  queryAsync: '/ecr/v1/query/async',
} as const;

/** What the customer does when a screen opens. `hold` waits for the test to act. */
export type CustomerPlan =
  | { action: 'hold' }
  | { action: 'approve'; afterMs?: number }
  | { action: 'decline'; code?: string; afterMs?: number }
  | { action: 'cancel'; afterMs?: number };

/** A one-shot fault on the next request to a path. */
export type Fault =
  | { kind: 'drop-before' } // connection destroyed, nothing processed
  | { kind: 'drop-after' } // processed, then the connection is destroyed without a reply
  | { kind: 'status-500-after' } // processed, then HTTP 500
  | { kind: 'status-500-before' } // HTTP 500, nothing processed
  | { kind: 'hang' } // nothing processed, no reply until the server closes
  | { kind: 'respcd'; respcd: string; resperr: string }; // this answer, nothing processed

export interface FakeOpenApiOptions {
  appCode: string;
  clientKey: string;
  /** Device IDs bound to the merchant. */
  termids: string[];
  customer?: CustomerPlan;
  /** Query paths served; default both spellings. */
  queryPaths?: string[];
  /** Send the query's transaction as a JSON string inside respmsg. */
  respmsgAsString?: boolean;
  /** Book refunds under their out_trade_no (default true); false = only the original payment shows them. */
  indexRefundsByOutTradeNo?: boolean;
  /** Emit notifications of successes (default true). */
  notify?: boolean;
  /** What a POS cancel does to an open screen: close it (default), or it is already too late (approved). */
  onCancel?: 'close' | 'too-late';
  pki?: TestPki;
}

/** A request the fake received. */
export interface Received {
  path: string;
  params: Record<string, string>;
  appCode: string | undefined;
  signType: string | undefined;
  signatureOk: boolean;
  /** Raw form body, as received. */
  body: string;
}

/** One transaction in the fake's book, as the query returns it. */
export type BookEntry = Record<string, string | number>;

interface Screen {
  kind: 'payment' | 'refund';
  params: Record<string, string>;
  timer?: NodeJS.Timeout;
}

export interface FakeOpenApi {
  baseUrl: string;
  caPem: string;
  pki: TestPki;
  received: Received[];
  /** Requests received on a path. */
  on(path: string): Received[];
  /** The transaction book, by syssn. */
  book: Map<string, BookEntry>;
  prints: { kind: 'receipt' | 'summary'; params: Record<string, string> }[];
  /** Notifications emitted (already verified and parsed). */
  emitted: NormalizedNotification[];
  /** A notification source for QFPayCloudTerminal. */
  notifications: { subscribe(listener: (n: NormalizedNotification) => void): () => void };
  screenOpen(): boolean;
  setCustomer(plan: CustomerPlan): void;
  approve(): void;
  decline(code?: string): void;
  customerCancel(): void;
  fault(path: string, fault: Fault): void;
  /** While true, every query answers 1136 (to prove a notification settled something). */
  setQueryBlind(blind: boolean): void;
  setOnCancel(mode: 'close' | 'too-late'): void;
  /** Signs, verifies, parses and emits a notification body (strings, as QFPay sends). */
  notify(body: Record<string, string>): void;
  close(): Promise<void>;
}

const enc = (s: string) => Buffer.from(s, 'utf8');

/** The fake's own reading of QFPay's signing rule: sorted k=v&…, key appended, hash, upper hex. */
function expectedSignature(params: Record<string, string>, key: string, signType: string): string {
  const base = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHash(signType === 'SHA256' ? 'sha256' : 'md5')
    .update(base + key, 'utf8')
    .digest('hex')
    .toUpperCase();
}

function now(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
}

let serial = 0;
function newSyssn(): string {
  serial += 1;
  return `2025${String(randomInt(10 ** 8)).padStart(8, '0')}${String(serial).padStart(12, '0')}`;
}

export async function startFakeOpenApi(options: FakeOpenApiOptions): Promise<FakeOpenApi> {
  const pki = options.pki ?? (await createTestPki());
  const queryPaths = options.queryPaths ?? [PATHS.query, PATHS.queryAsync];
  const indexRefunds = options.indexRefundsByOutTradeNo ?? true;
  const notifyOn = options.notify ?? true;
  let customer: CustomerPlan = options.customer ?? { action: 'hold' };
  let onCancel = options.onCancel ?? 'close';
  let queryBlind = false;
  const received: Received[] = [];
  const book = new Map<string, BookEntry>();
  const byOutTradeNo = new Map<string, string>();
  const prints: FakeOpenApi['prints'] = [];
  const emitted: NormalizedNotification[] = [];
  const listeners = new Set<(n: NormalizedNotification) => void>();
  const faults = new Map<string, Fault[]>();
  const hanging = new Set<ServerResponse>();
  let screen: Screen | undefined;

  const notify = (body: Record<string, string>) => {
    if (!notifyOn) return;
    const raw = JSON.stringify(body);
    const sign = createHash('md5').update(raw + options.clientKey, 'utf8').digest('hex').toUpperCase();
    if (!verifyNotification(raw, sign, options.clientKey).ok) throw new Error('fake: notification signature does not verify');
    const parsed = parseNotification(raw);
    emitted.push(parsed);
    for (const l of [...listeners]) l(parsed);
  };

  const record = (entry: BookEntry, indexRef: boolean) => {
    book.set(String(entry.syssn), entry);
    if (indexRef && entry.out_trade_no) byOutTradeNo.set(String(entry.out_trade_no), String(entry.syssn));
  };

  const close = (result: 'approved' | 'declined' | 'cancelled', code = '1205') => {
    const s = screen;
    if (!s) return;
    screen = undefined;
    clearTimeout(s.timer);
    const p = s.params;
    const syssn = newSyssn();
    if (s.kind === 'payment') {
      const amount = Number(p.txamt);
      const card = p.channel === 'card_payment';
      const entry: BookEntry = {
        server_time: now(),
        cancel: 0,
        cardscheme: card ? 'VISA' : '',
        opuid: '0000',
        out_trade_no: p.out_trade_no ?? '',
        syssn,
        tradetp: 'payment',
        sysdtm: now(),
        billamt: 0,
        txcurrcd: '344',
        origssn: '',
        allow_refund_amt: result === 'approved' ? amount : 0,
        opuser: 'Store Account',
        nickname: 'Fake store',
        customer_source: '',
        cardcd: '',
        cardno: card ? '476173******0119' : '',
        txamt: amount,
        busicd: card ? '802801' : '800108',
        clisn: String(randomInt(10 ** 6)).padStart(6, '0'),
        cardtype: card ? 'CREDIT' : '',
        respcd: result === 'approved' ? '0000' : result === 'cancelled' ? '1263' : code,
        origbusicd: '',
        chnlsn: `CH${syssn.slice(-8)}`,
      };
      record(entry, true);
      if (result === 'approved') {
        notify({
          notify_type: 'payment',
          status: '1',
          respcd: '0000',
          syssn,
          out_trade_no: p.out_trade_no ?? '',
          txamt: String(amount),
          txcurrcd: 'HKD',
          pay_type: String(entry.busicd),
          sysdtm: String(entry.sysdtm),
          paydtm: String(entry.sysdtm),
          txdtm: String(entry.sysdtm),
          cancel: '0',
          chnlsn: String(entry.chnlsn),
          cardcd: card ? '476173******0119' : '',
        });
      }
      return;
    }
    // A refund of the original payment p.syssn.
    const orig = book.get(p.syssn ?? '') as BookEntry;
    const refundable = Number(orig.allow_refund_amt);
    const amount = p.txamt !== undefined ? Number(p.txamt) : refundable;
    const entry: BookEntry = {
      server_time: now(),
      cancel: 0,
      out_trade_no: p.out_trade_no ?? '',
      syssn,
      tradetp: 'refund',
      sysdtm: now(),
      txcurrcd: '344',
      origssn: String(orig.syssn),
      allow_refund_amt: 0,
      txamt: amount,
      busicd: String(orig.busicd),
      respcd: result === 'approved' ? '0000' : result === 'cancelled' ? '1263' : code,
      chnlsn: `RF${syssn.slice(-8)}`,
    };
    record(entry, indexRefunds);
    if (result === 'approved') {
      orig.allow_refund_amt = refundable - amount;
      orig.cancel = refundable - amount === 0 ? 3 : 5;
      notify({
        notify_type: 'refund',
        status: '1',
        respcd: '0000',
        syssn,
        out_trade_no: p.out_trade_no ?? '',
        orig_syssn: String(orig.syssn),
        orig_out_trade_no: String(orig.out_trade_no),
        txamt: String(amount),
        txcurrcd: 'HKD',
        pay_type: String(orig.busicd),
        sysdtm: String(entry.sysdtm),
        txdtm: String(entry.sysdtm),
        cancel: '0',
      });
    }
  };

  const openScreen = (kind: Screen['kind'], params: Record<string, string>) => {
    screen = { kind, params };
    const plan = customer;
    if (plan.action !== 'hold') {
      const act = () => (plan.action === 'approve' ? close('approved') : plan.action === 'decline' ? close('declined', plan.code) : close('cancelled'));
      screen.timer = setTimeout(act, plan.afterMs ?? 0);
    }
  };

  const reply = (res: ServerResponse, json: Record<string, unknown>) => {
    const text = JSON.stringify(json);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  /** Processes an authenticated request; returns the JSON answer. */
  const handle = (path: string, p: Record<string, string>): Record<string, unknown> | 404 => {
    const err = (respcd: string, resperr: string) => ({ respcd, resperr, respmsg: '' });
    if (queryPaths.includes(path)) {
      if (!p.syssn && !p.out_trade_no) return err('1104', 'syssn or out_trade_no is required');
      const syssn = p.syssn ?? byOutTradeNo.get(p.out_trade_no ?? '');
      const entry = syssn !== undefined && !queryBlind ? book.get(syssn) : undefined;
      if (!entry) return err('1136', "The order doesn't exist");
      return { resperr: 'Query success', respcd: '0000', respmsg: options.respmsgAsString ? JSON.stringify(entry) : entry };
    }
    switch (path) {
      case PATHS.payment: {
        for (const k of ['txamt', 'channel', 'out_trade_no', 'scan_type']) if (!p[k]) return err('1104', `${k} is required`);
        if (!/^\d+$/.test(p.txamt ?? '')) return err('1104', 'txamt must be an integer');
        if (byOutTradeNo.has(p.out_trade_no ?? '')) return err('1102', 'duplicate request');
        openScreen('payment', p);
        return { resperr: 'Order push success', respcd: '0000', respmsg: '' };
      }
      case PATHS.refund: {
        const orig = book.get(p.syssn ?? '');
        if (!orig || orig.tradetp !== 'payment' || orig.respcd !== '0000') return err('1136', "Transaction doesn't exist or now isn't in operation time");
        if (p.txamt !== undefined && (!/^\d+$/.test(p.txamt) || Number(p.txamt) > Number(orig.allow_refund_amt))) return err('1272', 'refund above the refundable amount');
        openScreen('refund', p);
        return { resperr: 'Refund push success', respcd: '0000', respmsg: '' };
      }
      case PATHS.cancel:
        if (screen) {
          if (onCancel === 'too-late') close('approved');
          else close('cancelled');
        }
        return { resperr: 'Cancel push success', respcd: '0000', respmsg: '' };
      case PATHS.printReceipt:
        if (!p.syssn || !book.has(p.syssn)) return err('1136', "The order doesn't exist");
        if (p.out_trade_no === undefined) return err('1104', 'out_trade_no is required');
        prints.push({ kind: 'receipt', params: p });
        return { resperr: 'Print receipt push success', respcd: '0000', respmsg: '' };
      case PATHS.printSummary:
        prints.push({ kind: 'summary', params: p });
        return { resperr: 'Print Summary push success', respcd: '0000', respmsg: '' };
      default:
        return 404;
    }
  };

  const handler = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const params: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(body)) params[k] = v;
    const appCode = req.headers['x-qf-appcode'] as string | undefined;
    const signType = req.headers['x-qf-signtype'] as string | undefined;
    const given = enc(String(req.headers['x-qf-sign'] ?? ''));
    const expected = enc(expectedSignature(params, options.clientKey, (signType ?? 'MD5').toUpperCase()));
    const signatureOk = appCode === options.appCode && given.length === expected.length && timingSafeEqual(given, expected);
    received.push({ path, params, appCode, signType, signatureOk, body });
    const fault = faults.get(path)?.shift();
    if (fault?.kind === 'drop-before') return void req.socket.destroy();
    if (fault?.kind === 'hang') return void hanging.add(res);
    if (fault?.kind === 'status-500-before') return void res.writeHead(500).end('internal error');
    if (fault?.kind === 'respcd') return reply(res, { respcd: fault.respcd, resperr: fault.resperr, respmsg: '' });
    if (req.method !== 'POST' || !String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      res.writeHead(405).end();
      return;
    }
    const known = queryPaths.includes(path) || Object.values(PATHS).includes(path as never);
    if (!known || (path.startsWith('/ecr/v1/query') && !queryPaths.includes(path))) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>404</h1>');
      return;
    }
    if (!signatureOk) return reply(res, { respcd: '1108', resperr: 'signature error', respmsg: '' });
    if (!params.termid || !options.termids.includes(params.termid)) {
      return reply(res, { respcd: '1106', resperr: `Termid ${params.termid ?? ''} is unbounded, please login MchntApp to bind it!`, respmsg: '' });
    }
    const answer = handle(path, params);
    if (answer === 404) {
      res.writeHead(404).end();
      return;
    }
    if (fault?.kind === 'drop-after') return void req.socket.destroy();
    if (fault?.kind === 'status-500-after') return void res.writeHead(500).end('internal error');
    reply(res, answer);
  };

  const running: Running<HttpsServer> = await startHttps(pki, handler);
  return {
    baseUrl: `https://127.0.0.1:${running.port}`,
    caPem: pki.caCertPem,
    pki,
    received,
    on: (path) => received.filter((r) => r.path === path),
    book,
    prints,
    emitted,
    notifications: {
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    screenOpen: () => screen !== undefined,
    setCustomer(plan) {
      customer = plan;
    },
    approve: () => close('approved'),
    decline: (code) => close('declined', code),
    customerCancel: () => close('cancelled'),
    fault(path, f) {
      faults.set(path, [...(faults.get(path) ?? []), f]);
    },
    setQueryBlind(blind) {
      queryBlind = blind;
    },
    setOnCancel(mode) {
      onCancel = mode;
    },
    notify,
    async close() {
      clearTimeout(screen?.timer);
      screen = undefined;
      for (const res of hanging) res.destroy();
      await running.close();
    },
  };
}
