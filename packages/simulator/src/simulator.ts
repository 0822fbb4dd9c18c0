import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { TransactionBook } from './book.js';
import { startCloud, type RunningCloud, type SimulatorCloud } from './cloud/index.js';
import { parseCustomerScript, parseFault, resolveOptions, SIMULATOR_DEFAULTS, type SimulatorOptions } from './config.js';
import { Device } from './device.js';
import { SimulatorError } from './errors.js';
import { FaultQueue } from './faults.js';
import { Notifier } from './notifier.js';
import { createTestPki, type TestPki, type TestPkiOptions } from './pki.js';
import { Screen } from './screen.js';
import { EcrServer } from './server.js';
import type { BookEntry, CustomerScript, Fault, NotificationRecord, PrintRecord, RequestRecord, ScreenState, SimCard, SimulatorEvents } from './types.js';
import { createWebHandler } from './web.js';

/** Acting on the open screen as the customer (or, on refund screens, the operator). */
export interface CustomerControls {
  /** Pays / confirms the refund; false when no screen is open. */
  approve(card?: SimCard): boolean;
  /** The host declines with `code` (default `1205`); false when no screen is open. */
  decline(code?: string): boolean;
  /** Presses cancel: the held request replies 6001; false when no screen is open. */
  cancel(): boolean;
}

/** A running simulated terminal. */
export interface Simulator {
  /** Base URL, e.g. `https://127.0.0.1:43123`; the ECR API is under `/api/pos/`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** PEM of the CA that signed the terminal's certificate (null with `tls: false`). */
  readonly caPem: string | null;
  /** SHA-256 fingerprint of that CA, `AB:CD:…` (null with `tls: false`). */
  readonly caFingerprint256: string | null;
  /** The customer-facing page (simulator-only). */
  readonly webUrl: string;
  /** The fake QFPay OpenAPI (ECR Cloud) when `cloud` was given, else null. Same CA as the terminal. */
  readonly cloud: SimulatorCloud | null;
  /** Customer behaviour for the next screens. */
  setCustomer(script: CustomerScript): void;
  readonly customer: CustomerControls;
  /** The open payment/refund screen, or null. */
  screen(): ScreenState | null;
  /** Resolves with the open screen, or the next one to open; rejects after `timeoutMs` (default 10 s). */
  waitForScreen(timeoutMs?: number): Promise<ScreenState>;
  /** Queues a one-shot fault for the next matching request. */
  injectFault(fault: Fault): void;
  /** Drops every queued fault; returns those that never applied (oldest first). */
  clearFaults(): Fault[];
  /** How many decoded 1001 requests carried this out_trade_no ("never charged twice"). */
  paymentRequestCount(outTradeNo: string): number;
  /** Every ECR request received, oldest first (copies). */
  requests(): ReadonlyArray<RequestRecord>;
  /** The transaction book, oldest first (copies). */
  transactions(): ReadonlyArray<BookEntry>;
  /** Notifications and their delivery state. */
  notifications(): ReadonlyArray<NotificationRecord>;
  /** Receipts (3001) and summaries (3002) printed. */
  printed(): ReadonlyArray<PrintRecord>;
  on<E extends keyof SimulatorEvents>(event: E, listener: SimulatorEvents[E]): this;
  off<E extends keyof SimulatorEvents>(event: E, listener: SimulatorEvents[E]): this;
  once<E extends keyof SimulatorEvents>(event: E, listener: SimulatorEvents[E]): this;
  /** Stops the server and notifier timers and destroys open sockets (held requests get no reply). */
  close(): Promise<void>;
}

/** The certificate names a terminal bound to `host` should carry. */
function pkiOptionsFor(host: string): TestPkiOptions {
  if (host === 'localhost') return { ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] };
  if (host === '0.0.0.0' || host === '::') {
    const ips = new Set<string>(['127.0.0.1']);
    for (const list of Object.values(networkInterfaces())) {
      for (const info of list ?? []) if (info.family === 'IPv4') ips.add(info.address);
    }
    return { ipAddresses: [...ips] };
  }
  return { ipAddresses: [host] };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return isIP(host) === 6 ? `[${host}]` : host;
}

/**
 * Starts a simulated QFPay terminal (Haojin app on a Landi A8): real TLS with its own CA, real
 * decryption and digest checks, one screen at a time, a transaction book, refund rules, faults,
 * signed notifications with retries, and a customer-facing page.
 *
 * ```ts
 * const sim = await startSimulator({ posKey: '0123456789abcdef0123456789abcdef', customer: { action: 'approve' } });
 * // point a QFPayTerminal at sim.url, trusting sim.caPem …
 * await sim.close();
 * ```
 */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const opts = resolveOptions(options);
  const pki: TestPki | undefined = opts.tls ? (opts.pki ?? (await createTestPki(pkiOptionsFor(opts.host)))) : undefined;
  const emitter = new EventEmitter();
  // Listener errors must not take the terminal down.
  const emit = (event: keyof SimulatorEvents, ...args: unknown[]) => {
    try {
      emitter.emit(event, ...args);
    } catch {
      /* a test's listener threw; the terminal carries on */
    }
  };
  let customer = opts.customer;
  const records: RequestRecord[] = [];
  const book = new TransactionBook(opts.clock, (entry) => emit('transaction', entry));
  // Internal screen-open hooks run before public listeners (which may throw): the cloud uses them.
  const screenHooks = new Set<(state: ScreenState) => void>();
  const screen = new Screen(
    (state) => {
      for (const hook of [...screenHooks]) hook(state);
      emit('screen', state);
    },
    (state, result) => emit('screen-closed', state, result),
  );
  const faults = new FaultQueue();
  const notifier = opts.notify ? new Notifier(opts.notify, (record) => emit('notification', record)) : undefined;
  const device = new Device({ book, screen, faults, notifier, clock: opts.clock, merchantName: opts.merchantName, terminalId: opts.terminalId, merchantId: opts.merchantId, customer: () => customer });

  const customerControls: CustomerControls = {
    approve: (card) => screen.end(card ? { action: 'approve', card } : { action: 'approve' }),
    decline: (code) => screen.end({ action: 'decline', code: parseDecline(code) }),
    cancel: () => screen.end({ action: 'cancel', by: 'customer' }),
  };
  const web = createWebHandler({
    screen: () => screen.current(),
    last: () => device.lastResult(),
    transactions: () => book.snapshot(),
    ...customerControls,
    merchantName: opts.merchantName,
    terminalId: opts.terminalId,
  });
  const server = new EcrServer(
    {
      posKey: opts.posKey,
      encryptReplies: opts.encryptReplies,
      device,
      faults,
      clock: opts.clock,
      web,
      arrived: (record) => records.push(record),
      completed: (record) => emit('request', { ...record }),
      log: opts.log,
    },
    pki ? { key: pki.leafKeyPem, cert: pki.leafCertPem } : undefined,
  );
  let address: Awaited<ReturnType<EcrServer['listen']>>;
  try {
    address = await server.listen(opts.port, opts.host);
  } catch (cause) {
    const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : 'error';
    throw new SimulatorError('SIM_LISTEN', `cannot listen on ${opts.host}:${opts.port} (${code})`, code === 'EADDRINUSE' ? 'the port is taken: choose another port (0 = any free one)' : 'check the host is an address of this machine', { cause });
  }
  const url = `${opts.tls ? 'https' : 'http'}://${urlHost(opts.host)}:${address.port}`;
  let cloud: RunningCloud | null = null;
  if (opts.cloud) {
    try {
      cloud = await startCloud({
        options: opts.cloud,
        host: opts.host,
        tls: pki ? { key: pki.leafKeyPem, cert: pki.leafCertPem } : undefined,
        device,
        book,
        screen,
        faults,
        clock: opts.clock,
        onScreenOpen: (hook) => {
          screenHooks.add(hook);
          return () => screenHooks.delete(hook);
        },
        merchantName: opts.merchantName,
        merchantId: opts.merchantId,
        terminalId: opts.terminalId,
        arrived: (record) => records.push(record),
        completed: (record) => emit('request', { ...record }),
        log: opts.log,
      });
    } catch (error) {
      notifier?.close();
      await server.close();
      throw error;
    }
  }
  let closed: Promise<void> | null = null;
  const waiters = new Set<(error: SimulatorError) => void>();

  const sim: Simulator = {
    url,
    host: opts.host,
    port: address.port,
    caPem: pki?.caCertPem ?? null,
    caFingerprint256: pki?.caFingerprint256 ?? null,
    webUrl: `${url}/`,
    cloud: cloud?.info ?? null,
    setCustomer(script) {
      customer = parseCustomerScript(script);
    },
    customer: customerControls,
    screen: () => screen.current(),
    waitForScreen(timeoutMs = SIMULATOR_DEFAULTS.waitForScreenMs) {
      const open = screen.current();
      if (open) return Promise.resolve(open);
      if (closed) return Promise.reject(new SimulatorError('SIM_CLOSED', 'the simulator is closed', 'start a new simulator'));
      return new Promise<ScreenState>((resolve, reject) => {
        const finish = (error: SimulatorError | null, state?: ScreenState) => {
          clearTimeout(timer);
          emitter.off('screen', onScreen);
          waiters.delete(fail);
          if (error) reject(error);
          else resolve(state as ScreenState);
        };
        const onScreen = (state: ScreenState) => finish(null, state);
        const fail = (error: SimulatorError) => finish(error);
        const timer = setTimeout(
          () => finish(new SimulatorError('SIM_NO_SCREEN', `no payment or refund screen opened within ${timeoutMs} ms`, 'check that the POS sent a 1001/1002 to this simulator')),
          timeoutMs,
        );
        emitter.on('screen', onScreen);
        waiters.add(fail);
      });
    },
    injectFault(fault) {
      faults.push(parseFault(fault));
    },
    clearFaults: () => faults.clear(),
    paymentRequestCount: (outTradeNo) => device.paymentRequestCount(outTradeNo),
    requests: () => records.map((r) => ({ ...r, ...(r.content ? { content: { ...r.content } } : {}) })),
    transactions: () => book.snapshot(),
    notifications: () => notifier?.snapshot() ?? [],
    printed: () => device.printed(),
    on(event, listener) {
      emitter.on(event, listener);
      return sim;
    },
    off(event, listener) {
      emitter.off(event, listener);
      return sim;
    },
    once(event, listener) {
      emitter.once(event, listener);
      return sim;
    },
    close() {
      closed ??= (async () => {
        const stopping = Promise.all([server.close(), cloud?.close()]);
        for (const fail of [...waiters]) fail(new SimulatorError('SIM_CLOSED', 'the simulator was closed while waiting for a screen', 'start a new simulator'));
        screen.shutdown();
        notifier?.close();
        faults.clear();
        await stopping;
      })();
      return closed;
    },
  };
  return sim;
}

function parseDecline(code: string | undefined): string {
  if (code === undefined) return SIMULATOR_DEFAULTS.declineCode;
  const script = parseCustomerScript({ action: 'decline', code });
  return script.action === 'decline' && script.code ? script.code : SIMULATOR_DEFAULTS.declineCode;
}
