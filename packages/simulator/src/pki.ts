import 'reflect-metadata';
import { webcrypto, X509Certificate, createHash } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** A private CA and a server certificate it issued, all PEM. */
export interface TestPki {
  caCertPem: string;
  caKeyPem: string;
  leafCertPem: string;
  leafKeyPem: string;
  /** SHA-256 fingerprint of the CA, upper-case hex with colons (as `openssl x509 -fingerprint`). */
  caFingerprint256: string;
}

export interface TestPkiOptions {
  /** IP addresses the leaf is valid for (SAN `IP:`); default `['127.0.0.1']`. */
  ipAddresses?: string[];
  /** DNS names the leaf is valid for (SAN `DNS:`). */
  dnsNames?: string[];
  /** CA common name; default `qfpay-ecr test CA`. */
  caCommonName?: string;
  /** Leaf common name; default the first IP address. Real terminals may rely on it alone. */
  leafCommonName?: string;
  /** Leave the SAN extension out, as a terminal certificate that names its IP only in the CN would. */
  omitSubjectAltName?: boolean;
  /** Validity window; default one day ago to ten years ahead. */
  notBefore?: Date;
  notAfter?: Date;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/**
 * Makes a throw-away CA and a terminal-style leaf certificate for an IP address, so tests and the
 * simulator use real TLS that clients verify against a CA they were given, never switched off.
 */
export async function createTestPki(options: TestPkiOptions = {}): Promise<TestPki> {
  const ips = options.ipAddresses ?? ['127.0.0.1'];
  const dns = options.dnsNames ?? [];
  const notBefore = options.notBefore ?? new Date(Date.now() - 24 * 3600_000);
  const notAfter = options.notAfter ?? new Date(Date.now() + 10 * 365 * 24 * 3600_000);
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const caName = `CN=${options.caCommonName ?? 'qfpay-ecr test CA'}, O=qfpay-ecr`;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: caName,
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const leafKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(ca, false),
  ];
  if (!options.omitSubjectAltName && ips.length + dns.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...ips.map((value) => ({ type: 'ip' as const, value })),
        ...dns.map((value) => ({ type: 'dns' as const, value })),
      ]),
    );
  }
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${options.leafCommonName ?? ips[0] ?? dns[0] ?? 'terminal'}, O=qfpay-ecr simulator`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALG,
    extensions,
  });
  const caCertPem = ca.toString('pem');
  return {
    caCertPem,
    caKeyPem: await exportKeyPem(caKeys.privateKey),
    leafCertPem: leaf.toString('pem'),
    leafKeyPem: await exportKeyPem(leafKeys.privateKey),
    caFingerprint256: new X509Certificate(caCertPem).fingerprint256,
  };
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
}

function randomSerial(): string {
  // Positive, 16 bytes, never starting with a zero byte.
  return '7' + createHash('sha256').update(webcrypto.getRandomValues(new Uint8Array(16))).digest('hex').slice(0, 31);
}
