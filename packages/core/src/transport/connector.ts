/**
 * undici connector for a terminal: TCP (+ TLS) with our trust rules, and failures turned into
 * typed errors that know whether they happened before the TCP connection, during the TLS
 * handshake, or never reached the terminal at all.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { buildConnector } from 'undici';
import { TerminalConnectError, TerminalTlsError, TRANSPORT_HINTS, type TransportError } from './errors.js';
import { checkTerminalIdentity } from './identity.js';

/** Connector settings. */
export interface ConnectorConfig {
  protocol: 'https' | 'http';
  /** PEM of the single trusted CA (https only). */
  caPem?: string;
  connectTimeoutMs: number;
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);
const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);
const PLAIN_HTTP = /wrong version number|packet length too long|http request|unknown protocol/i;

function errCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Maps a connect/handshake failure to a typed error. Nothing has reached the terminal in any case. */
export function classifyConnectFailure(err: unknown, target: string, tcpConnected: boolean, protocol: 'https' | 'http'): TransportError {
  const code = errCode(err);
  const base = { mayHaveReachedTerminal: false, cause: err } as const;
  if (!tcpConnected) {
    if (code === 'ECONNREFUSED') {
      return new TerminalConnectError('CONNECT_REFUSED', `connection to ${target} refused`, TRANSPORT_HINTS.refused, { phase: 'connect', ...base });
    }
    if (code === 'ETIMEDOUT') {
      return new TerminalConnectError('CONNECT_TIMEOUT', `connection to ${target} timed out`, TRANSPORT_HINTS.network, { phase: 'connect', ...base });
    }
    if (UNREACHABLE.has(code)) {
      return new TerminalConnectError('CONNECT_UNREACHABLE', `${target} is unreachable (${code})`, TRANSPORT_HINTS.network, { phase: 'connect', ...base });
    }
    if (DNS.has(code)) {
      return new TerminalConnectError('CONNECT_DNS', `cannot resolve the terminal's host name for ${target} (${code})`, `use the terminal's IP address; ${TRANSPORT_HINTS.network}`, {
        phase: 'connect',
        ...base,
      });
    }
    if (protocol === 'http' || code.startsWith('E')) {
      return new TerminalConnectError('CONNECT_FAILED', `cannot connect to ${target}${code ? ` (${code})` : ''}`, TRANSPORT_HINTS.network, { phase: 'connect', ...base });
    }
  }
  if (UNTRUSTED.has(code)) {
    return new TerminalTlsError('TLS_UNTRUSTED_CERT', `TLS to ${target} failed: certificate not trusted (${code})`, TRANSPORT_HINTS.untrustedCa, { phase: 'tls', ...base });
  }
  if (EXPIRED.has(code)) {
    return new TerminalTlsError('TLS_CERT_EXPIRED', `TLS to ${target} failed: certificate outside its validity period (${code})`, TRANSPORT_HINTS.expired, { phase: 'tls', ...base });
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new TerminalTlsError('TLS_IDENTITY_MISMATCH', `TLS to ${target} failed: the certificate is not issued for this address`, TRANSPORT_HINTS.identity, { phase: 'tls', ...base });
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || code === 'ERR_SSL_HTTP_REQUEST' || PLAIN_HTTP.test(errMessage(err))) {
    return new TerminalTlsError('TLS_PLAIN_HTTP', `TLS to ${target} failed: the other side answered in plain HTTP, not TLS`, TRANSPORT_HINTS.plainHttp, { phase: 'tls', ...base });
  }
  return new TerminalTlsError(
    'TLS_HANDSHAKE_FAILED',
    `TLS handshake with ${target} failed${code ? ` (${code})` : ''}`,
    `the terminal closed or broke the TLS handshake: check HTTPS is enabled and running (POS → Settings → ECR Status) and restart/re-login Haojin; if it only speaks plain HTTP, enable HTTPS in MMS and re-login Haojin (min 4.34.12); ${TRANSPORT_HINTS.untrustedCa}`,
    { phase: 'tls', ...base },
  );
}

/**
 * After a TLS handshake the peer simply hung up on, asks the same port one harmless plain-HTTP
 * question (`OPTIONS /`, the CORS preflight the terminal answers for browser POSes). An HTTP status
 * line back means the terminal speaks plain HTTP only. Resolves false on anything else.
 */
export function probePlainHttp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let seen = '';
    const socket = netConnect({ host, port });
    const done = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.setEncoding('latin1');
    socket.once('connect', () => socket.write(`OPTIONS / HTTP/1.1\r\nHost: ${isIP(host) === 6 ? `[${host}]` : host}:${port}\r\nConnection: close\r\n\r\n`));
    socket.on('data', (chunk: string) => {
      seen += chunk;
      if (seen.length >= 12) done(/^HTTP\/1\.[01] \d{3}/.test(seen));
    });
    socket.once('end', () => done(/^HTTP\/1\.[01] \d{3}/.test(seen)));
    socket.once('error', () => done(false));
  });
}

/** Builds the undici `connect` function. */
export function createConnector(config: ConnectorConfig): buildConnector.connector {
  return (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, '');
    const port = Number(options.port) || 9001;
    const target = `${config.protocol}://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
    let tcpConnected = false;
    let done = false;
    let socket: Socket | TLSSocket;

    const finish = (err: TransportError | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      if (err) {
        socket.destroy();
        callback(err, null);
      } else {
        callback(null, socket);
      }
    };
    const fail = (err: Error) => {
      const classified = classifyConnectFailure(err, target, tcpConnected, config.protocol);
      if (classified.code !== 'TLS_HANDSHAKE_FAILED' || done) {
        finish(classified);
        return;
      }
      // The peer hung up during the handshake: is it a plain-HTTP terminal?
      done = true;
      clearTimeout(timer);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      socket.on('error', () => undefined);
      socket.destroy();
      void probePlainHttp(host, port, config.connectTimeoutMs).then((plain) => {
        callback(
          plain
            ? new TerminalTlsError('TLS_PLAIN_HTTP', `TLS to ${target} failed: the terminal answers plain HTTP on this port, not HTTPS`, TRANSPORT_HINTS.plainHttp, {
                phase: 'tls',
                mayHaveReachedTerminal: false,
                cause: err,
              })
            : classified,
          null,
        );
      });
    };
    const onError = (err: Error) => fail(err);
    const onClose = () => fail(Object.assign(new Error('socket closed during connect'), { code: tcpConnected ? 'ECONNRESET' : '' }));

    if (config.protocol === 'https') {
      socket = tlsConnect({
        host,
        port,
        ca: config.caPem,
        // The terminal certificate is issued for an IP: SNI must not carry an IP literal.
        servername: isIP(host) === 0 ? host : undefined,
        checkServerIdentity: checkTerminalIdentity,
        rejectUnauthorized: true,
        ALPNProtocols: ['http/1.1'],
      });
      socket.once('secureConnect', () => finish(null));
    } else {
      socket = netConnect({ host, port });
    }
    socket.once('connect', () => {
      tcpConnected = true;
      if (config.protocol === 'http') finish(null);
    });
    socket.on('error', onError);
    socket.on('close', onClose);
    const timer = setTimeout(() => {
      if (!tcpConnected) {
        finish(
          new TerminalConnectError('CONNECT_TIMEOUT', `no TCP connection to ${target} within ${config.connectTimeoutMs} ms`, TRANSPORT_HINTS.network, {
            phase: 'connect',
            mayHaveReachedTerminal: false,
          }),
        );
      } else {
        finish(
          new TerminalTlsError('TLS_HANDSHAKE_TIMEOUT', `TLS handshake with ${target} did not complete within ${config.connectTimeoutMs} ms`, TRANSPORT_HINTS.handshakeTimeout, {
            phase: 'tls',
            mayHaveReachedTerminal: false,
          }),
        );
      }
    }, config.connectTimeoutMs);
  };
}
