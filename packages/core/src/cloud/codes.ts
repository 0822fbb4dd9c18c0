/**
 * What the OpenAPI's codes mean for an ECR Cloud client. The codes are QFPay's transaction status
 * codes (protocol/codes.ts); this adds what to do about the ones a cloud setup runs into, and the
 * typed error for requests whose failure is an error rather than an outcome.
 */
import { classifyTransactionCode } from '../protocol/codes.js';
import { TerminalRequestError } from '../terminal/errors.js';
import type { Failure } from '../terminal/support.js';

/** Hints for codes a cloud setup runs into. */
export const CLOUD_CODE_HINTS: Readonly<Record<string, string>> = {
  '1106':
    'the Device ID (termid) is not bound: log in to the Haojin merchant app on that terminal to bind it, and check termid is exactly what Haojin shows under My → Settings → Device ID',
  '1108':
    'QFPay refused the signature: check the app code and client key, and that they belong to this environment (production credentials do not work on live-test or sandbox, nor the other way round); if you were given a mchid, set it; if not, leave it out',
  '1105': 'the terminal is not activated: finish its activation with QFPay, then log in to the Haojin merchant app on it',
  '1107': 'this device may not take this request: ask QFPay to enable ECR Cloud for the terminal and your app code',
  '1104': 'QFPay refused a parameter: check termid, channel and scan_type, and that the amount is in cents',
  '1103': 'QFPay could not read the request: check nothing between this machine and QFPay rewrites form bodies',
  '1102': 'QFPay saw this request before: query the original instead of repeating it',
  '1136': 'QFPay has no such transaction (or it is not operable now): check the syssn / out_trade_no',
  '1100': 'QFPay is under maintenance: try again later',
  '1251': 'QFPay system error: try again later; query before repeating a payment',
  '1252': 'QFPay system error: try again later; query before repeating a payment',
  '1254': 'QFPay system error: try again later; query before repeating a payment',
};

/** Failure of a request QFPay answered with a code other than 0000. */
export function cloudFailure(respcd: string, said: string | undefined, what: string): Failure {
  const info = classifyTransactionCode(respcd);
  const known = Object.prototype.hasOwnProperty.call(CLOUD_CODE_HINTS, respcd) ? CLOUD_CODE_HINTS[respcd] : undefined;
  return {
    code: respcd,
    message: `${what}: QFPay answered ${respcd}${info.kind === 'unrecognised' ? ', a code this version does not know' : ` ${info.meaning}`}${said ? ` (${said})` : ''}`,
    hint: known ?? info.hint ?? (info.kind === 'unrecognised' ? 'check the QFPay status-code table; query before repeating anything' : 'check the request and the terminal, then try again'),
  };
}

/** Failure of an HTTP status other than 2xx. */
export function httpFailure(status: number, what: string): Failure {
  if (status === 404 || status === 405) {
    return { code: `HTTP_${status}`, message: `${what}: the OpenAPI answered HTTP ${status}`, hint: 'check the base URL (environment) and that ECR Cloud is enabled for your app code' };
  }
  if (status === 401 || status === 403) {
    return { code: `HTTP_${status}`, message: `${what}: the OpenAPI refused the request (HTTP ${status})`, hint: 'check the app code and client key for this environment, and that this machine may call the OpenAPI' };
  }
  if (status >= 500) {
    return { code: `HTTP_${status}`, message: `${what}: the OpenAPI failed (HTTP ${status})`, hint: 'QFPay had a problem: try again shortly; query before repeating a payment' };
  }
  return { code: `HTTP_${status}`, message: `${what}: the OpenAPI answered HTTP ${status}`, hint: 'check the base URL and any proxy between this machine and QFPay' };
}

/**
 * A query, print or cancel request that got no usable answer from the OpenAPI. `code` is QFPay's
 * code (`1106`, `1108`…), `HTTP_<status>`, or a decode code; `respcd` is QFPay's code when given.
 * Network and TLS failures reject with the transport's typed errors instead.
 */
export class CloudRequestError extends TerminalRequestError {}

/** Throws-ready {@link CloudRequestError} from a {@link Failure}. */
export function cloudRequestError(f: Failure, respcd?: string): CloudRequestError {
  return new CloudRequestError(f.code, f.message, f.hint, respcd !== undefined ? { respcd } : undefined);
}
