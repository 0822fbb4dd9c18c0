/**
 * A QFPayCloudTerminal wired to the fake OpenAPI over real TLS, with fast settings, a capturing
 * logger and a record of every event.
 */
import type { TestPki } from '@qfpay-ecr/simulator';
import { QFPayCloudTerminal, type QFPayCloudTerminalOptions } from '../../src/cloud/index.js';
import { startFakeOpenApi, type FakeOpenApi, type FakeOpenApiOptions } from './fake-openapi.js';
import { captureLogger, recordEvents, type LogLine, type Recorded } from './terminal-harness.js';

/** Distinctive credentials, easy to search for in captured output. */
export const APP_CODE = 'APPC0DE7Zq9Wx4Lm2Np8Rt5Vy1BcD3fG';
export const CLIENT_KEY = 'CloudClientKeyS3cret7Zq9Wx4Lm2Np';
export const TERMID = 'TERM0001A8S';

export interface CloudHarness {
  api: FakeOpenApi;
  terminal: QFPayCloudTerminal;
  logs: LogLine[];
  events: Recorded[];
  makeTerminal(options?: Partial<QFPayCloudTerminalOptions>): QFPayCloudTerminal;
  close(): Promise<void>;
}

/** Fast timings for tests (no timed assertions depend on them). */
export const FAST_CLOUD = {
  resolve: { minIntervalMs: 20, maxIntervalMs: 80 },
  defaultPaymentTimeoutSec: 5,
  resultMarginMs: 1_000,
  cancelWaitMs: 3_000,
  connectTimeoutMs: 2_000,
  requestTimeoutMs: 2_000,
} as const;

export async function startCloudHarness(options: { api?: Partial<FakeOpenApiOptions>; terminal?: Partial<QFPayCloudTerminalOptions>; pki?: TestPki } = {}): Promise<CloudHarness> {
  const api = await startFakeOpenApi({ appCode: APP_CODE, clientKey: CLIENT_KEY, termids: [TERMID], ...(options.pki ? { pki: options.pki } : {}), ...options.api });
  const logs: LogLine[] = [];
  const events: Recorded[] = [];
  const terminals: QFPayCloudTerminal[] = [];
  const makeTerminal = (extra: Partial<QFPayCloudTerminalOptions> = {}) => {
    const t = new QFPayCloudTerminal({
      environment: 'custom',
      baseUrl: api.baseUrl,
      ca: api.caPem,
      appCode: APP_CODE,
      clientKey: CLIENT_KEY,
      termid: TERMID,
      logger: captureLogger(logs),
      ...FAST_CLOUD,
      ...extra,
    });
    recordEvents(t, events);
    terminals.push(t);
    return t;
  };
  const terminal = makeTerminal(options.terminal);
  return {
    api,
    terminal,
    logs,
    events,
    makeTerminal,
    async close() {
      await Promise.all(terminals.map((t) => t.close()));
      await api.close();
    },
  };
}
