/**
 * Security fixes in examples/odoo-addon, run in real Python:
 * - `verify_notification` compares X-QF-SIGN in constant time over bytes, so a header with
 *   non-ASCII characters (sender-controlled) is refused instead of raising TypeError (a 500);
 * - `/qfpay/notify` (a public route) refuses a declared oversize body with 413 before reading it,
 *   and still refuses an oversize body without Content-Length after reading.
 * The controller runs against a minimal stand-in for `odoo.http` (Odoo itself is not installed).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { signNotification } from '@qfpay-ecr/core';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const addonParent = join(here, '../../../examples/odoo-addon');

let cache: string;
beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), 'qfpay-pycache-'));
});
afterAll(async () => {
  await rm(cache, { recursive: true, force: true });
});

/** Runs `code` with `ecr` (tools/ecr.py) and `main` (controllers/main.py over a fake odoo.http) importable. */
async function python(code: string, input: unknown): Promise<any> {
  const prelude = `
import importlib, json, sys, types
ADDON = ${JSON.stringify(join(addonParent, 'qfpay_ecr'))}
odoo = types.ModuleType('odoo'); http = types.ModuleType('odoo.http')
class Controller: pass
http.Controller = Controller
http.route = lambda *a, **k: (lambda f: f)
class Request: pass
http.request = Request()
odoo.http = http
sys.modules['odoo'] = odoo; sys.modules['odoo.http'] = http
pkg = types.ModuleType('qfpay_ecr'); pkg.__path__ = [ADDON]
sys.modules['qfpay_ecr'] = pkg
ecr = importlib.import_module('qfpay_ecr.tools.ecr')
main = importlib.import_module('qfpay_ecr.controllers.main')
INPUT = json.loads(sys.argv[1])

class HttpRequest:
    def __init__(self, body, content_length, sign=None):
        self._body = body; self.content_length = content_length; self.reads = 0
        self.headers = {'X-QF-SIGN': sign} if sign else {}
    def get_data(self, cache=True):
        self.reads += 1
        return self._body

def call(body, content_length, sign=None):
    req = http.request
    req.httprequest = HttpRequest(body, content_length, sign)
    req.make_response = lambda data, status=200, headers=None: {'status': status, 'body': data}
    answer = main.QfpayEcrController().qfpay_notify()
    return {'status': answer['status'], 'reads': req.httprequest.reads}
`;
  const { stdout } = await run('python3', ['-c', prelude + code, JSON.stringify(input ?? null)], { env: { ...process.env, PYTHONPYCACHEPREFIX: cache, PYTHONDONTWRITEBYTECODE: '1' } });
  return JSON.parse(stdout);
}

describe('examples/odoo-addon security', () => {
  it('verify_notification refuses a non-ASCII or wrong X-QF-SIGN without raising, and accepts the right one', async () => {
    const body = '{"notify_type":"payment","syssn":"1"}';
    const sign = signNotification(body, 'notify-key');
    const result = await python(
      `b = INPUT['body'].encode()
out = []
for s in INPUT['signs']:
    try:
        out.append(ecr.verify_notification(b, s, 'notify-key'))
    except Exception as e:
        out.append('raised ' + type(e).__name__)
print(json.dumps(out))`,
      { body, signs: [sign, sign.toLowerCase(), `${sign.slice(0, 31)}é`, 'é'.repeat(32), sign.slice(0, 10), `${sign}0`] },
    );
    expect(result).toEqual([true, true, false, false, false, false]);
  });

  it('/qfpay/notify answers 413 to a declared oversize body without reading it, and to an undeclared one after reading', async () => {
    const result = await python(
      `big = b'x' * (64 * 1024 + 1)
print(json.dumps({
  'declared': call(big, len(big)),
  'undeclared': call(big, None),
  'small_not_json': call(b'not json', 8),
}))`,
      null,
    );
    expect(result.declared).toEqual({ status: 413, reads: 0 });
    expect(result.undeclared).toEqual({ status: 413, reads: 1 });
    // Below the limit the body is read and judged as before.
    expect(result.small_not_json).toEqual({ status: 400, reads: 1 });
  });
});
