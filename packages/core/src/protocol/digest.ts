import { createHash, timingSafeEqual } from 'node:crypto';
import { formatContent, type WireContent } from './format.js';

/** Upper-case hex MD5 of `formattedContent + posKey` (UTF-8), the ECR request digest. */
export function digestFormatted(formatted: string, posKey: string): string {
  return createHash('md5').update(formatted + posKey, 'utf8').digest('hex').toUpperCase();
}

/** Formats `content` and returns its digest under `posKey`. */
export function computeDigest(content: WireContent, posKey: string): string {
  return digestFormatted(formatContent(content), posKey);
}

/**
 * Whether `digest` (hex, any case) is the digest of `formatted` under `posKey`, compared in
 * constant time: both sides are hashed to equal-length buffers first, so neither the position of
 * the first wrong character nor the length of what was sent shows in the timing.
 */
export function digestMatches(formatted: string, digest: string, posKey: string): boolean {
  const expected = createHash('sha256').update(digestFormatted(formatted, posKey), 'utf8').digest();
  const given = createHash('sha256').update(digest.toUpperCase(), 'utf8').digest();
  return timingSafeEqual(expected, given);
}
