import { createServer } from 'node:https';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTestPki } from '../src/pki.js';

function get(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', ca, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('createTestPki', () => {
  it('issues an IP certificate that Node verifies against the CA, and only that CA', async () => {
    const pki = await createTestPki({ ipAddresses: ['127.0.0.1'] });
    const other = await createTestPki();
    expect(pki.caFingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const server = createServer({ key: pki.leafKeyPem, cert: pki.leafCertPem }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(get(port, pki.caCertPem)).resolves.toBe('200');
      await expect(get(port, other.caCertPem)).rejects.toThrow(/self-signed|unable to verify|unable to get local issuer/i);
    } finally {
      server.close();
    }
  });
});
