/**
 * The package README's runnable example is this code: the test runs it, and checks that the
 * README shows it verbatim (imports aside), so the README cannot rot.
 */
import { readFile } from 'node:fs/promises';
import { QFPayTerminal } from '@qfpay-ecr/core';
import { startSimulator } from '@qfpay-ecr/simulator';
import { QfpayPaymentFlow, memoryStorage, type PaymentLineHandle } from '../src/index.js';

async function example(): Promise<{ ok: boolean; status: string | undefined; transactionId: string | undefined }> {
  // README-EXAMPLE-START
  const posKey = '0123456789abcdef0123456789abcdef';
  const sim = await startSimulator({ posKey, customer: { action: 'approve', afterMs: 100 } });
  const terminal = new QFPayTerminal({ host: sim.host, port: sim.port, posKey, ca: sim.caPem!, pinnedCaFingerprint256: sim.caFingerprint256! });

  // One Odoo payment line, as the lifecycle core sees it (the Odoo shims build these for you).
  let status: string | undefined = 'waiting';
  let transactionId: string | undefined;
  const line: PaymentLineHandle = {
    key: 'c0a8012e-7d1f-4b7e-9a51-2f6d0c3b9e11',
    uuid: 'c0a8012e-7d1f-4b7e-9a51-2f6d0c3b9e11',
    orderRef: 'order-1',
    amount: () => 12.5,
    status: () => status,
    setStatus: (s) => (status = s),
    applyApproval: (d) => (transactionId = d.syssn),
    finish: (ok) => (status = ok ? 'done' : 'retry'),
    originalPayment: () => undefined,
    paidAt: () => undefined,
    transactionId: () => transactionId,
  };

  const flow = new QfpayPaymentFlow({
    terminal,
    method: { paymentMethodId: 3, sessionId: 7, name: 'QFPay Card', channel: 'card_payment' },
    storage: memoryStorage(), // localStorage in a browser: lines left waiting resume after a reload
    ui: { alert: (title, message) => console.log(`${title}: ${message}`) },
  });
  const ok = await flow.request(line); // what Odoo's sendPaymentRequest resolves: true → done
  console.log(ok, status, transactionId); // true 'waitingCard' '2025…' (Odoo itself then sets 'done')

  flow.close();
  await terminal.close();
  await sim.close();
  // README-EXAMPLE-END
  return { ok, status, transactionId };
}

describe('README', () => {
  it('the runnable example runs', async () => {
    const printed: unknown[][] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => void printed.push(args);
    try {
      const result = await example();
      expect(result.ok).toBe(true);
      expect(result.status).toBe('waitingCard');
      expect(result.transactionId).toMatch(/^\d{20,}$/);
      expect(printed).toContainEqual([true, 'waitingCard', result.transactionId]);
    } finally {
      console.log = original;
    }
  });

  it('shows exactly that example', async () => {
    const source = await readFile(new URL(import.meta.url), 'utf8');
    const body = (source.split('// README-EXAMPLE-START\n')[1] as string).split('  // README-EXAMPLE-END')[0] as string;
    const dedented = body
      .split('\n')
      .map((l) => l.replace(/^ {2}/, ''))
      .join('\n')
      .trim();
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const block = /<!-- runnable-example -->\n```ts\n([\s\S]*?)\n```/.exec(readme)?.[1] ?? '';
    const withoutImports = block
      .split('\n')
      .filter((l) => !l.startsWith('import '))
      .join('\n')
      .trim();
    expect(withoutImports).toBe(dedented);
  });
});
