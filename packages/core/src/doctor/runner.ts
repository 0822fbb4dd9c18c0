/**
 * Runs doctor's checks in order. A check whose prerequisite failed is reported as skipped (with
 * the reason), so the first ✗ is the one to fix. Never throws for what it finds; throws
 * {@link ConfigError} only for options that are not even well-formed.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { QFPAY_CA_PATH } from '../transport/ca.js';
import { DEFAULT_ECR_PORT } from '../transport/transport.js';
import { runCloudChecks } from './cloud-checks.js';
import { checkNotifyReachable, checkNotifySigned, checkNotifyUrl, probeNotify, type NotifyProbe } from './notify-checks.js';
import { checkCaFile, checkCaFingerprint, checkHttps, checkPosKey, checkReachable, checkTls, describeTarget, probeEcr, versionInfo, type EcrProbe } from './terminal-checks.js';
import { DOCTOR_DEFAULT_TIMEOUT_MS, type CheckResult, type CheckStatus, type DoctorOptions, type DoctorReport } from './types.js';

/** zod schema of {@link DoctorOptions} (messages never echo a key). */
export const DoctorOptionsSchema = z
  .strictObject({
    terminal: z
      .strictObject({
        host: z.string().trim().min(1, { message: 'terminal host must not be empty' }),
        port: z.number().int().min(1).max(65535, { message: 'terminal port must be 1–65535' }).optional(),
      })
      .optional(),
    ca: z.string().min(1, { message: 'ca must be a file path or a PEM string' }).optional(),
    pinnedCaFingerprint256: z.string().optional(),
    posKey: z.string({ error: 'posKey must be text' }).optional(),
    notifyUrl: z.string().min(1, { message: 'notifyUrl must not be empty' }).optional(),
    notifyKey: z.string({ error: 'notifyKey must be text' }).optional(),
    notifyCa: z.string().min(1).optional(),
    notifyLocal: z.boolean().optional(),
    cloud: z
      .strictObject({
        environment: z.string({ error: 'cloud.environment must be text' }).optional(),
        baseUrl: z.string({ error: 'cloud.baseUrl must be a URL' }).optional(),
        ca: z.string({ error: 'cloud.ca must be a PEM or a file path' }).min(1).optional(),
        appCode: z.string({ error: 'cloud.appCode must be text' }).optional(),
        clientKey: z.string({ error: 'cloud.clientKey must be text' }).optional(),
        termid: z.string({ error: 'cloud.termid must be text' }).optional(),
        mchid: z.string({ error: 'cloud.mchid must be text' }).optional(),
        signType: z.enum(['MD5', 'SHA256'], { error: 'cloud.signType must be MD5 or SHA256' }).optional(),
        queryPath: z.enum(['/ecr/v1/query', '/ecr/v1/query/async'], { error: 'cloud.queryPath must be /ecr/v1/query or /ecr/v1/query/async' }).optional(),
      })
      .optional(),
    timeoutMs: z.number().int().positive().max(120_000, { message: 'timeoutMs must be at most 120000' }).optional(),
  })
  .refine((o) => o.terminal !== undefined || o.notifyUrl !== undefined || o.cloud !== undefined, {
    message: 'give a terminal (--terminal / QFPAY_TERMINAL), ECR Cloud settings (--cloud), a notify URL (--notify-url), or several',
  });

/** A URL as it may be printed: user name and password removed. */
function withoutCredentials(text: string): string {
  try {
    const url = new URL(text);
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return '(not a URL)';
  }
}

const skip = (id: CheckResult['id'], title: string, detail: string): CheckResult => ({ id, title, status: 'skip', detail });

/** Runs the checklist. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const parsed = DoctorOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
    throw new ConfigError('CONFIG_DOCTOR_OPTIONS', `invalid doctor options: ${detail}`, 'fix the listed options');
  }
  const o = parsed.data;
  const timeoutMs = o.timeoutMs ?? DOCTOR_DEFAULT_TIMEOUT_MS;
  const ca = o.ca ?? QFPAY_CA_PATH;
  const caLabel = o.ca === undefined ? `${QFPAY_CA_PATH} (the copy of ca3.crt shipped with @qfpay-ecr/core)` : o.ca.includes('-----BEGIN') ? 'the CA PEM given' : o.ca;
  const checks: CheckResult[] = [];
  // A cloud-only run has no LAN terminal: its CA and terminal checks would only be noise.
  const lan = o.terminal !== undefined || o.cloud === undefined;
  if (lan) await runLanChecks(o, ca, timeoutMs, checks);
  let cloudTarget: string | undefined;
  if (o.cloud) {
    const cloud = await runCloudChecks(o.cloud, timeoutMs);
    checks.push(...cloud.checks);
    cloudTarget = cloud.target;
  }
  await runNotifyChecks(o, timeoutMs, checks);

  const summary: Record<CheckStatus, number> = { pass: 0, fail: 0, info: 0, skip: 0 };
  for (const c of checks) summary[c.status] += 1;
  return {
    ok: summary.fail === 0,
    target: {
      ...(lan ? { ca: caLabel } : {}),
      ...(o.terminal ? { terminal: describeTarget(o.terminal.host.replace(/^\[|\]$/g, ''), o.terminal.port ?? DEFAULT_ECR_PORT) } : {}),
      ...(cloudTarget !== undefined ? { cloud: cloudTarget } : {}),
      ...(o.notifyUrl !== undefined ? { notifyUrl: withoutCredentials(o.notifyUrl) } : {}),
    },
    checks,
    summary,
  };
}

type ParsedOptions = z.output<typeof DoctorOptionsSchema>;

/** CA file and fingerprints, then the LAN terminal: TCP, TLS, HTTPS, POS-KEY, version. */
async function runLanChecks(o: ParsedOptions, ca: string, timeoutMs: number, checks: CheckResult[]): Promise<void> {
  // 1. The CA: file, then fingerprints.
  const caFile = checkCaFile(ca, o.ca === undefined ? 'the bundled ca3.crt' : o.ca.includes('-----BEGIN') ? 'the CA PEM given' : o.ca);
  checks.push(caFile.result);
  const fingerprint = caFile.info ? checkCaFingerprint(caFile.info, o.pinnedCaFingerprint256) : skip('ca.fingerprint', 'CA fingerprints', 'skipped: the CA file could not be used');
  checks.push(fingerprint);
  const caPem = fingerprint.status === 'pass' ? caFile.pem : undefined;

  // 2. The terminal: TCP, TLS, HTTPS, POS-KEY, version.
  if (o.terminal) {
    const host = o.terminal.host.replace(/^\[|\]$/g, '');
    const port = o.terminal.port ?? DEFAULT_ECR_PORT;
    const reachable = await checkReachable(host, port, timeoutMs);
    checks.push(reachable);
    let tls: CheckResult;
    if (reachable.status !== 'pass') tls = skip('terminal.tls', 'TLS trusted, certificate fits the IP', 'skipped: the terminal is not reachable');
    else if (caPem === undefined) tls = skip('terminal.tls', 'TLS trusted, certificate fits the IP', 'skipped: fix the CA first (the handshake must trust exactly that CA)');
    else tls = await checkTls(host, port, caPem, timeoutMs);
    checks.push(tls);
    let probe: EcrProbe;
    if (tls.status !== 'pass' || caPem === undefined) probe = { kind: 'not-run', reason: 'skipped: no trusted TLS connection to the terminal' };
    else probe = await probeEcr({ host, port, caPem, ...(o.pinnedCaFingerprint256 !== undefined ? { pinned: o.pinnedCaFingerprint256 } : {}), ...(o.posKey !== undefined ? { posKey: o.posKey } : {}), timeoutMs });
    const https = checkHttps(probe);
    checks.push(https);
    checks.push(checkPosKey(o.posKey, probe));
    checks.push(versionInfo(https.status === 'pass'));
  } else {
    for (const [id, title] of [
      ['terminal.reachable', 'Terminal reachable'],
      ['terminal.tls', 'TLS trusted, certificate fits the IP'],
      ['terminal.https', 'HTTPS answering'],
      ['terminal.pos_key', 'POS-KEY accepted'],
    ] as const) {
      checks.push(skip(id, title, 'no terminal given (--terminal or QFPAY_TERMINAL)'));
    }
    checks.push(versionInfo(false));
  }
}

/** The notification URL: usable by QFPay, reachable over HTTPS, answers a signed test. */
async function runNotifyChecks(o: ParsedOptions, timeoutMs: number, checks: CheckResult[]): Promise<void> {
  if (o.notifyUrl !== undefined) {
    const urlCheck = checkNotifyUrl(o.notifyUrl, o.notifyLocal ?? false);
    checks.push(urlCheck.result);
    let probe: NotifyProbe;
    if (!urlCheck.url || urlCheck.result.code === 'NOTIFY_NOT_HTTPS') probe = { kind: 'not-run', reason: 'skipped: the URL cannot be used' };
    else probe = await probeNotify({ url: urlCheck.url, ...(o.notifyKey !== undefined ? { key: o.notifyKey } : {}), ...(o.notifyCa !== undefined ? { ca: o.notifyCa } : {}), timeoutMs });
    checks.push(checkNotifyReachable(probe));
    checks.push(checkNotifySigned(o.notifyKey, probe));
  } else {
    const reason = 'no notify URL given (--notify-url https://<your domain>/qfpay/notify)';
    checks.push(skip('notify.url', 'Notify URL usable by QFPay', reason));
    checks.push(skip('notify.reachable', 'Notify URL over HTTPS', reason));
    checks.push(skip('notify.signed', 'Signed test notification', reason));
  }
}
