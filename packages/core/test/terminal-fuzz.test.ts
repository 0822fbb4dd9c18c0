/**
 * Fuzz: a real HTTPS server (test CA from the simulator's createTestPki, 127.0.0.1:0) answers
 * every ECR request of a `QFPayTerminal` with a generated reply — status codes, headers, bodies
 * (valid, valid-but-odd, truncated, garbage, encrypted under the wrong key, over the size cap),
 * small delays, dropped connections — while the terminal pays, refunds, queries, cancels and
 * prints. Every call settles (a bound in the test proves there is no hang) to a valid outcome or
 * a typed error; a 1001 is never sent twice for one out_trade_no; a payment whose reply was not a
 * clear answer ends `unknown` or is resolved by a later query; nothing is logged at error level
 * (the engine's "internal error" path). A promise rejection left unhandled fails the test too:
 * Jest reports it as the test's error (listeners a test adds for it are not called under Jest).
 * Seeds are fixed, so a failure prints a seed that reproduces it.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import fc from 'fast-check';
import { createTestPki, type TestPki } from '@qfpay-ecr/simulator';
import { QfpayEcrError } from '../src/errors.js';
import { decodeRequestBody, encryptToBase64 } from '../src/protocol/index.js';
import { CHANNELS, QFPayTerminal, type CancelResult, type QueryResult, type TransactionOutcome } from '../src/terminal/index.js';
import { damage, damageArb, replyEnvelope, type Damage, type Json } from './support/fuzz-arbitraries.js';
import { captureLogger, type LogLine } from './support/terminal-harness.js';

const POS_KEY = 'TermFuzzS3cretKey9Wx4Lm2Np8Rt5Vy';
const WRONG_KEY = 'WrongKeyOfTheRightLength32Bytes!';
/** Far above anything a run needs (a hung 1001 costs ~1.3 s, resolution ~0.3 s): reaching it means a hang. */
const SETTLE_BOUND_MS = 15_000;
const MAX_RESPONSE_BYTES = 1_048_576;

// ------------------------------------------------------------------------------------------ replies

type Body =
  | { kind: 'approve'; amount: 'same' | 'other' | 'absent'; ref: 'same' | 'other' | 'absent'; syssn: boolean; numericCodes: boolean; dataAsString: boolean; cancelFlag: number; refundableMinor: number }
  | { kind: 'txn'; code: string } // 6000 with a transaction code: decline, pending, duplicate, not found, unrecognised
  | { kind: 'outer'; respcd: string }
  | { kind: 'no-data' }
  | { kind: 'envelope'; value: Json }
  | { kind: 'garbage'; text: string }
  | { kind: 'empty' }
  | { kind: 'huge'; bytes: number };

type Delivery =
  | { how: 'reply'; status: number; contentType: string | undefined; chunked: boolean }
  | { how: 'destroy-before' }
  | { how: 'destroy-mid' }
  | { how: 'short-length' }
  | { how: 'hang' };

type Wrapping = 'plain' | 'quoted-cipher' | 'bare-cipher' | 'wrong-key';

interface Spec {
  body: Body;
  wrapping: Wrapping;
  damage: Damage;
  delivery: Delivery;
  delayMs: number;
}

const DECLINE_CODES = ['1201', '1205', '1136', '1268', '1155', '1297'];
const UNCLEAR_TXN_CODES = ['1143', '1145', '1295', '1298', '1102', '1260', '2011', '9999'];
const FAILED_OUTER = ['6002', '4003', '4004', '4006', '5001'];
const UNCLEAR_OUTER = ['6001', '4005', '7777'];

const bodyArb: fc.Arbitrary<Body> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('approve' as const),
      amount: fc.constantFrom('same' as const, 'same' as const, 'same' as const, 'other' as const, 'absent' as const),
      ref: fc.constantFrom('same' as const, 'same' as const, 'absent' as const, 'other' as const),
      syssn: fc.constantFrom(true, true, true, false),
      numericCodes: fc.boolean(),
      dataAsString: fc.boolean(),
      cancelFlag: fc.constantFrom(0, 0, 0, 1, 3, 5),
      refundableMinor: fc.integer({ min: 0, max: 1_000_000 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('txn' as const), code: fc.constantFrom(...DECLINE_CODES, ...UNCLEAR_TXN_CODES) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('outer' as const), respcd: fc.constantFrom(...FAILED_OUTER, ...UNCLEAR_OUTER) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'no-data' as const }) },
  { weight: 3, arbitrary: replyEnvelope.map((value) => ({ kind: 'envelope' as const, value })) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(fc.string({ maxLength: 80 }), fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a).toString('latin1')))
      .map((s) => ({ kind: 'garbage' as const, text: `<html><body>502 Bad Gateway ${s}</body></html>` })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
  { weight: 1, arbitrary: fc.constantFrom(200_000, MAX_RESPONSE_BYTES + 10).map((bytes) => ({ kind: 'huge' as const, bytes })) },
);

const deliveryArb: fc.Arbitrary<Delivery> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record({
      how: fc.constant('reply' as const),
      status: fc.oneof({ weight: 8, arbitrary: fc.constant(200) }, { weight: 2, arbitrary: fc.constantFrom(201, 204, 301, 400, 401, 404, 500, 502, 503) }),
      contentType: fc.constantFrom('application/json', 'application/json', 'text/html; charset=utf-8', 'text/plain; charset=latin1', 'application/octet-stream', undefined),
      chunked: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ how: 'destroy-before' as const }) },
  { weight: 2, arbitrary: fc.constant({ how: 'destroy-mid' as const }) },
  { weight: 1, arbitrary: fc.constant({ how: 'short-length' as const }) },
  { weight: 1, arbitrary: fc.constant({ how: 'hang' as const }) },
);

const specArb: fc.Arbitrary<Spec> = fc.record({
  body: bodyArb,
  wrapping: fc.constantFrom<Wrapping>('plain', 'plain', 'plain', 'quoted-cipher', 'bare-cipher', 'wrong-key'),
  damage: fc.oneof({ weight: 4, arbitrary: fc.constant<Damage>({ how: 'none' }) }, { weight: 1, arbitrary: damageArb }),
  delivery: deliveryArb,
  delayMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 25 })),
});

/** What the terminal asked, as the server decoded it. */
interface Asked {
  funcType: number;
  content: Record<string, string | number>;
}

/** What a run knows to build plausible replies: the amount asked and a syssn. */
interface RunFacts {
  amountMinor: number;
  syssn: string;
}

function dataFor(body: Extract<Body, { kind: 'approve' }>, asked: Asked, facts: RunFacts): Record<string, Json> {
  const code = body.numericCodes ? 0 : '0000';
  const data: Record<string, Json> = { respcd: code, respmsg: 'SUCCESS', txcurrcd: 'HKD', sysdtm: '2025-01-02 03:04:05', cardscheme: 'VISA', chnlsn: 'CH1', busicd: '802808' };
  if (body.syssn) data.syssn = facts.syssn;
  const ref = asked.content.out_trade_no;
  if (body.ref === 'same' && ref !== undefined) data.out_trade_no = ref;
  if (body.ref === 'other') data.out_trade_no = 'someone-else-1';
  const minor = body.amount === 'other' ? facts.amountMinor + 1 : facts.amountMinor;
  if (asked.funcType === 4001) {
    // Query replies carry cents.
    if (body.amount !== 'absent') data.txamt = minor;
    data.cancel = body.cancelFlag;
    data.allow_refund_amt = body.refundableMinor;
    data.tradetp = 'payment';
  } else if (asked.funcType === 1001 || asked.funcType === 1002) {
    // Trade and refund replies carry dollars.
    const asDollars = asked.funcType === 1002 && typeof asked.content.refund_amount === 'string' ? Number(asked.content.refund_amount) * 100 : minor;
    if (body.amount !== 'absent') data.txamt = (body.amount === 'other' ? asDollars + 1 : asDollars) / 100;
    if (asked.funcType === 1002) data.orig_syssn = String(asked.content.orderId ?? '');
  }
  return data;
}

function bodyText(spec: Spec, asked: Asked, facts: RunFacts): string {
  const b = spec.body;
  let json: Json;
  switch (b.kind) {
    case 'approve': {
      const data = dataFor(b, asked, facts);
      json = { respcd: b.numericCodes ? 6000 : '6000', respmsg: '', resperr: '', data: b.dataAsString ? JSON.stringify(data) : data };
      break;
    }
    case 'txn':
      json = { respcd: '6000', respmsg: '', data: JSON.stringify({ respcd: b.code, resperr: 'refused', out_trade_no: asked.content.out_trade_no ?? null }) };
      break;
    case 'outer':
      json = { respcd: b.respcd, respmsg: 'terminal says no', resperr: '' };
      break;
    case 'no-data':
      json = { respcd: '6000', respmsg: 'ok' };
      break;
    case 'envelope':
      json = b.value;
      break;
    case 'garbage':
      return damage(b.text, spec.damage);
    case 'empty':
      return '';
    case 'huge':
      return JSON.stringify({ respcd: '6000', respmsg: 'x'.repeat(b.bytes) });
  }
  const text = JSON.stringify(json);
  const wrapped =
    spec.wrapping === 'plain'
      ? text
      : spec.wrapping === 'quoted-cipher'
        ? JSON.stringify(encryptToBase64(text, POS_KEY))
        : spec.wrapping === 'bare-cipher'
          ? encryptToBase64(text, POS_KEY)
          : JSON.stringify(encryptToBase64(text, WRONG_KEY));
  return damage(wrapped, spec.damage);
}

/**
 * What a 1001/1002 reply lets the client conclude, by this test's own reading of the protocol:
 * a final answer, `unclear` (must end unknown or be resolved by a query), or `any` (random or
 * damaged bodies that may or may not happen to be a clear answer).
 */
type Verdict = 'approved' | 'declined' | 'failed' | 'unclear' | 'any';
function verdictOf(spec: Spec, funcType: 1001 | 1002): Verdict {
  const d = spec.delivery;
  if (d.how !== 'reply' || d.status < 200 || d.status >= 300 || spec.wrapping === 'wrong-key') return 'unclear';
  if (d.status === 204 && spec.body.kind !== 'empty') return 'unclear'; // a 204 carries no body
  if (spec.damage.how !== 'none' && spec.body.kind !== 'garbage') return 'any';
  const b = spec.body;
  switch (b.kind) {
    case 'approve':
      // A refund reply may name the refund's own reference, and its amount is checked only when one was asked.
      if (funcType === 1002) return 'any';
      return b.amount === 'same' && b.ref !== 'other' && b.syssn ? 'approved' : 'unclear';
    case 'txn':
      return DECLINE_CODES.includes(b.code) ? 'declined' : funcType === 1002 && ['1102', '1260', '2011'].includes(b.code) ? 'declined' : 'unclear';
    case 'outer':
      return FAILED_OUTER.includes(b.respcd) ? 'failed' : 'unclear';
    case 'envelope':
      return 'any';
    default:
      return 'unclear';
  }
}

// ------------------------------------------------------------------------------------------ server

interface Script {
  /** The reply to the first request of the call's own func_type (1001 for pay, 4001 for query…). */
  primaryFunc: number;
  primary: Spec;
  /** Replies to every other request, in arrival order; then `fallback` for the rest. */
  others: Spec[];
  fallback: Spec;
  facts: RunFacts;
}

interface Seen {
  asked: Asked;
  spec: Spec;
}

class FuzzServer {
  readonly seen: Seen[] = [];
  readonly undecodable: string[] = [];
  /** 1001s received per out_trade_no, over the whole test. */
  readonly paymentsByRef = new Map<string, number>();
  script: Script | undefined;
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  #primaryUsed = false;
  #othersUsed = 0;
  port = 0;

  async start(pki: TestPki): Promise<void> {
    this.#server = createServer({ cert: pki.leafCertPem, key: pki.leafKeyPem }, (req, res) => this.#handle(req, res));
    this.#server.on('tlsClientError', () => undefined);
    this.#server.on('secureConnection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
      s.on('error', () => undefined);
    });
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.port = (this.#server.address() as AddressInfo).port;
  }

  reset(script: Script): void {
    this.script = script;
    this.seen.length = 0;
    this.#primaryUsed = false;
    this.#othersUsed = 0;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  #pick(funcType: number): Spec {
    const script = this.script as Script;
    if (!this.#primaryUsed && funcType === script.primaryFunc) {
      this.#primaryUsed = true;
      return script.primary;
    }
    return script.others[this.#othersUsed++] ?? script.fallback;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let asked: Asked;
      try {
        const decoded = decodeRequestBody(raw, POS_KEY);
        asked = { funcType: Number(decoded.content.func_type), content: decoded.content };
      } catch (error) {
        this.undecodable.push(error instanceof Error ? error.message : String(error));
        res.destroy();
        return;
      }
      if (asked.funcType === 1001) {
        const ref = String(asked.content.out_trade_no);
        this.paymentsByRef.set(ref, (this.paymentsByRef.get(ref) ?? 0) + 1);
      }
      const spec = this.#pick(asked.funcType);
      this.seen.push({ asked, spec });
      const body = Buffer.from(bodyText(spec, asked, (this.script as Script).facts), 'utf8');
      setTimeout(() => deliver(res, spec.delivery, body), spec.delayMs);
    });
  }
}

function deliver(res: ServerResponse, d: Delivery, body: Buffer): void {
  if (res.destroyed) return;
  switch (d.how) {
    case 'hang':
      return; // the client's timeout ends it
    case 'destroy-before':
      res.socket?.destroy();
      return;
    case 'destroy-mid':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length + 10) });
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      setImmediate(() => res.socket?.destroy());
      return;
    case 'short-length':
      // Announces more than it sends, then closes: a reply cut on the wire.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length + 50), connection: 'close' });
      res.end(body);
      return;
    case 'reply': {
      const headers: Record<string, string> = {};
      if (d.contentType !== undefined) headers['content-type'] = d.contentType;
      res.writeHead(d.status, headers);
      if (!d.chunked || body.length < 2) {
        res.end(body);
        return;
      }
      const half = Math.floor(body.length / 2);
      res.write(body.subarray(0, half));
      setImmediate(() => res.end(body.subarray(half)));
    }
  }
}

// ------------------------------------------------------------------------------------------ checks

const STATUSES = new Set(['approved', 'declined', 'cancelled', 'failed', 'unknown']);

function ensure(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

/** Resolves with how `promise` settled; rejects (failing the run) if it did not settle in time. */
async function settled<T>(promise: Promise<T>, what: string): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${SETTLE_BOUND_MS} ms (hang)`)), SETTLE_BOUND_MS);
  });
  try {
    return await Promise.race([promise.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error })), bound]);
  } finally {
    clearTimeout(timer);
  }
}

function ensureTyped(error: unknown, what: string): void {
  ensure(error instanceof QfpayEcrError, `${what} rejected with an untyped error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  const e = error as QfpayEcrError;
  ensure(!`${e.message} ${e.hint}`.includes(POS_KEY), `${what}: POS-KEY in an error`);
}

function ensureOutcome(o: TransactionOutcome, kind: 'payment' | 'refund'): void {
  ensure(STATUSES.has(o.status), `bad status ${String(o.status)}`);
  ensure(o.kind === kind, `kind ${o.kind} for a ${kind}`);
  ensure(typeof o.outTradeNo === 'string' && o.outTradeNo.length > 0, 'outcome without a reference');
  ensure(typeof o.codes === 'object' && o.codes !== null, 'outcome without codes');
  if (o.status === 'approved') {
    ensure(typeof o.syssn === 'string', 'approved without a syssn string');
    ensure(Number.isSafeInteger(o.amountMinor) && o.amountMinor >= 0, `approved amount ${o.amountMinor} is not whole cents`);
    ensure(o.resolvedBy === 'reply' || o.resolvedBy === 'query', `resolvedBy ${o.resolvedBy}`);
  }
  if (o.status === 'failed') ensure(typeof o.error.code === 'string' && typeof o.error.message === 'string', 'failed without an error');
  if (o.status === 'unknown') ensure(typeof o.reason === 'string' && o.reason.length > 0, 'unknown without a reason');
  ensure(!JSON.stringify(o).includes(POS_KEY), 'POS-KEY in an outcome');
}

/** A payment/refund answered unclearly may only end unknown, or be settled by a query. */
function ensureNotFinalByReply(o: TransactionOutcome, what: string): void {
  const byQuery = (o.status === 'approved' || o.status === 'declined' || o.status === 'cancelled') && o.resolvedBy === 'query';
  const notProcessed = o.status === 'failed' && o.error.code === 'NOT_PROCESSED';
  ensure(o.status === 'unknown' || byQuery || notProcessed, `${what}: an unclear reply ended ${o.status}${'resolvedBy' in o ? ` by ${o.resolvedBy}` : ''}`);
}

function ensureVerdict(o: TransactionOutcome, verdict: Verdict, what: string): void {
  if (verdict === 'any') return;
  if (verdict === 'unclear') return ensureNotFinalByReply(o, what);
  ensure(o.status === verdict, `${what}: a clear ${verdict} reply ended ${o.status}`);
  if (o.status === 'approved' || o.status === 'declined') ensure(o.resolvedBy === 'reply', `${what}: a clear reply was resolved by ${o.resolvedBy}`);
}

function ensureQuery(r: QueryResult): void {
  ensure(typeof r.found === 'boolean', 'query result without found');
  if (r.found) {
    ensure(['pending', 'paid', 'failed', 'refunded', 'partially_refunded', 'cancelled'].includes(r.state), `query state ${r.state}`);
    ensure(typeof r.syssn === 'string', 'query without a syssn string');
    if (r.amountMinor !== undefined) ensure(Number.isSafeInteger(r.amountMinor) && r.amountMinor >= 0, 'query amount not whole cents');
    if (r.refundableMinor !== undefined) ensure(Number.isSafeInteger(r.refundableMinor) && r.refundableMinor >= 0, 'refundable not whole cents');
  }
}

function ensureCancel(r: CancelResult): void {
  ensure(['confirmed', 'requested', 'nothing_to_cancel', 'too_late'].includes(r.status), `cancel status ${r.status}`);
  if (r.status === 'too_late') ensure(r.outcome.status === 'approved', 'too_late without an approved outcome');
}

// ------------------------------------------------------------------------------------------ the runs

type Op =
  | { op: 'pay'; amountMinor: number; channel: (typeof CHANNELS)[number]; explicitRef: boolean; cancelAfterMs: number | null }
  | { op: 'refund'; amountMinor: number | null }
  | { op: 'query'; by: 'outTradeNo' | 'syssn' }
  | { op: 'cancel' }
  | { op: 'print-receipt' }
  | { op: 'print-summary' };

const PRIMARY_FUNC: Record<Op['op'], number> = { pay: 1001, refund: 1002, query: 4001, cancel: 5001, 'print-receipt': 3001, 'print-summary': 3002 };

const payOp = fc.record({
  op: fc.constant('pay' as const),
  amountMinor: fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom(1, 30, 1250, 99_999_999)),
  channel: fc.constantFrom(...CHANNELS),
  explicitRef: fc.boolean(),
  cancelAfterMs: fc.option(fc.integer({ min: 0, max: 40 }), { freq: 3 }),
});
const otherOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('refund' as const), amountMinor: fc.option(fc.integer({ min: 1, max: 100_000 })) }),
  fc.record({ op: fc.constant('query' as const), by: fc.constantFrom('outTradeNo' as const, 'syssn' as const) }),
  fc.constant({ op: 'cancel' as const }),
  fc.constant({ op: 'print-receipt' as const }),
  fc.constant({ op: 'print-summary' as const }),
);

const scriptParts = fc.record({ primary: specArb, others: fc.array(specArb, { maxLength: 6 }), fallback: specArb, syssn: fc.stringMatching(/^\d{20}$/) });

describe('fuzz: QFPayTerminal against a misbehaving terminal (HTTPS)', () => {
  let pki: TestPki;
  const server = new FuzzServer();
  let seq = 0;
  let logs: LogLine[] = [];

  beforeAll(async () => {
    pki = await createTestPki();
    await server.start(pki);
  });
  beforeEach(() => {
    // Each test judges its own runs (a failure in one must not be reported again by the next).
    server.paymentsByRef.clear();
    server.undecodable.length = 0;
  });
  afterAll(async () => {
    await server.close();
  });

  function makeTerminal(): QFPayTerminal {
    logs = [];
    return new QFPayTerminal({
      host: '127.0.0.1',
      port: server.port,
      posKey: POS_KEY,
      ca: pki.caCertPem,
      pinnedCaFingerprint256: pki.caFingerprint256,
      connectTimeoutMs: 2_000,
      requestTimeoutMs: 200,
      paymentReplyGraceMs: 100,
      defaultPaymentTimeoutSec: 1,
      cancelWaitMs: 200,
      resolve: { deadlineMs: 120, minIntervalMs: 5, maxIntervalMs: 20, notFoundGraceQueries: 1 },
      logger: captureLogger(logs),
      outTradeNoFactory: () => `fzgen-${++seq}`,
    });
  }

  /** After each run: no secret in logs, no error-level line (the engine's "internal error" path), server decoded every request. */
  function ensureCleanRun(): void {
    ensure(server.undecodable.length === 0, `the terminal sent a body the server could not decode: ${server.undecodable[0]}`);
    for (const line of logs) {
      ensure(line.level !== 'error', `error-level log: ${line.msg} ${JSON.stringify(line.obj)}`);
      ensure(!JSON.stringify(line).includes(POS_KEY), 'POS-KEY in a log line');
    }
    for (const [ref, n] of server.paymentsByRef) ensure(n === 1, `out_trade_no ${ref} was sent ${n} times as a 1001`);
  }

  it('pay (with a concurrent cancel now and then): settles, never pays twice, unclear replies end unknown or by query', async () => {
    const verdicts = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(payOp, scriptParts, async (op, parts) => {
        const outTradeNo = op.explicitRef ? `fzpay-${++seq}` : undefined;
        server.reset({ primaryFunc: 1001, primary: parts.primary, others: parts.others, fallback: parts.fallback, facts: { amountMinor: op.amountMinor, syssn: parts.syssn } });
        const terminal = makeTerminal();
        try {
          const paying = settled(terminal.pay({ amountMinor: op.amountMinor, channel: op.channel, ...(outTradeNo ? { outTradeNo } : {}) }), 'pay');
          let cancelling: Promise<{ ok: true; value: CancelResult } | { ok: false; error: unknown }> | undefined;
          if (op.cancelAfterMs !== null) {
            await new Promise((r) => setTimeout(r, op.cancelAfterMs ?? 0));
            cancelling = settled(terminal.cancel(), 'cancel');
          }
          const paid = await paying;
          // pay() rejects only for invalid input, and this input is valid.
          if (!paid.ok) throw new Error(`pay rejected: ${paid.error instanceof Error ? `${paid.error.name}: ${paid.error.message}` : String(paid.error)}`);
          const outcome = paid.value;
          ensureOutcome(outcome, 'payment');
          if (outTradeNo) ensure(outcome.outTradeNo === outTradeNo, 'outcome names another out_trade_no');
          if (outcome.status === 'approved') ensure(outcome.amountMinor === op.amountMinor, `approved ${outcome.amountMinor}, asked ${op.amountMinor}`);
          ensure(server.seen.every((s) => s.asked.funcType !== 1002), 'a payment sent a 1002');
          const payments = server.seen.filter((s) => s.asked.funcType === 1001);
          ensure(payments.length <= 1, 'two 1001s in one pay');
          if (payments.length === 1) {
            ensure(payments[0]?.asked.content.out_trade_no === outcome.outTradeNo, '1001 sent under another out_trade_no');
            const verdict = verdictOf(parts.primary, 1001);
            verdicts.set(verdict, (verdicts.get(verdict) ?? 0) + 1);
            // A cancel() may turn an approval into "too late" but never changes what the reply said.
            ensureVerdict(outcome, verdict, 'pay');
          } else {
            // Nothing sent: only a cancel before sending can explain it.
            ensure(op.cancelAfterMs !== null && (outcome.status === 'cancelled' || outcome.status === 'failed'), `no 1001 sent, yet ${outcome.status}`);
          }
          if (cancelling) {
            const c = await cancelling;
            if (c.ok) ensureCancel(c.value);
            else ensureTyped(c.error, 'cancel');
          }
        } finally {
          const closed = await settled(terminal.close(), 'close');
          if (!closed.ok) throw closed.error;
        }
        ensureCleanRun();
      }),
      { numRuns: 120, seed: 0x7e4a0001 },
    );
    // The generator reaches clear answers and unclear ones.
    for (const v of ['approved', 'declined', 'failed', 'unclear', 'any']) expect(verdicts.get(v) ?? 0).toBeGreaterThan(0);
  }, 120_000);

  it('refund, query, cancel and print: settle to a valid result or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(otherOp, scriptParts, async (op, parts) => {
        server.reset({ primaryFunc: PRIMARY_FUNC[op.op], primary: parts.primary, others: parts.others, fallback: parts.fallback, facts: { amountMinor: 5_000, syssn: parts.syssn } });
        const terminal = makeTerminal();
        try {
          switch (op.op) {
            case 'refund': {
              const r = await settled(terminal.refund({ syssn: parts.syssn, ...(op.amountMinor !== null ? { amountMinor: op.amountMinor } : {}) }), 'refund');
              // refund() rejects only for invalid input, and this input is valid.
              if (!r.ok) throw new Error(`refund rejected: ${r.error instanceof Error ? `${r.error.name}: ${r.error.message}` : String(r.error)}`);
              ensureOutcome(r.value, 'refund');
              const refunds = server.seen.filter((s) => s.asked.funcType === 1002);
              ensure(refunds.length <= 1, 'two 1002s in one refund');
              // Without a 1002 on the wire (the original could not be read first), nothing may be claimed.
              if (refunds.length === 1) ensureVerdict(r.value, verdictOf(parts.primary, 1002), 'refund');
              else ensure(r.value.status === 'failed', `no 1002 sent, yet ${r.value.status}`);
              break;
            }
            case 'query': {
              const r = await settled(terminal.query(op.by === 'outTradeNo' ? { outTradeNo: 'fzq-1' } : { syssn: parts.syssn }), 'query');
              if (r.ok) ensureQuery(r.value);
              else ensureTyped(r.error, 'query');
              break;
            }
            case 'cancel': {
              const r = await settled(terminal.cancel({ evenIfIdle: true }), 'cancel');
              if (r.ok) ensureCancel(r.value);
              else ensureTyped(r.error, 'cancel');
              break;
            }
            case 'print-receipt':
            case 'print-summary': {
              const r = await settled(op.op === 'print-receipt' ? terminal.printReceipt(parts.syssn) : terminal.printSummary(), op.op);
              if (r.ok) ensure(r.value === undefined, 'print resolved with a value');
              else ensureTyped(r.error, op.op);
              break;
            }
          }
          ensure(server.seen.every((s) => s.asked.funcType !== 1001), `${op.op} sent a 1001`);
        } finally {
          const closed = await settled(terminal.close(), 'close');
          if (!closed.ok) throw closed.error;
        }
        ensureCleanRun();
      }),
      { numRuns: 150, seed: 0x7e4a0002 },
    );
  }, 120_000);
});
