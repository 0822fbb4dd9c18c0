/**
 * Notification-side checks of `doctor`: the notify URL is one QFPay can post to (HTTPS, port
 * 443/80, a public address), it answers over HTTPS with a trusted certificate, and — with the
 * notification key — a signed, clearly marked test notification is answered `SUCCESS`.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { signNotification } from '../notify/signature.js';
import type { CheckResult } from './types.js';

/** `notify_type` of doctor's test notification: a receiver stores it as "other" and applies nothing. */
export const DOCTOR_NOTIFY_TYPE = 'doctor_test';
/** Prefix of the made-up `syssn` of doctor's test notification. */
export const DOCTOR_SYSSN_PREFIX = 'DOCTOR';

/** The notify URL after {@link checkNotifyUrl}: parsed when it can be tried at all. */
export interface NotifyUrlCheck {
  result: CheckResult;
  url?: URL;
}

function isPrivateAddress(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.lan') || host.endsWith('.internal')) return true;
  if (isIP(host) === 4) {
    const [a = 0, b = 0] = host.split('.').map(Number);
    return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (isIP(host) === 6) return host === '::1' || host === '::' || host.startsWith('fc') || host.startsWith('fd') || host.startsWith('fe80');
  return false;
}

/** notify.url — HTTPS, no credentials, port 443 (QFPay posts only to 80/443), a public address. */
export function checkNotifyUrl(text: string, local: boolean): NotifyUrlCheck {
  const title = 'Notify URL usable by QFPay';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { result: { id: 'notify.url', title, status: 'fail', detail: 'not a URL', fix: 'give the full URL, e.g. https://shop.example.com/qfpay/notify', code: 'NOTIFY_URL_INVALID' } };
  }
  if (url.protocol !== 'https:') {
    return {
      result: {
        id: 'notify.url',
        title,
        status: 'fail',
        detail: `${url.protocol.replace(':', '')}:// URL; notifications should arrive over HTTPS`,
        fix: 'serve /qfpay/notify over HTTPS (port 443) behind a reverse proxy with a public certificate (e.g. Let\'s Encrypt) and register the https:// URL',
        code: 'NOTIFY_NOT_HTTPS',
      },
    };
  }
  if (url.username || url.password) {
    return { result: { id: 'notify.url', title, status: 'fail', detail: 'the URL carries a user name or password', fix: 'QFPay posts to a plain URL; remove the credentials and rely on the X-QF-SIGN signature', code: 'NOTIFY_URL_CREDENTIALS' }, url };
  }
  const problems: string[] = [];
  if (url.port !== '' && url.port !== '443') problems.push(`port ${url.port}: QFPay only posts to ports 80 and 443`);
  if (isPrivateAddress(url.hostname)) problems.push(`${url.hostname} is not reachable from the Internet`);
  if (problems.length > 0 && !local) {
    return {
      result: {
        id: 'notify.url',
        title,
        status: 'fail',
        detail: problems.join('; '),
        fix: 'register a public https:// URL on port 443 (a reverse proxy in front of the notify server), e.g. https://shop.example.com/qfpay/notify',
        code: url.port !== '' && url.port !== '443' ? 'NOTIFY_PORT' : 'NOTIFY_NOT_PUBLIC',
      },
      url,
    };
  }
  if (problems.length > 0) {
    return { result: { id: 'notify.url', title, status: 'info', detail: `local test (--notify-local): ${problems.join('; ')} — fine here, not for the URL you register with QFPay` }, url };
  }
  return { result: { id: 'notify.url', title, status: 'pass', detail: `${url.origin}${url.pathname}: HTTPS on port 443` }, url };
}

/** The signed test notification doctor posts: clearly marked, never a payment. */
export function doctorNotificationBody(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  const tag = randomBytes(4).toString('hex');
  return JSON.stringify({
    notify_type: DOCTOR_NOTIFY_TYPE,
    syssn: `${DOCTOR_SYSSN_PREFIX}${stamp}${tag}`,
    out_trade_no: `qfpay-ecr-doctor-${tag}`,
    goods_name: 'qfpay-ecr doctor test notification - not a payment',
  });
}

/** What one HTTP exchange with the notify URL produced. */
export type NotifyProbe =
  | { kind: 'reply'; status: number; body: string; signed: boolean }
  | { kind: 'error'; code: string; message: string; fix: string }
  | { kind: 'not-run'; reason: string };

function errorCode(err: unknown): string {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
  }
  return '';
}

function errorMessage(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.length > 160 ? `${m.slice(0, 160)}…` : m;
}

const UNTRUSTED = /CERT|SIGNATURE|ISSUER|SELF_SIGNED|UNABLE_TO_VERIFY/;

/** Maps a network failure towards the notify URL to a code, message and fix. */
function describeNotifyFailure(err: unknown, url: URL): { code: string; message: string; fix: string } {
  const code = errorCode(err);
  const where = `${url.host}`;
  if (code === 'ECONNREFUSED') {
    return { code: 'CONNECT_REFUSED', message: `connection to ${where} refused`, fix: 'nothing listens there: start the notify server (qfpay-notify) and the HTTPS reverse proxy in front of it, and open port 443 in the firewall' };
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return { code: 'CONNECT_TIMEOUT', message: `no answer from ${where} in time`, fix: 'check the firewall lets port 443 in, the DNS record points at this server, and the reverse proxy forwards /qfpay/notify to the notify server' };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL') {
    return { code: 'DNS', message: `${url.hostname} does not resolve (${code})`, fix: 'create the DNS record for the host name, or correct the URL' };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return { code: 'TLS_IDENTITY_MISMATCH', message: `the certificate of ${where} is not issued for ${url.hostname}`, fix: `install a certificate for ${url.hostname} (e.g. Let's Encrypt) on the reverse proxy` };
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return { code: 'TLS_CERT_EXPIRED', message: `the certificate of ${where} is expired or not yet valid (${code})`, fix: 'renew the certificate (e.g. Let\'s Encrypt with automatic renewal) and reload the reverse proxy' };
  }
  if (UNTRUSTED.test(code)) {
    return {
      code: 'TLS_UNTRUSTED_CERT',
      message: `the certificate of ${where} is not trusted (${code})`,
      fix: 'QFPay only posts to certificates from a public CA: install one (e.g. Let\'s Encrypt) with its full chain on the reverse proxy',
    };
  }
  if (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/i.test(errorMessage(err))) {
    return { code: 'TLS_PLAIN_HTTP', message: `${where} answers plain HTTP, not HTTPS`, fix: 'terminate TLS on port 443 (reverse proxy with a public certificate) in front of the notify server' };
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_CLOSED' || code === 'UND_ERR_SOCKET') {
    return { code: 'CONNECTION_LOST', message: `${where} closed the connection`, fix: 'check the reverse proxy and the notify server logs' };
  }
  return { code: code || 'NOTIFY_UNREACHABLE', message: `cannot reach ${where}: ${errorMessage(err)}`, fix: 'check the URL, DNS, firewall (port 443) and that the notify server is running' };
}

/**
 * One exchange with the notify URL: a signed test notification when a key is given, else a GET.
 * Trusts the public roots, or only `ca` when given (tests with a private CA).
 */
export async function probeNotify(options: { url: URL; key?: string; ca?: string; timeoutMs: number }): Promise<NotifyProbe> {
  const ca = options.ca === undefined ? undefined : options.ca.includes('-----BEGIN') ? options.ca : readFileSync(options.ca, 'utf8');
  const agent = new Agent({ connect: { timeout: options.timeoutMs, rejectUnauthorized: true, ...(ca !== undefined ? { ca } : {}) }, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
  const signed = options.key !== undefined && options.key !== '';
  try {
    const body = signed ? doctorNotificationBody() : undefined;
    const res = await request(options.url, {
      dispatcher: agent,
      method: signed ? 'POST' : 'GET',
      headers: signed ? { 'content-type': 'application/json', 'x-qf-sign': signNotification(body as string, options.key as string), 'user-agent': 'qfpay-ecr-doctor' } : { 'user-agent': 'qfpay-ecr-doctor' },
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(options.timeoutMs * 2),
    });
    let text = '';
    for await (const chunk of res.body) {
      if (text.length < 4096) text += (chunk as Buffer).toString('utf8');
    }
    return { kind: 'reply', status: res.statusCode, body: text, signed };
  } catch (err) {
    return { kind: 'error', ...describeNotifyFailure(err, options.url) };
  } finally {
    await agent.close();
  }
}

/** notify.reachable — an HTTP answer over HTTPS with a trusted certificate. */
export function checkNotifyReachable(probe: NotifyProbe): CheckResult {
  const title = 'Notify URL over HTTPS';
  if (probe.kind === 'not-run') return { id: 'notify.reachable', title, status: 'skip', detail: probe.reason };
  if (probe.kind === 'error') return { id: 'notify.reachable', title, status: 'fail', detail: probe.message, fix: probe.fix, code: probe.code };
  return { id: 'notify.reachable', title, status: 'pass', detail: `answered HTTP ${probe.status} over HTTPS with a trusted certificate` };
}

function snippet(body: string): string {
  const one = body.replace(/\s+/g, ' ').trim();
  return one.length > 80 ? `${one.slice(0, 80)}…` : one;
}

/** notify.signed — the signed test notification is answered `200 SUCCESS`. */
export function checkNotifySigned(key: string | undefined, probe: NotifyProbe): CheckResult {
  const title = 'Signed test notification';
  if (key === undefined || key === '') {
    return { id: 'notify.signed', title, status: 'skip', detail: 'no notification key given: set QFPAY_NOTIFY_KEY (or --notify-key) to post a signed test notification' };
  }
  if (probe.kind !== 'reply' || !probe.signed) return { id: 'notify.signed', title, status: 'skip', detail: 'skipped: the notification URL did not answer' };
  if (probe.status === 200 && probe.body.trim() === 'SUCCESS') {
    return { id: 'notify.signed', title, status: 'pass', detail: `answered SUCCESS to a signed notification of type "${DOCTOR_NOTIFY_TYPE}" (recorded as a test, not a payment)` };
  }
  const fail = (code: string, detail: string, fix: string): CheckResult => ({ id: 'notify.signed', title, status: 'fail', detail, fix, code });
  const said = probe.body.trim() ? `: ${snippet(probe.body)}` : '';
  switch (probe.status) {
    case 401:
      return fail('NOTIFY_BAD_SIGNATURE', `refused the signature (HTTP 401${said})`, 'the notification key differs from the one the notify server uses (QFPAY_NOTIFY_KEYS): use the client_key QFPay issued, on both sides');
    case 403:
      return fail('NOTIFY_FORBIDDEN', `refused this machine (HTTP 403${said})`, "the server's sender allowlist (e.g. --allowlist qfpay) refused doctor's address: expected from a non-QFPay machine; run doctor from an allowed address or check the allowlist and trust-proxy settings");
    case 404:
    case 405:
      return fail('NOTIFY_NOT_FOUND', `nothing handles POST at this URL (HTTP ${probe.status})`, 'the URL should end in /qfpay/notify and the reverse proxy must forward it to the notify server');
    case 200:
      return fail('NOTIFY_NOT_SUCCESS', `answered HTTP 200 without SUCCESS${said}`, 'the receiver must reply exactly SUCCESS once the notification is stored, or QFPay keeps retrying for a day');
    default:
      return fail(
        probe.status >= 500 ? 'NOTIFY_SERVER_ERROR' : `HTTP_${probe.status}`,
        `answered HTTP ${probe.status}${said}`,
        probe.status >= 500 ? 'the notify server failed: check its logs and its database' : 'check the reverse proxy forwards POST /qfpay/notify with its body and headers (Content-Type, X-QF-SIGN) unchanged',
      );
  }
}
