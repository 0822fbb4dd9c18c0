/**
 * examples/odoo-addon: every Python file compiles (`python3 -m py_compile`), the manifest and
 * views parse, the JS loads the bundle by the module name Odoo gives it, and the addon's
 * signing code (tools/ecr.py, used by `qfpay_sign_request`) reproduces core's test vectors byte
 * for byte and is accepted by the simulator.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { decodeResponseBody, encodeRequestBody, signNotification } from '@qfpay-ecr/core';
import { startSimulator } from '@qfpay-ecr/simulator';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const addon = join(here, '../../../examples/odoo-addon/qfpay_ecr');
const vectors = JSON.parse(await readFile(join(here, '../../core/test/fixtures/ecr-vectors.json'), 'utf8')) as { vectors: Array<{ posKey: string; content: Record<string, unknown>; formatted: string; digest: string; body: string }> };

let cache: string;
beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), 'qfpay-pycache-'));
});
afterAll(async () => {
  await rm(cache, { recursive: true, force: true });
});

async function files(dir: string, ext: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(p, ext)));
    else if (entry.name.endsWith(ext)) out.push(p);
  }
  return out.sort();
}

/** Runs Python with tools/ecr.py importable as `ecr`; `code` prints JSON. */
async function python(code: string, input?: unknown): Promise<any> {
  const prelude = `import importlib.util, json, sys\nspec = importlib.util.spec_from_file_location('ecr', ${JSON.stringify(join(addon, 'tools/ecr.py'))})\necr = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(ecr)\nINPUT = json.loads(sys.argv[1])\n`;
  const { stdout } = await run('python3', ['-c', prelude + code, JSON.stringify(input ?? null)], { env: { ...process.env, PYTHONPYCACHEPREFIX: cache, PYTHONDONTWRITEBYTECODE: '1' } });
  return JSON.parse(stdout);
}

describe('examples/odoo-addon', () => {
  it('every Python file compiles with python3 -m py_compile', async () => {
    const py = await files(addon, '.py');
    expect(py.map((p) => relative(addon, p))).toEqual(
      expect.arrayContaining(['__init__.py', '__manifest__.py', 'controllers/main.py', 'models/pos_payment_method.py', 'models/pos_session.py', 'models/qfpay_notification.py', 'tools/ecr.py']),
    );
    // One interpreter for all files; a syntax error in any of them makes the exit status non-zero.
    await expect(run('python3', ['-m', 'py_compile', ...py], { env: { ...process.env, PYTHONPYCACHEPREFIX: cache } })).resolves.toBeDefined();
    await expect(run('python3', ['-m', 'py_compile', join(cache, 'missing.py')])).rejects.toThrow();
  });

  it('the manifest is a literal that depends on point_of_sale and ships the bundle and the loader', async () => {
    const manifest = JSON.parse(
      (await run('python3', ['-c', `import ast, json, sys; print(json.dumps(ast.literal_eval(open(sys.argv[1]).read())))`, join(addon, '__manifest__.py')])).stdout,
    ) as { depends: string[]; data: string[]; assets: Record<string, string[]> };
    expect(manifest.depends).toEqual(['point_of_sale']);
    expect(manifest.assets['point_of_sale._assets_pos']).toEqual(['qfpay_ecr/static/src/lib/odoo-pos.js', 'qfpay_ecr/static/src/app/**/*']);
    for (const f of manifest.data) await expect(readFile(join(addon, f), 'utf8')).resolves.toBeTruthy();
    await run('python3', ['-c', 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])', join(addon, 'views/pos_payment_method_views.xml')]);
  });

  it('the loaders import installQfpay from the bundle under the module name Odoo derives from its path', async () => {
    for (const [file, base, registry] of [
      ['static/src/app/qfpay_ecr.js', '@point_of_sale/app/utils/payment/payment_interface', 'registry'],
      ['static/src/app17/qfpay_ecr.js', '@point_of_sale/app/payment/payment_interface', 'register_payment_method'],
    ] as const) {
      const js = await readFile(join(addon, file), 'utf8');
      expect(js).toContain('import { installQfpay } from "@qfpay_ecr/lib/odoo-pos";');
      expect(js).toContain(`import { PaymentInterface } from "${base}";`);
      expect(js).toMatch(new RegExp(`installQfpay\\(PaymentInterface, ${registry},`));
    }
  });

  it("tools/ecr.py signs exactly like core (every vector, byte for byte)", async () => {
    const out = (await python(
      `print(json.dumps([{'formatted': ecr.format_content(v['content']), 'digest': ecr.digest(ecr.format_content(v['content']), v['posKey']), 'body': json.dumps(ecr.encrypt_request(ecr.validate_content(v['content']), v['posKey']))} for v in INPUT]))`,
      vectors.vectors,
    )) as Array<{ formatted: string; digest: string; body: string }>;
    expect(out).toHaveLength(vectors.vectors.length);
    vectors.vectors.forEach((v, i) => {
      expect(out[i]).toEqual({ formatted: v.formatted, digest: v.digest, body: v.body });
      expect(out[i]?.body).toBe(encodeRequestBody(v.content as never, v.posKey));
    });
  });

  it('tools/ecr.py refuses what is not a valid ECR request (no signing oracle) and verifies X-QF-SIGN like core', async () => {
    const bad = [
      { func_type: '1001', amt: 1, channel: 'wx' },
      { func_type: true },
      { func_type: 1001, amt: 12.345, channel: 'wx' },
      { func_type: 1001, amt: 1, channel: 'wx', out_trade_no: "x',func_type=1002" },
      { func_type: 1001, amt: 1, channel: 'bitcoin' },
      { func_type: 1001, amt: 1, channel: 'wx', extra: 1 },
      { func_type: 4001 },
      { func_type: 1001, amt: 5000.01, channel: 'wx' },
    ];
    const refused = (await python(
      `out = []\nfor c in INPUT:\n    try:\n        ecr.validate_content(c, max_amount_minor=500000)\n        out.append(None)\n    except ecr.EcrContentError as e:\n        out.append(str(e))\nprint(json.dumps(out))`,
      bad,
    )) as Array<string | null>;
    expect(refused.every((r) => typeof r === 'string' && r.length > 0)).toBe(true);
    const body = '{"notify_type":"payment","syssn":"1"}';
    const sign = signNotification(body, 'notify-key');
    const checks = await python(`b = INPUT['body'].encode(); print(json.dumps([ecr.verify_notification(b, INPUT['sign'], 'notify-key'), ecr.verify_notification(b, INPUT['sign'].lower(), 'notify-key'), ecr.verify_notification(b, INPUT['sign'], 'other'), ecr.verify_notification(b, None, 'notify-key'), ecr.split_out_trade_no('11111111-2222-3333-4444-555555555555--7--3'), ecr.split_out_trade_no('ORDER-1')]))`, { body, sign });
    expect(checks).toEqual([true, true, false, false, ['11111111-2222-3333-4444-555555555555', 7, 3], null]);
  });

  it('a request signed by the addon is accepted by the (simulated) terminal', async () => {
    const posKey = 'AddonP0sKey-S3cret-0123456789abc';
    const sim = await startSimulator({ posKey, customer: { action: 'approve', afterMs: 10 } });
    try {
      const { ciphertext } = (await python(`print(json.dumps({'ciphertext': ecr.encrypt_request(ecr.validate_content(INPUT['content']), INPUT['key'])}))`, {
        content: { func_type: 1001, amt: 12.5, channel: 'card_payment', out_trade_no: '0c8b2c1e-8a4f-4a5e-9d55-1d1f1a1b1c1d--7--3' },
        key: posKey,
      })) as { ciphertext: string };
      const text = await new Promise<string>((resolve, reject) => {
        const req = request(`${sim.url}/api/pos/trade`, { method: 'POST', ca: sim.caPem as string, headers: { 'Content-Type': 'application/json' } }, (res) => {
          let t = '';
          res.on('data', (c: Buffer) => (t += c.toString('utf8')));
          res.on('end', () => resolve(t));
        });
        req.on('error', reject);
        req.end(JSON.stringify(ciphertext));
      });
      expect(decodeResponseBody(text)).toMatchObject({ respcd: '6000', data: { respcd: '0000', txamt: 12.5 } });
    } finally {
      await sim.close();
    }
  });
});
