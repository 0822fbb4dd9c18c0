/**
 * A faithful test double of Odoo's POS payment screen for the three payment-interface
 * generations, written from odoo-lifecycle.md §3.1–3.4 (not copied from Odoo):
 *
 * - base `PaymentInterface` classes with each generation's members and constructor shape;
 * - registration (`register_payment_method` for 17, `registry.category(...).add` for 18/19) and
 *   one interface instance per payment method, made at load;
 * - payment lines with each generation's spelling (snake_case + `cid` for 17; camelCase + `uuid`
 *   for 18/19; `pay()` / `handlePaymentResponse()` on 18/19 lines);
 * - the screen: `addPaymentLine` (pending unless refund; "already in progress" guard; fast
 *   payments on 18/19), `sendPaymentRequest` (sets/clears `paymentTerminalInProgress`, which
 *   stays set when the interface rejects), cancel (`waitingCancel` → `retry` | `waitingCard`),
 *   reverse (`reversing` → `reversed` with amount 0 | `done` without reversal), force done,
 *   delete (cancel first for open lines), amount edits only in `pending`/`retry`, and validation
 *   (refused while a refund is in process; keeps only done lines with a non-zero amount);
 * - the bus (`QFPAY_LATEST_RESPONSE`), the ORM (`qfpay_sign_request`, `qfpay_bridge_token`),
 *   dialogs/notifications (recorded), and a reload that rebuilds the POS from saved orders.
 *
 * Browser-safe (no Node imports): the Chromium test bundles it for its harness page. Exported as
 * `@qfpay-ecr/odoo-adapter/testing` (not part of the Odoo bundle).
 */

export type Gen = 17 | 18 | 19;
type Status = string | undefined;

/** Where the cashier's messages end up. */
export interface Alert {
  title: string;
  message: string;
}

// ---------------------------------------------------------------- base interfaces (per generation)

/** PI-17: `(pos, payment_method)`, snake_case. */
export class PaymentInterface17 {
  pos: HarnessPos;
  payment_method: PaymentMethodRecord;
  supports_reversals: boolean;
  constructor(pos: HarnessPos, payment_method: PaymentMethodRecord) {
    this.pos = pos;
    this.payment_method = payment_method;
    this.supports_reversals = false;
  }
  enable_reversals(): void {
    this.supports_reversals = true;
  }
  send_payment_request(_cid: string): Promise<boolean> {
    return Promise.resolve(false);
  }
  send_payment_cancel(_order: unknown, _cid: string): Promise<boolean> {
    return Promise.resolve(true);
  }
  send_payment_reversal(_cid: string): Promise<boolean> {
    return Promise.resolve(false);
  }
  close(): void {}
}

/** PI-18: `(pos, payment_method_id)` through `setup`, camelCase, uuids. */
export class PaymentInterface18 {
  pos!: HarnessPos;
  payment_method_id!: PaymentMethodRecord;
  supports_reversals!: boolean;
  constructor(pos: HarnessPos, payment_method_id: PaymentMethodRecord) {
    this.setup(pos, payment_method_id);
  }
  setup(pos: HarnessPos, payment_method_id: PaymentMethodRecord): void {
    this.pos = pos;
    this.payment_method_id = payment_method_id;
    this.supports_reversals = false;
  }
  get fastPayments(): boolean {
    return true;
  }
  sendPaymentRequest(_uuid: string): Promise<boolean> {
    return Promise.resolve(false);
  }
  sendPaymentCancel(_order: unknown, _uuid: string): Promise<boolean> {
    return Promise.resolve(true);
  }
  sendPaymentReversal(_uuid: string): Promise<boolean> {
    return Promise.resolve(false);
  }
  close(): void {}
}

/** PI-M (19): line objects, `callPaymentMethod`, `connectWebSocket`, services set in `setup`. */
export class PaymentInterface19 {
  pos!: HarnessPos;
  payment_method_id!: PaymentMethodRecord;
  supports_reversals!: boolean;
  supports_refunds!: boolean;
  notification!: HarnessPos['notification'];
  dialog!: HarnessPos['dialog'];
  orm!: HarnessPos['orm'];
  #channels = new Set<string>();
  constructor(pos: HarnessPos, payment_method_id: PaymentMethodRecord) {
    this.setup(pos, payment_method_id);
  }
  setup(pos: HarnessPos, payment_method_id: PaymentMethodRecord): void {
    this.pos = pos;
    this.payment_method_id = payment_method_id;
    this.supports_reversals = false;
    this.supports_refunds = true;
    this.notification = pos.notification;
    this.dialog = pos.dialog;
    this.orm = pos.orm;
  }
  get fastPayments(): boolean {
    return true;
  }
  get amountInserted(): number | null {
    return null;
  }
  connectWebSocket(channel: string, callback: (payload: unknown) => void): void {
    if (this.#channels.has(channel)) return;
    this.#channels.add(channel);
    this.pos.data.connectWebSocket(channel, callback);
  }
  callPaymentMethod(method: string, params: unknown[]): Promise<unknown> {
    return this.orm.silent.call('pos.payment.method', method, params);
  }
  canBeAdjusted(_uuid: string): boolean {
    return false;
  }
  sendPaymentAdjust(_uuid: string): Promise<boolean> {
    return Promise.resolve(false);
  }
  sendPaymentRequest(_line: unknown): Promise<boolean> {
    return Promise.resolve(false);
  }
  sendPaymentCancel(_line: unknown): Promise<boolean> {
    return Promise.resolve(true);
  }
  close(): void {}
}

export const BASES = { 17: PaymentInterface17, 18: PaymentInterface18, 19: PaymentInterface19 } as const;

// ---------------------------------------------------------------- records

/** A `pos.payment.method` record as loaded into the POS. */
export interface PaymentMethodRecord {
  id: number;
  name: string;
  use_payment_terminal?: string | false;
  payment_provider?: string | false;
  qfpay_payment_type?: string | false;
  qfpay_terminal_ip_address?: string | false;
  qfpay_terminal_port?: number | false;
  qfpay_topology?: string | false;
  qfpay_bridge_url?: string | false;
  qfpay_terminal_id?: string | false;
  qfpay_events?: boolean | false;
  payment_terminal?: unknown;
  [k: string]: unknown;
}

/** One saved payment line (what survives a reload). */
export interface SavedLine {
  uuid?: string;
  amount: number;
  payment_status: Status;
  methodId: number;
  transaction_id?: string;
  payment_ref_no?: string;
  card_type?: string;
  ticket: string;
  payment_date?: string;
  can_be_reversed: boolean;
}

export interface SavedOrder {
  ref: string;
  total: number;
  refundOf?: string;
  lines: SavedLine[];
}

let cidCounter = 0;
function newUuid(): string {
  return globalThis.crypto.randomUUID();
}

/** Fields every line has, whatever the generation. */
class LineFields {
  uuid?: string;
  cid = `c${++cidCounter}`;
  amount: number;
  /** Every status the line went through, in order (tests read it). */
  readonly history: Status[] = [];
  #status: Status;
  transaction_id?: string;
  payment_ref_no?: string;
  card_type?: string;
  ticket = '';
  can_be_reversed = false;
  payment_date?: string;
  readonly method: PaymentMethodRecord;
  readonly owner: HarnessOrder;
  constructor(owner: HarnessOrder, method: PaymentMethodRecord, amount: number) {
    this.owner = owner;
    this.method = method;
    this.amount = amount;
  }
  get payment_status(): Status {
    return this.#status;
  }
  set payment_status(s: Status) {
    this.#status = s;
    this.history.push(s);
  }
  isDoneState(): boolean {
    return this.payment_status === undefined || this.payment_status === 'done' || this.payment_status === 'reversed';
  }
}

/** An Odoo 17 `Payment`: snake_case methods, addressed by `cid`. */
export class Line17 extends LineFields {
  get payment_method(): PaymentMethodRecord {
    return this.method;
  }
  get order(): HarnessOrder {
    return this.owner;
  }
  get pos(): HarnessPos {
    return this.owner.pos;
  }
  get_amount(): number {
    return this.amount;
  }
  set_amount(v: number): void {
    this.amount = v;
  }
  get_payment_status(): Status {
    return this.payment_status;
  }
  set_payment_status(s: Status): void {
    this.payment_status = s;
  }
  set_receipt_info(v: string): void {
    this.ticket += v;
  }
  is_done(): boolean {
    return this.isDoneState();
  }
}

/** An Odoo 18/19 `PosPayment`: camelCase, uuid, `pay()` and `handlePaymentResponse()`. */
export class LineCamel extends LineFields {
  constructor(owner: HarnessOrder, method: PaymentMethodRecord, amount: number) {
    super(owner, method, amount);
    this.uuid = newUuid();
  }
  get payment_method_id(): PaymentMethodRecord {
    return this.method;
  }
  get pos_order_id(): HarnessOrder {
    return this.owner;
  }
  getAmount(): number {
    return this.amount;
  }
  setAmount(v: number): void {
    this.amount = v;
  }
  getPaymentStatus(): Status {
    return this.payment_status;
  }
  setPaymentStatus(s: Status): void {
    this.payment_status = s;
  }
  setReceiptInfo(v: string): void {
    this.ticket += v;
  }
  isDone(): boolean {
    return this.isDoneState();
  }
  /** PosPayment.pay(): `waiting`, ask the interface, then handle the answer (PAY). */
  async pay(): Promise<boolean> {
    this.setPaymentStatus('waiting');
    const terminal = this.method.payment_terminal as PaymentInterface18 & PaymentInterface19;
    const gen = this.owner.pos.gen;
    const result = gen === 19 ? await terminal.sendPaymentRequest(this as never) : await terminal.sendPaymentRequest(this.uuid as string);
    this.handlePaymentResponse(result);
    return result;
  }
  handlePaymentResponse(ok: boolean): void {
    if (ok) {
      this.setPaymentStatus('done');
      this.can_be_reversed = (this.method.payment_terminal as { supports_reversals?: boolean }).supports_reversals === true;
    } else this.setPaymentStatus('retry');
  }
}

export type HarnessLine = Line17 | LineCamel;

/** An order line, only what refunds need (`refunded_orderline_id`). */
export class OrderLine {
  constructor(
    readonly refunded_orderline_id?: unknown,
    readonly order_id?: HarnessOrder,
  ) {}
}

export class HarnessOrder {
  readonly pos: HarnessPos;
  /** 17: `uid`; 18/19: `uuid`. */
  readonly uid: string;
  readonly uuid: string;
  total: number;
  refundOf?: HarnessOrder;
  readonly payment: HarnessLine[] = [];
  readonly orderlines: OrderLine[] = [];
  constructor(pos: HarnessPos, total: number, ref?: string) {
    this.pos = pos;
    this.uid = ref ?? `000-${String(++cidCounter).padStart(3, '0')}-0001`;
    this.uuid = ref ?? newUuid();
    this.total = total;
  }
  get isRefund(): boolean {
    return this.total < 0;
  }
  // 17 spelling
  get paymentlines(): HarnessLine[] {
    return this.payment;
  }
  get_paymentlines(): HarnessLine[] {
    return this.payment;
  }
  get_paymentline(cid: string): HarnessLine | undefined {
    return this.payment.find((l) => l.cid === cid);
  }
  get_orderlines(): OrderLine[] {
    return this.orderlines;
  }
  // 18/19 spelling
  get payment_ids(): HarnessLine[] {
    return this.payment;
  }
  get lines(): OrderLine[] {
    return this.orderlines;
  }
  getPaymentlineByUuid(uuid: string): HarnessLine | undefined {
    return this.payment.find((l) => l.uuid === uuid);
  }
  /** Refund orders: a refund is "in process" while a terminal line is not done (SCR). */
  isRefundInProcess(): boolean {
    return this.isRefund && this.payment.some((l) => !!(l.method.use_payment_terminal || l.method.payment_provider) && l.payment_status !== 'done');
  }
  paidTotal(): number {
    return this.payment.filter((l) => l.isDoneState()).reduce((s, l) => s + l.amount, 0);
  }
}

// ---------------------------------------------------------------- POS store

export interface HarnessOptions {
  gen: Gen;
  methods: PaymentMethodRecord[];
  sessionId?: number;
  /** Server methods of `pos.payment.method` (`qfpay_sign_request`, `qfpay_bridge_token`…). */
  rpc?: Record<string, (args: unknown[]) => unknown>;
  autoValidate?: boolean;
}

type RegistryEntry = new (pos: HarnessPos, pm: PaymentMethodRecord) => object;

/** The registries the three generations use. */
export class HarnessRegistry {
  readonly classes = new Map<string, RegistryEntry>();
  /** 17 */
  readonly register_payment_method = (key: string, cls: unknown): void => {
    this.classes.set(key, cls as RegistryEntry);
  };
  /** 18/19 */
  category(name: string): { add(key: string, cls: unknown, options?: { force?: boolean }): void } {
    return {
      add: (key, cls, options) => {
        if (name !== 'electronic_payment_interfaces') throw new Error(`unexpected registry category ${name}`);
        if (this.classes.has(key) && !options?.force) throw new Error(`key ${key} already registered`);
        this.classes.set(key, cls as RegistryEntry);
      },
    };
  }
}

/** Odoo's POS store, as far as payment terminals see it. */
export class HarnessPos {
  readonly gen: Gen;
  readonly registry: HarnessRegistry;
  readonly options: HarnessOptions;
  readonly methods: PaymentMethodRecord[];
  readonly orders: HarnessOrder[] = [];
  readonly alerts: Alert[] = [];
  readonly rpcCalls: Array<{ method: string; args: unknown[] }> = [];
  readonly rejections: unknown[] = [];
  paymentTerminalInProgress = false;
  selected?: HarnessOrder;
  readonly session: { id: number };
  readonly pos_session: { id: number };
  readonly config: { auto_validate_terminal_payment: boolean };
  readonly #bus = new Map<string, Array<(p: unknown) => void>>();

  readonly notification = { add: (message: string, opts?: { title?: string }) => void this.alerts.push({ title: opts?.title ?? '', message }) };
  readonly dialog = { add: (_component: unknown, props: { title: string; body: string }) => void this.alerts.push({ title: props.title, message: props.body }) };
  readonly popup = { add: (_component: unknown, props: { title: string; body: string }) => void this.alerts.push({ title: props.title, message: props.body }) };
  readonly orm = { silent: { call: (model: string, method: string, args: unknown[]) => this.#call(model, method, args) } };
  readonly data = {
    connectWebSocket: (type: string, cb: (p: unknown) => void) => this.#subscribe(type, cb),
    silentCall: (model: string, method: string, args: unknown[]) => this.#call(model, method, args),
  };
  readonly env = {
    services: {
      orm: this.orm,
      bus_service: {
        subscribe: (type: string, cb: (p: unknown) => void) => this.#subscribe(type, cb),
        unsubscribe: (type: string, cb: (p: unknown) => void) => this.#bus.set(type, (this.#bus.get(type) ?? []).filter((f) => f !== cb)),
      },
    },
  };
  readonly models = { 'pos.order': { getAll: () => this.orders } };
  readonly toRefundLines: Record<string, { orderline: { orderUid: string } }> = {};

  constructor(registry: HarnessRegistry, options: HarnessOptions) {
    this.gen = options.gen;
    this.registry = registry;
    this.options = options;
    this.methods = options.methods.map((m) => ({ ...m }));
    this.session = { id: options.sessionId ?? 7 };
    this.pos_session = this.session;
    this.config = { auto_validate_terminal_payment: options.autoValidate ?? false };
  }

  /** Makes one interface per terminal method, as the POS does while loading (§3.1). */
  loadPaymentInterfaces(): void {
    for (const m of this.methods) {
      const key = (m.use_payment_terminal || m.payment_provider) as string | undefined;
      if (!key) continue;
      const cls = this.registry.classes.get(key);
      if (!cls) throw new Error(`no payment interface registered for ${key}`);
      m.payment_terminal = new cls(this, m);
    }
  }

  // 17 / 18 accessors of the current order
  get_order(): HarnessOrder | undefined {
    return this.selected;
  }
  getOrder(): HarnessOrder | undefined {
    return this.selected;
  }
  get_order_list(): HarnessOrder[] {
    return this.orders;
  }

  method(id: number): PaymentMethodRecord {
    const m = this.methods.find((x) => x.id === id);
    if (!m) throw new Error(`no payment method ${id}`);
    return m;
  }

  newOrder(total: number, ref?: string): HarnessOrder {
    const o = new HarnessOrder(this, total, ref);
    this.orders.push(o);
    this.selected = o;
    return o;
  }

  /** A refund order of `original` (order lines point at the original's lines, §2.6). */
  newRefundOrder(original: HarnessOrder, total: number): HarnessOrder {
    const o = this.newOrder(-Math.abs(total));
    o.refundOf = original;
    const originalLine = new OrderLine(undefined, original);
    original.orderlines.push(originalLine);
    if (this.gen === 17) {
      const id = 100 + original.orderlines.length;
      this.toRefundLines[String(id)] = { orderline: { orderUid: original.uid } };
      o.orderlines.push(new OrderLine(id));
    } else o.orderlines.push(new OrderLine({ order_id: original }));
    return o;
  }

  /** Delivers a bus message (what `pos.config._notify` does on the server). */
  busEmit(type: string, payload: unknown): void {
    for (const cb of this.#bus.get(type) ?? []) cb(payload);
  }

  busSubscribers(type: string): number {
    return (this.#bus.get(type) ?? []).length;
  }

  #subscribe(type: string, cb: (p: unknown) => void): void {
    this.#bus.set(type, [...(this.#bus.get(type) ?? []), cb]);
  }

  async #call(model: string, method: string, args: unknown[]): Promise<unknown> {
    if (model !== 'pos.payment.method') throw new Error(`unexpected model ${model}`);
    this.rpcCalls.push({ method, args });
    const handler = this.options.rpc?.[method];
    if (!handler) throw new Error(`pos.payment.method has no method ${method}`);
    return handler(args);
  }

  /** What survives a reload: orders and their lines with statuses (Odoo keeps them locally). */
  save(): SavedOrder[] {
    return this.orders.map((o) => ({
      ref: this.gen === 17 ? o.uid : o.uuid,
      total: o.total,
      ...(o.refundOf ? { refundOf: this.gen === 17 ? o.refundOf.uid : o.refundOf.uuid } : {}),
      lines: o.payment.map((l) => {
        const saved: SavedLine = { amount: l.amount, payment_status: l.payment_status, methodId: l.method.id, ticket: l.ticket, can_be_reversed: l.can_be_reversed };
        if (l.uuid) saved.uuid = l.uuid;
        if (l.transaction_id) saved.transaction_id = l.transaction_id;
        if (l.payment_ref_no) saved.payment_ref_no = l.payment_ref_no;
        if (l.card_type) saved.card_type = l.card_type;
        if (l.payment_date) saved.payment_date = l.payment_date;
        return saved;
      }),
    }));
  }

  /** Rebuilds orders from {@link save}; Odoo 17 gets new `cid`s, as after a real reload. */
  restore(saved: SavedOrder[]): void {
    for (const s of saved) {
      const o = new HarnessOrder(this, s.total, s.ref);
      this.orders.push(o);
      for (const sl of s.lines) {
        const m = this.method(sl.methodId);
        const line = this.gen === 17 ? new Line17(o, m, sl.amount) : new LineCamel(o, m, sl.amount);
        if (sl.uuid) line.uuid = sl.uuid;
        line.payment_status = sl.payment_status;
        line.ticket = sl.ticket;
        line.can_be_reversed = sl.can_be_reversed;
        if (sl.transaction_id) line.transaction_id = sl.transaction_id;
        if (sl.payment_ref_no) line.payment_ref_no = sl.payment_ref_no;
        if (sl.card_type) line.card_type = sl.card_type;
        if (sl.payment_date) line.payment_date = sl.payment_date;
        o.payment.push(line);
      }
    }
    this.selected = this.orders.at(-1);
  }
}

// ---------------------------------------------------------------- the payment screen

type AnyInterface = PaymentInterface17 & PaymentInterface18 & PaymentInterface19;

/** Odoo's PaymentScreen logic around the interface (SCR, PAY, LINES). */
export class PaymentScreen {
  readonly pos: HarnessPos;
  /** Promises of requests in flight, per line (tests await them). */
  readonly inFlight = new Map<HarnessLine, Promise<boolean | undefined>>();

  constructor(pos: HarnessPos) {
    this.pos = pos;
  }

  get order(): HarnessOrder {
    const o = this.pos.selected;
    if (!o) throw new Error('no order selected');
    return o;
  }

  #terminal(line: HarnessLine): AnyInterface {
    return line.method.payment_terminal as AnyInterface;
  }

  #hasTerminal(m: PaymentMethodRecord): boolean {
    return !!(m.use_payment_terminal || m.payment_provider) && m.payment_terminal !== undefined;
  }

  #setStatus(line: HarnessLine, s: Status): void {
    line.payment_status = s;
  }

  /**
   * `addNewPaymentLine`: refuses while a terminal payment is in progress; a terminal line starts
   * `pending` unless the order is a refund (then no status: the "Refund" button sends it); 18/19
   * send it straight away (fast payments).
   */
  addPaymentLine(methodId: number, amount?: number): HarnessLine | undefined {
    const m = this.pos.method(methodId);
    if (this.#hasTerminal(m) && this.pos.paymentTerminalInProgress) {
      this.pos.alerts.push({ title: 'Error', message: 'There is already an electronic payment in progress.' });
      return undefined;
    }
    const order = this.order;
    const due = order.total - order.paidTotal();
    const line = this.pos.gen === 17 ? new Line17(order, m, amount ?? due) : new LineCamel(order, m, amount ?? due);
    order.payment.push(line);
    if (this.#hasTerminal(m) && !order.isRefund) {
      line.payment_status = 'pending';
      const fast = this.pos.gen !== 17 && (m.payment_terminal as { fastPayments?: boolean }).fastPayments === true;
      if (fast) this.sendPaymentRequest(line);
    }
    return line;
  }

  /** The Send / Retry / Refund button. */
  sendPaymentRequest(line: HarnessLine): Promise<boolean | undefined> {
    const p = this.#sendPaymentRequest(line);
    this.inFlight.set(line, p);
    return p;
  }

  async #sendPaymentRequest(line: HarnessLine): Promise<boolean | undefined> {
    this.pos.paymentTerminalInProgress = true;
    for (const other of this.order.payment) if (other !== line) other.can_be_reversed = false;
    let ok: boolean;
    try {
      if (line instanceof LineCamel) ok = await line.pay();
      else {
        // Odoo 17's screen does what 18 moved into PosPayment.pay().
        this.#setStatus(line, 'waiting');
        ok = await this.#terminal(line).send_payment_request(line.cid);
        if (ok) {
          this.#setStatus(line, 'done');
          line.can_be_reversed = this.#terminal(line).supports_reversals;
        } else this.#setStatus(line, 'retry');
      }
    } catch (err) {
      // A rejected request leaves paymentTerminalInProgress set (SCR): faithfully not cleared here.
      this.pos.rejections.push(err);
      return undefined;
    }
    this.pos.paymentTerminalInProgress = false;
    if (ok && this.pos.config.auto_validate_terminal_payment && this.order.total - this.order.paidTotal() <= 0 && !this.order.isRefundInProcess()) this.validateOrder();
    return ok;
  }

  /** Cancel: `waitingCancel`, ask the interface, then `retry` (and clear the flag) or back to `waitingCard`. */
  async sendPaymentCancel(line: HarnessLine): Promise<boolean> {
    this.#setStatus(line, 'waitingCancel');
    const t = this.#terminal(line);
    const order = line.owner;
    const ok = this.pos.gen === 17 ? await t.send_payment_cancel(order, line.cid) : this.pos.gen === 18 ? await t.sendPaymentCancel(order, line.uuid as string) : await t.sendPaymentCancel(line);
    if (ok) {
      this.#setStatus(line, 'retry');
      this.pos.paymentTerminalInProgress = false;
    } else this.#setStatus(line, 'waitingCard');
    return ok;
  }

  /** Reverse (only when `can_be_reversed`): `reversing`, then `reversed` with amount 0, or `done`. */
  async sendPaymentReverse(line: HarnessLine): Promise<boolean> {
    if (!line.can_be_reversed) throw new Error('the Reverse button is not shown for this line');
    this.#setStatus(line, 'reversing');
    const t = this.#terminal(line);
    const ok = this.pos.gen === 17 ? await t.send_payment_reversal(line.cid) : await (t as PaymentInterface18).sendPaymentReversal(line.uuid as string);
    if (ok) {
      line.amount = 0;
      this.#setStatus(line, 'reversed');
    } else {
      this.#setStatus(line, 'done');
      line.can_be_reversed = false;
    }
    return ok;
  }

  /** Force done: the cashier's override, shown for `waiting`, `waitingCard` and `force_done`. */
  sendForceDone(line: HarnessLine): void {
    if (!['waiting', 'waitingCard', 'force_done'].includes(line.payment_status ?? '')) throw new Error(`Force done is not shown in status ${line.payment_status}`);
    this.#setStatus(line, 'done');
  }

  /** Delete a line; open terminal lines are cancelled first and removed after the answer. */
  async deleteLine(line: HarnessLine): Promise<void> {
    if (['waiting', 'waitingCard', 'timeout'].includes(line.payment_status ?? '')) {
      this.#setStatus(line, 'waitingCancel');
      const t = this.#terminal(line);
      if (this.pos.gen === 17) await t.send_payment_cancel(line.owner, line.cid);
      else if (this.pos.gen === 18) await t.sendPaymentCancel(line.owner, line.uuid as string);
      else await t.sendPaymentCancel(line);
    }
    const list = line.owner.payment;
    list.splice(list.indexOf(line), 1);
  }

  /** Amounts of terminal lines can be edited only in `pending` or `retry`. */
  editAmount(line: HarnessLine, amount: number): boolean {
    if (this.#hasTerminal(line.method) && !['pending', 'retry', undefined].includes(line.payment_status)) return false;
    line.amount = amount;
    return true;
  }

  /** `validateOrder`: refused while a refund is in process; keeps done lines with a non-zero amount. */
  validateOrder(): { ok: boolean; reason?: string; kept: HarnessLine[]; dropped: HarnessLine[] } {
    const order = this.order;
    if (order.isRefundInProcess()) return { ok: false, reason: 'refund in process', kept: [], dropped: [] };
    const kept = order.payment.filter((l) => l.isDoneState() && l.amount !== 0);
    const dropped = order.payment.filter((l) => !kept.includes(l));
    const paid = kept.reduce((s, l) => s + l.amount, 0);
    const ok = order.total >= 0 ? paid >= order.total - 1e-9 : paid <= order.total + 1e-9;
    return ok ? { ok, kept, dropped } : { ok, reason: 'order not fully paid', kept, dropped };
  }
}

/** Creates a POS of a generation, registers nothing yet. */
export function createHarness(options: HarnessOptions): { pos: HarnessPos; screen: PaymentScreen; registry: HarnessRegistry } {
  const registry = new HarnessRegistry();
  const pos = new HarnessPos(registry, options);
  return { pos, screen: new PaymentScreen(pos), registry };
}

/**
 * Simulates a page reload: the old POS's interfaces are closed, a new POS is built from the
 * saved orders with the same registry (the same installed class), and interfaces are made anew.
 */
export function reloadHarness(old: HarnessPos): { pos: HarnessPos; screen: PaymentScreen } {
  const saved = old.save();
  for (const m of old.methods) (m.payment_terminal as { close?: () => void } | undefined)?.close?.();
  const pos = new HarnessPos(old.registry, old.options);
  pos.restore(saved);
  pos.loadPaymentInterfaces();
  return { pos, screen: new PaymentScreen(pos) };
}
