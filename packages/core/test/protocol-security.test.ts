/**
 * Security properties of QFPay's ECR wire format, as docs/SECURITY.md states them:
 * - the request digest is compared in constant time and never throws on odd input;
 * - AES-CBC with QFPay's fixed IV is deterministic (equal requests give equal bodies, equal
 *   leading blocks give equal leading ciphertext), so confidentiality of *repeats* is not given;
 * - AES gives no integrity: integrity of the content comes only from the MD5 digest under the
 *   POS-KEY, so no bit flip in a body can change what the terminal is asked to do.
 */
import { readFileSync } from 'node:fs';
import { decodeRequestBody, digestFormatted, digestMatches, encodeRequestBody, formatContent } from '../src/protocol/index.js';

const POS_KEY = 'ProtoSecKey-0123456789abcdefABCD';

interface Vector {
  posKey: string;
  content: Record<string, string | number>;
  body: string;
}
const vectors = (JSON.parse(readFileSync(new URL('./fixtures/ecr-vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;

function changeChar(hex: string, at: number): string {
  const c = hex[at] as string;
  const other = c === '0' ? '1' : '0';
  return `${hex.slice(0, at)}${other}${hex.slice(at + 1)}`;
}

function plainBody(content: Record<string, string | number>, digest: string): string {
  return JSON.stringify({ content, digest });
}

describe('request digest comparison (constant time)', () => {
  const content = { func_type: 4001, out_trade_no: 'ORDER-0001' };
  const formatted = formatContent(content);
  const right = digestFormatted(formatted, POS_KEY);

  it('accepts the right digest in either case', () => {
    expect(digestMatches(formatted, right, POS_KEY)).toBe(true);
    expect(digestMatches(formatted, right.toLowerCase(), POS_KEY)).toBe(true);
  });

  it('refuses a digest wrong in its first or last character, or of another length, without throwing', () => {
    const wrong = [changeChar(right, 0), changeChar(right, right.length - 1), right.slice(0, 31), `${right}0`, '', 'é'.repeat(16), right.replace(/./g, 'Z')];
    for (const digest of wrong) {
      expect(digestMatches(formatted, digest, POS_KEY)).toBe(false);
      let thrown: unknown;
      try {
        decodeRequestBody(plainBody(content, digest), POS_KEY);
      } catch (err) {
        thrown = err;
      }
      // A typed digest error (the terminal's 4003), never a RangeError from unequal lengths.
      expect(thrown).toMatchObject({ code: 'DECODE_BAD_DIGEST' });
    }
    expect(decodeRequestBody(plainBody(content, right), POS_KEY).content).toEqual(content);
  });

  it('a digest made with another key is refused', () => {
    expect(digestMatches(formatted, digestFormatted(formatted, 'Another-Key-0123456789abcdefABCD'), POS_KEY)).toBe(false);
  });
});

describe("AES-CBC with QFPay's fixed IV", () => {
  it('is deterministic: the same request always encrypts to the same body', () => {
    const content = { func_type: 5001 };
    expect(encodeRequestBody(content, POS_KEY)).toBe(encodeRequestBody(content, POS_KEY));
    // The published 5001 vector is one fixed body for every cancel ever sent under that key.
    const cancel = vectors.find((v) => v.content.func_type === 5001) as Vector;
    expect(encodeRequestBody(cancel.content, cancel.posKey)).toBe(cancel.body);
  });

  it('leaks equal leading blocks: requests starting with the same 16 bytes share their first ciphertext block', () => {
    // Every `{content:{func_type=…` envelope has the same first 16 plaintext bytes.
    const firstBlock = (body: string) => Buffer.from(JSON.parse(body) as string, 'base64').subarray(0, 16).toString('hex');
    const startingWithFuncType = vectors.filter((v) => formatContent(v.content).startsWith('{func_type='));
    expect(startingWithFuncType.length).toBeGreaterThanOrEqual(2);
    expect(new Set(startingWithFuncType.map((v) => firstBlock(v.body))).size).toBe(1);
  });

  it('gives no integrity by itself; the digest under the POS-KEY does: no bit flip changes what is asked', () => {
    const content = { func_type: 1002, orderId: '20250826155400087645770447', refund_amount: '12.50' };
    const body = encodeRequestBody(content, POS_KEY);
    const bytes = Buffer.from(JSON.parse(body) as string, 'base64');
    let accepted = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const tampered = Buffer.from(bytes);
        tampered[i] = (tampered[i] as number) ^ (1 << bit);
        let decoded: ReturnType<typeof decodeRequestBody> | undefined;
        try {
          decoded = decodeRequestBody(JSON.stringify(tampered.toString('base64')), POS_KEY);
        } catch (err) {
          expect((err as { code?: string }).code).toMatch(/^(DECODE_|WIRE_)/);
        }
        if (decoded) {
          // CBC is malleable (e.g. the case of a hex digit in the digest), but the content cannot change.
          accepted += 1;
          expect(decoded.content).toEqual(content);
        }
      }
    }
    expect(accepted).toBeLessThan(bytes.length * 8);
  });
});
