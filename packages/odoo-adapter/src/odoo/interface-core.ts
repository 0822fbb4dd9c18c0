/**
 * What every generation's payment-interface class delegates to: builds (lazily) the terminal,
 * the lifecycle flow and the notification subscriptions for one payment method instance, and
 * maps Odoo's raw lines to the flow's handles.
 */
import type { PaymentTerminal } from '@qfpay-ecr/core/terminal';
import { AdapterConfigError } from '../errors.js';
import { QfpayPaymentFlow, type TransactionLookup } from '../lifecycle/flow.js';
import { DIALOG_TITLE, MESSAGES } from '../lifecycle/messages.js';
import type { NotificationSource } from '../lifecycle/notifications.js';
import { memoryStorage, type KeyValueStorage } from '../lifecycle/resume-store.js';
import { SILENT_LOGGER, type CashierUi, type PaymentLineHandle } from '../lifecycle/types.js';
import { DirectTerminal } from '../transport/direct-terminal.js';
import { httpTransactionLookup, subscribeEvents } from '../transport/events.js';
import type { FetchLike } from '../transport/http.js';
import { RemoteTerminal } from '../transport/remote-terminal.js';
import { odooRpcSigner, type RpcCall } from '../transport/signer.js';
import { lineHandle, numberField, type Generation, type LineSpelling, type OdooRecord } from './objects.js';
import { parseMethodFields, type MethodContext, type QfpayInstallOptions } from './options.js';

/** What a generation shim tells the core about its Odoo. */
export interface GenerationShim {
  generation: Generation;
  spelling: LineSpelling;
  /** The payment method record the interface was made for. */
  methodRecord(iface: OdooRecord): OdooRecord | undefined;
  /** The current `pos.session` id. */
  sessionId(pos: OdooRecord): number | undefined;
  /** Every payment line of every open order. */
  allPaymentLines(pos: OdooRecord): OdooRecord[];
  /** The generation's server call on `pos.payment.method`, if any. */
  rpc(iface: OdooRecord): RpcCall | undefined;
  /** Subscribes to an Odoo bus message type (pos_qfpay's `QFPAY_LATEST_RESPONSE`); returns an unsubscribe. */
  subscribeBus(iface: OdooRecord, channel: string, callback: (payload: unknown) => void): (() => void) | undefined;
  /** Odoo's way to show a blocking message, if reachable. */
  alert(iface: OdooRecord, options: QfpayInstallOptions): ((title: string, message: string) => void) | undefined;
  /** Clears `pos.paymentTerminalInProgress` (Odoo leaves it set when a request rejects). */
  clearInProgress(iface: OdooRecord): void;
}

function defaultStorage(): KeyValueStorage {
  try {
    const ls = (globalThis as { localStorage?: KeyValueStorage }).localStorage;
    if (ls && typeof ls.getItem === 'function') return ls;
  } catch {
    // Access can throw in privacy modes.
  }
  return memoryStorage();
}

/** The default terminal for a method: bridge when a bridge URL is set (or chosen), else direct. */
export function defaultTerminal(ctx: MethodContext): { terminal: PaymentTerminal; key: string } {
  const m = ctx.method;
  const topology = m.qfpay_topology ?? (m.qfpay_bridge_url ? 'bridge' : 'direct');
  if (topology === 'bridge') {
    if (!m.qfpay_bridge_url || !m.qfpay_terminal_id) {
      throw new AdapterConfigError('CONFIG_BRIDGE', 'the bridge topology needs qfpay_bridge_url and qfpay_terminal_id', 'fill both fields on the payment method');
    }
    const rpc = ctx.rpc;
    const token = async (): Promise<string> => {
      if (!rpc) throw new AdapterConfigError('CONFIG_BRIDGE_TOKEN', 'no server call is available to fetch the bridge token', 'install the example addon (qfpay_bridge_token) or pass options.terminal');
      const value = await rpc('qfpay_bridge_token', [[m.id]]);
      if (typeof value !== 'string' || value === '') throw new AdapterConfigError('CONFIG_BRIDGE_TOKEN', 'the server returned no bridge token', 'set the bridge token on the payment method');
      return value;
    };
    return { terminal: new RemoteTerminal({ baseUrl: m.qfpay_bridge_url, terminalId: m.qfpay_terminal_id, token, fetch: ctx.fetch }), key: `bridge:${m.qfpay_bridge_url}#${m.qfpay_terminal_id}` };
  }
  if (!m.qfpay_terminal_ip_address) {
    throw new AdapterConfigError('CONFIG_TERMINAL', 'the direct topology needs qfpay_terminal_ip_address', "enter the terminal's fixed IP address on the payment method");
  }
  if (!ctx.rpc) throw new AdapterConfigError('CONFIG_SIGNER', 'no server call is available to sign requests', 'install the example addon (qfpay_sign_request) or pass options.terminal');
  const port = m.qfpay_terminal_port ?? 9001;
  return {
    terminal: new DirectTerminal({ host: m.qfpay_terminal_ip_address, port, signer: odooRpcSigner(ctx.rpc, m.id), fetch: ctx.fetch }),
    key: `direct:${m.qfpay_terminal_ip_address}:${port}`,
  };
}

/** Per-instance state of the QFPay payment interface. */
export class InterfaceCore {
  readonly #iface: OdooRecord;
  readonly #shim: GenerationShim;
  readonly #options: QfpayInstallOptions;
  #flow: QfpayPaymentFlow | undefined;
  #terminal: PaymentTerminal | undefined;
  #configError: string | undefined;
  readonly #unsubscribers: Array<() => void> = [];
  #closed = false;

  constructor(iface: OdooRecord, shim: GenerationShim, options: QfpayInstallOptions) {
    this.#iface = iface;
    this.#shim = shim;
    this.#options = options;
  }

  /**
   * The flow, built on first use; undefined when misconfigured (`request` then tells the
   * cashier). A failed build is tried again on the next call (the POS may still be loading).
   */
  flow(): QfpayPaymentFlow | undefined {
    if (this.#flow || this.#closed) return this.#flow;
    this.#configError = undefined;
    this.#build();
    return this.#flow;
  }

  /** The terminal in use (after the first request or resume). */
  terminal(): PaymentTerminal | undefined {
    return this.#terminal;
  }

  /** A flow handle for a raw Odoo line. */
  handle(line: OdooRecord): PaymentLineHandle {
    return lineHandle(line, this.#shim.spelling, (ref, minor) => this.#flow?.recordedOriginal(ref, minor));
  }

  request(line: OdooRecord | undefined): Promise<boolean> {
    const flow = this.flow();
    if (!flow) {
      this.#alert(MESSAGES.config(this.#configError ?? 'unknown problem'));
      return Promise.resolve(false);
    }
    if (!line) return Promise.resolve(false);
    return flow.request(this.handle(line));
  }

  async cancel(line: OdooRecord | undefined): Promise<boolean> {
    const flow = this.flow();
    if (!flow || !line) return true;
    return flow.cancel(this.handle(line));
  }

  async reverse(line: OdooRecord | undefined): Promise<boolean> {
    const flow = this.flow();
    if (!flow || !line) return false;
    return flow.reverse(this.handle(line));
  }

  /** Resumes lines left waiting (called shortly after creation, and safe to call again). */
  resume(): void {
    this.flow()?.resume();
  }

  /** Stops listening and polling; attempts stay stored for the next load. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const u of this.#unsubscribers.splice(0)) {
      try {
        u();
      } catch {
        // ignore
      }
    }
    this.#flow?.close();
    void this.#terminal?.close().catch(() => undefined);
  }

  #pos(): OdooRecord {
    const pos = this.#iface.pos;
    return typeof pos === 'object' && pos !== null ? (pos as OdooRecord) : {};
  }

  #ui(ctx: MethodContext | undefined): CashierUi {
    if (ctx && this.#options.ui) return this.#options.ui(ctx);
    const alert = this.#shim.alert(this.#iface, this.#options);
    return {
      alert: (title, message) => {
        if (alert) alert(title, message);
        else (globalThis as { console?: { warn(...a: unknown[]): void } }).console?.warn(`${title}: ${message}`);
      },
    };
  }

  #alert(message: string): void {
    try {
      this.#ui(undefined).alert(DIALOG_TITLE, message);
    } catch {
      // ignore
    }
  }

  #build(): void {
    const rawMethod = this.#shim.methodRecord(this.#iface);
    if (!rawMethod) {
      this.#configError = 'the payment method record is missing';
      return;
    }
    const parsed = parseMethodFields(rawMethod);
    if (!parsed.ok) {
      this.#configError = parsed.reason;
      return;
    }
    const pos = this.#pos();
    const sessionId = this.#shim.sessionId(pos);
    if (sessionId === undefined) {
      this.#configError = 'no open POS session';
      return;
    }
    const fetchImpl: FetchLike = this.#options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const ctx: MethodContext = { generation: this.#shim.generation, pos, method: parsed.fields, rawMethod, rpc: this.#shim.rpc(this.#iface), fetch: fetchImpl };
    let terminal: PaymentTerminal;
    let key: string;
    try {
      if (this.#options.terminal) {
        terminal = this.#options.terminal(ctx);
        key = `custom:${parsed.fields.id}`;
      } else ({ terminal, key } = defaultTerminal(ctx));
    } catch (err) {
      this.#configError = err instanceof Error ? err.message : 'the terminal could not be set up';
      return;
    }
    const m = parsed.fields;
    const bridgeUrl = m.qfpay_bridge_url;
    const rpc = ctx.rpc;
    const token = async (): Promise<string> => {
      const v = rpc ? await rpc('qfpay_bridge_token', [[m.id]]) : undefined;
      if (typeof v !== 'string' || v === '') throw new AdapterConfigError('CONFIG_BRIDGE_TOKEN', 'no bridge token', 'set the bridge token on the payment method');
      return v;
    };
    let lookup: TransactionLookup | undefined;
    if (this.#options.lookup) lookup = this.#options.lookup(ctx);
    else if (bridgeUrl && rpc) lookup = httpTransactionLookup({ baseUrl: bridgeUrl, token, fetch: fetchImpl });
    const methodId = m.id;
    this.#terminal = terminal;
    this.#flow = new QfpayPaymentFlow({
      terminal,
      method: { paymentMethodId: methodId, sessionId, name: m.name ?? 'QFPay', channel: m.qfpay_payment_type },
      lines: () =>
        this.#shim
          .allPaymentLines(this.#pos())
          .filter((l) => numberField(this.#shim.spelling.methodOf(l), 'id') === methodId)
          .map((l) => this.handle(l)),
      storage: this.#options.storage ?? defaultStorage(),
      ...(this.#options.clock ? { clock: this.#options.clock } : {}),
      ui: this.#ui(ctx),
      ...(lookup ? { lookup } : {}),
      ...(this.#options.resolve ? { resolve: this.#options.resolve } : {}),
      reversals: this.#options.reversals ?? true,
      logger: this.#options.logger ?? SILENT_LOGGER,
      onManualStatus: () => this.#shim.clearInProgress(this.#iface),
      terminalKey: key,
    });
    const deliver = (payload: unknown, source: NotificationSource = 'events') => void this.#flow?.intake(payload, source);
    const bus = this.#shim.subscribeBus(this.#iface, this.#options.busChannel ?? 'QFPAY_LATEST_RESPONSE', (p) => deliver(p, 'bus'));
    if (bus) this.#unsubscribers.push(bus);
    if (bridgeUrl && rpc && m.qfpay_events !== false) {
      const sub = subscribeEvents({ url: `${bridgeUrl.replace(/\/+$/, '')}/qfpay/events`, token, fetch: fetchImpl, onMessage: (msg) => deliver(msg.data, 'events') });
      this.#unsubscribers.push(() => sub.close());
    }
    const extra = this.#options.notifications?.(ctx, deliver);
    if (typeof extra === 'function') this.#unsubscribers.push(extra);
  }
}
