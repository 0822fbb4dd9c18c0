/**
 * TLS trust of the terminal transport, the cases docs/SECURITY.md relies on beyond
 * transport.test.ts:
 * - identity: a certificate that has SubjectAltNames is judged by them alone (an IP written as a
 *   DNS name, or in the CN, does not count); the CN-only exception is for an exact IP, never a
 *   wildcard and never a host name;
 * - trust: only the configured CA is used. Certificates trusted by the process (system store,
 *   NODE_EXTRA_CA_CERTS) are not, proven in a child process that does trust the simulator's CA.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createTestPki } from '@qfpay-ecr/simulator';
import { checkTerminalIdentity, createEcrTransport, TerminalTlsError } from '../src/transport/index.js';
import { startHttps } from './support/net-fixtures.js';

function cert(fields: { cn?: string | string[]; san?: string }): PeerCertificate {
  return { subject: fields.cn === undefined ? {} : { CN: fields.cn }, ...(fields.san !== undefined ? { subjectaltname: fields.san } : {}) } as unknown as PeerCertificate;
}

describe('terminal certificate identity', () => {
  it('accepts an IP SAN for the IP, and a SAN-less certificate whose CN is exactly the IP', () => {
    expect(checkTerminalIdentity('192.168.1.50', cert({ san: 'IP Address:192.168.1.50' }))).toBeUndefined();
    expect(checkTerminalIdentity('192.168.1.50', cert({ cn: '192.168.1.50' }))).toBeUndefined();
  });

  it.each([
    ['an IP written as a DNS SAN', '192.168.1.50', { san: 'DNS:192.168.1.50', cn: '192.168.1.50' }],
    ['a DNS SAN when the CN names the IP', '192.168.1.50', { san: 'DNS:terminal.local', cn: '192.168.1.50' }],
    ['a CN for another IP', '192.168.1.50', { cn: '192.168.1.5' }],
    ['a CN that is a prefix of the IP', '192.168.1.50', { cn: '192.168.1.5' }],
    ['a wildcard CN', '192.168.1.50', { cn: '192.168.1.*' }],
    ['a CN of *', '192.168.1.50', { cn: '*' }],
    ['a CN naming the IP when the host is a name', 'terminal.local', { cn: '192.168.1.50' }],
    ['no CN and no SAN', '192.168.1.50', {}],
    ['an IPv6 CN for an IPv4 host', '192.168.1.50', { cn: '::ffff:192.168.1.50' }],
  ])('refuses %s', (_name, host, fields) => {
    // Node's own error (from another realm than Jest's, so checked by its code).
    const err = checkTerminalIdentity(host, cert(fields));
    expect((err as NodeJS.ErrnoException | undefined)?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('over real TLS: a leaf whose only SAN is the IP as a DNS name is refused (TLS_IDENTITY_MISMATCH)', async () => {
    const pki = await createTestPki({ ipAddresses: [], dnsNames: ['127.0.0.1'], leafCommonName: '127.0.0.1' });
    const server = await startHttps(pki, (_req, res) => res.end('should not get here'));
    const transport = createEcrTransport({ host: '127.0.0.1', port: server.port, ca: pki.caCertPem, pinnedCaFingerprint256: pki.caFingerprint256 });
    try {
      const err = await transport.post('/x', '""').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TerminalTlsError);
      expect((err as TerminalTlsError).code).toBe('TLS_IDENTITY_MISMATCH');
    } finally {
      await transport.close();
      await server.close();
    }
  });
});

describe('only the configured CA is trusted', () => {
  const DIST = fileURLToPath(new URL('../dist/transport/index.js', import.meta.url));
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'qfpay-trust-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("NODE_EXTRA_CA_CERTS trusting the terminal's CA does not make the transport accept it with ca3.crt configured", async () => {
    const pki = await createTestPki();
    const server = await startHttps(pki, (_req, res) => res.end('reached'));
    const extra = join(dir, 'extra-ca.pem');
    writeFileSync(extra, pki.caCertPem);
    // The child trusts the test CA process-wide; a default https.get proves it, the transport must still refuse.
    const script = `
      import { get } from 'node:https';
      import { createEcrTransport, QFPAY_CA_PATH } from ${JSON.stringify(pathToFileURL(DIST).href)};
      const port = Number(process.argv[1]);
      const viaDefault = await new Promise((resolve) => {
        get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => { res.resume(); res.on('end', () => resolve('ok ' + res.statusCode)); })
          .on('error', (e) => resolve('error ' + (e.code ?? e.message)));
      });
      const t = createEcrTransport({ host: '127.0.0.1', port, ca: QFPAY_CA_PATH, connectTimeoutMs: 3000, requestTimeoutMs: 5000 });
      const viaTransport = await t.post('/x', '""').then(() => 'accepted', (e) => e.code);
      await t.close();
      console.log(JSON.stringify({ viaDefault, viaTransport }));
    `;
    try {
      const out = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['--input-type=module', '-e', script, String(server.port)], { env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: extra }, timeout: 20_000 }, (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
        );
      });
      const result = JSON.parse(out.trim().split('\n').pop() as string) as { viaDefault: string; viaTransport: string };
      expect(result.viaDefault).toBe('ok 200');
      expect(result.viaTransport).toBe('TLS_UNTRUSTED_CERT');
    } finally {
      await server.close();
    }
  });
});
