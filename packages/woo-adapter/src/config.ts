/**
 * Bridge/CLI configuration from environment variables (secrets only from the environment: flags
 * show up in `ps`), validated with zod. Errors name the variable, never its value.
 */
import { z } from 'zod';
import { WooConfigError } from './errors.js';

/** Environment variables read by {@link loadBridgeConfig}. */
export const ENV = {
  wooUrl: 'WOO_URL',
  wooKey: 'WOO_CONSUMER_KEY',
  wooSecret: 'WOO_CONSUMER_SECRET',
  wooAuthMode: 'WOO_AUTH_MODE',
  wooInsecure: 'WOO_ALLOW_INSECURE_HTTP',
  wooCaFile: 'WOO_CA_FILE',
  /** `HOST[:PORT]` of the terminal, as core's `qfpay-ecr` CLI reads it. */
  terminal: 'QFPAY_TERMINAL',
  posKey: 'QFPAY_POS_KEY',
  /** CA file (default: QFPay's ca3.crt shipped with @qfpay-ecr/core). */
  ca: 'QFPAY_CA',
  /** SHA-256 fingerprint of another CA to trust (tests, private setups). */
  caPin: 'QFPAY_CA_PIN',
  terminalId: 'QFPAY_TERMINAL_ID',
  prefix: 'QFPAY_REFERENCE_PREFIX',
  eventsUrl: 'QFPAY_EVENTS_URL',
  eventsToken: 'QFPAY_EVENTS_TOKEN',
} as const;

const flag = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return false;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    ctx.addIssue({ code: 'custom', message: 'must be 1/0, true/false, yes/no' });
    return z.NEVER;
  });

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** Schema of the WooCommerce part of the configuration (keys are environment variable names). */
export const WooEnvSchema = z.object({
  [ENV.wooUrl]: z.string({ error: 'is required (the shop URL, https://…)' }).url({ message: 'must be a URL such as https://shop.example' }),
  [ENV.wooKey]: z.string({ error: 'is required (ck_… from WooCommerce → Settings → Advanced → REST API)' }).min(1, { message: 'is required' }),
  [ENV.wooSecret]: z.string({ error: 'is required (cs_…)' }).min(1, { message: 'is required' }),
  [ENV.wooAuthMode]: z.enum(['basic', 'query'], { error: 'must be basic or query' }).optional(),
  [ENV.wooInsecure]: flag,
  [ENV.wooCaFile]: optionalText,
  [ENV.prefix]: optionalText,
  [ENV.terminalId]: optionalText,
  [ENV.eventsUrl]: optionalText,
  [ENV.eventsToken]: optionalText,
});

/** Schema of the terminal part of the configuration. */
export const TerminalEnvSchema = z.object({
  [ENV.terminal]: z
    .string({ error: 'is required (the terminal IP on the shop LAN, HOST or HOST:PORT)' })
    .min(1, { message: 'is required' })
    .transform((v, ctx) => {
      const match = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(v.trim());
      const port = match?.[2] === undefined ? 9001 : Number(match[2]);
      if (!match || !match[1] || !Number.isInteger(port) || port < 1 || port > 65535) {
        ctx.addIssue({ code: 'custom', message: 'must be HOST or HOST:PORT (port 1–65535)' });
        return z.NEVER;
      }
      return { host: match[1], port };
    }),
  [ENV.posKey]: z.string({ error: 'is required (the terminal POS-KEY)' }).min(1, { message: 'is required' }),
  [ENV.ca]: optionalText,
  [ENV.caPin]: optionalText,
});

/** Bridge configuration after validation. */
export interface BridgeConfig {
  woo: { url: string; consumerKey: string; consumerSecret: string; authMode?: 'basic' | 'query'; allowInsecureHttp: boolean; caFile?: string };
  /** Absent when loaded with `{ terminal: false }`. `ca` defaults to QFPay's ca3.crt (core's `QFPAY_CA_PATH`). */
  terminal?: { host: string; port: number; posKey: string; ca?: string; pinnedCaFingerprint256?: string };
  /** Label of the terminal stored with attempts (`QFPAY_TERMINAL_ID`). */
  terminalId?: string;
  referencePrefix?: string;
  events?: { url: string; token: string };
}

function describe(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => `${String(i.path[0] ?? '?')} ${i.message}`);
}

/**
 * Reads and validates the configuration from `env`. With `{ terminal: false }` only the
 * WooCommerce part is required. Throws {@link WooConfigError} naming every bad variable.
 */
export function loadBridgeConfig(env: Readonly<Record<string, string | undefined>>, options: { terminal?: boolean } = {}): BridgeConfig {
  const picked: Record<string, string | undefined> = {};
  for (const name of Object.values(ENV)) picked[name] = env[name];
  const woo = WooEnvSchema.safeParse(picked);
  const wantTerminal = options.terminal ?? true;
  const terminal = wantTerminal ? TerminalEnvSchema.safeParse(picked) : undefined;
  const problems = [...(woo.success ? [] : describe(woo.error.issues)), ...(terminal && !terminal.success ? describe(terminal.error.issues) : [])];
  if (!woo.success || (terminal && !terminal.success)) {
    throw new WooConfigError('WOO_BRIDGE_CONFIG', `configuration is incomplete: ${problems.join('; ')}`, 'set the listed environment variables (see the woo-adapter README)');
  }
  const e = woo.data;
  const eventsUrl = e[ENV.eventsUrl];
  const eventsToken = e[ENV.eventsToken];
  if ((eventsUrl === undefined) !== (eventsToken === undefined)) {
    throw new WooConfigError('WOO_BRIDGE_CONFIG', `${ENV.eventsUrl} and ${ENV.eventsToken} go together`, 'set both to receive notifications over SSE, or neither');
  }
  const t = terminal?.success ? terminal.data : undefined;
  return {
    woo: {
      url: e[ENV.wooUrl],
      consumerKey: e[ENV.wooKey],
      consumerSecret: e[ENV.wooSecret],
      ...(e[ENV.wooAuthMode] ? { authMode: e[ENV.wooAuthMode] } : {}),
      allowInsecureHttp: e[ENV.wooInsecure],
      ...(e[ENV.wooCaFile] ? { caFile: e[ENV.wooCaFile] } : {}),
    },
    ...(t
      ? {
          terminal: {
            host: t[ENV.terminal].host,
            port: t[ENV.terminal].port,
            posKey: t[ENV.posKey],
            ...(t[ENV.ca] ? { ca: t[ENV.ca] } : {}),
            ...(t[ENV.caPin] ? { pinnedCaFingerprint256: t[ENV.caPin] } : {}),
          },
        }
      : {}),
    ...(e[ENV.terminalId] ? { terminalId: e[ENV.terminalId] } : {}),
    ...(e[ENV.prefix] ? { referencePrefix: e[ENV.prefix] } : {}),
    ...(eventsUrl && eventsToken ? { events: { url: eventsUrl, token: eventsToken } } : {}),
  };
}
