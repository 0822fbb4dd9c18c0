/** Options, plain HTTP, query/print, and reply shapes the simulator does not produce (scripted transport). */
import { ConfigError } from '../src/errors.js';
import { decodeRequestBody, encodeResponseBody } from '../src/protocol/index.js';
import { QFPayTerminal, TerminalRequestError, type TransactionOutcome } from '../src/terminal/index.js';
import { ConnectionLostError, QFPAY_CA_PATH, TerminalConnectError, type EcrHttpResponse, type EcrTransport, type PostOptions } from '../src/transport/index.js';
import { FAST_RESOLVE, POS_KEY, startHarness, type Harness } from './support/terminal-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('options', () => {
  const base = { host: '192.0.2.10', posKey: POS_KEY, ca: QFPAY_CA_PATH };

  it('accepts the QFPay CA and defaults', async () => {
    const t = new QFPayTerminal(base);
    expect(t.id).toBe('https://192.0.2.10:9001');
    await t.close();
  });

  it.each([
    ['missing host', { posKey: POS_KEY, ca: QFPAY_CA_PATH }, /host/],
    ['unknown option', { ...base, colour: 'red' }, /colour/],
    ['bad logger', { ...base, logger: { info() {} } }, /logger/],
    ['bad resolve interval', { ...base, resolve: { minIntervalMs: 1000, maxIntervalMs: 10 } }, /minIntervalMs/],
    ['negative timeout', { ...base, requestTimeoutMs: -5 }, /requestTimeoutMs/],
    ['POS-KEY of the wrong length', { ...base, posKey: 'short' }, /16, 24 or 32/],
    ['missing CA for https', { host: '192.0.2.10', posKey: POS_KEY }, /ca3\.crt/],
  ])('throws ConfigError for %s', (_name, options, message) => {
    expect(() => new QFPayTerminal(options as never)).toThrow(ConfigError);
    expect(() => new QFPayTerminal(options as never)).toThrow(message);
  });
});

describe('plain HTTP only when chosen explicitly', () => {
  it('https terminal options against a plain-HTTP terminal → failed with the MMS hint', async () => {
    h = await startHarness({ customer: { action: 'approve' }, sim: { tls: false } });
    const anyCa = await import('@qfpay-ecr/simulator').then((m) => m.createTestPki());
    const t = h.makeTerminal({ protocol: 'https', ca: anyCa.caCertPem, pinnedCaFingerprint256: anyCa.caFingerprint256 });
    const outcome = await t.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'http-1' });
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'TLS_PLAIN_HTTP' } });
    expect((outcome as Extract<TransactionOutcome, { status: 'failed' }>).error.hint).toMatch(/enable HTTPS in MMS/);
    expect(h.sim.paymentRequestCount('http-1')).toBe(0);
  });

  it('protocol "http" works against a plain-HTTP terminal', async () => {
    h = await startHarness({ customer: { action: 'approve' }, sim: { tls: false } });
    expect(h.terminal.id.startsWith('http://')).toBe(true);
    expect(await h.terminal.pay({ amountMinor: 100, channel: 'card_payment' })).toMatchObject({ status: 'approved' });
  });
});

describe('query, print and encrypted replies', () => {
  it('maps the book: paid, not found, and by syssn', async () => {
    h = await startHarness({ customer: { action: 'approve', card: { scheme: 'MASTERCARD', masked: '520000******1096' } } });
    const paid = await h.terminal.pay({ amountMinor: 511, channel: 'card_payment', outTradeNo: 'qry-1' });
    expect(await h.terminal.query({ outTradeNo: 'qry-1' })).toMatchObject({
      found: true,
      state: 'paid',
      kind: 'payment',
      amountMinor: 511,
      refundableMinor: 511,
      outTradeNo: 'qry-1',
      cardScheme: 'MASTERCARD',
      maskedCard: '520000******1096',
      currency: 'HKD',
      codes: { respcd: '6000', txnRespcd: '0000' },
    });
    expect(await h.terminal.query({ syssn: (paid as { syssn: string }).syssn })).toMatchObject({ found: true, state: 'paid', outTradeNo: 'qry-1' });
    expect(await h.terminal.query({ outTradeNo: 'never-seen' })).toMatchObject({ found: false, codes: { txnRespcd: '1136' } });
    await expect(h.terminal.query({} as never)).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    await expect(h.terminal.query({ outTradeNo: 'a', syssn: 'b' } as never)).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
  });

  it('declined payments show as failed in the book', async () => {
    h = await startHarness({ customer: { action: 'decline', code: '1205' } });
    await h.terminal.pay({ amountMinor: 100, channel: 'wx', outTradeNo: 'qry-d' });
    expect(await h.terminal.query({ outTradeNo: 'qry-d' })).toMatchObject({ found: true, state: 'failed', codes: { txnRespcd: '1205' } });
  });

  it('prints receipts and summaries; a wrong key makes printing throw a typed 4003 error', async () => {
    h = await startHarness({ customer: { action: 'approve' } });
    const paid = (await h.terminal.pay({ amountMinor: 100, channel: 'card_payment' })) as { syssn: string };
    await h.terminal.printReceipt(paid.syssn);
    await h.terminal.printSummary();
    expect(h.sim.printed().map((p) => p.kind)).toEqual(['receipt', 'summary']);
    const wrong = h.makeTerminal({ posKey: 'WrongKeyWrongKeyWrongKeyWrongKey' });
    const err = await wrong.printSummary().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TerminalRequestError);
    expect(err).toMatchObject({ code: '4003', respcd: '4003' });
    expect((err as Error).message).toMatch(/re-login the Haojin app/);
    await expect(h.terminal.printReceipt('bad syssn')).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
  });

  it('decodes encrypted replies (the documented variant)', async () => {
    h = await startHarness({ customer: { action: 'approve' }, sim: { encryptReplies: true } });
    expect(await h.terminal.pay({ amountMinor: 100, channel: 'card_payment' })).toMatchObject({ status: 'approved', resolvedBy: 'reply' });
  });

  it('cancel({ evenIfIdle }) sends a 5001 for a screen opened elsewhere (another process)', async () => {
    h = await startHarness({ customer: { action: 'manual' } });
    expect(await h.terminal.cancel({ evenIfIdle: true })).toEqual({ status: 'nothing_to_cancel' });
    const elsewhere = h.makeTerminal();
    const paying = elsewhere.pay({ amountMinor: 100, channel: 'card_payment', outTradeNo: 'other-process' });
    await h.sim.waitForScreen();
    expect(await h.terminal.cancel({ evenIfIdle: true })).toEqual({ status: 'requested' });
    expect(await paying).toMatchObject({ status: 'cancelled', by: 'customer' });
    expect(h.sim.requests().map((r) => r.funcType)).toEqual([5001, 1001, 5001, 4001]);
  });

  it('printing the receipt of an unknown transaction is a typed refusal', async () => {
    h = await startHarness();
    await expect(h.terminal.printReceipt('20990101000000000000000009')).rejects.toMatchObject({ name: 'TerminalRequestError', code: '1136' });
  });
});

/** A transport that answers from a script, for reply shapes a real terminal might send. */
function scripted(answer: (content: Record<string, string | number>, n: number) => EcrHttpResponse | Error): EcrTransport & { sent: Record<string, string | number>[] } {
  const sent: Record<string, string | number>[] = [];
  return {
    origin: 'https://scripted:9001',
    sent,
    async post(_path: string, body: string, options?: PostOptions) {
      const { content } = decodeRequestBody(body, POS_KEY);
      sent.push(content);
      options?.onSent?.();
      const a = answer(content, sent.length);
      if (a instanceof Error) throw a;
      return a;
    },
    async close() {},
  };
}

const ok = (data: Record<string, unknown> | null, respcd = '6000'): EcrHttpResponse => ({ status: 200, body: encodeResponseBody({ respcd, data }) });
const lost = () => new ConnectionLostError('CONNECTION_LOST', 'lost', 'hint', { phase: 'response', mayHaveReachedTerminal: true });

function terminalOn(transport: EcrTransport): QFPayTerminal {
  return new QFPayTerminal({ posKey: POS_KEY, transport, resolve: { ...FAST_RESOLVE, deadlineMs: 1_000 } });
}

describe('reply shapes (scripted transport)', () => {
  const approvedData = (over: Record<string, unknown> = {}) => ({ respcd: '0000', syssn: '20250101000000000000000001', out_trade_no: 'ref-1', txamt: '12.50', txcurrcd: 'HKD', ...over });
  const queryPaid = (over: Record<string, unknown> = {}) => ({ respcd: '0000', cancel: 0, syssn: '20250101000000000000000001', out_trade_no: 'ref-1', txamt: 1250, allow_refund_amt: 1250, ...over });

  it('an approval for a different amount is not approved silently: unknown with "amount mismatch"', async () => {
    const t = terminalOn(scripted(() => ok(approvedData({ txamt: '1.25' }))));
    const outcome = await t.pay({ amountMinor: 1250, channel: 'card_payment', outTradeNo: 'ref-1' });
    expect(outcome.status).toBe('unknown');
    expect((outcome as { reason: string }).reason).toMatch(/amount mismatch/);
    await t.close();
  });

  it('6000 without data → confirmed by query', async () => {
    const transport = scripted((c) => (c.func_type === 1001 ? ok(null) : ok(queryPaid())));
    const t = terminalOn(transport);
    expect(await t.pay({ amountMinor: 1250, channel: 'card_payment', outTradeNo: 'ref-1' })).toMatchObject({ status: 'approved', resolvedBy: 'query', syssn: '20250101000000000000000001' });
    expect(transport.sent.map((c) => c.func_type)).toEqual([1001, 4001]);
    await t.close();
  });

  it('unrecognised outer code and 4005 → resolved by query, never re-sent', async () => {
    for (const code of ['7777', '4005']) {
      const transport = scripted((c) => (c.func_type === 1001 ? ok(null, code) : ok(queryPaid({ cancel: 0 }))));
      const t = terminalOn(transport);
      expect(await t.pay({ amountMinor: 1250, channel: 'card_payment', outTradeNo: 'ref-1' })).toMatchObject({ status: 'approved', resolvedBy: 'query' });
      expect(transport.sent.filter((c) => c.func_type === 1001)).toHaveLength(1);
      await t.close();
    }
  });

  it('"order already paid" (1260) for our reference is not a decline: the book is asked', async () => {
    const transport = scripted((c) => (c.func_type === 1001 ? ok({ respcd: '1260', out_trade_no: 'ref-1' }) : ok(queryPaid())));
    const t = terminalOn(transport);
    expect(await t.pay({ amountMinor: 1250, channel: 'card_payment', outTradeNo: 'ref-1' })).toMatchObject({ status: 'approved', resolvedBy: 'query' });
    await t.close();
  });

  it('a reply naming another out_trade_no is not trusted', async () => {
    const transport = scripted((c) => (c.func_type === 1001 ? ok(approvedData({ out_trade_no: 'someone-else' })) : ok(queryPaid())));
    const t = terminalOn(transport);
    expect(await t.pay({ amountMinor: 1250, channel: 'card_payment', outTradeNo: 'ref-1' })).toMatchObject({ status: 'approved', resolvedBy: 'query' });
    await t.close();
  });

  it('a query found declined → declined; reversed (cancel 2) → cancelled', async () => {
    let t = terminalOn(scripted((c) => (c.func_type === 1001 ? lost() : ok(queryPaid({ respcd: '1205' })))));
    expect(await t.pay({ amountMinor: 1250, channel: 'card_payment', outTradeNo: 'ref-1' })).toMatchObject({ status: 'declined', resolvedBy: 'query' });
    await t.close();
    t = terminalOn(scripted((c) => (c.func_type === 1001 ? lost() : ok(queryPaid({ cancel: 2 })))));
    expect(await t.pay({ amountMinor: 1250, channel: 'card_payment', outTradeNo: 'ref-1' })).toMatchObject({ status: 'cancelled', by: 'customer', resolvedBy: 'query' });
    await t.close();
  });

  it('query transport errors keep polling until the terminal answers', async () => {
    const transport = scripted((c, n) => (c.func_type === 1001 || n < 5 ? lost() : ok(queryPaid())));
    const t = terminalOn(transport);
    expect(await t.pay({ amountMinor: 1250, channel: 'card_payment', outTradeNo: 'ref-1' })).toMatchObject({ status: 'approved', resolvedBy: 'query' });
    expect(transport.sent.filter((c) => c.func_type === 1001)).toHaveLength(1);
    await t.close();
  });

  it('a terminal that stops answering after the request went out → unknown at the deadline', async () => {
    const transport = scripted(() => lost());
    const t = terminalOn(transport);
    const outcome = await t.pay({ amountMinor: 1250, channel: 'card_payment', outTradeNo: 'ref-1' });
    expect(outcome.status).toBe('unknown');
    expect(transport.sent.filter((c) => c.func_type === 1001)).toHaveLength(1);
    await t.close();
  });

  it('connect-phase failure → failed with the transport hint, no query', async () => {
    const transport = scripted(() => new TerminalConnectError('CONNECT_REFUSED', 'refused', 'check ECR Status', { phase: 'connect', mayHaveReachedTerminal: false }));
    const t = terminalOn(transport);
    expect(await t.pay({ amountMinor: 1250, channel: 'card_payment', outTradeNo: 'ref-1' })).toMatchObject({ status: 'failed', error: { code: 'CONNECT_REFUSED', hint: 'check ECR Status' } });
    expect(transport.sent).toHaveLength(1);
    await t.close();
  });

  it('a 5001 that overtook the payment (terminal: nothing open) is said once more', async () => {
    const sent: Record<string, string | number>[] = [];
    let releasePayment: ((r: EcrHttpResponse) => void) | undefined;
    let cancels = 0;
    const transport: EcrTransport = {
      origin: 'https://scripted:9001',
      async post(_path, body, options) {
        const { content } = decodeRequestBody(body, POS_KEY);
        sent.push(content);
        options?.onSent?.();
        if (content.func_type === 1001) return new Promise<EcrHttpResponse>((resolve) => (releasePayment = resolve));
        if (content.func_type === 5001) {
          cancels += 1;
          if (cancels === 1) return ok({ respcd: '1136' });
          releasePayment?.(ok(null, '6001'));
          return ok({ respcd: '0000' });
        }
        return ok({ respcd: '1136' });
      },
      async close() {},
    };
    const t = terminalOn(transport);
    const paying = t.pay({ amountMinor: 1250, channel: 'card_payment', outTradeNo: 'ref-1' });
    await new Promise((r) => setImmediate(r));
    expect(await t.cancel()).toEqual({ status: 'confirmed', outTradeNo: 'ref-1' });
    expect(await paying).toMatchObject({ status: 'cancelled', by: 'pos' });
    expect(sent.map((c) => c.func_type)).toEqual([1001, 5001, 5001, 4001]);
    await t.close();
  });

  it('an event listener that throws does not break a payment', async () => {
    const t = terminalOn(scripted(() => ok(approvedData())));
    t.on('progress', () => {
      throw new Error('listener bug');
    });
    expect(await t.pay({ amountMinor: 1250, channel: 'card_payment', outTradeNo: 'ref-1' })).toMatchObject({ status: 'approved' });
    await t.close();
  });

  it('a refund whose original cannot be read is not sent', async () => {
    const transport = scripted(() => ok(null, '4003'));
    const t = terminalOn(transport);
    expect(await t.refund({ syssn: '123' })).toMatchObject({ status: 'failed', error: { code: '4003' } });
    expect(transport.sent.map((c) => c.func_type)).toEqual([4001]);
    await t.close();
  });
});
