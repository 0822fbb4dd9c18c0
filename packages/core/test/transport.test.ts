import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { TLSSocket } from 'node:tls';
import { createTestPki, type TestPki } from '@qfpay-ecr/simulator';
import { ConfigError } from '../src/errors.js';
import {
  ConnectionLostError,
  createEcrTransport,
  inspectCa,
  InvalidResponseError,
  loadTrustedCa,
  normaliseFingerprint,
  QFPAY_CA_FINGERPRINT_SHA1,
  QFPAY_CA_FINGERPRINT_SHA256,
  QFPAY_CA_PATH,
  ResponseTimeoutError,
  TerminalConnectError,
  TerminalTlsError,
  TransportAbortedError,
  TransportClosedError,
  TransportError,
  type EcrTransportOptions,
} from '../src/transport/index.js';
import { closedPort, startBlackhole, startHttp, startHttps, startSilent } from './support/net-fixtures.js';

let pki: TestPki;
let otherPki: TestPki;

beforeAll(async () => {
  [pki, otherPki] = await Promise.all([createTestPki(), createTestPki({ caCommonName: 'some other CA' })]);
});

function transportFor(port: number, extra: Partial<EcrTransportOptions> = {}) {
  return createEcrTransport({ host: '127.0.0.1', port, ca: pki.caCertPem, pinnedCaFingerprint256: pki.caFingerprint256, connectTimeoutMs: 2000, requestTimeoutMs: 5000, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(TransportError);
    return err as TransportError;
  }
  throw new Error('expected the request to fail');
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe("QFPay's CA", () => {
  it('ships ca3.crt at QFPAY_CA_PATH with the published fingerprints', () => {
    const info = inspectCa(QFPAY_CA_PATH);
    expect(info.fingerprint256).toBe(QFPAY_CA_FINGERPRINT_SHA256);
    expect(info.fingerprint1).toBe(QFPAY_CA_FINGERPRINT_SHA1);
    expect(info.isCa).toBe(true);
    expect(info.isQfpay).toBe(true);
    expect(info.subject).toContain('CN=QFECR');
    expect(info.validTo.getUTCFullYear()).toBe(2045);
  });

  it('accepts ca3.crt as a path or as PEM text without a pin', () => {
    expect(loadTrustedCa(QFPAY_CA_PATH).info.isQfpay).toBe(true);
    expect(loadTrustedCa(readFileSync(QFPAY_CA_PATH, 'utf8')).info.isQfpay).toBe(true);
    expect(createEcrTransport({ host: '192.0.2.10', ca: QFPAY_CA_PATH }).origin).toBe('https://192.0.2.10:9001');
  });

  it('normalises pinned fingerprints with or without colons, any case', () => {
    const bare = pki.caFingerprint256.replace(/:/g, '').toLowerCase();
    expect(normaliseFingerprint(bare)).toBe(pki.caFingerprint256);
    expect(loadTrustedCa(pki.caCertPem, bare).info.fingerprint256).toBe(pki.caFingerprint256);
  });
});

describe('CA configuration errors', () => {
  it('missing CA with https → install/point to ca3.crt', () => {
    const err = configError(() => createEcrTransport({ host: '127.0.0.1' }));
    expect(err.code).toBe('CONFIG_CA_MISSING');
    expect(err.message).toMatch(/ca3\.crt/);
  });

  it('a CA that is not QFPay’s and not pinned is refused, naming both ways out', () => {
    const err = configError(() => createEcrTransport({ host: '127.0.0.1', ca: pki.caCertPem }));
    expect(err.code).toBe('CONFIG_CA_FINGERPRINT');
    expect(err.message).toMatch(/ca3\.crt/);
    expect(err.message).toMatch(/pinnedCaFingerprint256/);
  });

  it('a pin that does not match the CA is refused (also for ca3.crt)', () => {
    expect(configError(() => loadTrustedCa(pki.caCertPem, otherPki.caFingerprint256)).code).toBe('CONFIG_CA_FINGERPRINT');
    expect(configError(() => loadTrustedCa(QFPAY_CA_PATH, pki.caFingerprint256)).code).toBe('CONFIG_CA_FINGERPRINT');
    expect(configError(() => loadTrustedCa(pki.caCertPem, 'not-a-fingerprint')).code).toBe('CONFIG_CA_PIN_INVALID');
  });

  it('a leaf certificate given as CA is refused', async () => {
    const leafPin = inspectCa(pki.leafCertPem).fingerprint256;
    const err = configError(() => loadTrustedCa(pki.leafCertPem, leafPin));
    expect(err.code).toBe('CONFIG_CA_NOT_CA');
  });

  it('an expired CA is refused', async () => {
    const old = await createTestPki({ notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') });
    expect(configError(() => loadTrustedCa(old.caCertPem, old.caFingerprint256)).code).toBe('CONFIG_CA_EXPIRED');
  });

  it('unreadable files, non-certificates and bundles are refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qfpay-ca-'));
    expect(configError(() => loadTrustedCa(join(dir, 'missing.crt'))).code).toBe('CONFIG_CA_UNREADABLE');
    const junk = join(dir, 'junk.crt');
    writeFileSync(junk, 'hello');
    expect(configError(() => loadTrustedCa(junk)).code).toBe('CONFIG_CA_INVALID');
    const bundle = join(dir, 'bundle.pem');
    writeFileSync(bundle, pki.caCertPem + otherPki.caCertPem);
    expect(configError(() => loadTrustedCa(bundle, pki.caFingerprint256)).code).toBe('CONFIG_CA_INVALID');
    // A PEM file on disk works like PEM text.
    const file = join(dir, 'ca.pem');
    writeFileSync(file, pki.caCertPem);
    expect(loadTrustedCa(file, pki.caFingerprint256).info.fingerprint256).toBe(pki.caFingerprint256);
  });

  it('bad options are ConfigErrors naming the option', () => {
    expect(configError(() => createEcrTransport({ host: 'https://127.0.0.1:9001', ca: QFPAY_CA_PATH })).message).toMatch(/host/);
    expect(configError(() => createEcrTransport({ host: '127.0.0.1', port: 70000, ca: QFPAY_CA_PATH })).message).toMatch(/port/);
    expect(configError(() => createEcrTransport({ host: '127.0.0.1', protocol: 'http', ca: QFPAY_CA_PATH })).code).toBe('CONFIG_CA_WITH_HTTP');
    expect(configError(() => createEcrTransport({ host: '127.0.0.1', ca: QFPAY_CA_PATH, connectTimeoutMs: -1 })).message).toMatch(/connectTimeoutMs/);
  });
});

describe('HTTPS to an IP-bound terminal certificate', () => {
  it('connects to an IP-SAN leaf without SNI and posts JSON', async () => {
    let seen: { servername: unknown; contentType?: string; body: string; path?: string } | undefined;
    const server = await startHttps(pki, (req, res, body) => {
      seen = { servername: (req.socket as TLSSocket).servername, contentType: req.headers['content-type'], body, path: req.url };
      res.setHeader('content-type', 'application/json');
      res.end('{"respcd":"6000"}');
    });
    const transport = transportFor(server.port);
    let sent = 0;
    try {
      const reply = await transport.post('/api/pos/query_transaction', '"abc"', { onSent: () => sent++ });
      expect(reply).toEqual({ status: 200, body: '{"respcd":"6000"}' });
      expect(sent).toBe(1);
      expect(seen?.servername).toBeFalsy();
      expect(seen?.contentType).toBe('application/json');
      expect(seen?.body).toBe('"abc"');
      expect(seen?.path).toBe('/api/pos/query_transaction');
      expect(transport.ca?.fingerprint256).toBe(pki.caFingerprint256);
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it('accepts a leaf with no SAN whose CN is exactly the IP', async () => {
    const cnOnly = await createTestPki({ omitSubjectAltName: true, leafCommonName: '127.0.0.1' });
    const server = await startHttps(cnOnly, (_req, res) => res.end('ok'));
    const transport = createEcrTransport({ host: '127.0.0.1', port: server.port, ca: cnOnly.caCertPem, pinnedCaFingerprint256: cnOnly.caFingerprint256 });
    try {
      expect((await transport.post('/x', '""')).body).toBe('ok');
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it.each([
    ['an IP SAN for another IP', { ipAddresses: ['10.9.8.7'] }],
    ['a CN-only leaf for another IP', { ipAddresses: ['10.9.8.7'], omitSubjectAltName: true }],
    ['a SAN for another IP even if the CN names ours', { ipAddresses: ['10.9.8.7'], leafCommonName: '127.0.0.1' }],
  ])('rejects %s with a fixed-IP hint', async (_name, options) => {
    const wrong = await createTestPki(options);
    const server = await startHttps(wrong, (_req, res) => res.end('should not get here'));
    const transport = createEcrTransport({ host: '127.0.0.1', port: server.port, ca: wrong.caCertPem, pinnedCaFingerprint256: wrong.caFingerprint256 });
    try {
      const err = await failure(transport.post('/x', '""'));
      expect(err).toBeInstanceOf(TerminalTlsError);
      expect(err.code).toBe('TLS_IDENTITY_MISMATCH');
      expect(err.phase).toBe('tls');
      expect(err.mayHaveReachedTerminal).toBe(false);
      expect(err.hint).toMatch(/fixed IP/);
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it('rejects a certificate from another CA (pinned test CA, and QFPay’s ca3.crt)', async () => {
    const server = await startHttps(otherPki, (_req, res) => res.end('nope'));
    const pinned = transportFor(server.port);
    const qfpay = createEcrTransport({ host: '127.0.0.1', port: server.port, ca: QFPAY_CA_PATH });
    try {
      for (const t of [pinned, qfpay]) {
        const err = await failure(t.post('/x', '""'));
        expect(err).toBeInstanceOf(TerminalTlsError);
        expect(err.code).toBe('TLS_UNTRUSTED_CERT');
        expect(err.phase).toBe('tls');
        expect(err.mayHaveReachedTerminal).toBe(false);
        expect(err.message).toMatch(/ca3\.crt/);
      }
    } finally {
      await pinned.close();
      await qfpay.close();
      await server.close();
    }
  });

  it('tells a plain-HTTP terminal apart when HTTPS was chosen (enable HTTPS in MMS)', async () => {
    const server = await startHttp((_req, res) => res.end('{"respcd":"6000"}'));
    const transport = transportFor(server.port);
    try {
      const err = await failure(transport.post('/x', '""'));
      expect(err).toBeInstanceOf(TerminalTlsError);
      expect(err.code).toBe('TLS_PLAIN_HTTP');
      expect(err.mayHaveReachedTerminal).toBe(false);
      expect(err.hint).toMatch(/MMS/);
      expect(err.hint).toMatch(/4\.34\.12/);
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it('recognises a plain-HTTP terminal that hangs up on the TLS hello (one OPTIONS probe)', async () => {
    const server = await startHttp((_req, res) => res.end('{"respcd":"6000"}'));
    server.server.removeAllListeners('clientError');
    server.server.on('clientError', (_err, socket) => socket.destroy());
    const transport = transportFor(server.port);
    try {
      const err = await failure(transport.post('/x', '""'));
      expect(err.code).toBe('TLS_PLAIN_HTTP');
      expect(err.hint).toMatch(/enable HTTPS in MMS/);
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it('a peer that hangs up without speaking HTTP either → TLS_HANDSHAKE_FAILED', async () => {
    const rude = await startSilent();
    rude.server.on('connection', (socket) => socket.destroy());
    const transport = transportFor(rude.port);
    try {
      const err = await failure(transport.post('/x', '""'));
      expect(err).toBeInstanceOf(TerminalTlsError);
      expect(err.code).toBe('TLS_HANDSHAKE_FAILED');
      expect(err.mayHaveReachedTerminal).toBe(false);
    } finally {
      await transport.close();
      await rude.close();
    }
  });

  it('speaks plain HTTP only when chosen explicitly', async () => {
    const server = await startHttp((_req, res) => res.end('plain'));
    const transport = createEcrTransport({ host: '127.0.0.1', port: server.port, protocol: 'http' });
    try {
      expect(transport.origin).toBe(`http://127.0.0.1:${server.port}`);
      expect((await transport.post('/x', '""')).body).toBe('plain');
    } finally {
      await transport.close();
      await server.close();
    }
  });
});

describe('network failures (loopback only)', () => {
  it('refused: nothing listens on the port', async () => {
    const transport = transportFor(await closedPort());
    try {
      const err = await failure(transport.post('/x', '""'));
      expect(err).toBeInstanceOf(TerminalConnectError);
      expect(err.code).toBe('CONNECT_REFUSED');
      expect(err.phase).toBe('connect');
      expect(err.mayHaveReachedTerminal).toBe(false);
      expect(err.hint).toMatch(/ECR Status/);
      expect(err.hint).toMatch(/Haojin/);
    } finally {
      await transport.close();
    }
  });

  it('TLS handshake timeout: something accepts but never speaks TLS', async () => {
    const silent = await startSilent();
    const transport = transportFor(silent.port, { connectTimeoutMs: 300 });
    try {
      const err = await failure(transport.post('/x', '""'));
      expect(err).toBeInstanceOf(TerminalTlsError);
      expect(err.code).toBe('TLS_HANDSHAKE_TIMEOUT');
      expect(err.phase).toBe('tls');
      expect(err.mayHaveReachedTerminal).toBe(false);
      expect(err.hint).toMatch(/POS IP/);
    } finally {
      await transport.close();
      await silent.close();
    }
  });

  it('connect timeout: the SYN is never answered (full accept queue)', async () => {
    const hole = await startBlackhole();
    const transport = transportFor(hole.port, { connectTimeoutMs: 300 });
    try {
      const err = await failure(transport.post('/x', '""'));
      expect(err).toBeInstanceOf(TerminalConnectError);
      expect(err.code).toBe('CONNECT_TIMEOUT');
      expect(err.phase).toBe('connect');
      expect(err.mayHaveReachedTerminal).toBe(false);
      expect(err.hint).toMatch(/same network/);
      expect(err.hint).toMatch(/isolation/);
      expect(err.hint).toMatch(/fixed IP/);
    } finally {
      await transport.close();
      await hole.close();
    }
  });
});

describe('request and response failures', () => {
  it('no reply in time → ResponseTimeoutError (the request may have reached the terminal)', async () => {
    const server = await startHttps(pki, () => undefined);
    const transport = transportFor(server.port);
    try {
      const err = await failure(transport.post('/x', '""', { timeoutMs: 300 }));
      expect(err).toBeInstanceOf(ResponseTimeoutError);
      expect(err.code).toBe('RESPONSE_TIMEOUT');
      expect(err.phase).toBe('response');
      expect(err.mayHaveReachedTerminal).toBe(true);
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it('socket closed mid-request → ConnectionLostError', async () => {
    const server = await startHttps(pki, (req) => req.socket.destroy());
    const transport = transportFor(server.port);
    try {
      const err = await failure(transport.post('/x', '""'));
      expect(err).toBeInstanceOf(ConnectionLostError);
      expect(err.mayHaveReachedTerminal).toBe(true);
      expect(err.hint).toMatch(/do not repeat a payment/);
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it('a reply that is not HTTP → InvalidResponseError', async () => {
    const server = await startHttps(pki, (req) => {
      req.socket.end('garbage that is not http\r\n\r\n');
    });
    const transport = transportFor(server.port);
    try {
      const err = await failure(transport.post('/x', '""'));
      expect(err).toBeInstanceOf(InvalidResponseError);
      expect(err.code).toBe('RESPONSE_NOT_HTTP');
      expect(err.mayHaveReachedTerminal).toBe(true);
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it('HTTP error statuses are returned, not thrown', async () => {
    const server = await startHttps(pki, (_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    const transport = transportFor(server.port);
    try {
      expect(await transport.post('/x', '""')).toEqual({ status: 500, body: 'boom' });
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it('abort before sending: nothing reached the terminal', async () => {
    let requests = 0;
    const server = await startHttps(pki, (_req, res) => {
      requests++;
      res.end('x');
    });
    const transport = transportFor(server.port);
    try {
      const err = await failure(transport.post('/x', '""', { signal: AbortSignal.abort() }));
      expect(err).toBeInstanceOf(TransportAbortedError);
      expect(err.code).toBe('ABORTED');
      expect(err.mayHaveReachedTerminal).toBe(false);
      expect(requests).toBe(0);
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it('abort after sending: flagged as possibly reached', async () => {
    const server = await startHttps(pki, () => undefined);
    const transport = transportFor(server.port);
    const controller = new AbortController();
    try {
      const err = await failure(transport.post('/x', '""', { signal: controller.signal, onSent: () => setImmediate(() => controller.abort()) }));
      expect(err).toBeInstanceOf(TransportAbortedError);
      expect(err.mayHaveReachedTerminal).toBe(true);
    } finally {
      await transport.close();
      await server.close();
    }
  });

  it('after close(), post rejects with TransportClosedError', async () => {
    const transport = transportFor(await closedPort());
    await transport.close();
    const err = await failure(transport.post('/x', '""'));
    expect(err).toBeInstanceOf(TransportClosedError);
    expect(err.mayHaveReachedTerminal).toBe(false);
  });

  it('errors serialise without surprises (typed fields, readable message)', async () => {
    const transport = transportFor(await closedPort());
    try {
      const err = await failure(transport.post('/x', '""'));
      const json = JSON.parse(JSON.stringify(err)) as Record<string, unknown>;
      expect(json).toMatchObject({ code: 'CONNECT_REFUSED', phase: 'connect', mayHaveReachedTerminal: false });
      expect(inspect(err)).toMatch(/CONNECT_REFUSED/);
    } finally {
      await transport.close();
    }
  });
});
