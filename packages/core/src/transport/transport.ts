/**
 * HTTP(S) transport to one terminal over undici: `POST https://<ip>:9001/api/pos/<path>`, the
 * body being the encoded request. One undici `Agent` per terminal, a fresh connection per
 * request (no stale keep-alive socket can swallow a payment), per-request timeout and
 * AbortSignal, and every failure mapped to a typed {@link TransportError}.
 */
import { isIP } from 'node:net';
import { Agent } from 'undici';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { loadTrustedCa, type CaInfo } from './ca.js';
import { classifyConnectFailure, createConnector } from './connector.js';
import { dispatchPost } from './dispatch.js';
import { TransportClosedError, TRANSPORT_HINTS } from './errors.js';

/** Default ECR port of the Haojin app (HTTP and HTTPS). */
export const DEFAULT_ECR_PORT = 9001;
/** Default TCP + TLS connect timeout. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Default timeout of ordinary (non-payment) requests. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/** Largest reply accepted; terminal replies are a few hundred bytes. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;

/** Options of {@link createEcrTransport}. */
export interface EcrTransportOptions {
  /** The terminal's IP address (recommended: its certificate is issued for the IP) or host name. */
  host: string;
  /** Default 9001. */
  port?: number;
  /** `https` (default). `http` only when chosen explicitly, for terminals without HTTPS. */
  protocol?: 'https' | 'http';
  /** The CA to trust: a file path or a PEM string. Required for https; QFPay's is {@link QFPAY_CA_PATH}. */
  ca?: string;
  /** Trust a CA other than QFPay's, by its SHA-256 fingerprint (hex; colons and case optional). */
  pinnedCaFingerprint256?: string;
  /** TCP + TLS connect timeout, default 5000 ms. */
  connectTimeoutMs?: number;
  /** Timeout of a request when `post` is given none, default 15000 ms. */
  requestTimeoutMs?: number;
  /** Largest reply body accepted, default 1 MiB. */
  maxResponseBytes?: number;
}

/** Per-request options of {@link EcrTransport.post}. */
export interface PostOptions {
  /** Whole-request timeout (connect + send + reply); default the transport's `requestTimeoutMs`. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called once the connection is up and the request is about to be written (from then on it may reach the terminal). */
  onSent?: () => void;
}

/** An HTTP reply: status and body text. */
export interface EcrHttpResponse {
  status: number;
  body: string;
}

/** What the terminal logic needs from a transport; a remote (browser → server) one can implement it too. */
export interface EcrTransport {
  /** `https://<host>:<port>`, for logs and messages (contains no secret). */
  readonly origin: string;
  /**
   * POSTs `body` to `path`. Resolves with any HTTP status; rejects only with a {@link TransportError}
   * whose `mayHaveReachedTerminal` tells whether the terminal may have received the request.
   */
  post(path: string, body: string, options?: PostOptions): Promise<EcrHttpResponse>;
  /** Waits for running requests, then releases connections. Later `post` calls reject. */
  close(): Promise<void>;
}

/** The transport made by {@link createEcrTransport}, with the CA it trusts. */
export interface UndiciEcrTransport extends EcrTransport {
  /** The trusted CA (https only). */
  readonly ca?: CaInfo;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const positiveMs = (name: string) => z.number({ error: `${name} must be a number of milliseconds` }).int({ message: `${name} must be whole milliseconds` }).positive({ message: `${name} must be greater than zero` });

/** zod schema of {@link EcrTransportOptions}. */
export const EcrTransportOptionsSchema = z.strictObject({
  host: z
    .string({ error: 'host must be the terminal IP address as a string' })
    .trim()
    .refine((h) => isIP(h.replace(/^\[|\]$/g, '')) !== 0 || HOSTNAME.test(h), {
      message: 'host must be an IP address (e.g. 192.168.1.50) or a host name, without scheme, port or path',
    }),
  port: z.number({ error: 'port must be a number' }).int().min(1).max(65535, { message: 'port must be 1–65535' }).optional(),
  protocol: z.enum(['https', 'http'], { error: 'protocol must be "https" or "http"' }).optional(),
  ca: z.string({ error: 'ca must be a file path or a PEM string' }).optional(),
  pinnedCaFingerprint256: z.string({ error: 'pinnedCaFingerprint256 must be a hex string' }).optional(),
  connectTimeoutMs: positiveMs('connectTimeoutMs').optional(),
  requestTimeoutMs: positiveMs('requestTimeoutMs').optional(),
  maxResponseBytes: z.number().int().positive().optional(),
});

/** Renders zod issues as `path: message` without the values (they may be secrets). */
export function describeConfigIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(options)'}: ${i.message}`)
    .join('; ');
}

/**
 * Creates the transport for one terminal. Throws {@link ConfigError} for bad options or a CA that
 * fails the trust rules (see `loadTrustedCa`): QFPay's `ca3.crt`, or a CA pinned by fingerprint.
 */
export function createEcrTransport(options: EcrTransportOptions): UndiciEcrTransport {
  const parsed = EcrTransportOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ConfigError('CONFIG_TRANSPORT_OPTIONS', `invalid terminal transport options: ${describeConfigIssues(parsed.error.issues)}`, 'fix the listed options');
  }
  const o = parsed.data;
  const protocol = o.protocol ?? 'https';
  const port = o.port ?? DEFAULT_ECR_PORT;
  const connectTimeoutMs = o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const requestTimeoutMs = o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const maxResponseBytes = o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const bareHost = o.host.replace(/^\[|\]$/g, '');
  const origin = `${protocol}://${isIP(bareHost) === 6 ? `[${bareHost}]` : bareHost}:${port}`;

  let caInfo: CaInfo | undefined;
  let caPem: string | undefined;
  if (protocol === 'https') {
    const trusted = loadTrustedCa(o.ca, o.pinnedCaFingerprint256);
    caInfo = trusted.info;
    caPem = trusted.pem;
  } else if (o.ca !== undefined || o.pinnedCaFingerprint256 !== undefined) {
    throw new ConfigError('CONFIG_CA_WITH_HTTP', 'a CA was given but protocol is "http"', 'use protocol "https" (the default) with the CA, or drop the CA for a plain-HTTP terminal');
  }

  const agent = new Agent({ connect: createConnector({ protocol, caPem, connectTimeoutMs }) });
  let closed = false;

  const post = (path: string, body: string, postOptions: PostOptions = {}): Promise<EcrHttpResponse> => {
    const { signal, onSent } = postOptions;
    const timeoutMs = postOptions.timeoutMs ?? requestTimeoutMs;
    if (closed) {
      return Promise.reject(new TransportClosedError('TRANSPORT_CLOSED', `transport to ${origin} is closed`, 'create a new terminal/transport', { phase: 'connect', mayHaveReachedTerminal: false }));
    }
    return dispatchPost(
      agent,
      { origin, path, headers: { 'content-type': 'application/json', accept: 'application/json' }, body, timeoutMs, maxResponseBytes, signal, onSent },
      {
        peer: 'the terminal',
        hints: {
          abortedBeforeSend: TRANSPORT_HINTS.aborted,
          abortedAfterSend: `${TRANSPORT_HINTS.aborted}; ${TRANSPORT_HINTS.connectionLost}`,
          responseTimeout: TRANSPORT_HINTS.responseTimeout,
          connectTimeout: TRANSPORT_HINTS.network,
          invalidReply: TRANSPORT_HINTS.notHttp,
          connectionLost: TRANSPORT_HINTS.connectionLost,
        },
        closed: (cause) => new TransportClosedError('TRANSPORT_CLOSED', `transport to ${origin} was closed`, 'create a new terminal/transport', { phase: 'connect', mayHaveReachedTerminal: false, cause }),
        connectFailure: (err) => classifyConnectFailure(err, origin, false, protocol),
      },
    );
  };

  return {
    origin,
    ...(caInfo ? { ca: caInfo } : {}),
    post,
    async close() {
      if (closed) return;
      closed = true;
      await agent.close();
    },
  };
}
