/**
 * The package README's "Cloud mode" example is this code: the test runs it, and checks that the
 * README shows it verbatim (imports aside), so the README cannot rot.
 */
import { readFile } from 'node:fs/promises';
import { QFPayCloudTerminal } from '@qfpay-ecr/core';
import { startSimulator } from '@qfpay-ecr/simulator';
import { createLogger, createNotifyApp, createSqliteStore } from '../../notify-server/src/index.js';
import { RemoteTerminal } from '../src/index.js';

async function example(): Promise<{ status: string; syssn: string | false }> {
  // README-CLOUD-EXAMPLE-START
  const cloud = { appCode: 'DEMOAPPCODE', clientKey: 'demo-client-key-0123456789', termid: 'DEMO0001' };
  const sim = await startSimulator({ posKey: '0123456789abcdef0123456789abcdef', cloud, customer: { action: 'approve', afterMs: 100 } });

  // Server side, next to the notify server: the terminal through QFPay's OpenAPI (ECR Cloud).
  // For real: environment 'production' and no baseUrl/ca.
  const terminal = new QFPayCloudTerminal({ environment: 'custom', baseUrl: sim.cloud!.url, ca: sim.caPem!, ...cloud });
  const token = 'bridge-token-0123456789';
  const notify = createNotifyApp({ keys: cloud.clientKey, store: createSqliteStore({ path: ':memory:' }), logger: createLogger({ level: 'silent' }), bridge: { terminals: { till1: terminal }, tokens: [token] } });
  const server = await notify.listen({ port: 0 });

  // Browser side: what the adapter builds for a payment method with the bridge topology.
  const remote = new RemoteTerminal({ baseUrl: server.url, terminalId: 'till1', token });
  const outcome = await remote.pay({ amountMinor: 1250, channel: 'card_payment' });
  console.log(outcome.status, outcome.status === 'approved' && outcome.syssn); // approved '2025…'

  await remote.close();
  await notify.close();
  await terminal.close();
  await sim.close();
  // README-CLOUD-EXAMPLE-END
  return { status: outcome.status, syssn: outcome.status === 'approved' && outcome.syssn };
}

describe('README, Cloud mode', () => {
  it('the runnable example runs', async () => {
    const printed: unknown[][] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => void printed.push(args);
    try {
      const result = await example();
      expect(result.status).toBe('approved');
      expect(result.syssn).toMatch(/^\d{20,}$/);
      expect(printed).toContainEqual(['approved', result.syssn]);
    } finally {
      console.log = original;
    }
  });

  it('shows exactly that example', async () => {
    const source = await readFile(new URL(import.meta.url), 'utf8');
    const body = (source.split('// README-CLOUD-EXAMPLE-START\n')[1] as string).split('  // README-CLOUD-EXAMPLE-END')[0] as string;
    const dedented = body
      .split('\n')
      .map((l) => l.replace(/^ {2}/, ''))
      .join('\n')
      .trim();
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const block = /<!-- runnable-cloud-example -->\n```ts\n([\s\S]*?)\n```/.exec(readme)?.[1] ?? '';
    const withoutImports = block
      .split('\n')
      .filter((l) => !l.startsWith('import '))
      .join('\n')
      .trim();
    expect(withoutImports).toBe(dedented);
  });
});
