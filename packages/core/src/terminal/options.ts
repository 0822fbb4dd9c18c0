/** Options of {@link QFPayTerminal}, their zod schema and defaults. */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { aesKeyFromPosKey } from '../protocol/cipher.js';
import { describeConfigIssues, EcrTransportOptionsSchema } from '../transport/transport.js';
import type { EcrTransport } from '../transport/transport.js';
import { TERMINAL_DEFAULTS } from './defaults.js';
import type { ResolveOptions, TerminalLogger } from './ports.js';

export type { ResolveOptions, TerminalLogger } from './ports.js';
export { TERMINAL_DEFAULTS } from './defaults.js';

/** Options of {@link QFPayTerminal}. */
export interface QFPayTerminalOptions {
  /** Terminal IP (recommended) or host name. Required unless `transport` is given. */
  host?: string;
  /** Default 9001. */
  port?: number;
  /** `https` (default) or `http` (only when chosen explicitly). */
  protocol?: 'https' | 'http';
  /** The terminal's POS-KEY (16, 24 or 32 bytes). Never logged, never in errors or events. */
  posKey: string;
  /** CA to trust: file path or PEM. For QFPay terminals, `QFPAY_CA_PATH` (ca3.crt). */
  ca?: string;
  /** Trust another CA by SHA-256 fingerprint (tests, private setups). */
  pinnedCaFingerprint256?: string;
  /** Name of this terminal in logs; default `host:port`. */
  id?: string;
  /** TCP + TLS connect timeout; default 5000 ms. */
  connectTimeoutMs?: number;
  /** Timeout of queries, prints and cancels; default 15000 ms. */
  requestTimeoutMs?: number;
  /** Added to the payment timeout to get the HTTP timeout of a 1001/1002; default 30000 ms. */
  paymentReplyGraceMs?: number;
  /** Customer time allowed when a payment gives no `paymentTimeoutSec`; default 120 s (the terminal's default). */
  defaultPaymentTimeoutSec?: number;
  /** Resolution of `unknown` outcomes by querying. */
  resolve?: ResolveOptions;
  /** How long `cancel()` waits for the open transaction to settle; default 10000 ms. */
  cancelWaitMs?: number;
  /** Structured logger (pino-compatible); default silent. */
  logger?: TerminalLogger;
  /** Makes a fresh `out_trade_no` when a payment gives none; default `newOutTradeNo()`. Must return `[A-Za-z0-9_-]{1,64}`. */
  outTradeNoFactory?: () => string;
  /** Largest amount accepted, in minor units; default money's limit (HK$1,000,000.00). */
  maxAmountMinor?: number;
  /** A prebuilt transport (tests, a remote codec); `host`/`ca`/timeouts are then not used for connecting. Closed by `close()`. */
  transport?: EcrTransport;
}

const ms = (name: string) => z.number({ error: `${name} must be a number of milliseconds` }).int({ message: `${name} must be whole milliseconds` }).positive({ message: `${name} must be greater than zero` });

const isFn = (v: unknown): v is (...args: never[]) => unknown => typeof v === 'function';

const loggerSchema = z.custom<TerminalLogger>(
  (v) => typeof v === 'object' && v !== null && ['debug', 'info', 'warn', 'error'].every((k) => isFn((v as Record<string, unknown>)[k])),
  { message: 'logger must have debug, info, warn and error functions taking (obj, msg), like pino' },
);

const transportSchema = z.custom<EcrTransport>((v) => typeof v === 'object' && v !== null && isFn((v as Record<string, unknown>).post) && isFn((v as Record<string, unknown>).close), {
  message: 'transport must have post(path, body, options) and close() functions',
});

/** zod schema of {@link QFPayTerminalOptions} (connection fields are checked again by the transport). */
export const QFPayTerminalOptionsSchema = z
  .strictObject({
    host: z.string({ error: 'host must be the terminal IP address as a string' }).optional(),
    port: EcrTransportOptionsSchema.shape.port,
    protocol: EcrTransportOptionsSchema.shape.protocol,
    posKey: z.string({ error: 'posKey must be a string (the POS-KEY from Haojin / MMS)' }).min(1, { message: 'posKey must not be empty' }),
    ca: EcrTransportOptionsSchema.shape.ca,
    pinnedCaFingerprint256: EcrTransportOptionsSchema.shape.pinnedCaFingerprint256,
    id: z.string().min(1).max(100).optional(),
    connectTimeoutMs: ms('connectTimeoutMs').optional(),
    requestTimeoutMs: ms('requestTimeoutMs').optional(),
    paymentReplyGraceMs: ms('paymentReplyGraceMs').optional(),
    defaultPaymentTimeoutSec: z.number().int().positive().max(3600, { message: 'defaultPaymentTimeoutSec must be at most 3600' }).optional(),
    resolve: z
      .strictObject({
        deadlineMs: ms('resolve.deadlineMs').optional(),
        minIntervalMs: ms('resolve.minIntervalMs').optional(),
        maxIntervalMs: ms('resolve.maxIntervalMs').optional(),
        notFoundGraceQueries: z.number().int().min(1).max(100).optional(),
      })
      .optional(),
    cancelWaitMs: ms('cancelWaitMs').optional(),
    logger: loggerSchema.optional(),
    outTradeNoFactory: z.custom<() => string>(isFn, { message: 'outTradeNoFactory must be a function returning a string' }).optional(),
    maxAmountMinor: z.number().int().positive().optional(),
    transport: transportSchema.optional(),
  })
  .superRefine((o, ctx) => {
    if (o.transport === undefined && (o.host === undefined || o.host.trim() === '')) {
      ctx.addIssue({ code: 'custom', path: ['host'], message: 'host (the terminal IP) is required unless a transport is given' });
    }
    const min = o.resolve?.minIntervalMs ?? TERMINAL_DEFAULTS.resolve.minIntervalMs;
    const max = o.resolve?.maxIntervalMs ?? TERMINAL_DEFAULTS.resolve.maxIntervalMs;
    if (min > max) ctx.addIssue({ code: 'custom', path: ['resolve', 'minIntervalMs'], message: 'resolve.minIntervalMs must not exceed resolve.maxIntervalMs' });
  });

/** Options after parsing, with defaults. */
export interface ResolvedTerminalOptions {
  raw: z.output<typeof QFPayTerminalOptionsSchema>;
  paymentReplyGraceMs: number;
  defaultPaymentTimeoutSec: number;
  requestTimeoutMs: number;
  cancelWaitMs: number;
  resolve: Required<ResolveOptions>;
}

/**
 * Validates terminal options. Throws {@link ConfigError} `CONFIG_TERMINAL_OPTIONS` listing the bad
 * fields (never their values), or `CONFIG_POS_KEY_LENGTH` for a key AES cannot use.
 */
export function parseTerminalOptions(options: QFPayTerminalOptions): ResolvedTerminalOptions {
  const parsed = QFPayTerminalOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ConfigError('CONFIG_TERMINAL_OPTIONS', `invalid QFPayTerminal options: ${describeConfigIssues(parsed.error.issues)}`, 'fix the listed options');
  }
  aesKeyFromPosKey(parsed.data.posKey);
  const r = parsed.data.resolve ?? {};
  return {
    raw: parsed.data,
    paymentReplyGraceMs: parsed.data.paymentReplyGraceMs ?? TERMINAL_DEFAULTS.paymentReplyGraceMs,
    defaultPaymentTimeoutSec: parsed.data.defaultPaymentTimeoutSec ?? TERMINAL_DEFAULTS.defaultPaymentTimeoutSec,
    requestTimeoutMs: parsed.data.requestTimeoutMs ?? TERMINAL_DEFAULTS.requestTimeoutMs,
    cancelWaitMs: parsed.data.cancelWaitMs ?? TERMINAL_DEFAULTS.cancelWaitMs,
    resolve: {
      deadlineMs: r.deadlineMs ?? TERMINAL_DEFAULTS.resolve.deadlineMs,
      minIntervalMs: r.minIntervalMs ?? TERMINAL_DEFAULTS.resolve.minIntervalMs,
      maxIntervalMs: r.maxIntervalMs ?? TERMINAL_DEFAULTS.resolve.maxIntervalMs,
      notFoundGraceQueries: r.notFoundGraceQueries ?? TERMINAL_DEFAULTS.resolve.notFoundGraceQueries,
    },
  };
}
