/**
 * QFPay OpenAPI environments (notify-woo-anchors.md A5). A cloud terminal talks to exactly one,
 * chosen explicitly: credentials are issued per environment and never work across them, so there
 * is no default and no fallback from one host to another.
 */
import { ConfigError } from '../errors.js';

/** The OpenAPI hosts QFPay documents, by environment. */
export const CLOUD_ENVIRONMENTS = Object.freeze({
  /** Real money. ECR Cloud itself only runs here (QFPay ships only the production merchant app). */
  production: 'https://openapi-hk.qfapi.com',
  /** Real flow with test accounts, not settled. */
  'live-test': 'https://test-openapi-hk.qfapi.com',
  /** Simulated payments. */
  sandbox: 'https://openapi-int.qfapi.com',
} as const);

/** A documented environment. */
export type CloudEnvironmentName = keyof typeof CLOUD_ENVIRONMENTS;

/** Every value `environment` accepts: a documented one, or `custom` (e.g. a fake OpenAPI in tests). */
export const CLOUD_ENVIRONMENT_NAMES = ['production', 'live-test', 'sandbox', 'custom'] as const;
export type CloudEnvironment = (typeof CLOUD_ENVIRONMENT_NAMES)[number];

/** Where requests go, once resolved. */
export interface CloudEndpoint {
  environment: CloudEnvironment;
  /** Origin without a trailing slash, e.g. `https://openapi-hk.qfapi.com`. */
  baseUrl: string;
  /** PEM of the only CA trusted for a custom base URL; undefined = the public roots (documented hosts). */
  caPem?: string;
}

/** The environment part of the options, as given. */
export interface CloudEndpointInput {
  environment?: string;
  /** Only with `environment: 'custom'`. */
  baseUrl?: string;
  /** Only with `environment: 'custom'`: PEM of the CA to trust instead of the public roots. */
  caPem?: string;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

const CHOOSE = `choose one explicitly: ${CLOUD_ENVIRONMENT_NAMES.join(', ')} (credentials belong to one environment and never work in another)`;

/**
 * Resolves the environment options to an endpoint. Throws {@link ConfigError}
 * `CONFIG_CLOUD_ENVIRONMENT` when none or an unknown one is given, when `baseUrl`/`ca` are given
 * for a documented environment (they would silently send those credentials elsewhere), or when a
 * custom base URL is not an `https://` origin (plain `http://` only on loopback).
 */
export function resolveCloudEndpoint(input: CloudEndpointInput): CloudEndpoint {
  const env = input.environment;
  if (env === undefined || env.trim() === '') {
    throw new ConfigError('CONFIG_CLOUD_ENVIRONMENT', 'no QFPay OpenAPI environment was chosen', CHOOSE);
  }
  if (!(CLOUD_ENVIRONMENT_NAMES as readonly string[]).includes(env)) {
    throw new ConfigError('CONFIG_CLOUD_ENVIRONMENT', `unknown QFPay OpenAPI environment "${env.slice(0, 40)}"`, CHOOSE);
  }
  if (env !== 'custom') {
    if (input.baseUrl !== undefined || input.caPem !== undefined) {
      throw new ConfigError(
        'CONFIG_CLOUD_ENVIRONMENT',
        `baseUrl and ca are only for environment "custom", not "${env}"`,
        `drop them to use ${CLOUD_ENVIRONMENTS[env as CloudEnvironmentName]}, or choose environment "custom" on purpose`,
      );
    }
    return { environment: env as CloudEnvironmentName, baseUrl: CLOUD_ENVIRONMENTS[env as CloudEnvironmentName] };
  }
  if (input.baseUrl === undefined || input.baseUrl.trim() === '') {
    throw new ConfigError('CONFIG_CLOUD_ENVIRONMENT', 'environment "custom" needs baseUrl', 'give the base URL of the OpenAPI, e.g. https://127.0.0.1:8443 for a test server, with its CA in ca');
  }
  let url: URL;
  try {
    url = new URL(input.baseUrl);
  } catch {
    throw new ConfigError('CONFIG_CLOUD_ENVIRONMENT', 'baseUrl is not a URL', 'give an origin such as https://openapi.example.test');
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new ConfigError('CONFIG_CLOUD_ENVIRONMENT', 'baseUrl must be a bare origin (scheme, host, port) without path, query or credentials', 'e.g. https://127.0.0.1:8443');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new ConfigError('CONFIG_CLOUD_ENVIRONMENT', `baseUrl must use https:// (got ${url.protocol.replace(':', '')}://)`, 'plain http:// is accepted only on this machine (127.0.0.1, ::1, localhost)');
  }
  if (input.caPem !== undefined && url.protocol !== 'https:') {
    throw new ConfigError('CONFIG_CLOUD_ENVIRONMENT', 'a CA was given for a plain http:// baseUrl', 'use https:// with the CA, or drop the CA');
  }
  return { environment: 'custom', baseUrl: url.origin, ...(input.caPem !== undefined ? { caPem: input.caPem } : {}) };
}
