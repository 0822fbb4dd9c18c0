/**
 * Bridge/CLI configuration from environment variables (secrets only from the environment: flags
 * show up in `ps`), validated with zod. Errors name the variable, never its value. `QFPAY_MODE`
 * chooses how the terminal is reached: on the shop LAN (default) or through ECR Cloud.
 */
import { z } from 'zod';
import { CLOUD_ENVIRONMENT_NAMES, type CloudConnection, type CloudSignType } from '@qfpay-ecr/core';
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
  /** `lan` (default: the terminal on the shop LAN) or `cloud` (ECR Cloud, through QFPay's OpenAPI). */
  mode: 'QFPAY_MODE',
  /** ECR Cloud: `production`, `live-test`, `sandbox` or `custom` (no default), as core's `qfpay-ecr --cloud` reads them. */
  cloudEnv: 'QFPAY_CLOUD_ENV',
  /** ECR Cloud, `custom` only: the OpenAPI origin. */
  cloudUrl: 'QFPAY_CLOUD_URL',
  /** ECR Cloud, `custom` only: CA file (PEM) of that server. */
  cloudCa: 'QFPAY_CLOUD_CA',
  appCode: 'QFPAY_APP_CODE',
  /** ECR Cloud client key: a secret, never printed. */
  clientKey: 'QFPAY_CLIENT_KEY',
  /** The terminal's Device ID (Haojin → My → Settings → Device ID). */
  termid: 'QFPAY_TERMID',
  /** Only if QFPay issued a merchant ID for the app code. */
  mchid: 'QFPAY_MCHID',
  /** `MD5` (default) or `SHA256`. */
  signType: 'QFPAY_SIGN_TYPE',
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

/** `QFPAY_MODE`: how the terminal is reached. */
export const ModeEnvSchema = z.object({
  [ENV.mode]: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const mode = (v ?? '').trim().toLowerCase();
      if (mode === '' || mode === 'lan') return 'lan' as const;
      if (mode === 'cloud') return 'cloud' as const;
      ctx.addIssue({ code: 'custom', message: 'must be lan (the terminal on the shop LAN) or cloud (ECR Cloud, through QFPay\'s OpenAPI)' });
      return z.NEVER;
    }),
});

/** Schema of the ECR Cloud part of the configuration (`QFPAY_MODE=cloud`). */
export const CloudEnvSchema = z
  .object({
    [ENV.cloudEnv]: z.enum(CLOUD_ENVIRONMENT_NAMES, { error: `must be one of ${CLOUD_ENVIRONMENT_NAMES.join(', ')} (required in cloud mode, no default: credentials belong to one environment)` }),
    [ENV.cloudUrl]: optionalText,
    [ENV.cloudCa]: optionalText,
    [ENV.appCode]: z.string({ error: 'is required in cloud mode (the OpenAPI app code)' }).trim().min(1, { message: 'is required in cloud mode (the OpenAPI app code)' }),
    [ENV.clientKey]: z.string({ error: 'is required in cloud mode (the OpenAPI client key)' }).min(1, { message: 'is required in cloud mode (the OpenAPI client key)' }),
    [ENV.termid]: z.string({ error: 'is required in cloud mode (the Device ID: Haojin → My → Settings → Device ID)' }).trim().min(1, { message: 'is required in cloud mode (the Device ID)' }),
    [ENV.mchid]: optionalText,
    [ENV.signType]: z
      .string()
      .optional()
      .transform((v, ctx) => {
        const t = (v ?? '').trim().toUpperCase();
        if (t === '') return undefined;
        if (t === 'MD5' || t === 'SHA256') return t as CloudSignType;
        ctx.addIssue({ code: 'custom', message: 'must be MD5 or SHA256' });
        return z.NEVER;
      }),
  })
  .superRefine((c, ctx) => {
    const custom = c[ENV.cloudEnv] === 'custom';
    if (custom && !c[ENV.cloudUrl]) ctx.addIssue({ code: 'custom', path: [ENV.cloudUrl], message: `is required with ${ENV.cloudEnv}=custom (the OpenAPI origin, e.g. https://127.0.0.1:8443)` });
    if (!custom && c[ENV.cloudUrl]) ctx.addIssue({ code: 'custom', path: [ENV.cloudUrl], message: `is only for ${ENV.cloudEnv}=custom: unset it to use QFPay's ${c[ENV.cloudEnv]} host` });
    if (!custom && c[ENV.cloudCa]) ctx.addIssue({ code: 'custom', path: [ENV.cloudCa], message: `is only for ${ENV.cloudEnv}=custom: QFPay's hosts use public certificates` });
  });

/** The ECR Cloud terminal of a {@link BridgeConfig} (core's `QFPayCloudTerminal` connection options). */
export type CloudTerminalConfig = CloudConnection;

/** Bridge configuration after validation. */
export interface BridgeConfig {
  woo: { url: string; consumerKey: string; consumerSecret: string; authMode?: 'basic' | 'query'; allowInsecureHttp: boolean; caFile?: string };
  /** The LAN terminal. Absent in cloud mode and when loaded with `{ terminal: false }`. `ca` defaults to QFPay's ca3.crt (core's `QFPAY_CA_PATH`). */
  terminal?: { host: string; port: number; posKey: string; ca?: string; pinnedCaFingerprint256?: string };
  /** The terminal through ECR Cloud (`QFPAY_MODE=cloud`). Absent in LAN mode and when loaded with `{ terminal: false }`. */
  cloud?: CloudTerminalConfig;
  /** Label of the terminal stored with attempts (`QFPAY_TERMINAL_ID`). */
  terminalId?: string;
  referencePrefix?: string;
  events?: { url: string; token: string };
}

function describe(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => `${String(i.path[0] ?? '?')} ${i.message}`);
}

function cloudConfig(c: z.output<typeof CloudEnvSchema>): CloudTerminalConfig {
  return {
    environment: c[ENV.cloudEnv],
    ...(c[ENV.cloudUrl] ? { baseUrl: c[ENV.cloudUrl] } : {}),
    ...(c[ENV.cloudCa] ? { ca: c[ENV.cloudCa] } : {}),
    appCode: c[ENV.appCode],
    clientKey: c[ENV.clientKey],
    termid: c[ENV.termid],
    ...(c[ENV.mchid] ? { mchid: c[ENV.mchid] } : {}),
    ...(c[ENV.signType] ? { signType: c[ENV.signType] } : {}),
  };
}

/**
 * Reads and validates the configuration from `env`. `QFPAY_MODE` chooses the terminal part:
 * `lan` (default: `QFPAY_TERMINAL`, `QFPAY_POS_KEY`…) or `cloud` (`QFPAY_CLOUD_ENV`,
 * `QFPAY_APP_CODE`, `QFPAY_CLIENT_KEY`, `QFPAY_TERMID`…); the other mode's variables are ignored.
 * With `{ terminal: false }` only the WooCommerce part is required. Throws {@link WooConfigError}
 * naming every bad variable, never a value.
 */
export function loadBridgeConfig(env: Readonly<Record<string, string | undefined>>, options: { terminal?: boolean } = {}): BridgeConfig {
  const picked: Record<string, string | undefined> = {};
  for (const name of Object.values(ENV)) picked[name] = env[name];
  const woo = WooEnvSchema.safeParse(picked);
  const modeParsed = ModeEnvSchema.safeParse(picked);
  const mode = modeParsed.success ? modeParsed.data[ENV.mode] : undefined;
  const wantTerminal = options.terminal ?? true;
  const terminal = wantTerminal && mode === 'lan' ? TerminalEnvSchema.safeParse(picked) : undefined;
  const cloud = wantTerminal && mode === 'cloud' ? CloudEnvSchema.safeParse(picked) : undefined;
  const problems = [
    ...(woo.success ? [] : describe(woo.error.issues)),
    ...(modeParsed.success ? [] : describe(modeParsed.error.issues)),
    ...(terminal && !terminal.success ? describe(terminal.error.issues) : []),
    ...(cloud && !cloud.success ? describe(cloud.error.issues) : []),
  ];
  if (problems.length > 0) {
    const hint = mode === 'cloud' ? 'set the listed environment variables for ECR Cloud (see the woo-adapter README, "Cloud mode")' : 'set the listed environment variables (see the woo-adapter README; QFPAY_MODE=cloud reaches the terminal through ECR Cloud instead)';
    throw new WooConfigError('WOO_BRIDGE_CONFIG', `configuration is incomplete: ${problems.join('; ')}`, hint);
  }
  if (!woo.success) throw new WooConfigError('WOO_BRIDGE_CONFIG', 'configuration is incomplete', 'set the WooCommerce variables');
  const e = woo.data;
  const eventsUrl = e[ENV.eventsUrl];
  const eventsToken = e[ENV.eventsToken];
  if ((eventsUrl === undefined) !== (eventsToken === undefined)) {
    throw new WooConfigError('WOO_BRIDGE_CONFIG', `${ENV.eventsUrl} and ${ENV.eventsToken} go together`, 'set both to receive notifications over SSE, or neither');
  }
  const t = terminal?.success ? terminal.data : undefined;
  const c = cloud?.success ? cloud.data : undefined;
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
    ...(c ? { cloud: cloudConfig(c) } : {}),
    ...(e[ENV.terminalId] ? { terminalId: e[ENV.terminalId] } : {}),
    ...(e[ENV.prefix] ? { referencePrefix: e[ENV.prefix] } : {}),
    ...(eventsUrl && eventsToken ? { events: { url: eventsUrl, token: eventsToken } } : {}),
  };
}
