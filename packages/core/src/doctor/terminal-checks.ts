/**
 * Terminal-side checks of `doctor`: CA file and fingerprints, TCP reachability, the TLS handshake
 * (trusted CA, certificate bound to the IP), HTTPS answering on the ECR API, POS-KEY accepted,
 * Haojin version. Each function returns a {@link CheckResult}; none throws for what it finds.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { QfpayEcrError } from '../errors.js';
import { encodeRequestBody } from '../protocol/codec.js';
import { aesKeyFromPosKey } from '../protocol/cipher.js';
import { classifyOuterCode } from '../protocol/codes.js';
import { decodeResponseBody, type DecodedResponse } from '../protocol/response.js';
import { inspectCa, normaliseFingerprint, QFPAY_CA_FINGERPRINT_SHA1, QFPAY_CA_FINGERPRINT_SHA256, type CaInfo } from '../transport/ca.js';
import { classifyConnectFailure, probePlainHttp } from '../transport/connector.js';
import { TerminalTlsError, TransportError, TRANSPORT_HINTS } from '../transport/errors.js';
import { checkTerminalIdentity } from '../transport/identity.js';
import { createEcrTransport } from '../transport/transport.js';
import { HAOJIN_MIN_HTTPS_VERSION, type CheckResult } from './types.js';

const CA_DOWNLOAD = `download ca3.crt from QFPay (SHA-256 ${QFPAY_CA_FINGERPRINT_SHA256}; a copy ships with @qfpay-ecr/core at assets/ca3.crt) and point --ca / QFPAY_CA at it`;

/** Where a host:port is, for messages. */
export function describeTarget(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function bareMessage(err: QfpayEcrError): string {
  const suffix = ` — ${err.hint}`;
  return err.hint && err.message.endsWith(suffix) ? err.message.slice(0, -suffix.length) : err.message;
}

/** The CA after the file check: its PEM and description when it could be read. */
export interface CaCheck {
  result: CheckResult;
  pem?: string;
  info?: CaInfo;
}

/** ca.file — the CA file is there, is a readable certificate, is a CA, and is within its validity. */
export function checkCaFile(ca: string, label: string, now: Date = new Date()): CaCheck {
  const title = 'CA certificate file';
  let info: CaInfo;
  try {
    info = inspectCa(ca);
  } catch (err) {
    if (err instanceof QfpayEcrError) {
      return { result: { id: 'ca.file', title, status: 'fail', detail: bareMessage(err), fix: err.code === 'CONFIG_CA_UNREADABLE' ? `check the path; ${CA_DOWNLOAD}` : CA_DOWNLOAD, code: err.code } };
    }
    throw err;
  }
  if (!info.isCa) {
    return {
      result: {
        id: 'ca.file',
        title,
        status: 'fail',
        detail: `${label} holds a server (leaf) certificate, ${info.subject}, not a CA`,
        fix: `trust the CA that issued the terminal's certificate, not the terminal's own certificate: ${CA_DOWNLOAD}`,
        code: 'CONFIG_CA_NOT_CA',
      },
    };
  }
  if (!(info.validFrom <= now && now < info.validTo)) {
    return {
      result: {
        id: 'ca.file',
        title,
        status: 'fail',
        detail: `${label} (${info.subject}) is valid only from ${day(info.validFrom)} to ${day(info.validTo)}`,
        fix: `check this machine's clock and date; ${CA_DOWNLOAD}`,
        code: 'CONFIG_CA_EXPIRED',
      },
    };
  }
  // Re-encode so only the single certificate reaches TLS.
  const pem = new X509Certificate(ca.includes('-----BEGIN') ? ca : readFileSync(ca)).toString();
  return { result: { id: 'ca.file', title, status: 'pass', detail: `${label}: ${info.subject}, a CA valid until ${day(info.validTo)}` }, pem, info };
}

/** ca.fingerprint — SHA-256 and SHA-1 are QFPay's published ones, or SHA-256 is the pinned one. */
export function checkCaFingerprint(info: CaInfo, pinned?: string): CheckResult {
  const title = 'CA fingerprints';
  if (pinned !== undefined) {
    const pin = normaliseFingerprint(pinned);
    if (!pin) {
      return { id: 'ca.fingerprint', title, status: 'fail', detail: 'the pinned fingerprint is not a SHA-256 fingerprint (64 hex digits)', fix: 'copy it from `openssl x509 -noout -fingerprint -sha256 -in <ca file>`', code: 'CONFIG_CA_PIN_INVALID' };
    }
    if (info.fingerprint256 !== pin) {
      return {
        id: 'ca.fingerprint',
        title,
        status: 'fail',
        detail: `SHA-256 ${info.fingerprint256} is not the pinned ${pin}`,
        fix: 'point --ca at the CA you pinned, or pin the fingerprint of the CA you use (--pin-ca / QFPAY_CA_PIN)',
        code: 'CONFIG_CA_FINGERPRINT',
      };
    }
    return {
      id: 'ca.fingerprint',
      title,
      status: 'pass',
      detail: `SHA-256 ${info.fingerprint256} matches the pinned fingerprint${info.isQfpay ? " (it is QFPay's ca3.crt)" : " (a private CA, not QFPay's ca3.crt: right for the simulator, not for a real terminal)"}`,
    };
  }
  const sha256Ok = info.fingerprint256 === QFPAY_CA_FINGERPRINT_SHA256;
  const sha1Ok = info.fingerprint1 === QFPAY_CA_FINGERPRINT_SHA1;
  if (sha256Ok && sha1Ok) {
    return { id: 'ca.fingerprint', title, status: 'pass', detail: `SHA-256 ${info.fingerprint256} and SHA-1 ${info.fingerprint1} match QFPay's ca3.crt` };
  }
  const wrong = [
    sha256Ok ? undefined : `SHA-256 is ${info.fingerprint256}, QFPay's is ${QFPAY_CA_FINGERPRINT_SHA256}`,
    sha1Ok ? undefined : `SHA-1 is ${info.fingerprint1}, QFPay's is ${QFPAY_CA_FINGERPRINT_SHA1}`,
  ].filter((s): s is string => s !== undefined);
  return {
    id: 'ca.fingerprint',
    title,
    status: 'fail',
    detail: `not QFPay's ca3.crt (${info.subject}): ${wrong.join('; ')}`,
    fix: `${CA_DOWNLOAD}; to test against the simulator or another private CA, pin it with --pin-ca <sha256>`,
    code: 'CONFIG_CA_FINGERPRINT',
  };
}

/** terminal.reachable — a TCP connection to host:port opens within the timeout. */
export function checkReachable(host: string, port: number, timeoutMs: number): Promise<CheckResult> {
  const target = describeTarget(host, port);
  const title = 'Terminal reachable';
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    let done = false;
    const finish = (result: CheckResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () =>
        finish({
          id: 'terminal.reachable',
          title,
          status: 'fail',
          detail: `no TCP connection to ${target} within ${timeoutMs} ms`,
          fix: `${TRANSPORT_HINTS.network}; if the IP changed, the terminal's certificate must be regenerated too (re-login Haojin)`,
          code: 'CONNECT_TIMEOUT',
        }),
      timeoutMs,
    );
    socket.once('connect', () => finish({ id: 'terminal.reachable', title, status: 'pass', detail: `${target} accepts TCP connections` }));
    socket.once('error', (err) => {
      const e = classifyConnectFailure(err, `tcp://${target}`, false, 'https');
      finish({ id: 'terminal.reachable', title, status: 'fail', detail: bareMessage(e), fix: e.hint, code: e.code });
    });
  });
}

function cn(cert: PeerCertificate): string {
  const value: unknown = (cert.subject as unknown as Record<string, unknown> | undefined)?.CN;
  return Array.isArray(value) ? value.join(', ') : typeof value === 'string' ? value : '(no CN)';
}

/**
 * terminal.tls — a TLS handshake with only this CA trusted, the certificate checked against the
 * IP (SAN, or CN for a SAN-less terminal certificate). A peer speaking plain HTTP is recognised.
 */
export function checkTls(host: string, port: number, caPem: string, timeoutMs: number): Promise<CheckResult> {
  const target = `https://${describeTarget(host, port)}`;
  const title = 'TLS trusted, certificate fits the IP';
  const failWith = (e: TransportError): CheckResult => ({
    id: 'terminal.tls',
    title,
    status: 'fail',
    detail: bareMessage(e),
    fix: e.code === 'TLS_PLAIN_HTTP' ? `enable HTTPS in MMS (Settings → Device Setting → POS Key List), then restart/re-login the Haojin app (minimum ${HAOJIN_MIN_HTTPS_VERSION}) and check Settings → ECR Status shows HTTPS enabled` : e.hint,
    code: e.code,
  });
  return new Promise((resolve) => {
    let tcpConnected = false;
    let done = false;
    const socket: TLSSocket = tlsConnect({
      host,
      port,
      ca: caPem,
      servername: isIP(host) === 0 ? host : undefined,
      checkServerIdentity: checkTerminalIdentity,
      rejectUnauthorized: true,
      ALPNProtocols: ['http/1.1'],
    });
    const finish = (result: CheckResult | Promise<CheckResult>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      socket.destroy();
      void Promise.resolve(result).then(resolve);
    };
    const fail = (err: unknown) => {
      const e = classifyConnectFailure(err, target, tcpConnected, 'https');
      if (e.code !== 'TLS_HANDSHAKE_FAILED') return finish(failWith(e));
      // The peer hung up during the handshake: a terminal with HTTPS still off answers plain HTTP.
      finish(
        probePlainHttp(host, port, timeoutMs).then((plain) =>
          failWith(plain ? new TerminalTlsError('TLS_PLAIN_HTTP', `TLS to ${target} failed: the terminal answers plain HTTP on this port, not HTTPS`, TRANSPORT_HINTS.plainHttp, { phase: 'tls', mayHaveReachedTerminal: false }) : e),
        ),
      );
    };
    const timer = setTimeout(() => {
      finish(
        failWith(
          tcpConnected
            ? new TerminalTlsError('TLS_HANDSHAKE_TIMEOUT', `TLS handshake with ${target} did not complete within ${timeoutMs} ms`, TRANSPORT_HINTS.handshakeTimeout, { phase: 'tls', mayHaveReachedTerminal: false })
            : new TerminalTlsError('CONNECT_TIMEOUT', `no TCP connection to ${target} within ${timeoutMs} ms`, TRANSPORT_HINTS.network, { phase: 'connect', mayHaveReachedTerminal: false }),
        ),
      );
    }, timeoutMs);
    socket.once('connect', () => (tcpConnected = true));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      const names = cert.subjectaltname ? cert.subjectaltname : `CN=${cn(cert)} (no SubjectAltName)`;
      finish({
        id: 'terminal.tls',
        title,
        status: 'pass',
        detail: `the terminal's certificate (${names}, valid until ${day(new Date(cert.valid_to))}) is signed by the trusted CA and issued for ${host}`,
      });
    });
    socket.on('error', fail);
    socket.once('close', () => fail(Object.assign(new Error('socket closed during the handshake'), { code: tcpConnected ? 'ECONNRESET' : '' })));
  });
}

/** One exchange with the ECR API for the https and POS-KEY checks. */
export type EcrProbe =
  | { kind: 'reply'; status: number; body: string; query: boolean }
  | { kind: 'error'; error: TransportError; query: boolean }
  | { kind: 'not-run'; reason: string };

/** A made-up reference no real transaction has: the 4001 query answers "not found" and changes nothing. */
export function doctorReference(): string {
  return `DOCTOR-${randomBytes(6).toString('hex')}`;
}

/**
 * POSTs one harmless request to `/api/pos/query_transaction`: a 4001 query for a made-up
 * reference when a usable POS-KEY is given, else a body that cannot decrypt (any ECR answer
 * still shows the HTTPS service is up).
 */
export async function probeEcr(options: { host: string; port: number; caPem: string; pinned?: string; posKey?: string; timeoutMs: number }): Promise<EcrProbe> {
  let body = JSON.stringify('qfpay-ecr-doctor');
  let query = false;
  if (options.posKey !== undefined && keyProblem(options.posKey) === undefined) {
    body = encodeRequestBody({ func_type: 4001, out_trade_no: doctorReference() }, options.posKey);
    query = true;
  }
  const transport = createEcrTransport({
    host: options.host,
    port: options.port,
    ca: options.caPem,
    ...(options.pinned !== undefined ? { pinnedCaFingerprint256: options.pinned } : {}),
    connectTimeoutMs: options.timeoutMs,
    requestTimeoutMs: options.timeoutMs,
  });
  try {
    const reply = await transport.post('/api/pos/query_transaction', body, { timeoutMs: options.timeoutMs });
    return { kind: 'reply', status: reply.status, body: reply.body, query };
  } catch (err) {
    if (err instanceof TransportError) return { kind: 'error', error: err, query };
    throw err;
  } finally {
    await transport.close();
  }
}

function tryDecode(body: string, posKey?: string): DecodedResponse | undefined {
  try {
    return decodeResponseBody(body, posKey);
  } catch {
    return undefined;
  }
}

/** Whether a body looks like an ECR reply: a JSON envelope, or a JSON string (an encrypted one). */
function looksLikeEcr(body: string): boolean {
  if (tryDecode(body)) return true;
  try {
    return typeof JSON.parse(body.trim()) === 'string';
  } catch {
    return false;
  }
}

/** terminal.https — the ECR API answers over HTTPS. */
export function checkHttps(probe: EcrProbe): CheckResult {
  const title = 'HTTPS answering';
  if (probe.kind === 'not-run') return { id: 'terminal.https', title, status: 'skip', detail: probe.reason };
  if (probe.kind === 'error') {
    const e = probe.error;
    const fix =
      e.code === 'RESPONSE_TIMEOUT' || e.code === 'CONNECTION_LOST'
        ? "the terminal took the connection but gave no answer: bring the Haojin app to the foreground with ECR enabled, check Settings → ECR Status, and restart Haojin"
        : e.hint;
    return { id: 'terminal.https', title, status: 'fail', detail: bareMessage(e), fix, code: e.code };
  }
  if (probe.status < 200 || probe.status >= 300) {
    return {
      id: 'terminal.https',
      title,
      status: 'fail',
      detail: `POST /api/pos/query_transaction answered HTTP ${probe.status}`,
      fix: "this does not look like the terminal's ECR API: check the IP and port (9001), that Settings → ECR Status shows the HTTPS service running, and restart Haojin",
      code: `HTTP_${probe.status}`,
    };
  }
  if (!looksLikeEcr(probe.body)) {
    return {
      id: 'terminal.https',
      title,
      status: 'fail',
      detail: 'the reply to POST /api/pos/query_transaction is not an ECR reply',
      fix: "check that the address is the terminal (port 9001), not another device or service, and that Haojin's ECR is enabled",
      code: 'REPLY_NOT_ECR',
    };
  }
  return { id: 'terminal.https', title, status: 'pass', detail: 'POST /api/pos/query_transaction got an ECR reply over HTTPS' };
}

/** Why a POS-KEY cannot be used at all, or undefined. */
export function keyProblem(posKey: string): QfpayEcrError | undefined {
  try {
    aesKeyFromPosKey(posKey);
    return undefined;
  } catch (err) {
    if (err instanceof QfpayEcrError) return err;
    throw err;
  }
}

const POS_KEY_WHERE = 'Haojin → My → Settings → POS-Key, or MMS → Device Settings → POS Key Mgmt';

/**
 * The factory-default POS-KEY printed in QFPay's early ECR documentation (ecr-protocol.md §2.1).
 * It is public, so a terminal still using it has no protection at all.
 */
const FACTORY_DEFAULT_POS_KEY = 'f46b1f08bec1f39104792cc79ec9aacd';

/** terminal.pos_key — the terminal decrypts and answers a 4001 query made with this POS-KEY (and it is not the public default). */
export function checkPosKey(posKey: string | undefined, probe: EcrProbe): CheckResult {
  const result = checkPosKeyAccepted(posKey, probe);
  if (result.status !== 'pass' || posKey?.trim().toLowerCase() !== FACTORY_DEFAULT_POS_KEY) return result;
  return {
    id: 'terminal.pos_key',
    title: result.title,
    status: 'fail',
    detail: "the terminal accepts the factory-default POS-KEY published in QFPay's documentation: anyone on the LAN can sign requests",
    fix: `regenerate the POS-KEY in MMS (Device Settings → POS Key Mgmt), re-login the Haojin app, then set QFPAY_POS_KEY to the new key (${POS_KEY_WHERE})`,
    code: 'POS_KEY_FACTORY_DEFAULT',
  };
}

function checkPosKeyAccepted(posKey: string | undefined, probe: EcrProbe): CheckResult {
  const title = 'POS-KEY accepted';
  if (posKey === undefined || posKey === '') {
    return { id: 'terminal.pos_key', title, status: 'fail', detail: 'no POS-KEY given', fix: `set QFPAY_POS_KEY to the terminal's POS-KEY (${POS_KEY_WHERE})`, code: 'POS_KEY_MISSING' };
  }
  const problem = keyProblem(posKey);
  if (problem) return { id: 'terminal.pos_key', title, status: 'fail', detail: bareMessage(problem), fix: problem.hint, code: problem.code };
  if (probe.kind === 'not-run') return { id: 'terminal.pos_key', title, status: 'skip', detail: probe.reason };
  if (probe.kind === 'error' || probe.status < 200 || probe.status >= 300 || !probe.query) {
    return { id: 'terminal.pos_key', title, status: 'skip', detail: 'skipped: the HTTPS ECR service did not answer' };
  }
  const reply = tryDecode(probe.body, posKey);
  if (!reply) {
    return {
      id: 'terminal.pos_key',
      title,
      status: 'fail',
      detail: 'the reply could not be decrypted with this POS-KEY',
      fix: `the POS-KEY differs from the terminal's: copy it again (${POS_KEY_WHERE}) and re-login Haojin`,
      code: 'REPLY_UNDECODABLE',
    };
  }
  const said = reply.resperr || reply.respmsg;
  switch (reply.respcd) {
    case '6000':
      return { id: 'terminal.pos_key', title, status: 'pass', detail: 'the terminal decrypted a 4001 query for a made-up reference and answered it (nothing was changed)' };
    case '4003':
      return {
        id: 'terminal.pos_key',
        title,
        status: 'fail',
        detail: `the terminal answered 4003 request denied${said ? ` (${said})` : ''}`,
        fix: `either the POS-KEY is wrong — copy it again (${POS_KEY_WHERE}) — or HTTPS was enabled in MMS but not synced to the terminal: re-login the Haojin app`,
        code: '4003',
      };
    case '5001':
      return {
        id: 'terminal.pos_key',
        title,
        status: 'fail',
        detail: `the terminal answered 5001 decryption failed${said ? ` (${said})` : ''}`,
        fix: `the POS-KEY differs from the terminal's: copy it again exactly (${POS_KEY_WHERE}; usually 32 characters, no spaces) and re-login Haojin`,
        code: '5001',
      };
    case '4006':
      return {
        id: 'terminal.pos_key',
        title,
        status: 'fail',
        detail: `the terminal refused the 4001 query by out_trade_no (4006 incorrect parameters${said ? `: ${said}` : ''})`,
        fix: `queries by out_trade_no need Haojin 4.32.5 or later and HTTPS needs ${HAOJIN_MIN_HTTPS_VERSION}: update the Haojin app`,
        code: '4006',
      };
    default: {
      const info = classifyOuterCode(reply.respcd);
      return {
        id: 'terminal.pos_key',
        title,
        status: 'fail',
        detail: `the terminal answered ${reply.respcd} ${info.meaning}${said ? ` (${said})` : ''}`,
        fix: info.hint ?? 'bring the Haojin app to its home screen and try again',
        code: reply.respcd,
      };
    }
  }
}

/** terminal.version — ECR has no "version" request; say what can be inferred and where to look. */
export function versionInfo(httpsAnswered: boolean): CheckResult {
  return {
    id: 'terminal.version',
    title: 'Haojin version',
    status: 'info',
    detail: `cannot be told over ECR; check Settings → About on the terminal: it must be ${HAOJIN_MIN_HTTPS_VERSION} or later${httpsAnswered ? ' (HTTPS answering suggests it is)' : ''}`,
  };
}
