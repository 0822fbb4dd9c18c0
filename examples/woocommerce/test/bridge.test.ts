/**
 * The one-command demo of the WooCommerce bridge, run as a real process (needs `pnpm run build`):
 * simulated terminal + WooCommerce fake + notify server + bridge, payment requested the way the
 * order-pay page does it, paid, refused partial card refund, full refund — on the LAN, or through
 * ECR Cloud in the cloud project.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bridge = fileURLToPath(new URL('../bridge.mjs', import.meta.url));

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bridge, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

// The cloud project runs the same demo through ECR Cloud (`--cloud`: the simulator's fake OpenAPI).
const mode = process.env.QFPAY_TEST_TERMINAL_MODE ?? 'lan';
if (mode !== 'lan' && mode !== 'cloud') throw new Error(`QFPAY_TEST_TERMINAL_MODE must be "lan" or "cloud", not ${JSON.stringify(mode)}`);
const cloud = mode === 'cloud';

it(`node examples/woocommerce/bridge.mjs --demo${cloud ? ' --cloud' : ''} pays and refunds an order end to end`, async () => {
  const { code, out } = await run(cloud ? ['--demo', '--cloud'] : ['--demo']);
  if (cloud) expect(out).toMatch(/Simulated QFPay API: +https:\/\/127\.0\.0\.1:\d+ +\(ECR Cloud/);
  else expect(out).not.toMatch(/Simulated QFPay API/);
  expect(out).toMatch(/order \d+: payment requested from the order-pay page \(card\)/);
  expect(out).toMatch(/order \d+ attempt 1: approved HK\$38\.00, QFPay \d+/);
  expect(out).toMatch(/order \d+ is processing, transaction_id \d+/);
  expect(out).toMatch(/partial refund refused: .*only be refunded in full/);
  expect(out).toMatch(/refund: approved HK\$38\.00, QFPay \d+; WooCommerce refund \d+/);
  expect(out).toMatch(/order \d+ is refunded/);
  expect(code).toBe(0);
});
