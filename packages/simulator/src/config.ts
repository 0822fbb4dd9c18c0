import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError } from '@qfpay-ecr/core';
import { cloudOptionsSchema, resolveCloudOptions, type CloudOptions, type ResolvedCloudOptions } from './cloud/options.js';
import type { TestPki } from './pki.js';
import type { CustomerScript, Fault } from './types.js';

/** Defaults the simulator uses when an option is absent. */
export const SIMULATOR_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  /** `startSimulator` default: an ephemeral port. */
  port: 0,
  /** The CLI's default port, the terminal's real ECR port. */
  cliPort: 9001,
  tls: true,
  encryptReplies: false,
  customer: Object.freeze({ action: 'manual' }) as CustomerScript,
  /** How long a scripted customer takes when the script gives no `afterMs`. */
  customerDelayMs: 100,
  /** `pending-then-approve`: 4001 queries answered pending before the payment settles. */
  pendingQueries: 2,
  pendingCode: '1145' as const,
  /** Transaction code of a decline when none is given ("transaction failed, retry later"). */
  declineCode: '1205',
  /** Screen timeout when the request carries no payment_timeout / wait_card_timeout (the docs' 120 s). */
  paymentTimeoutSec: 120,
  /** QFPay's schedule: at once, then +2 min, +10 min, +10 min, +60 min, +2 h, +6 h, +15 h. */
  notifyScheduleMs: Object.freeze([0, 120_000, 600_000, 600_000, 3_600_000, 7_200_000, 21_600_000, 54_000_000]) as readonly number[],
  /** Per-attempt timeout of a notification POST. */
  notifyTimeoutMs: 10_000,
  merchantName: 'QFPay ECR Simulator Shop',
  terminalId: 'SIM-A8-0001',
  merchantId: '1000001',
  /** Largest request body the ECR API reads. */
  maxBodyBytes: 64 * 1024,
  waitForScreenMs: 10_000,
});

/** Options of {@link startSimulator}. */
export interface SimulatorOptions {
  /** The terminal's POS-KEY (16, 24 or 32 UTF-8 bytes). Never logged. */
  posKey: string;
  /** Address to bind; default `127.0.0.1`. `0.0.0.0` binds every interface (the leaf then names every local IPv4 address). */
  host?: string;
  /** Port; default 0 (ephemeral). */
  port?: number;
  /** HTTPS with a leaf for `host` (default true); false = plain HTTP. */
  tls?: boolean;
  /** CA and leaf to serve; default a fresh `createTestPki` for `host`. */
  pki?: TestPki;
  /** Encrypt replies with the POS-KEY as the docs describe; default false (plain JSON, as Odoo sees). */
  encryptReplies?: boolean;
  /** Customer behaviour for new screens; default `{ action: 'manual' }`. */
  customer?: CustomerScript;
  /** Where to post signed notifications after successful payments and refunds. */
  notify?: NotifyOptions;
  /** Injectable clock (timestamps, syssn, the same-day refund rule). */
  clock?: () => Date;
  merchantName?: string;
  terminalId?: string;
  /** `mchid` in notifications. */
  merchantId?: string;
  /** Receives one line per answered request (never contains the POS-KEY, notification key or client key). */
  log?: (line: string) => void;
  /** ECR Cloud: also serve a fake QFPay OpenAPI (`/ecr/v1/...`) that pushes to this terminal; see `sim.cloud`. */
  cloud?: CloudOptions;
}

/** Notification target. */
export interface NotifyOptions {
  /** http(s) URL of the receiver, e.g. `https://shop.example/qfpay/notify`. */
  url: string;
  /** Notification key (`client_key`) used for `X-QF-SIGN`. Never logged. */
  key: string;
  /** PEM of the CA the receiver's certificate chains to, for https URLs with a private CA. */
  ca?: string;
  /** Delay before each attempt, relative to the previous one; default QFPay's schedule. */
  scheduleMs?: number[];
}

const cardSchema = z.object({ scheme: z.string().min(1).max(20), masked: z.string().regex(/^[0-9*]{8,19}$/, 'masked card number: digits and *') });
const delay = z.number().int().min(0).max(3_600_000).optional();
const pendingCode = z.enum(['1143', '1145', '1295', '1296', '1298']);

/** zod schema of {@link CustomerScript}. */
export const customerScriptSchema: z.ZodType<CustomerScript> = z.discriminatedUnion('action', [
  z.object({ action: z.literal('manual') }),
  z.object({ action: z.literal('approve'), afterMs: delay, card: cardSchema.optional() }),
  z.object({
    action: z.literal('decline'),
    afterMs: delay,
    code: z
      .string()
      .regex(/^\d{4}$/, 'a 4-digit transaction code')
      .refine((c) => c !== '0000' && !pendingCode.options.includes(c as z.infer<typeof pendingCode>), 'a decline code is neither 0000 nor a pending code')
      .optional(),
  }),
  z.object({ action: z.literal('cancel'), afterMs: delay }),
  z.object({ action: z.literal('pending-then-approve'), afterMs: delay, pendingQueries: z.number().int().min(0).max(100).optional(), code: pendingCode.optional() }),
]);

/** zod schema of {@link Fault}. */
export const faultSchema: z.ZodType<Fault> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('drop-after-payment') }),
  z.object({ kind: z.literal('drop-before') }),
  z.object({ kind: z.literal('delay'), ms: z.number().int().min(0).max(600_000) }),
  z.object({ kind: z.literal('garbage') }),
  z.object({ kind: z.literal('http500') }),
  z.object({ kind: z.literal('busy') }),
  z.object({ kind: z.literal('truncate'), complete: z.boolean().optional() }),
  z.object({ kind: z.literal('notify-lost') }),
  z.object({ kind: z.literal('notify-duplicate') }),
  z.object({ kind: z.literal('notify-delay'), ms: z.number().int().min(0).max(600_000) }),
  z.object({ kind: z.literal('notify-reorder'), maxHoldMs: z.number().int().min(0).max(600_000).optional() }),
  z.object({ kind: z.literal('notify-tamper') }),
]);

const posKeySchema = z.string().refine((k) => [16, 24, 32].includes(Buffer.byteLength(k, 'utf8')), 'POS-KEY must be 16, 24 or 32 bytes (UTF-8)');

const optionsSchema = z.object({
  posKey: posKeySchema,
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  tls: z.boolean().optional(),
  pki: z.object({ caCertPem: z.string(), caKeyPem: z.string(), leafCertPem: z.string(), leafKeyPem: z.string(), caFingerprint256: z.string() }).optional(),
  encryptReplies: z.boolean().optional(),
  customer: customerScriptSchema.optional(),
  notify: z
    .object({
      url: z.string().refine((u) => /^https?:$/.test(safeProtocol(u)), 'an http:// or https:// URL'),
      key: z.string().min(1, 'notification key must not be empty'),
      ca: z.string().optional(),
      scheduleMs: z.array(z.number().int().min(0).max(86_400_000)).min(1).max(50).optional(),
    })
    .optional(),
  clock: z.custom<() => Date>((v) => typeof v === 'function', 'a function returning a Date').optional(),
  merchantName: z.string().min(1).max(100).optional(),
  terminalId: z.string().min(1).max(64).optional(),
  merchantId: z.string().min(1).max(64).optional(),
  log: z.custom<(line: string) => void>((v) => typeof v === 'function', 'a function').optional(),
  cloud: cloudOptionsSchema.optional(),
});

function safeProtocol(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return '';
  }
}

/** Options with defaults applied. */
export interface ResolvedOptions {
  posKey: string;
  host: string;
  port: number;
  tls: boolean;
  pki: TestPki | undefined;
  encryptReplies: boolean;
  customer: CustomerScript;
  notify: { url: string; key: string; ca: string | undefined; scheduleMs: readonly number[] } | undefined;
  clock: () => Date;
  merchantName: string;
  terminalId: string;
  merchantId: string;
  log: ((line: string) => void) | undefined;
  cloud: ResolvedCloudOptions | undefined;
}

/** Turns zod issues into one readable line that never echoes input values (keys are secrets). */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/** Validates options and applies {@link SIMULATOR_DEFAULTS}. Throws {@link ConfigError}. */
export function resolveOptions(input: SimulatorOptions): ResolvedOptions {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError('SIM_CONFIG', `invalid simulator options: ${describeIssues(parsed.error)}`, 'see SimulatorOptions in @qfpay-ecr/simulator');
  }
  const o = parsed.data;
  const host = o.host ?? SIMULATOR_DEFAULTS.host;
  if (isIP(host) === 0 && host !== 'localhost') {
    throw new ConfigError('SIM_CONFIG', `host ${JSON.stringify(host)} is not an IP address`, 'bind an IP such as 127.0.0.1 or 0.0.0.0 (a terminal is reached by IP)');
  }
  return {
    posKey: o.posKey,
    host,
    port: o.port ?? SIMULATOR_DEFAULTS.port,
    tls: o.tls ?? SIMULATOR_DEFAULTS.tls,
    pki: o.pki,
    encryptReplies: o.encryptReplies ?? SIMULATOR_DEFAULTS.encryptReplies,
    customer: o.customer ?? SIMULATOR_DEFAULTS.customer,
    notify: o.notify ? { url: o.notify.url, key: o.notify.key, ca: o.notify.ca, scheduleMs: o.notify.scheduleMs ?? SIMULATOR_DEFAULTS.notifyScheduleMs } : undefined,
    clock: o.clock ?? (() => new Date()),
    merchantName: o.merchantName ?? SIMULATOR_DEFAULTS.merchantName,
    terminalId: o.terminalId ?? SIMULATOR_DEFAULTS.terminalId,
    merchantId: o.merchantId ?? SIMULATOR_DEFAULTS.merchantId,
    log: o.log,
    cloud: o.cloud ? resolveCloudOptions(o.cloud) : undefined,
  };
}

/** Validates a customer script (for `setCustomer` and the CLI). Throws {@link ConfigError}. */
export function parseCustomerScript(input: unknown): CustomerScript {
  const parsed = customerScriptSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError('SIM_CUSTOMER', `invalid customer script: ${describeIssues(parsed.error)}`, 'see CustomerScript in @qfpay-ecr/simulator');
  return parsed.data;
}

/** Validates a fault. Throws {@link ConfigError}. */
export function parseFault(input: unknown): Fault {
  const parsed = faultSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError('SIM_FAULT', `invalid fault: ${describeIssues(parsed.error)}`, 'see Fault in @qfpay-ecr/simulator');
  return parsed.data;
}
