import { ConfigError } from '@qfpay-ecr/core';
import { createTestPki, startSimulator, type Simulator, type SimulatorOptions } from '../src/index.js';
import { POS_KEY, sleep, until } from './helpers.js';
import { APP_CODE, CLIENT_KEY, cloudPost, cloudQuery, NOTIFY_KEY, notifyReceiver, pushPayment, qfSign, TERMID } from './cloud-helpers.js';

const CLOUD = { appCode: APP_CODE, clientKey: CLIENT_KEY, termid: TERMID };
const start = (extra: Partial<SimulatorOptions> = {}) => startSimulator({ posKey: POS_KEY, cloud: CLOUD, ...extra });
const PAYMENT = { txamt: '100', termid: TERMID, channel: 'wx', out_trade_no: 'AUTH-1', scan_type: 'SCAN_PAY' };

describe('ECR Cloud: authentication, parameters, faults and secrets', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  /**
   * Nothing reached the terminal. `authenticPushes`: authentic payment pushes for AUTH-1, which
   * count in paymentRequestCount before validation (as decoded LAN 1001s do); forged ones never do.
   */
  function nothingHappened(s: Simulator, authenticPushes = 0): void {
    expect(s.screen()).toBeNull();
    expect(s.transactions()).toHaveLength(0);
    expect(s.paymentRequestCount('AUTH-1')).toBe(authenticPushes);
  }

  it('wrong, missing or foreign signatures and app codes are 1108 and nothing happens', async () => {
    sim = await start();
    const cases: Array<[string, Parameters<typeof cloudPost>[3]]> = [
      ['wrong key', { key: 'not-the-client-key' }],
      ['tampered', { sign: qfSign({ ...PAYMENT, txamt: '1' }) }],
      ['missing sign', { sign: null }],
      ['empty sign', { sign: '' }],
      ['missing app code', { appCode: null }],
      ['unknown app code', { appCode: 'SOMEONE-ELSE' }],
      ['unsupported sign type', { signTypeHeader: 'SHA1' }],
      ['MD5 signature announced as SHA256', { signTypeHeader: 'SHA256' }],
    ];
    for (const [name, options] of cases) {
      const r = await cloudPost(sim, '/ecr/v1/payment/async', PAYMENT, options);
      expect([name, r.status, r.json.respcd, r.json.respmsg]).toEqual([name, 200, '1108', '']);
      expect(r.json.resperr).toMatch(/^Signature error: /);
    }
    nothingHappened(sim);
    expect(sim.requests()).toHaveLength(cases.length);
    expect(sim.requests().every((r) => r.respcd === '1108' && r.funcType === 1001)).toBe(true);
    // Queries need a signature too.
    expect((await cloudPost(sim, '/ecr/v1/query', { termid: TERMID, out_trade_no: 'AUTH-1' }, { sign: null })).json.respcd).toBe('1108');
  });

  it('accepts SHA256 (X-QF-SIGNTYPE), an explicit MD5, and lower-case hex', async () => {
    sim = await start();
    expect((await pushPayment(sim, 'SHA-1', '100', 'wx', {}, { signType: 'SHA256' })).json).toEqual({ resperr: 'Order push success', respcd: '0000', respmsg: '' });
    sim.customer.cancel();
    expect((await pushPayment(sim, 'MD5-1', '100', 'wx', {}, { signTypeHeader: 'md5' })).json.respcd).toBe('0000');
    sim.customer.cancel();
    const params = { ...PAYMENT, out_trade_no: 'LOW-1' };
    expect((await cloudPost(sim, '/ecr/v1/payment/async', params, { sign: qfSign(params).toLowerCase() })).json.respcd).toBe('0000');
  });

  it('signs raw values, not URL-encoded ones: spaces, &, =, + and non-ASCII survive', async () => {
    sim = await start();
    const outTradeNo = 'A&B=C+D E/é中';
    const r = await pushPayment(sim, outTradeNo, '100', 'wx', { note: 'x=1&y=2' });
    expect(r.json.respcd).toBe('0000');
    expect((await sim.waitForScreen()).outTradeNo).toBe(outTradeNo);
    // Unknown parameters are ignored but signed: dropping one from the signature breaks it.
    const params = { ...PAYMENT, out_trade_no: 'EXTRA-1', extra: 'v' };
    const { extra: _dropped, ...signedPart } = params;
    expect((await cloudPost(sim, '/ecr/v1/payment/async', params, { sign: qfSign(signedPart) })).json.respcd).toBe('1108');
  });

  it('an unbound termid is 1106 with the termid masked as in QFPay\'s sample', async () => {
    sim = await start();
    const r = await pushPayment(sim, 'AUTH-1', '100', 'wx', { termid: '235C9999503' });
    expect(r.text).toBe('{"resperr":"Termid 235C****503 is unbounded, please login MchntApp to bind it!","respcd":"1106","respmsg":""}');
    for (const path of ['/ecr/v1/cancel/async', '/ecr/v1/print_summary/async']) {
      expect((await cloudPost(sim, path, { termid: 'OTHER-TERM' })).json).toMatchObject({ respcd: '1106', resperr: 'Termid OT****RM is unbounded, please login MchntApp to bind it!' });
    }
    expect((await cloudPost(sim, '/ecr/v1/query', { termid: 'T1', out_trade_no: 'X' })).json.resperr).toBe('Termid **** is unbounded, please login MchntApp to bind it!');
    nothingHappened(sim, 1);
  });

  it('missing or invalid parameters are 1104 naming the field, never echoing values', async () => {
    sim = await start();
    const { scan_type: _s, ...noScanType } = PAYMENT;
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['/ecr/v1/payment/async', noScanType, /scan_type is required/],
      ['/ecr/v1/payment/async', { ...PAYMENT, scan_type: 'BOTH' }, /scan_type/],
      ['/ecr/v1/payment/async', { ...PAYMENT, txamt: '12.50' }, /txamt must be a positive integer number of cents/],
      ['/ecr/v1/payment/async', { ...PAYMENT, txamt: '0' }, /txamt/],
      ['/ecr/v1/payment/async', { ...PAYMENT, channel: 'bitcoin' }, /channel must be one of/],
      ['/ecr/v1/payment/async', { ...PAYMENT, out_trade_no: '' }, /out_trade_no is required/],
      ['/ecr/v1/payment/async', { ...PAYMENT, camera_id: '2' }, /camera_id must be 0 or 1/],
      ['/ecr/v1/payment/async', { ...PAYMENT, payment_timeout: '-5' }, /payment_timeout/],
      ['/ecr/v1/payment/async', { txamt: '100', channel: 'wx', out_trade_no: 'AUTH-1', scan_type: 'SCAN_PAY' }, /termid is required/],
      ['/ecr/v1/refund/async', { termid: TERMID }, /syssn is required/],
      ['/ecr/v1/refund/async', { termid: TERMID, syssn: '1', txamt: 'all' }, /txamt/],
      ['/ecr/v1/print_receipt/async', { termid: TERMID, syssn: '1' }, /out_trade_no is required/],
      ['/ecr/v1/query', { termid: TERMID }, /syssn or out_trade_no is required/],
    ];
    for (const [path, params, why] of cases) {
      const r = await cloudPost(sim, path, params);
      expect([path, r.json.respcd]).toEqual([path, '1104']);
      expect(r.json.resperr).toMatch(/^Request parameter error: /);
      expect(r.json.resperr).toMatch(why);
      expect(r.json.resperr).not.toContain('bitcoin');
    }
    nothingHappened(sim, 8);
  });

  it('mchid: required and checked when configured, refused when none was issued', async () => {
    sim = await start();
    expect((await pushPayment(sim, 'AUTH-1', '100', 'wx', { mchid: 'M1' })).json).toMatchObject({ respcd: '1104', resperr: expect.stringMatching(/mchid must be omitted/) });
    await sim.close();
    sim = await start({ cloud: { ...CLOUD, mchid: 'MCH-42' } });
    expect((await pushPayment(sim, 'AUTH-1', '100', 'wx')).json).toMatchObject({ respcd: '1104', resperr: expect.stringMatching(/mchid is required/) });
    expect((await pushPayment(sim, 'AUTH-1', '100', 'wx', { mchid: 'MCH-41' })).json.respcd).toBe('1104');
    expect((await pushPayment(sim, 'AUTH-1', '100', 'wx', { mchid: 'MCH-42' })).json.respcd).toBe('0000');
  });

  it('format errors: not a form body 1103, GET 405/1103, a parameter twice 1103, unknown path 404', async () => {
    sim = await start();
    const json = await cloudPost(sim, '/ecr/v1/payment/async', PAYMENT, { contentType: 'application/json', rawBody: JSON.stringify(PAYMENT) });
    expect(json.json).toMatchObject({ respcd: '1103', resperr: expect.stringMatching(/x-www-form-urlencoded/) });
    const get = await cloudPost(sim, '/ecr/v1/query', {}, { method: 'GET' });
    expect([get.status, get.json.respcd]).toEqual([405, '1103']);
    const twice = await cloudPost(sim, '/ecr/v1/payment/async', PAYMENT, { rawBody: `${new URLSearchParams(PAYMENT).toString()}&txamt=1` });
    expect(twice.json).toMatchObject({ respcd: '1103', resperr: expect.stringMatching(/txamt is given more than once/) });
    const unknown = await cloudPost(sim, '/ecr/v1/preauth/async', PAYMENT);
    expect(unknown.status).toBe(404);
    nothingHappened(sim);
  });

  it('trusts only the simulator CA (real TLS, verification on)', async () => {
    sim = await start();
    const other = await createTestPki();
    await expect(cloudPost(sim, '/ecr/v1/query', { termid: TERMID, out_trade_no: 'X' }, { ca: other.caCertPem })).rejects.toThrow();
    expect((await cloudQuery(sim, { out_trade_no: 'X' })).json.respcd).toBe('1136');
  });

  it('faults on the OpenAPI route: drop-before, http500, delay, garbage, truncate', async () => {
    sim = await start({ customer: { action: 'approve', afterMs: 0 } });
    sim.injectFault({ kind: 'drop-before' });
    await expect(pushPayment(sim, 'F-1', '100', 'wx')).rejects.toThrow();
    expect(sim.requests()[0]).toMatchObject({ path: '/ecr/v1/payment/async', fault: 'drop-before', respcd: null });
    expect(sim.paymentRequestCount('F-1')).toBe(0);

    sim.injectFault({ kind: 'http500' });
    const h = await pushPayment(sim, 'F-2', '100', 'wx');
    expect(h.status).toBe(500);
    expect(h.contentType).toMatch(/text\/html/);
    expect(sim.paymentRequestCount('F-2')).toBe(1); // it arrived, authentic, but was not processed
    await sleep(50);
    expect(sim.transactions()).toHaveLength(0);

    sim.injectFault({ kind: 'delay', ms: 150 });
    const before = Date.now();
    const d = await pushPayment(sim, 'F-3', '100', 'wx');
    expect(d.json.respcd).toBe('0000');
    expect(Date.now() - before).toBeGreaterThanOrEqual(140);
    await until(() => sim?.transactions().length === 1);

    sim.injectFault({ kind: 'garbage' });
    const g = await pushPayment(sim, 'F-4', '100', 'wx');
    expect(g.json.respcd).toBe('');
    await until(() => sim?.transactions().length === 2); // processed: the push reached the terminal

    sim.injectFault({ kind: 'truncate', complete: true });
    const t = await pushPayment(sim, 'F-5', '100', 'wx');
    expect(t.text.length).toBeGreaterThan(0);
    expect('{"resperr":"Order push success","respcd":"0000","respmsg":""}'.startsWith(t.text)).toBe(true);
    expect(t.json.respcd).toBe(''); // half a JSON object does not parse
    await until(() => sim?.transactions().length === 3);
    expect(sim.requests().map((r) => r.fault ?? null)).toEqual(['drop-before', 'http500', 'delay', 'garbage', 'truncate']);
  });

  it('the busy fault makes the terminal drop a push (accepted, nothing booked)', async () => {
    sim = await start({ customer: { action: 'approve', afterMs: 0 } });
    sim.injectFault({ kind: 'busy' });
    expect((await pushPayment(sim, 'BUSY-1', '100', 'wx')).json.respcd).toBe('0000');
    await sleep(50);
    expect(sim.transactions()).toHaveLength(0);
    expect(sim.requests()[0]).toMatchObject({ fault: 'busy' });
    expect((await cloudQuery(sim, { out_trade_no: 'BUSY-1' })).json.respcd).toBe('1136');
  });

  it('the client key never reaches logs, records, replies, notifications or errors', async () => {
    const lines: string[] = [];
    const rx = await notifyReceiver();
    try {
      sim = await start({ log: (line) => lines.push(line), customer: { action: 'approve', afterMs: 0 }, notify: { url: rx.url, key: NOTIFY_KEY, scheduleMs: [0] } });
      const replies: string[] = [];
      replies.push((await pushPayment(sim, 'SEC-1', '100', 'wx')).text);
      await until(() => sim?.transactions().length === 1);
      replies.push((await pushPayment(sim, 'SEC-2', '100', 'wx', {}, { key: 'wrong' })).text);
      replies.push((await pushPayment(sim, 'SEC-3', '100', 'wx', { termid: 'nope' })).text);
      replies.push((await cloudQuery(sim, { out_trade_no: 'SEC-1' })).text);
      expect(JSON.parse(replies[3] as string)).toMatchObject({ respcd: '0000', respmsg: { out_trade_no: 'SEC-1' } });
      await until(() => rx.received.length === 1);
      expect(lines.length).toBeGreaterThanOrEqual(4);
      expect(lines.some((l) => l.startsWith('cloud POST /ecr/v1/payment/async → 0000 (terminal: opened)'))).toBe(true);
      const everything = JSON.stringify({ lines, replies, requests: sim.requests(), tx: sim.transactions(), n: sim.notifications(), rx: rx.received, cloud: sim.cloud });
      expect(everything).not.toContain(CLIENT_KEY);
    } finally {
      await rx.close();
    }
    // Invalid options are refused with a ConfigError that names the field, not the key.
    const bad = [{ ...CLOUD, termid: 'has space' }, { ...CLOUD, appCode: '' }, { ...CLOUD, clientKey: '' }, { ...CLOUD, port: 70000 }];
    for (const cloud of bad) {
      const error: unknown = await startSimulator({ posKey: POS_KEY, cloud }).then(
        async (s) => {
          await s.close();
          return null;
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/cloud\./);
      expect((error as Error).message).not.toContain(CLIENT_KEY);
    }
  });
});
