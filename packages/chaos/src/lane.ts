/**
 * A lane: the long-lived parts one sequence of scenarios shares — a simulated terminal (real
 * HTTPS, its own CA), the notify server as a child process on a SQLite file, a WooCommerce fake,
 * and the WooCommerce bridge (terminal, REST client, adapter listening to the notify server's
 * event stream). Odoo POS harnesses are made per scenario (a POS page is short-lived).
 * Scenarios in one lane run one after the other, so each has the terminal to itself.
 */
import { join } from 'node:path';
import { QFPayTerminal, type QFPayTerminalOptions, type NormalizedNotification, type TerminalLogger } from '@qfpay-ecr/core';
import { startSimulator, type Simulator } from '@qfpay-ecr/simulator';
import { SseNotificationFeed, WooClient, WooQfpayAdapter, type NotificationResult, type WooLogger } from '@qfpay-ecr/woo-adapter';
import { startWooFake, type WooFake } from '@qfpay-ecr/woo-adapter/testing';
import { NotifyProcess } from './notify-process.js';
import type { CampaignSecrets } from './secrets.js';
import { TIMINGS } from './timings.js';

/** Everything captured in a lane, in order: what the secret scan reads. */
export class LogSink {
  readonly #entries: Array<{ source: string; text: string }> = [];

  push(source: string, text: string): void {
    this.#entries.push({ source, text });
  }

  /** A position to slice from later. */
  mark(): number {
    return this.#entries.length;
  }

  since(mark: number): Array<{ source: string; text: string }> {
    return this.#entries.slice(mark);
  }

  /** Forgets entries before `mark` (memory stays flat over thousands of scenarios). */
  dropBefore(mark: number): void {
    this.#entries.splice(0, mark);
  }
}

/** A pino-compatible logger writing JSON lines into a sink. */
export function sinkLogger(sink: LogSink, source: string): TerminalLogger & WooLogger {
  const at = (level: string) => (obj: Record<string, unknown>, msg?: string) => sink.push(source, JSON.stringify({ level, msg: msg ?? '', ...obj }));
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** What the WooCommerce bridge's notification listener did with each notification (by syssn). */
export class FeedLog {
  readonly #seen = new Map<string, string[]>();

  record(n: NormalizedNotification, what: string): void {
    const key = `${n.kind}:${n.syssn ?? ''}`;
    const list = this.#seen.get(key) ?? [];
    list.push(what);
    this.#seen.set(key, list);
    if (this.#seen.size > 5_000) this.#seen.delete(this.#seen.keys().next().value as string);
  }

  handled(kind: string, syssn: string): boolean {
    return (this.#seen.get(`${kind}:${syssn}`)?.length ?? 0) > 0;
  }

  /** What the listener did with a notification, in order (e.g. `paid`, `duplicate`, `error WooUnavailableError`). */
  results(kind: string, syssn: string): string[] {
    return this.#seen.get(`${kind}:${syssn}`) ?? [];
  }
}

/** Options of {@link Lane.start}. */
export interface LaneOptions {
  index: number;
  /** Directory for this lane's files (the notify server's SQLite database). */
  dir: string;
  secrets: CampaignSecrets;
  /** The campaign clock (shared by terminal, adapters, WooCommerce fake). */
  clock: () => Date;
}

export class Lane {
  readonly index: number;
  readonly logs = new LogSink();
  readonly feedLog = new FeedLog();
  readonly secrets: CampaignSecrets;
  readonly clock: () => Date;
  sim!: Simulator;
  notify!: NotifyProcess;
  fake!: WooFake;
  woo!: WooClient;
  wooTerminal!: QFPayTerminal;
  wooAdapter!: WooQfpayAdapter;
  #feed: SseNotificationFeed | undefined;
  #unlisten: (() => void) | undefined;
  /** The WooCommerce bridge's alerts (shown in a scenario's steps). */
  readonly alerts: Array<{ code: string; message: string; orderId?: number }> = [];

  private constructor(options: LaneOptions) {
    this.index = options.index;
    this.secrets = options.secrets;
    this.clock = options.clock;
  }

  static async start(options: LaneOptions): Promise<Lane> {
    const lane = new Lane(options);
    try {
      await lane.#start(options);
    } catch (error) {
      await lane.close();
      throw error;
    }
    return lane;
  }

  /** Options of a terminal for this lane's simulator (Woo bridge and Odoo POS alike). */
  terminalOptions(source: string): QFPayTerminalOptions {
    return {
      host: this.sim.host,
      port: this.sim.port,
      posKey: this.secrets.posKey,
      ca: this.sim.caPem as string,
      pinnedCaFingerprint256: this.sim.caFingerprint256 as string,
      ...TIMINGS.terminal,
      logger: sinkLogger(this.logs, source),
    };
  }

  async #start(options: LaneOptions): Promise<void> {
    const { secrets } = options;
    this.notify = await NotifyProcess.start({
      sqlitePath: join(options.dir, `lane-${options.index}-notify.db`),
      notifyKey: secrets.notifyKey,
      eventsToken: secrets.eventsToken,
      onLog: (line) => this.logs.push('notify-server', line),
    });
    this.sim = await startSimulator({
      posKey: secrets.posKey,
      customer: { action: 'approve', afterMs: 10 },
      notify: { url: `${this.notify.url}/qfpay/notify`, key: secrets.notifyKey, scheduleMs: [...TIMINGS.notifyScheduleMs] },
      clock: options.clock,
      log: (line) => this.logs.push('simulator', line),
    });
    this.fake = await startWooFake({ keys: [{ consumerKey: secrets.wooConsumerKey, consumerSecret: secrets.wooConsumerSecret, permissions: 'read_write' }], now: options.clock });
    this.woo = new WooClient({
      url: this.fake.url,
      consumerKey: secrets.wooConsumerKey,
      consumerSecret: secrets.wooConsumerSecret,
      allowInsecureHttp: true,
      retry: TIMINGS.wooClientRetry,
      timeoutMs: TIMINGS.wooTimeoutMs,
      logger: sinkLogger(this.logs, 'woo-client'),
    });
    this.wooTerminal = new QFPayTerminal(this.terminalOptions('woo-terminal'));
    this.wooAdapter = new WooQfpayAdapter({
      woo: this.woo,
      terminal: this.wooTerminal,
      terminalId: `chaos-lane-${options.index}`,
      now: options.clock,
      notFoundAfterMs: TIMINGS.wooNotFoundAfterMs,
      writeRetry: TIMINGS.wooWriteRetry,
      notificationRetry: TIMINGS.wooNotificationRetry,
    });
    this.wooAdapter.on('alert', (a) => {
      this.alerts.push({ code: a.code, message: a.message, ...(a.orderId !== undefined ? { orderId: a.orderId } : {}) });
      if (this.alerts.length > 1_000) this.alerts.splice(0, 500);
      this.logs.push('woo-alert', JSON.stringify(a));
    });
    this.#feed = new SseNotificationFeed({
      url: `${this.notify.url}/qfpay/events`,
      token: secrets.eventsToken,
      minDelayMs: TIMINGS.feedMinDelayMs,
      maxDelayMs: TIMINGS.feedMaxDelayMs,
      onError: (e) => this.logs.push('woo-feed', `${e.name}: ${e.message}`),
    });
    this.#unlisten = this.wooAdapter.listen(this.#feed, {
      onResult: (result: NotificationResult, n) => {
        this.feedLog.record(n, result.action);
        this.logs.push('woo-listener', JSON.stringify(result));
      },
      onError: (e, n) => {
        this.feedLog.record(n, `error ${e.name}`);
        this.logs.push('woo-listener', `error ${e.name}: ${e.message}`);
      },
    });
  }

  async close(): Promise<void> {
    this.#unlisten?.();
    await this.#feed?.close().catch(() => undefined);
    this.sim?.customer.cancel();
    await this.wooTerminal?.close().catch(() => undefined);
    await this.woo?.close().catch(() => undefined);
    await this.sim?.close().catch(() => undefined);
    await this.fake?.close().catch(() => undefined);
    await this.notify?.stop().catch(() => undefined);
  }
}
