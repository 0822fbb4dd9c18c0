/**
 * Constant-time comparison of secrets, kept true by a source scan: no product source compares a
 * signature, digest, token, secret or key with `===`, `!==`, `==`, `!=` or a lookup such as
 * `includes`/`has`/`indexOf` (each of which stops at the first differing character). The known
 * verification points are checked to use a constant-time primitive (`timingSafeEqual`,
 * Python's `hmac.compare_digest`, PHP's `hash_equals`). Tests are not scanned: they may compare.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const ROOTS = ['packages', 'examples', 'scripts'];
const SOURCE = /\.(ts|mts|js|mjs|cjs|py|php)$/;
const SKIP_DIR = new Set(['node_modules', 'dist', 'test', 'tests', 'bench', 'coverage', '.git', 'data', '__pycache__']);

/** Names that hold secrets or values derived from them (compared whole, case-insensitive). */
const SECRET = /^(?:digest|expectedDigest|givenDigest|sign|signature|sig|xQfSign|signHeader|token|bearer|secret|consumerSecret|clientSecret|posKey|pos_key|clientKey|client_key|notifyKey|notificationKey|notification_key|apiKey|password|passwd|hmac|mac)$/i;
/** Operands that are literals: comparing a secret with a constant (empty, undefined) is a presence check. */
const LITERAL = /^(?:['"`].*|\d+|undefined|null|None|true|false|True|False|void)$/;

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIR.has(entry.name)) sourceFiles(p, out);
    } else if (SOURCE.test(entry.name) && statSync(p).size < 1_000_000) {
      out.push(p);
    }
  }
  return out;
}

/** An operand without the brackets and sigils around it: `(!$token)` → `token`. */
function bare(operand: string): string {
  return operand.replace(/^[$(!]+/, '').replace(/[);,]+$/, '');
}

/** The name an operand stands for: `this.#token` → `token`, `check(a.token)` → `check` (a call's result). */
function lastName(operand: string): string {
  let name = bare(operand).replace(/\[[^\]]*\]$/, '');
  if (name.includes('(')) name = name.slice(0, name.lastIndexOf('(', name.endsWith('()') ? name.length - 3 : undefined));
  const parts = name.replace(/\(\)$/, '').split(/[.#]/).filter(Boolean);
  return parts[parts.length - 1] ?? '';
}

interface Finding {
  file: string;
  line: number;
  text: string;
}

function scan(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  const rel = relative(REPO, file);
  text.split('\n').forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, '').replace(/(^|\s)#.*$/, '$1');
    if (/^\s*(\*|\/\*)/.test(code)) return; // doc comments
    const op = /(?<![=!<>])(===|!==|==|!=)(?!=)/g;
    for (let m = op.exec(code); m; m = op.exec(code)) {
      const left = /([\w$#.[\]'"`()]+)\s*$/.exec(code.slice(0, m.index))?.[1] ?? '';
      const right = /^\s*([\w$#.[\]'"`()]+)/.exec(code.slice(m.index + m[0].length))?.[1] ?? '';
      if (/typeof\s*$/.test(code.slice(0, m.index - left.length)) || LITERAL.test(bare(left)) || LITERAL.test(bare(right))) continue;
      if (/\.length$|\.size$|\.code$|\.kind$|\.status$/.test(left) || /\.length$|\.size$/.test(right)) continue;
      if (SECRET.test(lastName(left)) || SECRET.test(lastName(right))) findings.push({ file: rel, line: i + 1, text: line.trim() });
    }
    const lookup = /\.(includes|indexOf|has|startsWith|endsWith)\(\s*([\w$#.]+)\s*\)/g;
    for (let m = lookup.exec(code); m; m = lookup.exec(code)) {
      if (SECRET.test(lastName(m[2] as string))) findings.push({ file: rel, line: i + 1, text: line.trim() });
    }
  });
  return findings;
}

describe('constant-time comparison of secrets', () => {
  const files = ROOTS.flatMap((r) => sourceFiles(join(REPO, r)));

  it('scans the product sources (not an empty list)', () => {
    const rel = files.map((f) => relative(REPO, f));
    expect(rel).toContain(join('packages', 'core', 'src', 'notify', 'signature.ts'));
    expect(rel).toContain(join('examples', 'odoo-addon', 'qfpay_ecr', 'tools', 'ecr.py'));
    expect(rel).toContain(join('examples', 'woocommerce', 'wcpos-qfpay-gateway.php'));
    expect(files.length).toBeGreaterThan(150);
  });

  it('no source compares a secret with ===, ==, !==, != or a lookup', () => {
    const findings = files.flatMap((f) => scan(f, readFileSync(f, 'utf8')));
    expect(findings).toEqual([]);
  });

  it('the scan catches the forms it forbids', () => {
    const bad = [
      'if (digestFormatted(formatted, posKey) !== digest) {',
      'if (key.consumerSecret !== cs) {',
      'return sign === expected;',
      'if given_token == self.token:',
      'if (tokens.includes(token)) ok = true;',
      'if ( $secret === $given ) {',
      'const ok = header === this.#token;',
    ];
    for (const line of bad) expect([line, scan('x.ts', line).length]).toEqual([line, 1]);
    const fine = ['if (token === undefined) return;', "if (signType === 'SHA256') x();", 'if (sign.length !== 32) return false;', 'if (typeof token === "string") y();', 'if not notification_key or not sign_header:'];
    for (const line of fine) expect(scan('x.ts', line)).toEqual([]);
  });

  it('each verification point uses a constant-time primitive', () => {
    const uses: Array<[string, RegExp]> = [
      ['packages/core/src/notify/signature.ts', /timingSafeEqual\(/],
      ['packages/core/src/protocol/digest.ts', /timingSafeEqual\(/],
      ['packages/core/src/protocol/codec.ts', /digestMatches\(/],
      ['packages/notify-server/src/auth.ts', /timingSafeEqual\(/],
      ['packages/woo-adapter/src/testing/woo-fake.ts', /timingSafeEqual\(/],
      ['examples/odoo-addon/qfpay_ecr/tools/ecr.py', /hmac\.compare_digest\(/],
      ['examples/woocommerce/wcpos-qfpay-gateway.php', /hash_equals\(/],
    ];
    for (const [file, pattern] of uses) expect(readFileSync(join(REPO, file), 'utf8')).toMatch(pattern);
  });
});
