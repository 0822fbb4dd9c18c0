import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { qfSign } from './cloud-helpers.js';
import { PKG, runCli, waitFor, type Running } from './cli-process.js';

const CLIENT_KEY = 'cli-cloud-client-key-SECRET-42';

function run(args: string[], env: Record<string, string | undefined>): Running {
  // The parent's keys never leak into a child that should run without them.
  return runCli(args, { QFPAY_POS_KEY: undefined, QFPAY_CLIENT_KEY: undefined, QFPAY_APP_CODE: undefined, ...env });
}

function postForm(url: string, params: Record<string, string>, headers: Record<string, string>, ca: string): Promise<string> {
  const body = new URLSearchParams(params).toString();
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', ca, agent: false, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('qfpay-ecr-sim CLI in ECR Cloud mode (real child process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qfpay-sim-cloud-cli-'));
  beforeAll(() => {
    if (!existsSync(join(PKG, 'dist', 'cloud', 'server.js'))) throw new Error('dist lacks cloud/: run `pnpm run build` first');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the signed OpenAPI with the client key from the environment, never printing it', async () => {
    const caOut = join(dir, 'ca.pem');
    const r = run(['--port', '0', '--ca-out', caOut, '--customer', 'approve', '--customer-delay', '0', '--cloud-app-code', 'CLI-APP', '--cloud-termid', 'CLI-TERM-0001'], {
      QFPAY_POS_KEY: '0123456789abcdef0123456789abcdef',
      QFPAY_CLIENT_KEY: CLIENT_KEY,
    });
    try {
      await waitFor(r, /^Ready/m);
      const cloudUrl = (await waitFor(r, /^Cloud URL: (https:\/\/127\.0\.0\.1:\d+)$/m))[1] as string;
      expect(r.output()).toMatch(/^Cloud app code: CLI-APP, termid: CLI-TERM-0001$/m);
      const ca = readFileSync(caOut, 'utf8');
      const params = { txamt: '990', termid: 'CLI-TERM-0001', channel: 'alipay', out_trade_no: 'CLI-CLOUD-1', scan_type: 'QRCODE_PAY' };
      const reply = await postForm(`${cloudUrl}/ecr/v1/payment/async`, params, { 'X-QF-APPCODE': 'CLI-APP', 'X-QF-SIGN': qfSign(params, CLIENT_KEY) }, ca);
      expect(JSON.parse(reply)).toEqual({ resperr: 'Order push success', respcd: '0000', respmsg: '' });
      const forged = await postForm(`${cloudUrl}/ecr/v1/payment/async`, params, { 'X-QF-APPCODE': 'CLI-APP', 'X-QF-SIGN': qfSign(params, 'guess') }, ca);
      expect(JSON.parse(forged)).toMatchObject({ respcd: '1108' });
      await waitFor(r, /^request: cloud POST \/ecr\/v1\/payment\/async → 1108/m);
      expect(r.output()).not.toContain(CLIENT_KEY);
    } finally {
      r.child.kill('SIGTERM');
    }
    expect(await r.exited).toBe(0);
    expect(r.output()).not.toContain(CLIENT_KEY);
  });

  it('refuses cloud mode without QFPAY_CLIENT_KEY (exit 2)', async () => {
    const r = run(['--port', '0', '--ca-out', join(dir, 'ca2.pem'), '--cloud-app-code', 'CLI-APP'], { QFPAY_POS_KEY: '0123456789abcdef0123456789abcdef' });
    expect(await r.exited).toBe(2);
    expect(r.output()).toMatch(/QFPAY_CLIENT_KEY/);
  });
});
