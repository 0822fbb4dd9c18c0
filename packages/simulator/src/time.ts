/**
 * Hong Kong time helpers. Hong Kong has no daylight saving: it is always UTC+8, so a fixed
 * offset is exact and independent of the machine's time zone.
 */

const HK_OFFSET_MS = 8 * 3600_000;

function hkParts(date: Date): { y: string; mo: string; d: string; h: string; mi: string; s: string } {
  const t = new Date(date.getTime() + HK_OFFSET_MS);
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    y: String(t.getUTCFullYear()).padStart(4, '0'),
    mo: pad(t.getUTCMonth() + 1),
    d: pad(t.getUTCDate()),
    h: pad(t.getUTCHours()),
    mi: pad(t.getUTCMinutes()),
    s: pad(t.getUTCSeconds()),
  };
}

/** `YYYY-MM-DD HH:MM:SS` in Hong Kong time, the format of `sysdtm` / `paydtm` / `txdtm`. */
export function hkDateTime(date: Date): string {
  const p = hkParts(date);
  return `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}:${p.s}`;
}

/** `YYYY-MM-DD`, the Hong Kong calendar day (used by the same-day card refund rule). */
export function hkDay(date: Date): string {
  const p = hkParts(date);
  return `${p.y}-${p.mo}-${p.d}`;
}

/** `YYYYMMDDHHMMSS` in Hong Kong time, the leading part of a `syssn`. */
export function hkCompact(date: Date): string {
  const p = hkParts(date);
  return `${p.y}${p.mo}${p.d}${p.h}${p.mi}${p.s}`;
}
