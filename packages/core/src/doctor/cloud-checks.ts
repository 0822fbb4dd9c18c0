/**
 * ECR Cloud checks of `doctor --cloud`: an environment chosen explicitly, the credentials present,
 * the OpenAPI reached over trusted HTTPS, the signature accepted and the terminal's Device ID
 * bound — the last three by one signed query for a made-up out_trade_no, which changes nothing:
 * `1136` (no such order) proves both the credentials and the binding, `1108` is a signature
 * problem, `1106` an unbound device.
 */
import { randomBytes } from 'node:crypto';
import { QfpayEcrError } from '../errors.js';
import { CloudClient, CLOUD_PATHS, type CloudExchange, type CloudQueryPath } from '../cloud/client.js';
import { CLOUD_CODE_HINTS, cloudFailure, httpFailure } from '../cloud/codes.js';
import type { CloudEndpoint } from '../cloud/environments.js';
import { createCloudHttp } from '../cloud/http.js';
import { isDocumentedHost, resolveEndpointWithCa, type CloudConnection } from '../cloud/options.js';
import { SILENT_LOGGER } from '../terminal/logger.js';
import { bareMessage, NOT_FOUND_CODES } from '../terminal/support.js';
import type { CheckResult } from './types.js';

/** What `doctor --cloud` is given. Everything is optional so that what is missing can be reported. */
export type CloudDoctorOptions = Partial<Omit<CloudConnection, 'environment'>> & {
  /** `production`, `live-test`, `sandbox` or `custom`; never defaulted (a wrong name is reported). */
  environment?: string;
  queryPath?: CloudQueryPath;
};

const ENV_FIX = 'choose the environment your app code and client key were issued for: --cloud-env production|live-test|sandbox (QFPAY_CLOUD_ENV); ECR Cloud itself runs only in production';

const skip = (id: CheckResult['id'], title: string, detail: string): CheckResult => ({ id, title, status: 'skip', detail });

const TITLES = {
  env: 'Cloud environment',
  creds: 'OpenAPI credentials',
  https: 'OpenAPI over HTTPS',
  sign: 'Signature accepted',
  device: 'Device bound (termid)',
} as const;

/** cloud.environment — an environment chosen explicitly and resolvable to an endpoint. */
function checkEnvironment(o: CloudDoctorOptions): { result: CheckResult; endpoint?: CloudEndpoint } {
  try {
    const endpoint = resolveEndpointWithCa(o.environment, o.baseUrl, o.ca);
    const note = endpoint.environment === 'production' ? '' : endpoint.environment === 'custom' ? ` (custom${endpoint.caPem !== undefined ? ', trusting only the CA given' : ''})` : ' (note: QFPay runs ECR Cloud only in production)';
    return { result: { id: 'cloud.environment', title: TITLES.env, status: 'pass', detail: `${endpoint.environment}: ${endpoint.baseUrl}${note}` }, endpoint };
  } catch (err) {
    if (!(err instanceof QfpayEcrError)) throw err;
    return { result: { id: 'cloud.environment', title: TITLES.env, status: 'fail', detail: bareMessage(err), fix: err.code === 'CONFIG_CLOUD_ENVIRONMENT' && o.environment === undefined ? ENV_FIX : err.hint, code: err.code } };
  }
}

/** cloud.credentials — app code, client key and termid present (never printed). */
function checkCredentials(o: CloudDoctorOptions): CheckResult {
  const missing = [
    !o.appCode && 'app code (--app-code / QFPAY_APP_CODE)',
    !o.clientKey && 'client key (QFPAY_CLIENT_KEY)',
    !o.termid && 'termid, the Device ID (--termid / QFPAY_TERMID)',
  ].filter((m): m is string => typeof m === 'string');
  if (missing.length > 0) {
    return {
      id: 'cloud.credentials',
      title: TITLES.creds,
      status: 'fail',
      detail: `missing: ${missing.join(', ')}`,
      fix: 'the app code and client key come from QFPay with your OpenAPI access (one pair per environment); the Device ID is under Haojin → My → Settings → Device ID',
      code: 'CLOUD_CREDENTIALS_MISSING',
    };
  }
  return {
    id: 'cloud.credentials',
    title: TITLES.creds,
    status: 'pass',
    detail: `app code and client key given (not shown), termid ${o.termid}${o.mchid ? `, mchid ${o.mchid}` : ''}, ${o.signType ?? 'MD5'} signatures`,
  };
}

/** Runs the cloud checks in order; a check whose prerequisite failed is skipped. */
export async function runCloudChecks(o: CloudDoctorOptions, timeoutMs: number): Promise<{ checks: CheckResult[]; target: string }> {
  const env = checkEnvironment(o);
  const creds = checkCredentials(o);
  const checks: CheckResult[] = [env.result, creds];
  const target = env.endpoint ? `${env.endpoint.environment} ${env.endpoint.baseUrl}, termid ${o.termid ?? '(none)'}` : `termid ${o.termid ?? '(none)'}`;
  if (!env.endpoint || creds.status !== 'pass') {
    const why = !env.endpoint ? 'skipped: no usable environment' : 'skipped: credentials missing';
    checks.push(skip('cloud.https', TITLES.https, why), skip('cloud.signature', TITLES.sign, why), skip('cloud.device', TITLES.device, why));
    return { checks, target };
  }
  const endpoint = env.endpoint;
  const http = createCloudHttp({ baseUrl: endpoint.baseUrl, ...(endpoint.caPem !== undefined ? { caPem: endpoint.caPem } : {}), connectTimeoutMs: timeoutMs, documentedHost: isDocumentedHost(endpoint) });
  const client = new CloudClient({
    id: 'doctor',
    http,
    appCode: o.appCode as string,
    clientKey: o.clientKey as string,
    signType: o.signType ?? 'MD5',
    termid: o.termid as string,
    ...(o.mchid ? { mchid: o.mchid } : {}),
    queryPath: o.queryPath ?? CLOUD_PATHS.query,
    log: SILENT_LOGGER,
  });
  let ex: CloudExchange;
  const reference = `qfpay-ecr-doctor-${randomBytes(6).toString('hex')}`;
  try {
    ex = await client.queryExchange({ out_trade_no: reference }, timeoutMs * 2);
  } finally {
    await client.close();
  }
  checks.push(...judgeDoctorQuery(ex, endpoint, client.queryPath, o));
  return { checks, target };
}

/** The three verdicts of the signed query: HTTPS, signature, device. */
function judgeDoctorQuery(ex: CloudExchange, endpoint: CloudEndpoint, path: string, o: CloudDoctorOptions): CheckResult[] {
  const fail = (id: CheckResult['id'], title: string, code: string, detail: string, fix: string): CheckResult => ({ id, title, status: 'fail', detail, fix, code });
  if (ex.kind === 'transport-error') {
    const e = ex.error;
    return [fail('cloud.https', TITLES.https, e.code, bareMessage(e), e.hint), skip('cloud.signature', TITLES.sign, 'skipped: the OpenAPI did not answer'), skip('cloud.device', TITLES.device, 'skipped: the OpenAPI did not answer')];
  }
  if (ex.kind === 'http-error') {
    const f = httpFailure(ex.status, `POST ${path}`);
    return [fail('cloud.https', TITLES.https, f.code, f.message, f.hint), skip('cloud.signature', TITLES.sign, 'skipped: no OpenAPI reply'), skip('cloud.device', TITLES.device, 'skipped: no OpenAPI reply')];
  }
  if (ex.kind === 'undecodable') {
    return [
      fail('cloud.https', TITLES.https, 'CLOUD_REPLY_UNDECODABLE', `POST ${path} was answered with something that is not an OpenAPI reply`, 'check the base URL points at the QFPay OpenAPI and nothing in between (captive portal, proxy) answers instead'),
      skip('cloud.signature', TITLES.sign, 'skipped: no OpenAPI reply'),
      skip('cloud.device', TITLES.device, 'skipped: no OpenAPI reply'),
    ];
  }
  const { respcd, message } = ex.reply;
  const said = message ? ` (${message})` : '';
  const https: CheckResult = { id: 'cloud.https', title: TITLES.https, status: 'pass', detail: `POST ${path} answered by ${endpoint.baseUrl} over HTTPS with a trusted certificate` };
  if (respcd === '1108') {
    return [https, fail('cloud.signature', TITLES.sign, '1108', `QFPay answered 1108 signature error${said}`, CLOUD_CODE_HINTS['1108'] as string), skip('cloud.device', TITLES.device, 'skipped: fix the signature first')];
  }
  const sign: CheckResult = { id: 'cloud.signature', title: TITLES.sign, status: 'pass', detail: `QFPay accepted the ${o.signType ?? 'MD5'} signature of the app code for ${endpoint.environment}` };
  if (NOT_FOUND_CODES.has(respcd) || respcd === '0000') {
    return [https, sign, { id: 'cloud.device', title: TITLES.device, status: 'pass', detail: `termid ${o.termid} is bound: QFPay looked up a made-up reference for it and answered ${respcd}${respcd === '0000' ? '' : ' (no such order), as expected'}` }];
  }
  if (respcd === '1106') {
    return [https, sign, fail('cloud.device', TITLES.device, '1106', `QFPay answered 1106: termid ${o.termid} is not bound${said}`, CLOUD_CODE_HINTS['1106'] as string)];
  }
  const f = cloudFailure(respcd, message, 'query');
  return [https, sign, fail('cloud.device', TITLES.device, f.code, f.message, f.hint)];
}
