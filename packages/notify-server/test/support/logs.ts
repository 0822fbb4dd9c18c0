/** Captures pino output of an app under test so tests can prove what is (not) logged. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/index.js';

export interface CapturedLogs {
  logger: Logger;
  /** Every log line written so far. */
  text(): string;
  /** Parsed log records. */
  records(): Array<Record<string, unknown>>;
}

export function captureLogs(level: 'debug' | 'info' | 'trace' = 'debug'): CapturedLogs {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ level, destination: sink });
  return {
    logger,
    text: () => lines.join(''),
    records: () =>
      lines
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
