import { DecodeError } from '../errors.js';
import { decryptFromBase64, encryptToBase64 } from './cipher.js';
import { digestFormatted, digestMatches } from './digest.js';
import { formatContent, parseFormattedContent, setOwn, type WireContent } from './format.js';

/**
 * The request envelope as Odoo's working client sends it: unquoted keys, one space after the
 * comma, digest in single quotes. This whole string is encrypted, not just the content.
 */
export function buildEnvelope(formatted: string, digest: string): string {
  return `{content:${formatted}, digest:'${digest}'}`;
}

/** Builds the exact HTTP body for a request: JSON string literal of Base64(AES(envelope)). */
export function encodeRequestBody(content: WireContent, posKey: string): string {
  const formatted = formatContent(content);
  const envelope = buildEnvelope(formatted, digestFormatted(formatted, posKey));
  return JSON.stringify(encryptToBase64(envelope, posKey));
}

/** What the terminal recovers from a request body. */
export interface DecodedRequest {
  content: Record<string, string | number>;
  formatted: string;
  digest: string;
  /** Whether the body arrived encrypted (the default) or as the documented plain JSON envelope. */
  encrypted: boolean;
}

const ENVELOPE = /^\{content:(\{.*\}), digest:'([0-9A-Fa-f]{32})'\}$/s;

/**
 * The terminal's side of {@link encodeRequestBody}: decrypts, parses the envelope and checks the
 * digest. Throws {@link DecodeError} with code `DECODE_DECRYPT_FAILED` (terminal answers 5001),
 * `DECODE_BAD_DIGEST` (4003) or `DECODE_BAD_ENVELOPE` / `WIRE_BAD_NOTATION` (4006).
 */
export function decodeRequestBody(body: string, posKey: string): DecodedRequest {
  let outer: unknown;
  try {
    outer = JSON.parse(body);
  } catch (cause) {
    throw new DecodeError('DECODE_NOT_JSON', 'request body is not JSON', 'send the JSON string literal produced by encodeRequestBody', { cause });
  }
  if (typeof outer === 'string') {
    const envelope = decryptFromBase64(outer, posKey);
    const match = ENVELOPE.exec(envelope);
    if (!match) {
      throw new DecodeError('DECODE_BAD_ENVELOPE', 'decrypted request is not a {content:…, digest:…} envelope', 'send bodies built by encodeRequestBody');
    }
    const formatted = match[1] as string;
    const digest = (match[2] as string).toUpperCase();
    const content = parseFormattedContent(formatted);
    checkDigest(formatted, digest, posKey);
    return { content, formatted, digest, encrypted: true };
  }
  return decodePlainEnvelope(outer, posKey);
}

/** The documented unencrypted variant: `{"content": {...}, "digest": "..."}`. */
function decodePlainEnvelope(outer: unknown, posKey: string): DecodedRequest {
  if (typeof outer !== 'object' || outer === null || !('content' in outer) || !('digest' in outer)) {
    throw new DecodeError('DECODE_BAD_ENVELOPE', 'request is neither an encrypted string nor a {content, digest} object', 'send bodies built by encodeRequestBody');
  }
  const { content: rawContent, digest: rawDigest } = outer as { content: unknown; digest: unknown };
  const parsedContent = typeof rawContent === 'string' ? safeJson(rawContent) : rawContent;
  if (typeof parsedContent !== 'object' || parsedContent === null || typeof rawDigest !== 'string') {
    throw new DecodeError('DECODE_BAD_ENVELOPE', 'plain envelope has no usable content or digest', 'send bodies built by encodeRequestBody');
  }
  const content: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(parsedContent)) {
    if (typeof v === 'string' || typeof v === 'number') setOwn(content, k, v);
    else if (v === null) setOwn(content, k, '');
    else throw new DecodeError('DECODE_BAD_ENVELOPE', `content value of "${k}" is not a string or number`, 'send flat content');
  }
  const formatted = formatContent(content);
  const digest = rawDigest.toUpperCase();
  checkDigest(formatted, digest, posKey);
  return { content, formatted, digest, encrypted: false };
}

function checkDigest(formatted: string, digest: string, posKey: string): void {
  if (!digestMatches(formatted, digest, posKey)) {
    throw new DecodeError('DECODE_BAD_DIGEST', 'request digest does not match its content under this POS-KEY', 'the POS-KEY differs between POS and terminal');
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
