/** Text rendering of a {@link DoctorReport}: a ✓/✗ checklist with the fix under each ✗. */
import type { CheckStatus, DoctorReport } from './types.js';

const MARK: Record<CheckStatus, string> = { pass: '✓', fail: '✗', info: 'ℹ', skip: '–' };

/** One line per check, the fix indented under each failure, and a one-line verdict. */
export function renderDoctorReport(report: DoctorReport): string {
  const lines: string[] = ['qfpay-ecr doctor'];
  if (report.target.ca) lines.push(`  CA        ${report.target.ca}`);
  if (report.target.terminal) lines.push(`  terminal  ${report.target.terminal}`);
  if (report.target.cloud) lines.push(`  cloud     ${report.target.cloud}`);
  if (report.target.notifyUrl) lines.push(`  notify    ${report.target.notifyUrl}`);
  lines.push('');
  const width = Math.max(...report.checks.map((c) => c.title.length));
  for (const check of report.checks) {
    lines.push(`${MARK[check.status]} ${check.title.padEnd(width)}  ${check.detail}`);
    if (check.status === 'fail' && check.fix) lines.push(`    fix: ${check.fix}`);
  }
  lines.push('');
  const { fail, pass } = report.summary;
  lines.push(
    fail === 0
      ? `All ${pass} checks passed.`
      : `${fail} check${fail === 1 ? '' : 's'} failed (${pass} passed). Fix the first ✗ and run doctor again.`,
  );
  return lines.join('\n');
}
