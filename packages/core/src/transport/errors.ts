/**
 * Typed transport errors. Each says where the exchange stopped (`phase`) and whether the request
 * bytes may already have reached the terminal (`mayHaveReachedTerminal`): for a payment that flag
 * decides between "failed, nothing happened" and "unknown, query before doing anything else".
 */
import { QfpayEcrError } from '../errors.js';

/** Where an exchange with the terminal stopped. */
export type TransportPhase = 'connect' | 'tls' | 'request' | 'response';

/** Hints shared by several errors (from QFPay's HTTPS setup guide: Troubleshooting / Common Pitfalls). */
export const TRANSPORT_HINTS = {
  untrustedCa:
    "the terminal's certificate is not signed by the CA you gave: install/point to ca3.crt from QFPay (or the right CA), and check that Haojin shows HTTPS enabled with a generated certificate under Settings → ECR Status",
  identity:
    "the terminal's certificate is bound to its IP address and this one does not match: give the POS a fixed IP (a DHCP reservation bound to its MAC address) and use that IP; if the IP changed, restart/re-login Haojin so it regenerates its certificate",
  refused:
    'the terminal is reachable but nothing listens on that port (9001): check POS → Settings → ECR Status, that the HTTPS service is running, and restart the Haojin app',
  network:
    'check the POS IP address, that the POS and this machine are on the same network, Wi-Fi client isolation and router firewall rules; give the POS a fixed IP (DHCP reservation bound to its MAC address)',
  handshakeTimeout:
    'something at that address accepted the connection but never completed the TLS handshake: check it is the terminal (POS IP, port 9001), that HTTPS shows as running under ECR Status, and restart Haojin; otherwise check the POS IP, Wi-Fi isolation and router firewall',
  plainHttp:
    'the terminal speaks plain HTTP: enable HTTPS in MMS (Settings → Device Setting → POS Key List) and restart/re-login Haojin (minimum version 4.34.12); use plain HTTP only if you chose it on purpose (protocol: "http")',
  expired: "the terminal's certificate is expired or not yet valid: check the clock of this machine and of the POS, then restart/re-login Haojin so it regenerates its certificate",
  responseTimeout:
    'the terminal took the request but did not answer in time: do not repeat a payment; query the transaction (4001) or wait for the notification',
  connectionLost:
    'the connection dropped after the request may have reached the terminal: do not repeat a payment; query the transaction (4001) or wait for the notification',
  notHttp: 'the reply was not HTTP: check that the address is the terminal and that protocol (https/http) matches what the terminal serves',
  aborted: 'the caller aborted the request',
} as const;

interface TransportErrorInit {
  phase: TransportPhase;
  mayHaveReachedTerminal: boolean;
  cause?: unknown;
}

/** Base class of every transport failure. */
export class TransportError extends QfpayEcrError {
  /** Where the exchange stopped. */
  readonly phase: TransportPhase;
  /** True once request bytes may have been written to the terminal (a payment is then `unknown`, never re-sent). */
  readonly mayHaveReachedTerminal: boolean;

  constructor(code: string, message: string, hint: string, init: TransportErrorInit) {
    super(code, message, hint, init.cause === undefined ? undefined : { cause: init.cause });
    this.phase = init.phase;
    this.mayHaveReachedTerminal = init.mayHaveReachedTerminal;
  }
}

/**
 * TCP connection failed: `CONNECT_REFUSED`, `CONNECT_TIMEOUT`, `CONNECT_UNREACHABLE`,
 * `CONNECT_DNS` or `CONNECT_FAILED`. Nothing reached the terminal.
 */
export class TerminalConnectError extends TransportError {}

/**
 * TLS failed: `TLS_UNTRUSTED_CERT`, `TLS_IDENTITY_MISMATCH`, `TLS_CERT_EXPIRED`, `TLS_PLAIN_HTTP`,
 * `TLS_HANDSHAKE_TIMEOUT` or `TLS_HANDSHAKE_FAILED`. Nothing reached the terminal.
 */
export class TerminalTlsError extends TransportError {}

/** No complete reply within the request timeout after the request was sent (`RESPONSE_TIMEOUT`). */
export class ResponseTimeoutError extends TransportError {}

/** The connection closed or reset after the request may have been sent (`CONNECTION_LOST`). */
export class ConnectionLostError extends TransportError {}

/** The reply was not a usable HTTP response (`RESPONSE_NOT_HTTP`, `RESPONSE_TOO_LARGE`). */
export class InvalidResponseError extends TransportError {}

/** The caller's `AbortSignal` fired (`ABORTED`); `mayHaveReachedTerminal` says whether it was too late. */
export class TransportAbortedError extends TransportError {}

/** The transport was closed (`TRANSPORT_CLOSED`). Nothing was sent. */
export class TransportClosedError extends TransportError {}
