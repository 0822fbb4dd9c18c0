/**
 * The real thing in a real browser: headless Chromium (Debian's /usr/bin/chromium) loads a
 * harness page that imports dist/odoo-pos.js as an ES module and takes a payment through the
 * bridge topology: page (one origin) → bridge routes of the notify server (another origin, CORS
 * with a bearer token) → QFPayTerminal → simulator over HTTPS with its own CA (cloud project:
 * → QFPayCloudTerminal → the simulator's fake QFPay OpenAPI). The browser never sees the
 * POS-KEY, the client key or the CA.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { QFPayCloudTerminal, QFPayTerminal, type PaymentTerminal } from '@qfpay-ecr/core';
import { startSimulator, type Simulator } from '@qfpay-ecr/simulator';
import { createTerminalBridgeRouter, startBridgeServer, type RunningBridge } from '../../notify-server/src/bridge/index.js';
import { CLOUD, testTerminalMode } from './support/terminal-mode.js';

const run = promisify(execFile);
const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const POS_KEY = 'BrowserP0sKey-S3cret-0123456789a';
const TOKEN = 'browser-bridge-token-Lm2Np8Rt5';

let tmp: string;
let sim: Simulator;
let terminal: PaymentTerminal;
let bridge: RunningBridge;
let pages: Server;
let pageOrigin: string;
let browser: Browser;
let closeBridgeRoutes: () => void;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'qfpay-odoo-browser-'));
  await run(process.execPath, [join(pkgDir, 'scripts/bundle.mjs')], { cwd: pkgDir });
  await run(process.execPath, [join(pkgDir, 'scripts/bundle.mjs'), '--entry', join(pkgDir, 'test/support/browser-page.ts'), '--outfile', join(tmp, 'page.js'), '--external', '/odoo-pos.js'], { cwd: pkgDir });

  const cloud = testTerminalMode() === 'cloud';
  sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 200, card: { scheme: 'VISA', masked: '476173******0119' } }, ...(cloud ? { cloud: { ...CLOUD } } : {}) });
  terminal = cloud
    ? new QFPayCloudTerminal({ environment: 'custom', baseUrl: sim.cloud?.url as string, ca: sim.caPem as string, ...CLOUD, resolve: { minIntervalMs: 50, maxIntervalMs: 200 } })
    : new QFPayTerminal({ host: '127.0.0.1', port: sim.port, posKey: POS_KEY, ca: sim.caPem as string, pinnedCaFingerprint256: sim.caFingerprint256 as string, resolve: { deadlineMs: 5000, minIntervalMs: 50, maxIntervalMs: 200 } });

  pages = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (type: string, body: string | Buffer) => res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
    if (path === '/') {
      const config = { gen: Number(new URL(req.url ?? '/', 'http://x').searchParams.get('gen') ?? 18), bridgeUrl: bridge.url, terminalId: 'till1', token: TOKEN, amount: 12.5 };
      send('text/html; charset=utf-8', `<!doctype html><html><head><meta charset="utf-8"><title>Odoo POS harness</title></head><body><script type="application/json" id="config">${JSON.stringify(config)}</script><script type="module" src="/page.js"></script></body></html>`);
    } else if (path === '/page.js') void readFile(join(tmp, 'page.js')).then((b) => send('text/javascript; charset=utf-8', b));
    else if (path === '/odoo-pos.js') void readFile(join(pkgDir, 'dist/odoo-pos.js')).then((b) => send('text/javascript; charset=utf-8', b));
    else if (path === '/favicon.ico') res.writeHead(204).end();
    else res.writeHead(404).end();
  });
  pages.listen(0, '127.0.0.1');
  await once(pages, 'listening');
  pageOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;

  const routes = createTerminalBridgeRouter({ terminals: { till1: terminal }, tokens: [TOKEN], allowedOrigins: [pageOrigin], maxWaitMs: 5000 });
  closeBridgeRoutes = routes.close;
  bridge = await startBridgeServer({ routers: [routes.router], onClose: routes.close });

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  closeBridgeRoutes?.();
  await bridge?.close();
  await new Promise<void>((r) => (pages ? pages.close(() => r()) : r()));
  sim?.customer.cancel();
  await terminal?.close();
  await sim?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('dist/odoo-pos.js in headless Chromium', () => {
  it.each([18, 17, 19])('Odoo %i harness page takes a payment through the bridge topology', async (gen) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('request', (r) => requests.push(r.url()));
    try {
      await page.goto(`${pageOrigin}/?gen=${gen}`);
      await page.waitForFunction(() => (globalThis as { __QFPAY_RESULT__?: unknown }).__QFPAY_RESULT__ !== undefined, undefined, { timeout: 30_000 });
      const result = (await page.evaluate(() => (globalThis as { __QFPAY_RESULT__?: unknown }).__QFPAY_RESULT__)) as Record<string, any>;
      expect(result.error).toBeUndefined();
      expect(problems).toEqual([]);
      expect(result).toMatchObject({ ok: true, generation: gen, status: 'done', cardType: 'VISA', inProgress: false, validated: true, alerts: [], secureContext: true });
      expect(result.history).toContain('waitingCard');
      const paid = sim.transactions().filter((t) => t.kind === 'payment' && t.respcd === '0000');
      expect(result.transactionId).toBe(paid.at(-1)?.syssn);
      expect(result.ticket).toContain('476173******0119');
      // The line's reference survived in localStorage (what a reload would resume from).
      const stored = Object.values(result.storage as Record<string, string>).join('');
      expect(stored).toContain('"state":"approved"');
      expect(JSON.stringify(result)).not.toContain(POS_KEY);
      expect(JSON.stringify(result)).not.toContain(CLOUD.clientKey);
      // Only our own resources and the bridge: nothing fetched from a CDN or by bare specifier.
      for (const url of requests) expect(url.startsWith(pageOrigin) || url.startsWith(bridge.url)).toBe(true);
      expect(requests.some((u) => u.endsWith('/odoo-pos.js'))).toBe(true);
      expect(requests.some((u) => u.startsWith(`${bridge.url}/qfpay/terminals/till1/payments`))).toBe(true);
    } finally {
      await context.close();
    }
  });
});
