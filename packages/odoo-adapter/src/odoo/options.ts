/** Options of `installQfpay` and the payment-method fields it reads (zod-checked). */
import { z } from 'zod';
import { CHANNELS, type Channel, type PaymentTerminal } from '@qfpay-ecr/core/terminal';
import type { TransactionLookup } from '../lifecycle/flow.js';
import type { NotificationSource } from '../lifecycle/notifications.js';
import type { ResolveSettings } from '../lifecycle/polling.js';
import type { KeyValueStorage } from '../lifecycle/resume-store.js';
import type { AdapterLogger, CashierUi } from '../lifecycle/types.js';
import type { FetchLike } from '../transport/http.js';
import type { RpcCall } from '../transport/signer.js';
import type { Generation, OdooRecord } from './objects.js';

/** Odoo sends `false` for empty fields: read it as absent. */
const absent = (v: unknown) => (v === false || v === null || v === '' ? undefined : v);

/**
 * Fields of `pos.payment.method` the adapter reads (loaded into the POS by the example addon's
 * `_load_pos_data_fields` / `_loader_params_pos_payment_method`). Keys never reach the browser.
 */
export const PaymentMethodFieldsSchema = z.object({
  id: z.number().int().positive(),
  name: z.preprocess(absent, z.string().max(200).optional()),
  /** QFPay channel sent to the terminal. */
  qfpay_payment_type: z.enum(CHANNELS, { error: `qfpay_payment_type must be one of ${CHANNELS.join(', ')}` }),
  /** Direct topology: the terminal's IP. */
  qfpay_terminal_ip_address: z.preprocess(absent, z.string().max(253).optional()),
  /** Direct topology: port (default 9001). */
  qfpay_terminal_port: z.preprocess(absent, z.number().int().min(1).max(65535).optional()),
  /** `direct` (browser → terminal, server signs) or `bridge` (browser → Node bridge → terminal). */
  qfpay_topology: z.preprocess(absent, z.enum(['direct', 'bridge']).optional()),
  /** Bridge topology (and notifications): origin of the notify server / bridge. */
  qfpay_bridge_url: z.preprocess(absent, z.url({ protocol: /^https?$/ }).optional()),
  /** Bridge topology: the terminal's id on the bridge. */
  qfpay_terminal_id: z.preprocess(absent, z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional()),
  /** Subscribe to the notify server's event stream (default true when a bridge URL is set). */
  qfpay_events: z.boolean().nullable().optional(),
});
export type PaymentMethodFields = z.infer<typeof PaymentMethodFieldsSchema>;

/** What the adapter knows about one payment method instance, for option callbacks. */
export interface MethodContext {
  generation: Generation;
  /** Odoo's POS store. */
  pos: OdooRecord;
  /** The parsed payment-method fields. */
  method: PaymentMethodFields;
  /** The raw payment-method record. */
  rawMethod: OdooRecord;
  /** The generation's server call on `pos.payment.method` (`callPaymentMethod`, `orm.silent.call`…). */
  rpc: RpcCall | undefined;
  fetch: FetchLike;
}

/** Options of `installQfpay`. Everything has a default. */
export interface QfpayInstallOptions {
  /** Force a generation instead of detecting it from the base class. */
  generation?: Generation;
  /** Registry key / `use_payment_terminal` value; default `qfpay`. */
  key?: string;
  /** Registry category (18/19); default `electronic_payment_interfaces`. */
  registryCategory?: string;
  /** Per-line references for resume; default `globalThis.localStorage` (memory if unavailable). */
  storage?: KeyValueStorage;
  /** Clock for the refund rules; default `new Date()`. */
  clock?: () => Date;
  resolve?: Partial<ResolveSettings>;
  /** Offer reversals of done lines; default true. */
  reversals?: boolean;
  logger?: AdapterLogger;
  fetch?: FetchLike;
  /** Override how the cashier is told things (default: Odoo's dialog/notification service). */
  ui?: (ctx: MethodContext) => CashierUi;
  /** Odoo's `AlertDialog` component (18/19), used with the dialog service when given. */
  AlertDialog?: unknown;
  /** Odoo 17's `ErrorPopup` component, used with the popup service when given. */
  ErrorPopup?: unknown;
  /** Override how the terminal is reached (default from the payment-method fields). */
  terminal?: (ctx: MethodContext) => PaymentTerminal;
  /** Override the notify server lookup used by polling (default from `qfpay_bridge_url`). */
  lookup?: (ctx: MethodContext) => TransactionLookup | undefined;
  /** Extra notification source: call `deliver(payload)` for each message; return an unsubscribe. */
  notifications?: (ctx: MethodContext, deliver: (payload: unknown, source?: NotificationSource) => void) => (() => void) | void;
  /** Bus message type pos_qfpay uses; default `QFPAY_LATEST_RESPONSE`. */
  busChannel?: string;
  /** Resume lines left waiting when the interface is created; default true. */
  resumeOnLoad?: boolean;
}

/** Validated payment-method fields, or a readable reason. */
export function parseMethodFields(raw: OdooRecord): { ok: true; fields: PaymentMethodFields } | { ok: false; reason: string } {
  const r = PaymentMethodFieldsSchema.safeParse(raw);
  if (r.success) return { ok: true, fields: r.data };
  return { ok: false, reason: r.error.issues.map((i) => `${i.path.join('.') || 'payment method'}: ${i.message}`).join('; ') };
}

/** The channel of a method, defaulting to card payments when unreadable (only for messages). */
export function channelOrDefault(fields: PaymentMethodFields | undefined): Channel {
  return fields?.qfpay_payment_type ?? 'card_payment';
}
