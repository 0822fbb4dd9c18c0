import { ConfigError, QfpayEcrError } from '@qfpay-ecr/core';
import {
  createNotifyApp,
  createSqliteStore,
  NotifyConfigError,
  parseCliArgs,
  QFPAY_SENDER_IPS,
  resolveNotifyAppOptions,
  type NotifyAppOptions,
} from '../src/index.js';
import { EVENTS_TOKEN, KEY } from './support/fixtures.js';

function configError(fn: () => unknown): NotifyConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(NotifyConfigError);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toBeInstanceOf(QfpayEcrError);
    return error as NotifyConfigError;
  }
  throw new Error('expected a NotifyConfigError');
}

describe('createNotifyApp options', () => {
  const store = createSqliteStore({ path: ':memory:' });
  afterAll(() => store.close());

  it('applies defaults', () => {
    const resolved = resolveNotifyAppOptions({ keys: KEY, store });
    expect(resolved).toMatchObject({ keys: KEY, trustProxy: false, proxyHops: 1, bodyLimitBytes: 65536, heartbeatMs: 15000, pollMs: 250 });
    expect(resolved.allowlist).toBeUndefined();
    expect(resolved.eventsToken).toBeUndefined();
  });

  it('rejects bad options with one error naming each problem, never the secret values', () => {
    const secret = 'short-token';
    const error = configError(() =>
      resolveNotifyAppOptions({
        keys: [],
        store: {} as never,
        allowlist: ['10.0.0.1', 'nope'],
        bodyLimitBytes: 10,
        eventsToken: secret,
      }),
    );
    expect(error.code).toBe('NOTIFY_CONFIG_OPTIONS');
    expect(error.message).toMatch(/keys/);
    expect(error.message).toMatch(/store must be a NotificationStore/);
    expect(error.message).toMatch(/allowlist entry "nope"/);
    expect(error.message).toMatch(/bodyLimitBytes/);
    expect(error.message).toMatch(/events token must be at least 16/);
    expect(error.message).not.toContain(secret);
    expect(configError(() => resolveNotifyAppOptions({ keys: [''], store })).message).toMatch(/must not be empty/);
    expect(configError(() => resolveNotifyAppOptions({ keys: KEY, store, extra: 1 } as NotifyAppOptions)).message).toMatch(/extra/);
    expect(() => createNotifyApp({ keys: [KEY], store, logger: {} as never })).toThrow(/pino logger/);
  });
});

describe('qfpay-notify CLI configuration', () => {
  it('reads everything from the environment', () => {
    const command = parseCliArgs([], {
      QFPAY_NOTIFY_PORT: '9090',
      QFPAY_NOTIFY_HOST: '0.0.0.0',
      QFPAY_NOTIFY_KEYS: `${KEY}, old-key ,`,
      QFPAY_NOTIFY_STORE: 'postgres',
      QFPAY_NOTIFY_PG_URL: 'postgres://u:p@db:5432/x',
      QFPAY_NOTIFY_PG_SCHEMA: 'shop_1',
      QFPAY_NOTIFY_ALLOWLIST: 'qfpay,10.0.0.0/8',
      QFPAY_NOTIFY_TRUST_PROXY: 'yes',
      QFPAY_EVENTS_TOKEN: EVENTS_TOKEN,
      QFPAY_NOTIFY_LOG_LEVEL: 'warn',
      QFPAY_NOTIFY_BODY_LIMIT: '4096',
    });
    expect(command).toEqual({
      kind: 'run',
      config: {
        port: 9090,
        host: '0.0.0.0',
        keys: [KEY, 'old-key'],
        store: 'postgres',
        sqlitePath: './data/qfpay-notify.db',
        pgUrl: 'postgres://u:p@db:5432/x',
        pgSchema: 'shop_1',
        allowlist: [...QFPAY_SENDER_IPS, '10.0.0.0/8'],
        trustProxy: true,
        eventsToken: EVENTS_TOKEN,
        logLevel: 'warn',
        bodyLimitBytes: 4096,
      },
    });
  });

  it('flags win over the environment; --key repeats; defaults apply', () => {
    const command = parseCliArgs(['--port', '0', '--key', 'k1', '--key=k2', '--sqlite-path', '/tmp/x.db', '--trust-proxy'], {
      QFPAY_NOTIFY_PORT: '9090',
      QFPAY_NOTIFY_KEYS: 'env-key',
    });
    expect(command).toEqual({
      kind: 'run',
      config: {
        port: 0,
        host: '127.0.0.1',
        keys: ['k1', 'k2'],
        store: 'sqlite',
        sqlitePath: '/tmp/x.db',
        pgSchema: 'public',
        trustProxy: true,
        logLevel: 'info',
        bodyLimitBytes: 65536,
      },
    });
    expect(parseCliArgs(['--help'], {})).toEqual({ kind: 'help' });
  });

  it('names what is wrong without echoing secrets', () => {
    const noKey = configError(() => parseCliArgs([], {}));
    expect(noKey.message).toMatch(/at least one notification key is required: --key <key> or QFPAY_NOTIFY_KEYS/);
    const many = configError(() =>
      parseCliArgs(['--key', 'sekrit-key', '--port', '70000', '--store', 'mysql', '--log-level', 'loud', '--events-token', 'tiny-secret'], {}),
    );
    for (const part of [/port must be at most 65535/, /store must be sqlite or postgres/, /log-level must be one of/, /events token must be at least 16/]) {
      expect(many.message).toMatch(part);
    }
    expect(many.message).not.toContain('sekrit-key');
    expect(many.message).not.toContain('tiny-secret');
    expect(configError(() => parseCliArgs(['--key', 'k', '--store', 'postgres'], {})).message).toMatch(/store postgres needs --pg-url or QFPAY_NOTIFY_PG_URL/);
    expect(configError(() => parseCliArgs(['--key', 'k', '--allowlist', 'qfpay,1.2.3.400'], {})).message).toMatch(/allowlist entry "1.2.3.400"/);
    expect(configError(() => parseCliArgs(['--key', 'k', '--port', 'eighty'], {})).message).toMatch(/port must be a whole number/);
    expect(configError(() => parseCliArgs(['--key', 'k'], { QFPAY_NOTIFY_TRUST_PROXY: 'maybe' })).message).toMatch(/trustProxy/);
    const unknown = configError(() => parseCliArgs(['--kee=my-secret-key'], {}));
    expect(unknown.code).toBe('NOTIFY_CONFIG_ARGS');
    expect(unknown.message).toMatch(/--kee/);
    expect(unknown.message).not.toContain('my-secret-key');
    const stray = configError(() => parseCliArgs(['--trust-proxy', 'stray-secret'], {}));
    expect(stray.message).not.toContain('stray-secret');
  });
});
