/**
 * A QFPayTerminal wired to a running simulator over real HTTPS, with short resolution intervals,
 * a capturing logger and a record of every event, so tests can check order and secrecy.
 */
import { startSimulator, type CustomerScript, type Simulator, type SimulatorOptions } from '@qfpay-ecr/simulator';
import { QFPayTerminal, type QFPayTerminalOptions, type TerminalEventEmitter, type TerminalLogger } from '../../src/terminal/index.js';

/** A distinctive 32-byte POS-KEY, easy to search for in captured output. */
export const POS_KEY = 'PosKeyS3cret7Zq9Wx4Lm2Np8Rt5Vy1B';
export const OTHER_KEY = 'AnotherK3y0fTheRightLength32Byte';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

export type Recorded = { event: 'progress' | 'outcome' | 'cancel'; payload: unknown };

/** Records every progress, outcome and cancel event of a terminal, in order. */
export function recordEvents(t: TerminalEventEmitter, events: Recorded[]): void {
  t.on('progress', (payload) => events.push({ event: 'progress', payload }));
  t.on('outcome', (payload) => events.push({ event: 'outcome', payload }));
  t.on('cancel', (payload) => events.push({ event: 'cancel', payload }));
}

export function captureLogger(lines: LogLine[]): TerminalLogger {
  const at = (level: LogLine['level']) => (obj: Record<string, unknown>, msg?: string) => lines.push({ level, obj, msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface Harness {
  sim: Simulator;
  terminal: QFPayTerminal;
  logs: LogLine[];
  events: Recorded[];
  /** Another terminal on the same simulator with other options (closed by `close`). */
  makeTerminal(options?: Partial<QFPayTerminalOptions>): QFPayTerminal;
  close(): Promise<void>;
}

/** Fast resolution settings for tests (no timed assertions depend on them). */
export const FAST_RESOLVE = { deadlineMs: 5_000, minIntervalMs: 20, maxIntervalMs: 100 } as const;

export async function startHarness(
  options: { customer?: CustomerScript; sim?: Partial<SimulatorOptions>; terminal?: Partial<QFPayTerminalOptions> } = {},
): Promise<Harness> {
  const sim = await startSimulator({ posKey: POS_KEY, ...(options.customer ? { customer: options.customer } : {}), ...options.sim });
  const logs: LogLine[] = [];
  const events: Recorded[] = [];
  const terminals: QFPayTerminal[] = [];
  const makeTerminal = (extra: Partial<QFPayTerminalOptions> = {}) => {
    const tls = sim.caPem !== null;
    const t = new QFPayTerminal({
      host: '127.0.0.1',
      port: sim.port,
      posKey: POS_KEY,
      ...(tls ? { ca: sim.caPem as string, pinnedCaFingerprint256: sim.caFingerprint256 as string } : { protocol: 'http' as const }),
      resolve: FAST_RESOLVE,
      cancelWaitMs: 5_000,
      connectTimeoutMs: 2_000,
      requestTimeoutMs: 3_000,
      logger: captureLogger(logs),
      ...extra,
    });
    recordEvents(t, events);
    terminals.push(t);
    return t;
  };
  const terminal = makeTerminal(options.terminal);
  return {
    sim,
    terminal,
    logs,
    events,
    makeTerminal,
    async close() {
      // Free any screen still open so terminals can settle, then close everything.
      sim.customer.cancel();
      await Promise.all(terminals.map((t) => t.close()));
      await sim.close();
    },
  };
}

/** Stages of progress events for one reference, in order. */
export function stagesOf(events: Recorded[], outTradeNo: string): string[] {
  return events
    .filter((e) => e.event === 'progress' && (e.payload as { outTradeNo: string }).outTradeNo === outTradeNo)
    .map((e) => (e.payload as { stage: string }).stage);
}
