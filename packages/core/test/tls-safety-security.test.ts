/**
 * `scripts/check-tls-safety.mjs` (the CI check that nothing disables certificate verification),
 * run as a real process: this repository passes it, and it catches each forbidden form in a
 * fixture tree, with file:line, in git mode (tracked + untracked-not-ignored) and in a plain
 * directory. The offending strings are assembled at run time so this file never contains one.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = join(REPO, 'scripts', 'check-tls-safety.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Violation {
  path: string;
  line: number;
  column: number;
  rule: string;
}

interface JsonReport {
  files: number;
  violations: Violation[];
  stale: string[];
}

function runCheck(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [SCRIPT, ...args], { cwd: REPO, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      if (error && code === null) reject(error);
      else resolve({ code, stdout, stderr });
    });
  });
}

async function report(root: string): Promise<JsonReport & { code: number | null }> {
  const run = await runCheck(['--root', root, '--json']);
  return { code: run.code, ...(JSON.parse(run.stdout) as JsonReport) };
}

// The forbidden spellings, built from pieces.
const RU = ['reject', 'Unauthorized'].join('');
const ENV = ['NODE_TLS', 'REJECT', 'UNAUTHORIZED'].join('_');
const IDENTITY = ['check', 'Server', 'Identity'].join('');
const CURL_K = ['curl', '-k'].join(' ');
const INSECURE = ['--', 'insecure'].join('');
const VERIFY_FALSE = ['verify', 'False'].join('=');
const STRICT = ['strict', 'ssl'].join('-');
const GLOBAL = ['setGlobal', 'Dispatcher'].join('');

/** Files that must each be reported at `line` under `rule`. */
const OFFENDERS: Array<{ path: string; text: string; line: number; rule: string }> = [
  { path: 'src/agent.ts', text: `import { Agent } from 'undici';\n\nexport const agent = new Agent({ connect: { ${RU}: false } });\n`, line: 3, rule: 'reject-unauthorized' },
  { path: 'src/env-driven.ts', text: `export const o = {\n  ${RU}: process.env.STRICT !== '0',\n};\n`, line: 2, rule: 'reject-unauthorized' },
  { path: 'scripts/run.sh', text: `#!/bin/sh\n${ENV}=0 node app.js\n`, line: 2, rule: 'node-tls-env' },
  { path: 'src/identity.mjs', text: `export const options = {\n  host: '192.168.1.50',\n  ${IDENTITY}: () => undefined,\n};\n`, line: 3, rule: 'noop-identity-check' },
  { path: 'tools/fetch.py', text: `import requests\n\nrequests.post(url, json=body, ${VERIFY_FALSE})\n`, line: 3, rule: 'python-no-verify' },
  { path: 'docs/setup.md', text: `# Setup\n\nTest the terminal:\n\n    ${CURL_K} https://192.168.1.50:9001/api/pos/query_transaction\n`, line: 5, rule: 'curl-k' },
  { path: 'bin/probe', text: `#!/usr/bin/env bash\nset -e\ncurl ${INSECURE} https://192.168.1.50:9001/\n`, line: 3, rule: 'insecure-flag' },
  { path: '.npmrc', text: `registry=https://registry.npmjs.org/\n${STRICT}=false\n`, line: 2, rule: 'strict-ssl-off' },
  { path: 'config/tls.json', text: `{\n  "connect": {\n    "${RU}": false\n  }\n}\n`, line: 3, rule: 'reject-unauthorized' },
  {
    path: 'src/global.ts',
    text: `import { Agent, ${GLOBAL} } from 'undici';\n${GLOBAL}(new Agent({\n  connect: { ${RU}: false },\n}));\n`,
    line: 2,
    rule: 'global-dispatcher-tls',
  },
];

/** Correct uses that must not be reported. */
const CLEAN: Array<{ path: string; text: string }> = [
  { path: 'src/good.ts', text: `export const c = { ca, ${RU}: true, ${IDENTITY}: checkTerminalIdentity };\nconst standard = ${IDENTITY}(host, cert);\n` },
  { path: 'src/woo.ts', text: `export const w = { allowInsecureHttp: true };\n` },
  { path: 'docs/curl.md', text: `curl --cacert ca3.crt -s -H 'Accept: application/json' https://192.168.1.50:9001/ | sort -k 2\n` },
];

function writeTree(root: string, files: ReadonlyArray<{ path: string; text: string }>): void {
  for (const f of files) {
    const abs = join(root, ...f.path.split('/'));
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, f.text);
  }
}

const BAD_LINE = `export const a = { ${RU}: false };\n`;

let fixtures: string[] = [];
function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tls-safety-'));
  fixtures.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of fixtures) rmSync(dir, { recursive: true, force: true });
  fixtures = [];
});

function hasGit(): boolean {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('check-tls-safety', () => {
  it('passes on this repository (every tracked and untracked-not-ignored source file)', async () => {
    const run = await runCheck([]);
    expect(run.stdout).toMatch(/nothing disables certificate verification/);
    expect(run.code).toBe(0);
    const json = await report(REPO);
    expect(json.violations).toEqual([]);
    // It really read the tree, not an empty list.
    expect(json.files).toBeGreaterThan(200);
  });

  it('reports every forbidden form with file:line and exits 1 (plain directory)', async () => {
    const root = fixture();
    writeTree(root, [...OFFENDERS, ...CLEAN]);
    const json = await report(root);
    expect(json.code).toBe(1);
    for (const o of OFFENDERS) {
      expect(json.violations).toContainEqual(expect.objectContaining({ path: o.path, line: o.line, rule: o.rule }));
    }
    const reported = new Set(json.violations.map((v) => v.path));
    for (const c of CLEAN) expect(reported.has(c.path)).toBe(false);

    const text = await runCheck(['--root', root]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('src/agent.ts:3:');
    expect(text.stdout).toContain('docs/setup.md:5:');
    expect(text.stdout).toMatch(/violation\(s\)/);
  });

  it('skips node_modules, dist and coverage, and honours only the reviewed allow-list', async () => {
    const root = fixture();
    writeTree(root, [
      { path: 'node_modules/pkg/index.js', text: BAD_LINE },
      { path: 'packages/x/dist/index.js', text: BAD_LINE },
      { path: 'coverage/report.js', text: BAD_LINE },
      // The security policy may name the forbidden strings; another document may not.
      { path: 'docs/SECURITY.md', text: `Never write \`${RU}: false\` or \`${CURL_K}\`.\n` },
      { path: 'docs/OTHER.md', text: `Quick fix: \`${RU}: false\`.\n` },
    ]);
    const json = await report(root);
    expect(json.code).toBe(1);
    expect(json.violations.map((v) => `${v.path}:${v.line}`)).toEqual(['docs/OTHER.md:1']);
  });

  it('in a git work tree: scans untracked files that are not ignored, skips ignored ones', async () => {
    if (!hasGit()) throw new Error('git is required for this test (CI clones the repository with it)');
    const root = fixture();
    execFileSync('git', ['init', '-q', root], { stdio: 'ignore' });
    writeTree(root, [
      { path: '.gitignore', text: 'ignored.js\nbuild-output/\n' },
      { path: 'ignored.js', text: BAD_LINE },
      { path: 'build-output/x.js', text: BAD_LINE },
      { path: 'src/new-file.ts', text: `// added but not yet committed\n${BAD_LINE}` },
      { path: 'src/fine.ts', text: `export const ok = { ${RU}: true };\n` },
    ]);
    const json = await report(root);
    expect(json.code).toBe(1);
    expect(json.violations.map((v) => `${v.path}:${v.line}:${v.rule}`)).toEqual(['src/new-file.ts:2:reject-unauthorized']);
  });

  it('exits 0 on a clean tree and 2 on bad arguments', async () => {
    const root = fixture();
    writeTree(root, CLEAN);
    expect((await runCheck(['--root', root])).code).toBe(0);
    expect((await runCheck(['--root', join(root, 'missing')])).code).toBe(2);
    expect((await runCheck(['--frobnicate'])).code).toBe(2);
  });
});
