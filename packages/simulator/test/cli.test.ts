import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeResponseBody, encodeRequestBody } from '@qfpay-ecr/core';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { PKG, runCli, waitFor, type Running } from './cli-process.js';

const KEY = 'cli-test-key-0123456789abcdefXYZ'; // 32 bytes

function run(args: string[], env: Record<string, string | undefined> = {}): Running {
  // The parent's keys never leak into a child that should run without them.
  return runCli(args, { QFPAY_POS_KEY: undefined, QFPAY_NOTIFY_KEY: undefined, ...env });
}

function post(url: string, body: string, ca?: string): Promise<string> {
  return new Promise((resolvePost, reject) => {
    const u = new URL(url);
    const opts = { method: 'POST', headers: { 'Content-Type': 'application/json' }, agent: false as const };
    const onRes = (res: import('node:http').IncomingMessage) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolvePost(text));
    };
    const req = u.protocol === 'https:' ? httpsRequest(u, { ...opts, ...(ca ? { ca } : {}) }, onRes) : httpRequest(u, opts, onRes);
    req.on('error', reject);
    req.end(body);
  });
}

describe('qfpay-ecr-sim CLI (real child process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qfpay-sim-cli-'));
  beforeAll(() => {
    // The CLI runs from dist, so the package must have been built (`pnpm run build`).
    const missing = readdirSync(join(PKG, 'src'))
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => !existsSync(join(PKG, 'dist', f.replace(/\.ts$/, '.js'))));
    if (missing.length) throw new Error(`dist lacks ${missing.join(', ')}: run \`pnpm run build\` first`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts, writes its CA, answers HTTPS trusting only that CA, never prints the POS-KEY, and stops on SIGTERM', async () => {
    const caOut = join(dir, 'nested', 'ca.pem');
    const r = run(['--port', '0', '--ca-out', caOut, '--customer', 'approve', '--customer-delay', '0'], { QFPAY_POS_KEY: KEY });
    try {
      await waitFor(r, /^Ready/m);
      const url = (await waitFor(r, /^URL: (https:\/\/127\.0\.0\.1:\d+)$/m))[1] as string;
      const caPath = (await waitFor(r, /^CA file: (.+)$/m))[1] as string;
      const fingerprint = (await waitFor(r, /^CA SHA-256: (\S+)$/m))[1] as string;
      expect(await waitFor(r, /^Web page: (\S+)$/m)).toBeTruthy();
      expect(caPath).toBe(caOut);
      const ca = readFileSync(caPath, 'utf8');
      expect(new X509Certificate(ca).fingerprint256).toBe(fingerprint);

      const body = encodeRequestBody({ func_type: 1001, amt: 9.9, channel: 'card_payment', out_trade_no: 'CLI-1' }, KEY);
      const reply = decodeResponseBody(await post(`${url}/api/pos/trade`, body, ca));
      expect(reply).toMatchObject({ respcd: '6000', data: { respcd: '0000', out_trade_no: 'CLI-1', txamt: 9.9 } });
      await expect(post(`${url}/api/pos/trade`, body)).rejects.toThrow(/self-signed|unable to verify|unable to get local issuer/i);
      await waitFor(r, /request: POST \/api\/pos\/trade func_type=1001 → 6000/);

      r.child.kill('SIGTERM');
      expect(await r.exited).toBe(0);
      expect(r.output()).toMatch(/Stopping \(SIGTERM\)/);
      expect(r.output()).not.toContain(KEY);
      expect(r.output()).not.toMatch(/POS-KEY \(generated/);
    } finally {
      r.child.kill('SIGKILL');
    }
  });

  it('generates and prints a test POS-KEY when none is given, and serves plain HTTP with --http', async () => {
    const r = run(['--port', '0', '--http', '--customer', 'decline', '--customer-delay', '0', '--quiet']);
    try {
      const key = (await waitFor(r, /^POS-KEY \(generated test key\): ([0-9a-f]{32})$/m))[1] as string;
      const url = (await waitFor(r, /^URL: (http:\/\/127\.0\.0\.1:\d+)$/m))[1] as string;
      expect(r.output()).toMatch(/TLS: off/);
      expect(r.output()).not.toMatch(/CA file/);
      const reply = decodeResponseBody(await post(`${url}/api/pos/trade`, encodeRequestBody({ func_type: 1001, amt: 1, channel: 'wx', out_trade_no: 'CLI-2' }, key)));
      expect(reply).toMatchObject({ respcd: '6000', data: { respcd: '1205' } });
      r.child.kill('SIGINT');
      expect(await r.exited).toBe(0);
      expect(r.output()).not.toMatch(/request:/);
    } finally {
      r.child.kill('SIGKILL');
    }
  });

  it('refuses bad arguments with exit code 2, without echoing a key', async () => {
    const badCustomer = run(['--customer', 'maybe', '--pos-key', KEY]);
    expect(await badCustomer.exited).toBe(2);
    expect(badCustomer.output()).toMatch(/customer/);
    expect(badCustomer.output()).not.toContain(KEY);

    const shortKey = 'tooshort-secret';
    const badKey = run(['--port', '0', '--pos-key', shortKey]);
    expect(await badKey.exited).toBe(1);
    expect(badKey.output()).toMatch(/POS-KEY must be 16, 24 or 32 bytes/);
    expect(badKey.output()).not.toContain(shortKey);

    const unknown = run(['--frobnicate']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.output()).toMatch(/Usage: qfpay-ecr-sim/);

    const needsKey = run(['--notify-url', 'https://shop.example/qfpay/notify', '--pos-key', KEY]);
    expect(await needsKey.exited).toBe(2);
    expect(needsKey.output()).toMatch(/--notify-key/);
  });
});
