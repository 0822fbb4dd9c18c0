/**
 * Sender allowlist for `POST /qfpay/notify`. Matching is on the socket's remote address, or on
 * the address a trusted proxy put in `X-Forwarded-For` when trust-proxy is on (see app.ts).
 */
import { BlockList, isIP } from 'node:net';

/**
 * QFPay's documented notification sender IPs (notify-woo-anchors.md A1). Use them with
 * `allowlist: [...QFPAY_SENDER_IPS]` or the CLI's `--allowlist qfpay`.
 */
export const QFPAY_SENDER_IPS: readonly string[] = Object.freeze(['13.228.112.115', '18.138.115.47', '18.166.202.92']);

const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) → `1.2.3.4`; other input is trimmed. */
export function normaliseIp(ip: string): string {
  const trimmed = ip.trim();
  const mapped = MAPPED_V4.exec(trimmed);
  return mapped?.[1] ?? trimmed;
}

/** Why an allowlist entry is not usable, or `undefined` when it is an IP address or a CIDR block. */
export function allowlistEntryProblem(entry: string): string | undefined {
  const [address = '', prefix, extra] = entry.trim().split('/');
  if (extra !== undefined) return 'has more than one "/"';
  const family = isIP(normaliseIp(address));
  if (family === 0) return 'is not an IPv4 or IPv6 address';
  if (prefix === undefined) return undefined;
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  const max = family === 4 ? 32 : 128;
  if (!Number.isInteger(bits) || bits < 0 || bits > max) return `has a prefix length outside 0–${max}`;
  return undefined;
}

/** A set of allowed sender addresses and CIDR blocks (IPv4 and IPv6). */
export class IpAllowlist {
  /** The entries as configured (normalised). */
  readonly entries: readonly string[];
  private readonly list = new BlockList();

  /** @throws Error when an entry is neither an IP address nor a CIDR block (validate first with {@link allowlistEntryProblem}). */
  constructor(entries: readonly string[]) {
    this.entries = Object.freeze(entries.map((e) => e.trim()));
    for (const entry of this.entries) {
      const problem = allowlistEntryProblem(entry);
      if (problem) throw new Error(`allowlist entry "${entry}" ${problem}`);
      const [rawAddress = '', prefix] = entry.split('/');
      const address = normaliseIp(rawAddress);
      const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(prefix), type);
    }
  }

  /** Whether `ip` (as reported by the socket or a trusted proxy) may post notifications. */
  allows(ip: string | undefined): boolean {
    if (!ip) return false;
    const address = normaliseIp(ip);
    const family = isIP(address);
    if (family === 0) return false;
    return this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}
