import { createHash } from 'node:crypto';
import { formatContent, type WireContent } from './format.js';

/** Upper-case hex MD5 of `formattedContent + posKey` (UTF-8), the ECR request digest. */
export function digestFormatted(formatted: string, posKey: string): string {
  return createHash('md5').update(formatted + posKey, 'utf8').digest('hex').toUpperCase();
}

/** Formats `content` and returns its digest under `posKey`. */
export function computeDigest(content: WireContent, posKey: string): string {
  return digestFormatted(formatContent(content), posKey);
}
