#!/usr/bin/env node
/**
 * CI check: no source file in this repository turns TLS certificate verification off.
 *
 *   node scripts/check-tls-safety.mjs [--root <dir>] [--json]
 *
 * Scans every file git knows about under <root> (tracked, plus untracked files that are not
 * ignored; a plain directory walk when <root> is not in a git work tree), skipping node_modules,
 * dist, coverage and .git, for the ways Node, undici, Python, curl, npm, git, PHP and browsers
 * are told to accept any certificate. Prints `file:line:column [rule] message` for each hit and
 * exits 1; exits 0 when clean, 2 on a usage error. Plain Node, no dependencies.
 *
 * The only exceptions are the files in ALLOW_LIST below, each with the rules it may mention and
 * why (documents that name the forbidden strings in order to forbid them). Keep it short and
 * reviewed: an entry silences those rules for the whole file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Files that may mention the forbidden strings, the rules they may trip, and why. */
export const ALLOW_LIST = Object.freeze([
  {
    path: 'docs/SECURITY.md',
    rules: '*',
    reason: 'the security policy names each forbidden setting in order to forbid it (no code runs from it)',
  },
  {
    path: 'scripts/check-tls-safety.mjs',
    rules: '*',
    reason: 'this checker: its patterns, rule texts and help necessarily spell the forbidden settings',
  },
]);

/** Extensions scanned (lower case, with the dot). Files without one are scanned when they start with `#!`. */
const EXTENSIONS = new Set([
  '.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs',
  '.py', '.sh', '.bash', '.php',
  '.json', '.jsonc', '.yml', '.yaml', '.toml', '.ini', '.cfg', '.conf', '.env',
  '.md', '.html', '.xml',
]);
/** Whole file names scanned whatever their extension. */
const NAMES = new Set(['.npmrc', '.yarnrc', '.yarnrc.yml', '.env', 'Dockerfile', 'Makefile', '.curlrc', '.wgetrc', '.gitconfig']);
/** Directory names never entered. */
const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage', '.git']);
/** Generated files that hold no code. */
const SKIP_FILES = new Set(['pnpm-lock.yaml', 'package-lock.json', 'yarn.lock']);
const MAX_BYTES = 2 * 1024 * 1024;

const NOOP_BODY = String.raw`(?:undefined|null|void\s+0|true|false|\{\s*\}|\{\s*return\s*(?:undefined|null|void\s+0)?\s*;?\s*\})`;

// The forbidden names are assembled from pieces so that this file, which only looks for them,
// does not itself contain them and trip scanners that grep a change for them.
const NODE_TLS_ENV = ['NODE', 'TLS', 'REJECT', 'UNAUTHORIZED'].join('_');
const BROWSER_IGNORE_OPTIONS = ['ignore' + 'HTTPSErrors', 'accept' + 'InsecureCerts'];

/**
 * The rules. Each `test(line)` returns the column (0-based) of a violation or -1. Line-based on
 * purpose: simple to review, and every form below fits on one line in practice.
 */
export const RULES = Object.freeze([
  {
    id: 'reject-unauthorized',
    message: 'rejectUnauthorized must be the literal `true` (never false, a variable, or an expression)',
    pattern: /\brejectUnauthorized\b(?!['"]?\s*[:=]\s*true\b)/,
  },
  {
    id: 'node-tls-env',
    message: `${NODE_TLS_ENV} turns verification off process-wide: trust the CA instead (ca / QFPAY_CA)`,
    pattern: new RegExp(NODE_TLS_ENV),
  },
  {
    id: 'noop-identity-check',
    message: 'checkServerIdentity must not be a no-op: use core\'s checkTerminalIdentity or Node\'s default',
    pattern: new RegExp(
      [
        String.raw`checkServerIdentity['"]?\s*[:=]\s*(?:async\s+)?(?:\([^)]*\)|[A-Za-z_$][\w$]*)\s*=>\s*${NOOP_BODY}`,
        String.raw`checkServerIdentity['"]?\s*[:=]\s*(?:async\s+)?function\s*[\w$]*\s*\([^)]*\)\s*${NOOP_BODY}`,
        String.raw`checkServerIdentity\s*\([^)]*\)\s*\{\s*(?:return\s*(?:undefined|null|void\s+0|true)?\s*;?\s*)?\}`,
      ].join('|'),
    ),
  },
  {
    id: 'strict-ssl-off',
    message: 'strict-ssl / strictSSL off makes npm, request and friends accept any certificate',
    pattern: /strict[-_]?ssl['"]?\s*[:=]?\s*['"]?(?:false|0|no|off)\b/i,
  },
  {
    id: 'insecure-option',
    message: '"insecure" / skip-verify options accept any certificate',
    pattern: /\binsecure['"]?\s*[:=]\s*['"]?(?:true|1|yes|on)\b|InsecureSkipVerify\s*:\s*true|insecure[-_]skip[-_]tls[-_]verify\s*[:=]\s*['"]?true/i,
  },
  {
    id: 'insecure-flag',
    message: 'command-line flags that skip certificate checks (--insecure, --no-check-certificate, --ignore-certificate-errors)',
    pattern: /(?:^|[\s'"`[,])--(?:insecure(?:-skip-tls-verify)?|no-check-certificate|ignore-certificate-errors)\b/,
  },
  {
    id: 'curl-k',
    message: 'curl -k skips certificate checks: give curl the CA with --cacert instead',
    test(line) {
      const re = /(?<![\w-])curl(?=\s)/g;
      for (let m = re.exec(line); m; m = re.exec(line)) {
        // Only the curl command itself: up to the next pipe, separator or end of line.
        const rest = line.slice(m.index + 4);
        const end = rest.search(/[|;&]/);
        const args = end < 0 ? rest : rest.slice(0, end);
        const flag = /(?:^|\s)-[A-Za-z]*k[A-Za-z]*(?=\s|$|['"`])/.exec(args);
        if (flag) return m.index + 4 + flag.index;
      }
      return -1;
    },
  },
  {
    id: 'browser-ignore-https-errors',
    message: 'browsers driven by tests must trust the test CA, not ignore certificate errors',
    pattern: new RegExp(BROWSER_IGNORE_OPTIONS.map((name) => String.raw`${name}\s*:\s*true`).join('|')),
  },
  {
    id: 'python-no-verify',
    message: 'Python: verify=False, unverified SSL contexts and CERT_NONE accept any certificate',
    pattern: /\bverify\s*=\s*False\b|_create_unverified_(?:https_)?context|\bCERT_NONE\b|check_hostname\s*=\s*False|PYTHONHTTPSVERIFY\s*=\s*['"]?0|disable_warnings\s*\(|InsecureRequestWarning/,
  },
  {
    id: 'git-ssl-off',
    message: 'git: http.sslVerify false / GIT_SSL_NO_VERIFY accept any certificate',
    pattern: /http\.sslVerify['"]?\s*(?:=|\s)\s*['"]?false|GIT_SSL_NO_VERIFY/i,
  },
  {
    id: 'php-no-verify',
    message: 'PHP: sslverify => false / CURLOPT_SSL_VERIFYPEER|HOST off accept any certificate',
    pattern: /['"]sslverify['"]\s*=>\s*(?:false|0)\b|CURLOPT_SSL_VERIFY(?:PEER|HOST)\s*,\s*(?:false|0)\b/i,
  },
]);

/**
 * `setGlobalDispatcher(...)` whose next lines weaken verification: the weakening then applies to
 * every fetch in the process, so it is reported at the call as well as at the option.
 */
const GLOBAL_DISPATCHER = {
  id: 'global-dispatcher-tls',
  message: 'setGlobalDispatcher with verification weakened changes trust for every fetch in the process: pass a verifying dispatcher per request',
  window: 8,
  start: /\bsetGlobalDispatcher\s*\(/,
  weakening: ['reject-unauthorized', 'node-tls-env', 'noop-identity-check'],
};

export const RULE_IDS = Object.freeze([...RULES.map((r) => r.id), GLOBAL_DISPATCHER.id]);

function column(rule, line) {
  if (rule.test) return rule.test(line);
  const m = rule.pattern.exec(line);
  return m ? m.index : -1;
}

function allowed(path, ruleId) {
  const entry = ALLOW_LIST.find((e) => e.path === path);
  return entry !== undefined && (entry.rules === '*' || entry.rules.includes(ruleId));
}

/** Scans one file's text; returns violations (the allow-list not yet applied). */
export function scanText(path, text) {
  const found = [];
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((line, i) => {
    for (const rule of RULES) {
      const col = column(rule, line);
      if (col >= 0) found.push({ path, line: i + 1, column: col + 1, rule: rule.id, message: rule.message, text: line.trim().slice(0, 160) });
    }
    const start = GLOBAL_DISPATCHER.start.exec(line);
    if (start) {
      const window = lines.slice(i, i + GLOBAL_DISPATCHER.window);
      const weakened = RULES.filter((r) => GLOBAL_DISPATCHER.weakening.includes(r.id)).some((r) => window.some((l) => column(r, l) >= 0));
      if (weakened) {
        found.push({ path, line: i + 1, column: start.index + 1, rule: GLOBAL_DISPATCHER.id, message: GLOBAL_DISPATCHER.message, text: line.trim().slice(0, 160) });
      }
    }
  });
  return found;
}

function gitFiles(root) {
  try {
    const out = execFileSync('git', ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    });
    return [...new Set(out.split('\0').filter((p) => p !== ''))];
  } catch {
    return undefined;
  }
}

function walkFiles(root) {
  const files = [];
  const stack = [''];
  while (stack.length > 0) {
    const dir = stack.pop();
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) stack.push(rel);
      } else if (entry.isFile()) {
        files.push(rel);
      }
    }
  }
  return files;
}

function isScanned(root, rel) {
  const parts = rel.split('/');
  if (parts.some((p) => SKIP_DIRS.has(p))) return false;
  const name = parts[parts.length - 1];
  if (SKIP_FILES.has(name)) return false;
  const abs = join(root, ...parts);
  let stat;
  try {
    stat = statSync(abs);
  } catch {
    return false; // tracked but deleted in the work tree
  }
  if (!stat.isFile() || stat.size > MAX_BYTES) return false;
  if (NAMES.has(name) || EXTENSIONS.has(extname(name).toLowerCase())) return true;
  if (extname(name) !== '' && !name.startsWith('.')) return false;
  // No extension: a script if it starts with a shebang (e.g. .ci/run).
  const head = readFileSync(abs).subarray(0, 2).toString('latin1');
  return head === '#!';
}

/** Lists the files scanned under `root` (paths relative to it, `/`-separated). */
export function listFiles(root) {
  const listed = gitFiles(root) ?? walkFiles(root);
  return listed.map((p) => p.split(sep).join('/')).filter((rel) => isScanned(root, rel)).sort();
}

/** Scans `root`; returns the violations left after the allow-list and the number of files read. */
export function check(root) {
  const files = listFiles(root);
  const violations = [];
  for (const rel of files) {
    const text = readFileSync(join(root, ...rel.split('/')), 'utf8');
    for (const v of scanText(rel, text)) if (!allowed(rel, v.rule)) violations.push(v);
  }
  const stale = ALLOW_LIST.filter((e) => !existsSync(join(root, ...e.path.split('/')))).map((e) => e.path);
  return { files: files.length, violations, stale };
}

function usage() {
  return 'usage: node scripts/check-tls-safety.mjs [--root <dir>] [--json]';
}

function main(argv) {
  let root = fileURLToPath(new URL('..', import.meta.url));
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--root' && argv[i + 1] !== undefined) root = resolve(argv[++i]);
    else if (arg.startsWith('--root=')) root = resolve(arg.slice('--root='.length));
    else if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${usage()}\n`);
      return 0;
    } else {
      process.stderr.write(`check-tls-safety: unknown argument ${JSON.stringify(arg)}\n${usage()}\n`);
      return 2;
    }
  }
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    process.stderr.write(`check-tls-safety: --root ${JSON.stringify(root)} is not a directory\n`);
    return 2;
  }
  const result = check(root);
  if (json) {
    process.stdout.write(`${JSON.stringify({ root, ...result }, null, 2)}\n`);
  } else {
    for (const v of result.violations) {
      process.stdout.write(`${v.path}:${v.line}:${v.column} [${v.rule}] ${v.message}\n    ${v.text}\n`);
    }
    for (const p of result.stale) process.stderr.write(`check-tls-safety: note: allow-list entry ${p} names a file that does not exist\n`);
    const where = relative(process.cwd(), root) || '.';
    process.stdout.write(
      result.violations.length === 0
        ? `check-tls-safety: ${result.files} files under ${where}: nothing disables certificate verification\n`
        : `check-tls-safety: ${result.violations.length} violation(s) in ${result.files} files under ${where}; trust the CA instead of disabling verification (docs/SECURITY.md)\n`,
    );
  }
  return result.violations.length === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
