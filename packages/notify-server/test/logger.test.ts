import { Writable } from 'node:stream';
import { createLogger, flatRecordLogger, REDACTED } from '../src/logger.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('flatRecordLogger', () => {
  it('still censors every top-level secret name and keeps the parent bindings', () => {
    const out = capture();
    const logger = flatRecordLogger(createLogger({ destination: out.stream }).child({ component: 'qfpay-notify' }));
    logger.info({ syssn: '20250001', key: 'notify-key-value', keys: ['k1'], token: 'tok', authorization: 'Bearer x', cardcd: '4761739001010119', password: 'pw' }, 'notification stored');
    const [line] = out.lines();
    expect(line).toMatchObject({ component: 'qfpay-notify', syssn: '20250001', msg: 'notification stored' });
    for (const name of ['key', 'keys', 'token', 'authorization', 'cardcd', 'password']) expect(line?.[name]).toBe(REDACTED);
    expect(JSON.stringify(line)).not.toMatch(/notify-key-value|4761739001010119|Bearer x/);
  });

  it('does not touch the parent: nested secrets logged through the full logger stay censored', () => {
    const out = capture();
    const parent = createLogger({ destination: out.stream });
    flatRecordLogger(parent);
    parent.info({ options: { key: 'nested-secret' } }, 'configured');
    expect(out.lines()[0]).toMatchObject({ options: { key: REDACTED } });
  });
});
