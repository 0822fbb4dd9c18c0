/**
 * The CA the client trusts for the terminal's HTTPS certificate: QFPay's `ca3.crt`, or a CA the
 * user pins explicitly by fingerprint (tests and private setups). Nothing else is trusted, and
 * the system store is never consulted.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';

/** SHA-256 fingerprint of QFPay's ECR CA (`ca3.crt`, CN=QFECR), as QFPay publishes it. */
export const QFPAY_CA_FINGERPRINT_SHA256 = '9C:0F:A4:04:C5:9F:D7:A2:7E:A3:1F:6B:96:F4:74:01:1B:3F:86:8A:A0:84:61:47:4D:75:69:ED:63:0D:32:C3';

/** SHA-1 fingerprint of QFPay's ECR CA, as QFPay publishes it. */
export const QFPAY_CA_FINGERPRINT_SHA1 = 'A7:4C:AD:CE:D7:21:AD:CB:77:C8:F6:47:6C:19:E6:C6:4E:0E:6A:61';

/**
 * Absolute path of the copy of QFPay's `ca3.crt` shipped with this package (`assets/ca3.crt`).
 * Resolved relative to this module, so it works from `src/` and from `dist/`.
 */
export const QFPAY_CA_PATH: string = fileURLToPath(new URL('../../assets/ca3.crt', import.meta.url));

/** What {@link inspectCa} reports about a certificate. */
export interface CaInfo {
  subject: string;
  issuer: string;
  /** Upper-case hex with colons, like `openssl x509 -fingerprint -sha256`. */
  fingerprint256: string;
  fingerprint1: string;
  /** Whether the certificate is a CA (basicConstraints CA:TRUE), not a server leaf. */
  isCa: boolean;
  validFrom: Date;
  validTo: Date;
  /** Whether it is QFPay's ECR CA (`ca3.crt`), by SHA-256 fingerprint. */
  isQfpay: boolean;
}

const PEM_MARKER = '-----BEGIN';
const CA_HINT = `download ca3.crt from QFPay (SHA-256 ${QFPAY_CA_FINGERPRINT_SHA256}; a copy ships with @qfpay-ecr/core at assets/ca3.crt) and point "ca" to it`;

/** Normalises a fingerprint written with or without colons/spaces, any case, to `AA:BB:…`. */
export function normaliseFingerprint(input: string): string | undefined {
  const hex = input.replace(/[\s:]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return undefined;
  return hex.match(/../g)!.join(':');
}

/** Loads a certificate from a PEM string, a PEM file or a DER file. Throws {@link ConfigError}. */
function loadCertificate(pemOrPath: string): X509Certificate {
  let material: string | Buffer;
  let where: string;
  if (pemOrPath.includes(PEM_MARKER)) {
    material = pemOrPath;
    where = 'the CA PEM given';
  } else {
    where = `CA file ${JSON.stringify(pemOrPath)}`;
    try {
      material = readFileSync(pemOrPath);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code ?? 'unknown error';
      throw new ConfigError('CONFIG_CA_UNREADABLE', `cannot read ${where} (${code})`, `check the path; ${CA_HINT}`, { cause });
    }
    if (material.includes(PEM_MARKER)) material = material.toString('utf8');
  }
  if (typeof material === 'string') {
    const count = material.split('-----BEGIN CERTIFICATE-----').length - 1;
    if (count === 0) {
      throw new ConfigError('CONFIG_CA_INVALID', `${where} contains no "BEGIN CERTIFICATE" block`, CA_HINT);
    }
    if (count > 1) {
      throw new ConfigError('CONFIG_CA_INVALID', `${where} contains ${count} certificates; exactly one CA is trusted`, `keep only the CA certificate; ${CA_HINT}`);
    }
  }
  try {
    return new X509Certificate(material);
  } catch (cause) {
    throw new ConfigError('CONFIG_CA_INVALID', `${where} is not a readable X.509 certificate`, CA_HINT, { cause });
  }
}

function describe(cert: X509Certificate): CaInfo {
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    fingerprint256: cert.fingerprint256,
    fingerprint1: cert.fingerprint,
    isCa: cert.ca,
    validFrom: new Date(cert.validFrom),
    validTo: new Date(cert.validTo),
    isQfpay: cert.fingerprint256 === QFPAY_CA_FINGERPRINT_SHA256,
  };
}

/**
 * Describes a CA certificate (PEM string, or path to a PEM/DER file) without judging it; used by
 * `doctor`. Throws {@link ConfigError} when it cannot be read or parsed.
 */
export function inspectCa(pemOrPath: string): CaInfo {
  return describe(loadCertificate(pemOrPath));
}

/** A CA that passed {@link loadTrustedCa}'s rules. */
export interface TrustedCa {
  /** The single CA certificate, re-encoded as PEM (only this is handed to TLS). */
  pem: string;
  info: CaInfo;
}

/**
 * Loads and checks the CA to trust. Rules: it must parse, be a CA certificate (not a leaf), be
 * within its validity period, and be QFPay's `ca3.crt` by fingerprint — or, when
 * `pinnedCaFingerprint256` is given, have exactly that SHA-256 fingerprint. Otherwise throws
 * {@link ConfigError} (`CONFIG_CA_MISSING`, `CONFIG_CA_UNREADABLE`, `CONFIG_CA_INVALID`,
 * `CONFIG_CA_NOT_CA`, `CONFIG_CA_EXPIRED`, `CONFIG_CA_FINGERPRINT`, `CONFIG_CA_PIN_INVALID`).
 */
export function loadTrustedCa(ca: string | undefined, pinnedCaFingerprint256?: string, now: Date = new Date()): TrustedCa {
  if (ca === undefined || ca.trim() === '') {
    throw new ConfigError('CONFIG_CA_MISSING', 'no CA certificate given for HTTPS to the terminal', `install/point to ca3.crt: ${CA_HINT} (e.g. ca: QFPAY_CA_PATH)`);
  }
  let pin: string | undefined;
  if (pinnedCaFingerprint256 !== undefined) {
    pin = normaliseFingerprint(pinnedCaFingerprint256);
    if (!pin) {
      throw new ConfigError('CONFIG_CA_PIN_INVALID', 'pinnedCaFingerprint256 is not a SHA-256 fingerprint (64 hex digits, colons optional)', 'copy it from `openssl x509 -noout -fingerprint -sha256 -in <ca file>`');
    }
  }
  const cert = loadCertificate(ca);
  const info = describe(cert);
  if (!info.isCa) {
    throw new ConfigError('CONFIG_CA_NOT_CA', `the certificate given as CA (${info.subject}) is not a CA certificate (it looks like a server/leaf certificate)`, `trust the issuing CA, not the terminal's own certificate; ${CA_HINT}`);
  }
  if (!(info.validFrom <= now && now < info.validTo)) {
    throw new ConfigError('CONFIG_CA_EXPIRED', `the CA certificate (${info.subject}) is valid only from ${info.validFrom.toISOString()} to ${info.validTo.toISOString()}`, `check this machine's clock; ${CA_HINT}`);
  }
  if (pin !== undefined) {
    if (info.fingerprint256 !== pin) {
      throw new ConfigError('CONFIG_CA_FINGERPRINT', `the CA's SHA-256 fingerprint ${info.fingerprint256} is not the pinned ${pin}`, 'point "ca" at the CA you pinned, or pin the fingerprint of the CA you use');
    }
  } else if (!info.isQfpay) {
    throw new ConfigError(
      'CONFIG_CA_FINGERPRINT',
      `the CA (${info.subject}, SHA-256 ${info.fingerprint256}) is not QFPay's ECR CA`,
      `use ca3.crt from QFPay (${CA_HINT}), or, for your own CA, pin it explicitly with pinnedCaFingerprint256`,
    );
  }
  return { pem: cert.toString(), info };
}
