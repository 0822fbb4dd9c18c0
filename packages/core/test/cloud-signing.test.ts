/**
 * ECR Cloud building blocks: OpenAPI signatures (expected digests computed here, independently,
 * with node:crypto over hand-written strings), environment selection, options, reply schemas.
 */
import { createHash } from 'node:crypto';
import { createTestPki } from '@qfpay-ecr/simulator';
import {
  CLOUD_ENVIRONMENTS,
  cloudAuthHeaders,
  decodeCloudReply,
  notificationSourceFromEmitter,
  parseCloudTransaction,
  parseSignType,
  QFPayCloudTerminal,
  resolveCloudEndpoint,
  signatureBase,
  signCloudRequest,
  verifyCloudSignature,
  type QFPayCloudTerminalOptions,
} from '../src/cloud/index.js';
import { ConfigError } from '../src/errors.js';
import { EventEmitter } from 'node:events';

const KEY = 'Test0ClientKey0123456789abcdefAB';
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex').toUpperCase();

describe('OpenAPI signature', () => {
  it('payment params: sorted by name, k=v joined with &, key appended; MD5 and SHA-256, upper-case hex', () => {
    const params = { txamt: 1250, termid: 'T-01', scan_type: 'SCAN_PAY', out_trade_no: 'shop1-0abc', channel: 'card_payment', payment_timeout: 120 };
    const written = 'channel=card_payment&out_trade_no=shop1-0abc&payment_timeout=120&scan_type=SCAN_PAY&termid=T-01&txamt=1250';
    expect(signatureBase(params)).toBe(written);
    expect(signCloudRequest(params, KEY)).toBe(md5(written + KEY));
    expect(signCloudRequest(params, KEY, 'MD5')).toMatch(/^[0-9A-F]{32}$/);
    expect(signCloudRequest(params, KEY, 'SHA256')).toBe(sha256(written + KEY));
    expect(signCloudRequest(params, KEY, 'SHA256')).toMatch(/^[0-9A-F]{64}$/);
  });

  it('ASCII order (upper case before lower, "_" between), undefined dropped, values never URL-encoded, non-ASCII hashed as UTF-8', () => {
    const params = { b: '2', B: '1', a_b: '3', a: '0', note: '咖啡 café & tea=1', skipped: undefined, mchid: 'M1' };
    const written = 'B=1&a=0&a_b=3&b=2&mchid=M1&note=咖啡 café & tea=1';
    expect(signatureBase(params)).toBe(written);
    expect(signCloudRequest(params, KEY)).toBe(md5(written + KEY));
    expect(signCloudRequest(params, KEY, 'SHA256')).toBe(sha256(written + KEY));
    // A non-ASCII key is UTF-8 too.
    expect(signCloudRequest({ a: '1' }, 'clé-秘密')).toBe(md5('a=1clé-秘密'));
  });

  it('the documented push and query shapes', () => {
    const refund = { syssn: '20240627180000000018000', termid: 'T-01', txamt: '500', out_trade_no: 'rf-1', allow_modify_flag: 0 };
    expect(signCloudRequest(refund, KEY)).toBe(md5('allow_modify_flag=0&out_trade_no=rf-1&syssn=20240627180000000018000&termid=T-01&txamt=500' + KEY));
    expect(signCloudRequest({ termid: 'T-01' }, KEY, 'SHA256')).toBe(sha256('termid=T-01' + KEY));
  });

  it('headers: X-QF-APPCODE and X-QF-SIGN; X-QF-SIGNTYPE only for SHA-256', () => {
    const params = { termid: 'T-01' };
    expect(cloudAuthHeaders(params, 'APP1', KEY)).toEqual({ 'X-QF-APPCODE': 'APP1', 'X-QF-SIGN': md5('termid=T-01' + KEY) });
    expect(cloudAuthHeaders(params, 'APP1', KEY, 'SHA256')).toEqual({ 'X-QF-APPCODE': 'APP1', 'X-QF-SIGN': sha256('termid=T-01' + KEY), 'X-QF-SIGNTYPE': 'SHA256' });
    expect(parseSignType(undefined)).toBe('MD5');
    expect(parseSignType('sha256')).toBe('SHA256');
    expect(parseSignType('RSA')).toBeUndefined();
  });

  it('verify: constant-time, case-insensitive hex, false for anything else; an empty key is a configuration error', () => {
    const params = { a: '1', b: 'x' };
    const good = md5('a=1&b=x' + KEY);
    expect(verifyCloudSignature(params, good, KEY)).toBe(true);
    expect(verifyCloudSignature(params, good.toLowerCase(), KEY)).toBe(true);
    expect(verifyCloudSignature(params, sha256('a=1&b=x' + KEY), KEY, 'SHA256')).toBe(true);
    expect(verifyCloudSignature(params, good, KEY, 'SHA256')).toBe(false);
    expect(verifyCloudSignature({ ...params, b: 'y' }, good, KEY)).toBe(false);
    expect(verifyCloudSignature(params, good.slice(1), KEY)).toBe(false);
    expect(verifyCloudSignature(params, undefined, KEY)).toBe(false);
    expect(() => signCloudRequest(params, '')).toThrow(ConfigError);
  });
});

describe('environment selection', () => {
  const base: QFPayCloudTerminalOptions = { environment: 'production', appCode: 'APP', clientKey: KEY, termid: 'T-01' };
  const make = (o: Partial<QFPayCloudTerminalOptions> & Record<string, unknown>) => new QFPayCloudTerminal({ ...base, ...o } as QFPayCloudTerminalOptions);
  const configError = (fn: () => unknown): ConfigError => {
    try {
      fn();
    } catch (err) {
      if (err instanceof ConfigError) return err;
      throw err;
    }
    throw new Error('no ConfigError');
  };

  it('the documented hosts, one per environment', async () => {
    for (const [environment, url] of Object.entries({ production: 'https://openapi-hk.qfapi.com', 'live-test': 'https://test-openapi-hk.qfapi.com', sandbox: 'https://openapi-int.qfapi.com' })) {
      const t = make({ environment: environment as QFPayCloudTerminalOptions['environment'] });
      expect(t.endpoint).toEqual({ environment, baseUrl: url });
      expect(CLOUD_ENVIRONMENTS[environment as keyof typeof CLOUD_ENVIRONMENTS]).toBe(url);
      await t.close();
    }
  });

  it('no environment, or an unknown one, is refused: there is no default', () => {
    const none = configError(() => make({ environment: undefined }));
    expect(none.code).toBe('CONFIG_CLOUD_ENVIRONMENT');
    expect(none.message).toMatch(/no QFPay OpenAPI environment was chosen.*production, live-test, sandbox, custom/);
    expect(configError(() => make({ environment: 'prod' as never })).code).toBe('CONFIG_CLOUD_ENVIRONMENT');
    expect(configError(() => resolveCloudEndpoint({ environment: '' })).code).toBe('CONFIG_CLOUD_ENVIRONMENT');
  });

  it('baseUrl / ca only with "custom": credentials are never sent to a host of another environment', () => {
    const e1 = configError(() => make({ baseUrl: 'https://127.0.0.1:9443' }));
    expect(e1).toMatchObject({ code: 'CONFIG_CLOUD_ENVIRONMENT' });
    expect(e1.message).toMatch(/only for environment "custom"/);
    expect(configError(() => make({ environment: 'sandbox', ca: '/no/such/file.pem' })).code).toBe('CONFIG_CLOUD_ENVIRONMENT');
    expect(configError(() => make({ environment: 'custom' })).message).toMatch(/needs baseUrl/);
    expect(configError(() => make({ environment: 'custom', baseUrl: 'http://openapi.example.test' })).message).toMatch(/must use https/);
    expect(configError(() => make({ environment: 'custom', baseUrl: 'https://h.example.test/ecr' })).message).toMatch(/bare origin/);
    expect(configError(() => make({ environment: 'custom', baseUrl: 'https://user:pw@h.example.test' })).message).not.toContain('pw');
    expect(resolveCloudEndpoint({ environment: 'custom', baseUrl: 'http://127.0.0.1:8080' })).toEqual({ environment: 'custom', baseUrl: 'http://127.0.0.1:8080' });
  });

  it('a custom CA must be a CA certificate, readable, current', async () => {
    const pki = await createTestPki();
    expect(configError(() => make({ environment: 'custom', baseUrl: 'https://127.0.0.1:1', ca: pki.leafCertPem })).code).toBe('CONFIG_CA_NOT_CA');
    expect(configError(() => make({ environment: 'custom', baseUrl: 'https://127.0.0.1:1', ca: '/no/such/ca.pem' })).code).toBe('CONFIG_CA_UNREADABLE');
    const ok = make({ environment: 'custom', baseUrl: 'https://127.0.0.1:1/', ca: pki.caCertPem });
    expect(ok.endpoint).toEqual({ environment: 'custom', baseUrl: 'https://127.0.0.1:1' });
    await ok.close();
  });

  it('other bad options are listed by name, never by value', () => {
    const e = configError(() => make({ clientKey: '', termid: 'has space', appCode: 'SECRET-APP-CODE', signType: 'RSA' as never, extra: 1 }));
    expect(e.code).toBe('CONFIG_CLOUD_OPTIONS');
    expect(e.message).toMatch(/clientKey/);
    expect(e.message).toMatch(/termid/);
    expect(e.message).not.toContain('has space');
    expect(configError(() => make({ resolve: { minIntervalMs: 5000, maxIntervalMs: 100 } })).message).toMatch(/minIntervalMs must not exceed/);
    expect(configError(() => make({ notifications: {} as never })).message).toMatch(/notifications must have subscribe/);
  });
});

describe('OpenAPI replies', () => {
  it('push replies, success and error', () => {
    expect(decodeCloudReply('{"resperr":"Order push success","respcd":"0000","respmsg":""}')).toEqual({ respcd: '0000', message: 'Order push success', respmsg: '' });
    expect(decodeCloudReply('{"resperr":"Termid 235C****503 is unbounded, please login MchntApp to bind it!","respcd":"1106","respmsg":""}')).toMatchObject({ respcd: '1106', message: expect.stringMatching(/unbounded/) });
    expect(() => decodeCloudReply('<html>')).toThrow(expect.objectContaining({ code: 'CLOUD_REPLY_NOT_JSON' }));
    expect(() => decodeCloudReply('[1]')).toThrow(expect.objectContaining({ code: 'CLOUD_REPLY_SCHEMA' }));
    expect(() => decodeCloudReply('{"resperr":"x"}')).toThrow(expect.objectContaining({ code: 'CLOUD_REPLY_SCHEMA' }));
  });

  it('the query sample: the transaction inside respmsg, as an object or a JSON string; cents, 344 → HKD', () => {
    const sample = {
      server_time: '2024-07-04 15:14:25',
      cancel: 0,
      cardscheme: 'ECMC',
      out_trade_no: '202307260004',
      syssn: '20240627180000000018000',
      tradetp: 'payment',
      sysdtm: '2024-06-27 15:16:35',
      txcurrcd: '344',
      origssn: '',
      allow_refund_amt: 511,
      cardno: '520000******1096',
      userid: 113000619,
      txamt: 511,
      busicd: '802801',
      respcd: '0000',
      chnlsn: '',
    };
    const body = JSON.stringify({ resperr: 'Query success', respcd: '0000', respmsg: sample });
    const reply = decodeCloudReply(body);
    expect(reply).toMatchObject({ respcd: '0000', message: 'Query success' });
    for (const respmsg of [reply.respmsg, JSON.stringify(sample)]) {
      expect(parseCloudTransaction(respmsg)).toMatchObject({ respcd: '0000', syssn: sample.syssn, out_trade_no: '202307260004', amountMinor: 511, refundableMinor: 511, currency: 'HKD', cancel: 0, cardno: '520000******1096', tradetp: 'payment' });
    }
    expect(() => parseCloudTransaction('')).toThrow(expect.objectContaining({ code: 'CLOUD_QUERY_NO_TRANSACTION' }));
    expect(() => parseCloudTransaction('{oops')).toThrow(expect.objectContaining({ code: 'CLOUD_QUERY_NO_TRANSACTION' }));
    expect(() => parseCloudTransaction({ ...sample, txamt: 5.11 })).toThrow(expect.objectContaining({ code: 'DECODE_REPLY_DATA' }));
    // A full card number is never kept.
    expect(parseCloudTransaction({ ...sample, cardno: '5200001234561096' }).cardno).not.toBe('5200001234561096');
  });

  it('notificationSourceFromEmitter: takes notify-server records or bare notifications, reports anything else', () => {
    const emitter = new EventEmitter();
    const errors: Error[] = [];
    const seen: unknown[] = [];
    const source = notificationSourceFromEmitter(emitter, { onError: (e) => errors.push(e) });
    const off = source.subscribe((n) => seen.push(n));
    const n = { kind: 'payment', notifyType: 'payment', success: true, status: '1', syssn: '1', amountMinor: 100, currency: 'HKD', raw: {} };
    emitter.emit('notification', { id: 7, notification: n });
    emitter.emit('notification', n);
    emitter.emit('notification', { kind: 'payment', notifyType: 'payment', success: true });
    expect(seen).toHaveLength(2);
    expect(errors).toHaveLength(1);
    off();
    emitter.emit('notification', n);
    expect(seen).toHaveLength(2);
    expect(emitter.listenerCount('notification')).toBe(0);
  });
});
