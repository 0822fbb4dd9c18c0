/**
 * The notify server as the product runs it: the built `qfpay-notify` CLI in a child process,
 * on a SQLite file. The `notify-server-restart` fault SIGKILLs it (nothing graceful) and starts
 * it again on the same file and the same port, so QFPay's retries and the adapters' event
 * streams find it where they left it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ChaosError } from './errors.js';

/** Path of the built notify-server CLI (resolved through the workspace link). */
export function notifyCliPath(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@qfpay-ecr/notify-server/package.json');
  return join(dirname(pkg), 'dist', 'cli.js');
}

/** Options of {@link NotifyProcess.start}. */
export interface NotifyProcessOptions {
  sqlitePath: string;
  notifyKey: string;
  eventsToken: string;
  /** Receives every stderr line (pino JSON logs). */
  onLog: (line: string) => void;
  /** How long to wait for `listening on`; default 15 s. */
  startTimeoutMs?: number;
}

const LISTENING = /^listening on (http:\/\/\S+)$/m;

/** A running (or killed) `qfpay-notify` child process. */
export class NotifyProcess {
  #child: ChildProcessWithoutNullStreams | undefined;
  #exited: Promise<void> = Promise.resolve();
  #url = '';
  #port = 0;
  #restarts = 0;

  private constructor(private readonly options: NotifyProcessOptions) {}

  /** Starts the CLI on a free port. Throws {@link ChaosError} when it is not built or does not start. */
  static async start(options: NotifyProcessOptions): Promise<NotifyProcess> {
    const p = new NotifyProcess(options);
    await p.#spawn(0);
    return p;
  }

  /** Base URL, e.g. `http://127.0.0.1:43123`; the same across restarts. */
  get url(): string {
    return this.#url;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** How many times it was killed and started again. */
  get restarts(): number {
    return this.#restarts;
  }

  /** SIGKILL, as a crash or an OOM killer would; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    child.kill('SIGKILL');
    await this.#exited;
  }

  /** Starts it again on the same SQLite file and port (retrying briefly while the port is released). */
  async restart(): Promise<void> {
    if (this.#child) return;
    this.#restarts += 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await this.#spawn(this.#port);
        return;
      } catch (error) {
        lastError = error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw lastError instanceof Error ? lastError : new ChaosError('CHAOS_NOTIFY_RESTART', 'the notify server did not come back', 'see its log lines');
  }

  /** SIGTERM (graceful) and wait. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await this.#exited;
    clearTimeout(timer);
  }

  async #spawn(port: number): Promise<void> {
    const cli = notifyCliPath();
    if (!existsSync(cli)) {
      throw new ChaosError('CHAOS_NOTIFY_NOT_BUILT', `the notify-server CLI is not built (${cli} is missing)`, 'run `npm run build` (or `sh scripts/pnpm.sh run build`) first');
    }
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QFPAY_')) env[k] = v;
    env.QFPAY_NOTIFY_KEYS = this.options.notifyKey;
    env.QFPAY_EVENTS_TOKEN = this.options.eventsToken;
    const child = spawn(process.execPath, [cli, '--port', String(port), '--host', '127.0.0.1', '--sqlite-path', this.options.sqlitePath, '--log-level', 'info'], { env, stdio: 'pipe' });
    let out = '';
    let errBuffer = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stderr.on('data', (chunk: Buffer) => {
      errBuffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = errBuffer.indexOf('\n')) >= 0) {
        this.options.onLog(errBuffer.slice(0, nl));
        errBuffer = errBuffer.slice(nl + 1);
      }
    });
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new ChaosError('CHAOS_NOTIFY_START', 'the notify server did not print "listening on" in time', 'see its log lines'));
      }, this.options.startTimeoutMs ?? 15_000);
      const onData = () => {
        const m = LISTENING.exec(out);
        if (!m?.[1]) return;
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(m[1]);
      };
      child.stdout.on('data', onData);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new ChaosError('CHAOS_NOTIFY_START', `the notify server exited (${String(code)}) before listening`, 'see its log lines; is the port still taken?'));
      });
    });
    this.#child = child;
    this.#exited = exited.then(() => undefined);
    this.#url = url;
    this.#port = Number(new URL(url).port);
  }
}
