/**
 * The last invariant: nothing the campaign captured (terminal, adapter and notify-server logs,
 * cashier alerts, order notes, stored attempts, outcomes) contains a secret or a full card number.
 */

/** The secrets of one campaign: none of them may appear in anything captured. */
export interface CampaignSecrets {
  posKey: string;
  notifyKey: string;
  eventsToken: string;
  wooConsumerKey: string;
  wooConsumerSecret: string;
}

/** One leak found in a text. */
export interface Leak {
  what: 'pos-key' | 'notify-key' | 'events-token' | 'woo-consumer-key' | 'woo-consumer-secret' | 'bearer-token' | 'card-number';
  /** Where it was found (the log's name). */
  source: string;
  /** A redacted hint of the match (never the secret itself). */
  hint: string;
}

/** Luhn check of a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

// A run of 13–19 digits not touching other letters or digits (so hex hashes and the 26-digit
// syssn never count), optionally split in groups of 4 by spaces or dashes as cards are printed.
const PAN_CANDIDATE = /(?<![0-9A-Za-z])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]\d{1,3})?)(?![0-9A-Za-z])/g;
const BEARER = /Bearer\s+([A-Za-z0-9._~+/=-]{8,})/g;
const TEN_YEARS_MS = 10 * 365 * 86_400_000;

/** Milliseconds since the epoch around now (pino's `time`, Date.now() values) are not card numbers. */
function looksLikeTimestamp(digits: string, nowMs: number): boolean {
  if (digits.length !== 13) return false;
  const n = Number(digits);
  return Math.abs(n - nowMs) < TEN_YEARS_MS;
}

/** Says which secret without showing any of it. */
function redact(value: string): string {
  return `[redacted, ${value.length} chars]`;
}

/**
 * Scans captured text for leaks. `allowedNumbers` are digit strings known not to be card
 * numbers (syssn, channel serials, order ids the campaign saw), so they never count even when
 * they happen to pass Luhn.
 */
export function scanForLeaks(source: string, text: string, secrets: CampaignSecrets, allowedNumbers: ReadonlySet<string> = new Set(), nowMs = Date.now()): Leak[] {
  const leaks: Leak[] = [];
  const named: Array<[Leak['what'], string]> = [
    ['pos-key', secrets.posKey],
    ['notify-key', secrets.notifyKey],
    ['events-token', secrets.eventsToken],
    ['woo-consumer-key', secrets.wooConsumerKey],
    ['woo-consumer-secret', secrets.wooConsumerSecret],
  ];
  for (const [what, value] of named) if (value !== '' && text.includes(value)) leaks.push({ what, source, hint: redact(value) });
  for (const m of text.matchAll(BEARER)) {
    const token = m[1] ?? '';
    // "Bearer [redacted]" style placeholders are fine; a real token value is not.
    if (/^\[?redacted\]?$/i.test(token) || /^\*+$/.test(token)) continue;
    leaks.push({ what: 'bearer-token', source, hint: `Bearer ${redact(token)}` });
  }
  for (const m of text.matchAll(PAN_CANDIDATE)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19) continue;
    if (allowedNumbers.has(digits) || looksLikeTimestamp(digits, nowMs)) continue;
    if (luhnValid(digits)) leaks.push({ what: 'card-number', source, hint: `${digits.slice(0, 6)}…${digits.slice(-4)} (${digits.length} digits, Luhn-valid)` });
  }
  return leaks;
}
