/**
 * `doctor`: the checklist of QFPay's HTTPS setup guide (Configuration Checklist and
 * Troubleshooting), run against a real shop: CA file and fingerprints, terminal reachable, TLS
 * trusted and bound to the IP, HTTPS answering, POS-KEY accepted, Haojin version, notify URL —
 * and, with `cloud`, the ECR Cloud setup (environment, credentials, signature, device bound).
 */
import type { CloudDoctorOptions } from './cloud-checks.js';

export type { CloudDoctorOptions } from './cloud-checks.js';

/** Every check doctor knows, in the order it runs them. */
export const CHECK_IDS = [
  'ca.file',
  'ca.fingerprint',
  'terminal.reachable',
  'terminal.tls',
  'terminal.https',
  'terminal.pos_key',
  'terminal.version',
  'cloud.environment',
  'cloud.credentials',
  'cloud.https',
  'cloud.signature',
  'cloud.device',
  'notify.url',
  'notify.reachable',
  'notify.signed',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/**
 * `pass` ✓ and `fail` ✗ are the checklist; `info` ℹ is something doctor cannot decide (it never
 * fails the run); `skip` – means the check could not run because of an earlier ✗ or a missing input.
 */
export type CheckStatus = 'pass' | 'fail' | 'info' | 'skip';

/** The result of one check. */
export interface CheckResult {
  id: CheckId;
  /** Short title, e.g. "Terminal reachable". */
  title: string;
  status: CheckStatus;
  /** What was found (never a secret). */
  detail: string;
  /** For `fail`: what to do about it. */
  fix?: string;
  /** Machine-readable reason of a `fail` (e.g. `CONNECT_TIMEOUT`, `TLS_PLAIN_HTTP`, `4003`). */
  code?: string;
}

/** What doctor returns. `ok` is false when any check failed. */
export interface DoctorReport {
  ok: boolean;
  /** What was checked (no secrets). */
  target: {
    /** The CA checked for the LAN terminal; absent in a cloud-only run (no terminal given). */
    ca?: string;
    terminal?: string;
    /** ECR Cloud: environment, base URL and termid (no credentials). */
    cloud?: string;
    notifyUrl?: string;
  };
  checks: CheckResult[];
  /** Counts per status. */
  summary: Record<CheckStatus, number>;
}

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** The terminal: its fixed IP (recommended) or host name, and port (default 9001). */
  terminal?: { host: string; port?: number };
  /**
   * The CA file (or PEM) the POS trusts for the terminal's certificate. Default: the copy of
   * QFPay's `ca3.crt` shipped with this package (`QFPAY_CA_PATH`).
   */
  ca?: string;
  /** A CA other than QFPay's (simulator, private setups), pinned by its SHA-256 fingerprint. */
  pinnedCaFingerprint256?: string;
  /** The terminal's POS-KEY; used for one harmless 4001 query. Never printed. */
  posKey?: string;
  /** The notification URL registered (or to be registered) with QFPay, e.g. `https://shop.example/qfpay/notify`. */
  notifyUrl?: string;
  /** The notification key (`client_key`): a signed test notification is posted when given. Never printed. */
  notifyKey?: string;
  /**
   * CA (PEM or file) for a notify receiver with a private certificate (tests). QFPay itself only
   * trusts public certificates, so leave this out for a real shop.
   */
  notifyCa?: string;
  /**
   * Testing against a notify server on this machine: the "public address, port 80/443" rules are
   * reported as information instead of failures.
   */
  notifyLocal?: boolean;
  /**
   * ECR Cloud (`doctor --cloud`): checks the environment, credentials, HTTPS to the OpenAPI, the
   * signature and the Device ID binding with one signed query for a made-up reference. Without a
   * `terminal`, the LAN checks (CA, terminal) are left out of the report.
   */
  cloud?: CloudDoctorOptions;
  /** Timeout of each network step (connect, handshake, request); default 5000 ms. */
  timeoutMs?: number;
}

/** Default timeout of each network step. */
export const DOCTOR_DEFAULT_TIMEOUT_MS = 5_000;

/** Haojin's minimum version for ECR over HTTPS (QFPay's HTTPS setup guide). */
export const HAOJIN_MIN_HTTPS_VERSION = '4.34.12';
