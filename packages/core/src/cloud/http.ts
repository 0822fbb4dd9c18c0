/**
 * HTTPS to the QFPay OpenAPI over undici: one form-encoded POST per call, a fresh connection per
 * request (no stale keep-alive socket can swallow a payment), a whole-request timeout and
 * AbortSignal, and every failure mapped to the transport's typed errors, whose
 * `mayHaveReachedTerminal` here means "may have reached QFPay". Trust: the public roots for the
 * documented hosts, or only the CA given for a custom base URL; verification is never turned off.
 */
import { Agent } from 'undici';
import { classifyConnectFailure } from '../transport/connector.js';
import { dispatchPost, errCode } from '../transport/dispatch.js';
import { TerminalConnectError, TransportClosedError, TransportError } from '../transport/errors.js';
import { bareMessage } from '../terminal/support.js';

/** Largest reply accepted; OpenAPI replies are a few kilobytes. */
const MAX_REPLY_BYTES = 1_048_576;

/** Options of {@link createCloudHttp}. */
export interface CloudHttpOptions {
  /** Origin, e.g. `https://openapi-hk.qfapi.com`. */
  baseUrl: string;
  /** The only CA to trust (custom base URL); undefined = Node's public roots. */
  caPem?: string;
  connectTimeoutMs: number;
  /** Whether `baseUrl` is one of QFPay's documented hosts (changes the TLS hints). */
  documentedHost: boolean;
}

/** Per-request options. */
export interface CloudPostOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called once the connection is up and the request is about to be written. */
  onSent?: () => void;
}

/** An HTTP reply. */
export interface CloudHttpResponse {
  status: number;
  body: string;
}

/** POSTs form bodies to one OpenAPI origin. */
export interface CloudHttp {
  readonly origin: string;
  /** Resolves with any HTTP status; rejects only with a {@link TransportError}. */
  post(path: string, form: string, headers: Readonly<Record<string, string>>, options: CloudPostOptions): Promise<CloudHttpResponse>;
  close(): Promise<void>;
}

const TCP_LEVEL = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);

/** What to do about a failure to reach the OpenAPI, by the transport's error code. */
function cloudHint(code: string, host: string, documentedHost: boolean): string {
  const network = `check this machine's Internet connection, DNS, and that the firewall or proxy allows outbound HTTPS (port 443) to ${host}`;
  switch (code) {
    case 'CONNECT_REFUSED':
      return documentedHost ? `${host} refused the connection: ${network}` : `nothing accepts connections there: check the base URL and that the server is running`;
    case 'CONNECT_DNS':
      return `${host} does not resolve: check DNS and the Internet connection of this machine`;
    case 'TLS_UNTRUSTED_CERT':
      return documentedHost
        ? `the certificate presented for ${host} is not signed by a public CA this Node trusts: a proxy or firewall may be intercepting HTTPS (trust its CA with NODE_EXTRA_CA_CERTS), or this Node's CA store is outdated`
        : 'the server certificate is not signed by the CA given in ca: give the CA that issued it';
    case 'TLS_IDENTITY_MISMATCH':
      return `the certificate is not issued for ${host}: check the base URL (environment) and any proxy intercepting HTTPS`;
    case 'TLS_CERT_EXPIRED':
      return "the certificate is outside its validity period: check this machine's clock and date";
    case 'TLS_PLAIN_HTTP':
      return `the other side speaks plain HTTP, not HTTPS: check the base URL (scheme and port) for ${host}`;
    default:
      return network;
  }
}

/** A connect/TLS failure as a typed error with a cloud hint. Nothing reached QFPay. */
function connectFailure(err: unknown, origin: string, host: string, documentedHost: boolean, protocol: 'https' | 'http'): TransportError {
  const code = errCode(err);
  const base =
    code === 'UND_ERR_CONNECT_TIMEOUT'
      ? new TerminalConnectError('CONNECT_TIMEOUT', `no connection to ${origin} in time`, '', { phase: 'connect', mayHaveReachedTerminal: false, cause: err })
      : classifyConnectFailure(err, origin, !TCP_LEVEL.has(code), protocol);
  const Ctor = base.constructor as typeof TransportError;
  // The LAN wording names "the terminal's host name"; here it is QFPay's host.
  const message = base.code === 'CONNECT_DNS' ? `cannot resolve ${host} (${code})` : bareMessage(base);
  return new Ctor(base.code, message, cloudHint(base.code, host, documentedHost), { phase: base.phase, mayHaveReachedTerminal: false, cause: err });
}

const AFTER_SEND_HINT = 'QFPay may have received it: never repeat a payment or refund; its result comes from the query or the notification';

/** Creates the HTTP client of one OpenAPI origin. */
export function createCloudHttp(options: CloudHttpOptions): CloudHttp {
  const url = new URL(options.baseUrl);
  const origin = url.origin;
  const host = url.host;
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const agent = new Agent({
    connect: { timeout: options.connectTimeoutMs, rejectUnauthorized: true, ...(options.caPem !== undefined ? { ca: options.caPem } : {}) },
    // Our own timer bounds the whole request.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  let closed = false;

  const post = (path: string, form: string, headers: Readonly<Record<string, string>>, o: CloudPostOptions): Promise<CloudHttpResponse> => {
    if (closed) {
      return Promise.reject(new TransportClosedError('TRANSPORT_CLOSED', `client for ${origin} is closed`, 'create a new cloud terminal', { phase: 'connect', mayHaveReachedTerminal: false }));
    }
    return dispatchPost(
      agent,
      {
        origin,
        path,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'application/json', 'user-agent': 'qfpay-ecr', ...headers },
        body: form,
        timeoutMs: o.timeoutMs,
        maxResponseBytes: MAX_REPLY_BYTES,
        signal: o.signal,
        onSent: o.onSent,
      },
      {
        peer: 'QFPay',
        hints: {
          abortedBeforeSend: 'the caller aborted; nothing was sent',
          abortedAfterSend: `the caller aborted; ${AFTER_SEND_HINT}`,
          responseTimeout: AFTER_SEND_HINT,
          connectTimeout: cloudHint('CONNECT_TIMEOUT', host, options.documentedHost),
          invalidReply: `${AFTER_SEND_HINT}; check the base URL`,
          connectionLost: AFTER_SEND_HINT,
        },
        closed: (cause) => new TransportClosedError('TRANSPORT_CLOSED', `client for ${origin} was closed`, 'create a new cloud terminal', { phase: 'connect', mayHaveReachedTerminal: false, cause }),
        connectFailure: (err) => connectFailure(err, origin, host, options.documentedHost, protocol),
      },
    );
  };

  return {
    origin,
    post,
    async close() {
      if (closed) return;
      closed = true;
      await agent.close();
    },
  };
}
