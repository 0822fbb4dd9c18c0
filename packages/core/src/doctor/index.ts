/**
 * `doctor`: QFPay's HTTPS setup checklist and troubleshooting, automated (LAN terminal, ECR Cloud
 * with `cloud`, notification URL). `runDoctor(options)`
 * returns a report of ✓/✗ checks with a fix for each ✗; `renderDoctorReport` prints it.
 */
export { runDoctor, DoctorOptionsSchema } from './runner.js';
export { renderDoctorReport } from './render.js';
export { CHECK_IDS, DOCTOR_DEFAULT_TIMEOUT_MS, HAOJIN_MIN_HTTPS_VERSION, type CheckId, type CheckResult, type CheckStatus, type DoctorOptions, type DoctorReport } from './types.js';
export type { CloudDoctorOptions } from './cloud-checks.js';
export { DOCTOR_NOTIFY_TYPE, DOCTOR_SYSSN_PREFIX, doctorNotificationBody } from './notify-checks.js';
