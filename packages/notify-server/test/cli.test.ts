/**
 * The built CLI as a real process: help, configuration errors, graceful SIGTERM, and the crash
 * test — SIGKILL while notifications stream in, restart on the same SQLite file, and every
 * notification that got SUCCESS is stored exactly once.
 */
import { Agent } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../src/index.js';
import { startCli, requireFreshBuild } from './support/cli.js';
import { EVENTS_TOKEN, KEY, paymentBody, signedHeaders, uniqueSyssn } from './support/fixtures.js';
import { get, postNotify } from './support/http.js';

describe('qfpay-notify CLI (built, real child process)', () => {
  let dir: string | undefined;
  beforeAll(() => {
    requireFreshBuild();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qfpay-notify-cli-'));
  });
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('--help prints usage and exits 0', async () => {
    const cli = startCli(['--help']);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toMatch(/^Usage: qfpay-notify/);
    expect(cli.stdout()).toContain('QFPAY_NOTIFY_KEYS');
  });

  it('a configuration error exits 2 with a message naming the problem, not the secret', async () => {
    const cli = startCli(['--events-token', 'short-secret']);
    expect((await cli.exited).code).toBe(2);
    expect(cli.stderr()).toMatch(/at least one notification key is required/);
    expect(cli.stderr()).toMatch(/events token must be at least 16/);
    expect(cli.stderr()).not.toContain('short-secret');
    expect(cli.stdout()).toBe('');
  });

  it('serves, logs JSON to stderr without secrets, and exits 0 on SIGTERM', async () => {
    const cli = startCli(['--port', '0', '--sqlite-path', join(dir ?? '', 'a.db')], { QFPAY_NOTIFY_KEYS: KEY, QFPAY_EVENTS_TOKEN: EVENTS_TOKEN });
    const url = await cli.listening();
    expect(cli.stdout()).toBe(`listening on ${url}\n`);
    const body = paymentBody({ cardcd: '4111111111111111' });
    expect((await postNotify(url, body, signedHeaders(body))).text).toBe('SUCCESS');
    expect(JSON.parse((await get(url, '/healthz')).text)).toEqual({ ok: true, store: 'sqlite' });
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    const logs = cli.stderr();
    expect(logs).toMatch(/"msg":"notification stored"/);
    expect(logs).toMatch(/"msg":"notify server closed"/);
    for (const secret of [KEY, EVENTS_TOKEN, signedHeaders(body)['X-QF-SIGN'] as string, '4111111111111111']) expect(logs).not.toContain(secret);
  });

  it('crash test: SIGKILL mid-stream, restart on the same file: every SUCCESS is stored exactly once', async () => {
    const db = join(dir ?? '', 'crash.db');
    const args = ['--port', '0', '--sqlite-path', db, '--log-level', 'warn'];
    const env = { QFPAY_NOTIFY_KEYS: KEY, QFPAY_EVENTS_TOKEN: EVENTS_TOKEN };
    const first = startCli(args, env);
    const url = await first.listening();

    const MAX_SENDS = 3000;
    const DEADLINE = Date.now() + 5000;
    const KILL_AFTER_ACKS = 300;
    const sent = new Set<string>();
    const acked: string[] = [];
    let failures = 0;
    let killed = false;

    const sender = async (): Promise<void> => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        while (sent.size < MAX_SENDS && Date.now() < DEADLINE) {
          const syssn = uniqueSyssn();
          const body = paymentBody({ syssn });
          sent.add(syssn);
          try {
            const reply = await postNotify(url, body, signedHeaders(body), agent);
            if (reply.status === 200 && reply.text === 'SUCCESS') acked.push(syssn);
          } catch {
            failures += 1;
            if (killed) return;
          }
          if (!killed && acked.length >= KILL_AFTER_ACKS) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        }
      } finally {
        agent.destroy();
      }
    };
    await Promise.all([sender(), sender(), sender(), sender()]);
    if (!killed) {
      killed = true;
      first.child.kill('SIGKILL');
    }
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // Mid-stream: senders were still sending when the process died.
    expect(failures).toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThanOrEqual(1);

    const second = startCli(args, env);
    const url2 = await second.listening();
    expect((await get(url2, '/healthz')).status).toBe(200);
    // QFPay retries some of them after the crash: still SUCCESS, still once.
    for (const syssn of acked.slice(0, 20)) {
      const body = paymentBody({ syssn });
      expect((await postNotify(url2, body, signedHeaders(body))).text).toBe('SUCCESS');
    }
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });

    const store = createSqliteStore({ path: db });
    try {
      const rows = await store.since(0, 100_000);
      const counts = new Map<string, number>();
      for (const row of rows) counts.set(row.syssn ?? '', (counts.get(row.syssn ?? '') ?? 0) + 1);
      const missing = acked.filter((s) => counts.get(s) !== 1);
      expect(missing).toEqual([]);
      expect(rows.every((r) => sent.has(r.syssn ?? ''))).toBe(true);
      expect(rows.length).toBeGreaterThanOrEqual(acked.length);
      expect(rows.length).toBeLessThanOrEqual(sent.size);
    } finally {
      await store.close();
    }
  });
});
