/**
 * dist/odoo-pos.js, produced by scripts/bundle.mjs, is ONE browser ES module with no imports at
 * all: no bare specifiers, no Node built-ins (checked by a real parser and by a scan), and it
 * exports the factory Odoo calls.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundlePath = join(pkgDir, 'dist/odoo-pos.js');

let summary: { bytes: number; imports: string[]; coreModules: number };
let code: string;

beforeAll(async () => {
  const { stdout } = await run(process.execPath, [join(pkgDir, 'scripts/bundle.mjs')], { cwd: pkgDir });
  summary = JSON.parse(stdout.trim().split('\n').at(-1) as string) as typeof summary;
  code = await readFile(bundlePath, 'utf8');
}, 60_000);

/** Lines that are not comments (the scan must not be fooled by a comment mentioning import()). */
function codeLines(text: string): string[] {
  return text.split('\n').filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l));
}

describe('dist/odoo-pos.js', () => {
  it('was built with no import left over, and core came from source (tree-shaken)', () => {
    expect(summary.imports).toEqual([]);
    expect(summary.coreModules).toBeGreaterThan(5);
    expect(summary.bytes).toBeGreaterThan(10_000);
    expect(summary.bytes).toBeLessThan(2_000_000);
  });

  it('has no import statement, no bare or node: specifier, no require, no dynamic import', () => {
    const lines = codeLines(code);
    expect(lines.filter((l) => /^\s*import[\s{*"']/.test(l))).toEqual([]);
    expect(lines.filter((l) => /\bfrom\s*["'](?![./])/.test(l))).toEqual([]);
    expect(lines.filter((l) => /\bimport\s*\(/.test(l))).toEqual([]);
    expect(lines.filter((l) => /\brequire\s*\(/.test(l))).toEqual([]);
    expect(code).not.toMatch(/["']node:/);
    expect(code).not.toMatch(/\bundici\b|\bp-retry\b|eventemitter3/);
    // Node-only parts of core are gone.
    expect(code).not.toMatch(/class QFPayTerminal\b|createCipheriv|createHash\(/);
  });

  it('a real parser finds no import of any kind (static, dynamic, require)', async () => {
    const script = `
      import * as esbuild from 'esbuild';
      const r = await esbuild.build({ entryPoints: [${JSON.stringify(bundlePath)}], bundle: true, write: false, metafile: true, format: 'esm', platform: 'neutral', logLevel: 'silent' });
      const input = Object.entries(r.metafile.inputs).find(([k]) => k.endsWith('odoo-pos.js'));
      console.log(JSON.stringify({ inputs: Object.keys(r.metafile.inputs).length, imports: input[1].imports }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: pkgDir });
    expect(JSON.parse(stdout)).toEqual({ inputs: 1, imports: [] });
  });

  it('exports the factory, and it registers the qfpay method on each generation', async () => {
    const script = `
      const m = await import(${JSON.stringify(`file://${bundlePath}`)});
      const out = { exports: Object.keys(m).sort(), generations: [] };
      class B17 { constructor(pos, pm) { this.pos = pos; this.payment_method = pm; } send_payment_request() {} }
      class B18 { constructor(pos, pm) { this.setup(pos, pm); } setup(pos, pm) { this.pos = pos; this.payment_method_id = pm; } sendPaymentRequest() {} }
      class B19 extends B18 { callPaymentMethod() {} connectWebSocket() {} }
      const reg = () => { const added = {}; return { added, category: (name) => ({ add: (k, c, o) => { added[name + '/' + k] = { c, force: o && o.force }; } }) }; };
      const r17 = {}; out.generations.push(m.installQfpay(B17, (k, c) => { r17[k] = c; }, { resumeOnLoad: false }).generation, Object.keys(r17));
      for (const B of [B18, B19]) { const r = reg(); out.generations.push(m.installQfpay(B, r, { resumeOnLoad: false }).generation, Object.keys(r.added), r.added['electronic_payment_interfaces/qfpay'].force); }
      console.log(JSON.stringify(out));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: pkgDir });
    const out = JSON.parse(stdout) as { exports: string[]; generations: unknown[] };
    expect(out.exports).toEqual(expect.arrayContaining(['installQfpay', 'createQfpayInterface', 'RemoteTerminal', 'DirectTerminal', 'QfpayPaymentFlow', 'bridgeSigner', 'odooRpcSigner']));
    expect(out.generations).toEqual([17, ['qfpay'], 18, ['electronic_payment_interfaces/qfpay'], true, 19, ['electronic_payment_interfaces/qfpay'], true]);
  });
});
