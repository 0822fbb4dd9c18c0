/**
 * Server identity for terminal certificates, which are issued for an IP address.
 *
 * Node's default check accepts an IP host only through an `IP Address` SubjectAltName. QFPay's
 * auto-generated terminal certificate may name its IP only in the subject CN (ecr-protocol.md
 * §11.8), so a certificate with NO SubjectAltName at all whose CN is exactly the IP is accepted
 * too. A certificate that has SANs is judged by them alone, as RFC 6125 requires.
 */
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

/** Canonical text of an IP address for comparison (lower-case IPv6, no brackets). */
function canonicalIp(ip: string): string {
  return ip.replace(/^\[|\]$/g, '').toLowerCase();
}

function commonNames(cert: PeerCertificate): string[] {
  const cn: unknown = (cert.subject as unknown as Record<string, unknown> | undefined)?.CN;
  if (typeof cn === 'string') return [cn];
  if (Array.isArray(cn)) return cn.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * `checkServerIdentity` for the terminal: Node's rules, plus the CN-only-IP exception described
 * above. Returns an Error (Node's, code `ERR_TLS_CERT_ALTNAME_INVALID`) when the identity does not match.
 */
export function checkTerminalIdentity(host: string, cert: PeerCertificate): Error | undefined {
  const standard = checkServerIdentity(host, cert);
  if (!standard) return undefined;
  const ip = canonicalIp(host);
  if (isIP(ip) !== 0 && !cert.subjectaltname && commonNames(cert).some((cn) => canonicalIp(cn.trim()) === ip)) {
    return undefined;
  }
  return standard;
}
