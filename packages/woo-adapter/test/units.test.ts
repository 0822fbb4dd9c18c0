/** Pure parts: amounts, meta state, references, the in-process feed, the per-order lock, config. */
import { EventEmitter } from 'node:events';
import { QFPayCloudTerminal, type NormalizedNotification } from '@qfpay-ecr/core';
import fc from 'fast-check';
import { createBridge, emitterFeed, loadBridgeConfig, minorToWooAmount, orderIdFromReference, readPaymentState, WooConfigError, wooAmountToMinor, type FeedError } from '../src/index.js';
import { KeyedLock } from '../src/lock.js';

describe('WooCommerce amounts ↔ minor units', () => {
  it('converts exactly, accepting zero padding beyond cents and refusing what cents cannot carry', () => {
    expect(wooAmountToMinor('12.50', 'HKD')).toBe(1250);
    expect(wooAmountToMinor('12.5', 'HKD')).toBe(1250);
    expect(wooAmountToMinor('12', 'HKD')).toBe(1200);
    expect(wooAmountToMinor('12.500', 'HKD')).toBe(1250);
    expect(wooAmountToMinor('0.30', 'HKD')).toBe(30);
    expect(wooAmountToMinor('12.505', 'HKD')).toBeUndefined();
    expect(wooAmountToMinor('-1.00', 'HKD')).toBeUndefined();
    expect(wooAmountToMinor('1e3', 'HKD')).toBeUndefined();
    expect(wooAmountToMinor('12.50', 'USD')).toBeUndefined();
    expect(minorToWooAmount(5)).toBe('0.05');
  });

  it('round-trips every amount (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000 }), fc.integer({ min: 0, max: 3 }), (minor, pad) => {
        const text = minorToWooAmount(minor) + '0'.repeat(pad);
        expect(wooAmountToMinor(text, 'HKD')).toBe(minor);
      }),
    );
  });
});

describe('payment state in order meta', () => {
  const meta = (entries: Record<string, unknown>) => ({ meta_data: Object.entries(entries).map(([key, value], i) => ({ id: i + 1, key, value })) });

  it('reads the JSON history, tolerating numbers stored as strings', () => {
    const s = readPaymentState(meta({ _qfpay_attempts: JSON.stringify([{ n: '2', outTradeNo: 'b', status: 'declined' }, { n: 1, outTradeNo: 'a', status: 'approved', amountMinor: '100' }]) }));
    expect(s.attempts.map((a) => [a.n, a.outTradeNo])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(s.current).toMatchObject({ n: 2, status: 'declined' });
    expect(s.attempts[0]?.amountMinor).toBe(100);
  });

  it('unreadable history: rebuilt from the flat keys, conservatively unresolved', () => {
    const s = readPaymentState(meta({ _qfpay_attempts: '{broken', _qfpay_out_trade_no: 'wc1-1-x', _qfpay_attempt: '1', _qfpay_status: 'garbled' }));
    expect(s).toMatchObject({ degraded: true, current: { n: 1, outTradeNo: 'wc1-1-x', status: 'unknown' } });
    expect(readPaymentState(meta({})).current).toBeUndefined();
  });

  it('flat keys naming a newer attempt than the history win', () => {
    const s = readPaymentState(meta({ _qfpay_attempts: JSON.stringify([{ n: 1, outTradeNo: 'a', status: 'declined' }]), _qfpay_out_trade_no: 'b', _qfpay_attempt: '2', _qfpay_status: 'pending' }));
    expect(s.current).toMatchObject({ n: 2, outTradeNo: 'b', status: 'pending' });
  });
});

describe('references', () => {
  it('finds the order id in <prefix><id>-<n>-…', () => {
    expect(orderIdFromReference('wc123-2-0abc', 'wc')).toBe(123);
    expect(orderIdFromReference('shop9-1-x', 'shop')).toBe(9);
    expect(orderIdFromReference('wcabc-1-x', 'wc')).toBeUndefined();
    expect(orderIdFromReference('odoo--1--2', 'wc')).toBeUndefined();
    expect(orderIdFromReference(undefined, 'wc')).toBeUndefined();
  });
});

describe('emitterFeed', () => {
  const n = (syssn: string): NormalizedNotification => ({ kind: 'payment', notifyType: 'payment', success: true, status: '1', syssn, amountMinor: 1, currency: 'HKD', raw: {} });

  it('delivers in order, one at a time, unwraps records, reports bad payloads, and unsubscribes', async () => {
    const emitter = new EventEmitter();
    const errors: Error[] = [];
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const off = emitterFeed(emitter, { onError: (e) => errors.push(e) }).subscribe(async (x) => {
      seen.push(`start ${x.syssn}`);
      if (x.syssn === 'A') await gate;
      seen.push(`end ${x.syssn}`);
      if (x.syssn === 'B') finish();
    });
    emitter.emit('notification', { id: 1, notification: n('A') });
    emitter.emit('notification', { kind: 'payment' });
    emitter.emit('notification', n('B'));
    release();
    await finished;
    expect(seen).toEqual(['start A', 'end A', 'start B', 'end B']);
    expect(errors.map((e) => (e as FeedError).code)).toEqual(['FEED_BAD_EVENT']);
    off();
    expect(emitter.listenerCount('notification')).toBe(0);
  });
});

describe('KeyedLock', () => {
  it('serialises work per key and lets other keys run', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const a1 = lock.run(1, async () => {
      log.push('a1 start');
      await gate;
      log.push('a1 end');
    });
    const a2 = lock.run(1, async () => {
      log.push('a2');
    });
    await lock.run(2, async () => {
      log.push('b');
    });
    expect(lock.busy(1)).toBe(true);
    release();
    await Promise.all([a1, a2]);
    expect(log).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
    expect(lock.busy(1)).toBe(false);
  });
});

describe('bridge configuration', () => {
  it('validates the environment and names what is missing or wrong, never values', () => {
    let err: unknown;
    try {
      loadBridgeConfig({ WOO_URL: 'shop', WOO_CONSUMER_SECRET: 'cs_secretvalue', QFPAY_TERMINAL: '10.0.0.5:99999', WOO_ALLOW_INSECURE_HTTP: 'maybe' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WooConfigError);
    const m = (err as Error).message;
    expect(m).toMatch(/WOO_URL must be a URL/);
    expect(m).toMatch(/WOO_CONSUMER_KEY is required/);
    expect(m).toMatch(/QFPAY_TERMINAL must be HOST or HOST:PORT/);
    expect(m).toMatch(/WOO_ALLOW_INSECURE_HTTP must be 1\/0/);
    expect(m).not.toContain('cs_secretvalue');
  });

  it('builds the configuration with defaults; the terminal part is optional on request', () => {
    const env = { WOO_URL: 'https://shop.example', WOO_CONSUMER_KEY: 'ck_1', WOO_CONSUMER_SECRET: 'cs_1', QFPAY_TERMINAL: '192.168.1.20', QFPAY_POS_KEY: 'k', QFPAY_CA: '/etc/ca3.crt' };
    expect(loadBridgeConfig(env)).toEqual({
      woo: { url: 'https://shop.example', consumerKey: 'ck_1', consumerSecret: 'cs_1', allowInsecureHttp: false },
      terminal: { host: '192.168.1.20', port: 9001, posKey: 'k', ca: '/etc/ca3.crt' },
    });
    expect(loadBridgeConfig({ WOO_URL: 'https://shop.example', WOO_CONSUMER_KEY: 'ck_1', WOO_CONSUMER_SECRET: 'cs_1' }, { terminal: false }).terminal).toBeUndefined();
    expect(() => loadBridgeConfig({ ...env, QFPAY_EVENTS_URL: 'https://pay.example/qfpay/events' })).toThrow(/go together/);
    expect(loadBridgeConfig({ ...env, QFPAY_TERMINAL: '[fe80::1]:9443' }).terminal).toMatchObject({ host: 'fe80::1', port: 9443 });
  });

  const WOO = { WOO_URL: 'https://shop.example', WOO_CONSUMER_KEY: 'ck_1', WOO_CONSUMER_SECRET: 'cs_1' };
  const CLIENT_KEY = 'cloud-client-key-S3cret-value-01';

  it('QFPAY_MODE=cloud reads the ECR Cloud variables (as core\'s CLI names them) and ignores the LAN ones', () => {
    const cloudEnv = { ...WOO, QFPAY_MODE: 'cloud', QFPAY_CLOUD_ENV: 'production', QFPAY_APP_CODE: 'APPCODE1', QFPAY_CLIENT_KEY: CLIENT_KEY, QFPAY_TERMID: 'DEVICE01', QFPAY_SIGN_TYPE: 'sha256', QFPAY_TERMINAL: '192.168.1.20', QFPAY_TERMINAL_ID: 'till-9' };
    expect(loadBridgeConfig(cloudEnv)).toEqual({
      woo: { url: 'https://shop.example', consumerKey: 'ck_1', consumerSecret: 'cs_1', allowInsecureHttp: false },
      cloud: { environment: 'production', appCode: 'APPCODE1', clientKey: CLIENT_KEY, termid: 'DEVICE01', signType: 'SHA256' },
      terminalId: 'till-9',
    });
    expect(loadBridgeConfig({ ...cloudEnv, QFPAY_MODE: 'CLOUD', QFPAY_SIGN_TYPE: '', QFPAY_MCHID: 'MCH1', QFPAY_CLOUD_ENV: 'custom', QFPAY_CLOUD_URL: 'https://127.0.0.1:8443', QFPAY_CLOUD_CA: '/tmp/ca.pem' }).cloud).toEqual({
      environment: 'custom',
      baseUrl: 'https://127.0.0.1:8443',
      ca: '/tmp/ca.pem',
      appCode: 'APPCODE1',
      clientKey: CLIENT_KEY,
      termid: 'DEVICE01',
      mchid: 'MCH1',
    });
    // Read-only commands need no terminal part in either mode.
    expect(loadBridgeConfig({ ...WOO, QFPAY_MODE: 'cloud' }, { terminal: false })).toEqual({ woo: { url: 'https://shop.example', consumerKey: 'ck_1', consumerSecret: 'cs_1', allowInsecureHttp: false } });
    // LAN stays the default, and its missing variables point at cloud mode too.
    const lan = (() => {
      try {
        return loadBridgeConfig({ ...WOO, QFPAY_CLIENT_KEY: CLIENT_KEY });
      } catch (e) {
        return e as WooConfigError;
      }
    })();
    expect(lan).toBeInstanceOf(WooConfigError);
    expect((lan as WooConfigError).message).toMatch(/QFPAY_TERMINAL is required/);
    expect((lan as WooConfigError).hint).toMatch(/QFPAY_MODE=cloud/);
  });

  it('cloud mode names every missing or inconsistent variable, never a value', () => {
    const problems = (env: Record<string, string>): string => {
      try {
        loadBridgeConfig({ ...WOO, QFPAY_MODE: 'cloud', ...env });
      } catch (e) {
        expect(e).toBeInstanceOf(WooConfigError);
        expect(`${(e as WooConfigError).message} ${(e as WooConfigError).hint}`).not.toContain(CLIENT_KEY);
        return (e as Error).message;
      }
      throw new Error('expected a configuration error');
    };
    const m = problems({ QFPAY_CLIENT_KEY: CLIENT_KEY });
    expect(m).toMatch(/QFPAY_CLOUD_ENV must be one of production, live-test, sandbox, custom \(required in cloud mode/);
    expect(m).toMatch(/QFPAY_APP_CODE is required/);
    expect(m).toMatch(/QFPAY_TERMID is required/);
    expect(m).not.toMatch(/QFPAY_CLIENT_KEY/);
    expect(problems({ QFPAY_CLOUD_ENV: 'staging', QFPAY_APP_CODE: 'A', QFPAY_TERMID: 'D' })).toMatch(/QFPAY_CLOUD_ENV must be one of .*QFPAY_CLIENT_KEY is required/);
    const full = { QFPAY_APP_CODE: 'A', QFPAY_CLIENT_KEY: CLIENT_KEY, QFPAY_TERMID: 'D' };
    expect(problems({ ...full, QFPAY_CLOUD_ENV: 'custom' })).toMatch(/QFPAY_CLOUD_URL is required with QFPAY_CLOUD_ENV=custom/);
    expect(problems({ ...full, QFPAY_CLOUD_ENV: 'sandbox', QFPAY_CLOUD_URL: 'https://elsewhere.example' })).toMatch(/QFPAY_CLOUD_URL is only for QFPAY_CLOUD_ENV=custom/);
    expect(problems({ ...full, QFPAY_CLOUD_ENV: 'live-test', QFPAY_CLOUD_CA: '/tmp/ca.pem' })).toMatch(/QFPAY_CLOUD_CA is only for QFPAY_CLOUD_ENV=custom/);
    expect(problems({ ...full, QFPAY_CLOUD_ENV: 'production', QFPAY_SIGN_TYPE: 'SHA1' })).toMatch(/QFPAY_SIGN_TYPE must be MD5 or SHA256/);
    expect(problems({ ...full, QFPAY_CLOUD_ENV: 'production', QFPAY_MODE: 'remote' })).toMatch(/QFPAY_MODE must be lan/);
  });

  it('createBridge builds a QFPayCloudTerminal in cloud mode; core refuses an unusable URL without echoing the key', async () => {
    const config = loadBridgeConfig({ ...WOO, QFPAY_MODE: 'cloud', QFPAY_CLOUD_ENV: 'sandbox', QFPAY_APP_CODE: 'A', QFPAY_CLIENT_KEY: CLIENT_KEY, QFPAY_TERMID: 'D', QFPAY_TERMINAL_ID: 'till-3' });
    const bridge = createBridge(config);
    expect(bridge.terminal).toBeInstanceOf(QFPayCloudTerminal);
    expect((bridge.terminal as QFPayCloudTerminal).endpoint).toEqual({ environment: 'sandbox', baseUrl: 'https://openapi-int.qfapi.com' });
    expect((bridge.terminal as QFPayCloudTerminal).id).toBe('till-3');
    await bridge.close();
    const bad = loadBridgeConfig({ ...WOO, QFPAY_MODE: 'cloud', QFPAY_CLOUD_ENV: 'custom', QFPAY_CLOUD_URL: 'http://shop.example:8080', QFPAY_APP_CODE: 'A', QFPAY_CLIENT_KEY: CLIENT_KEY, QFPAY_TERMID: 'D' });
    const err = (() => {
      try {
        createBridge(bad);
      } catch (e) {
        return e as Error & { code?: string };
      }
      return undefined;
    })();
    expect(err).toMatchObject({ code: 'CONFIG_CLOUD_ENVIRONMENT' });
    expect(err?.message).toMatch(/https/);
    expect(`${err?.message}${err?.stack}`).not.toContain(CLIENT_KEY);
  });
});
