import { readFileSync } from 'node:fs';
import { computeDigest, decodeRequestBody, encodeRequestBody, formatContent, buildEnvelope } from '../src/protocol/index.js';

interface Vector {
  posKey: string;
  content: Record<string, string | number>;
  formatted: string;
  digest: string;
  plaintext: string;
  body: string;
}
const file = JSON.parse(readFileSync(new URL('./fixtures/ecr-vectors.json', import.meta.url), 'utf8')) as {
  vectors: Vector[];
  docSample: { posKey: string; formatted: string; digest: string };
};

describe('QFPay ECR test vectors (byte for byte)', () => {
  it.each(file.vectors.map((v, i) => [i, v] as const))('vector %i', (_i, v) => {
    expect(formatContent(v.content)).toBe(v.formatted);
    expect(computeDigest(v.content, v.posKey)).toBe(v.digest);
    expect(buildEnvelope(v.formatted, v.digest)).toBe(v.plaintext);
    expect(encodeRequestBody(v.content, v.posKey)).toBe(v.body);
    const decoded = decodeRequestBody(v.body, v.posKey);
    expect(decoded.content).toEqual(v.content);
    expect(decoded.digest).toBe(v.digest);
  });

  it("reproduces the docs' sample digest 99CE8BF9C7304AC964522D10F51660B4", () => {
    const { posKey, formatted, digest } = file.docSample;
    expect(formatContent({ func_type: 4001, orderId: '12345678' })).toBe(formatted);
    expect(computeDigest({ func_type: 4001, orderId: '12345678' }, posKey)).toBe(digest);
    expect(digest).toBe('99CE8BF9C7304AC964522D10F51660B4');
  });
});
