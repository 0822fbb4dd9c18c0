// The main job for now: a payment and a refund through the `qfpay-ecr` CLI against the simulator
// over real HTTPS. `--manual` lets you play the customer on the simulator's web page instead.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startSimulator } from '../packages/simulator/dist/index.js';

const manual = process.argv.includes('--manual');
const posKey = randomBytes(16).toString('hex'); // a throw-away key shared by the simulator and the CLI
const sim = await startSimulator({
  posKey,
  customer: manual ? { action: 'manual' } : { action: 'approve', afterMs: 1500, card: { scheme: 'VISA', masked: '476173******0010' } },
});
const caPath = join(mkdtempSync(join(tmpdir(), 'qfpay-demo-')), 'simulator-ca.pem');
writeFileSync(caPath, sim.caPem);

console.log(`Simulated terminal: ${sim.url}  (customer screen: ${sim.webUrl})`);
if (manual) console.log('Open the customer screen and press Approve, Decline or Cancel.');

const cli = (args) =>
  new Promise((resolve) => {
    console.log(`\n$ qfpay-ecr ${args.join(' ')}`);
    const child = spawn(process.execPath, ['packages/core/dist/cli/bin.js', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, QFPAY_TERMINAL: `${sim.host}:${sim.port}`, QFPAY_POS_KEY: posKey, QFPAY_CA: caPath, QFPAY_CA_PIN: sim.caFingerprint256 },
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => process.stderr.write(`  … ${String(d).trimEnd()}\n`));
    child.on('close', (code) => resolve({ code, out }));
  });

try {
  const pay = await cli(['pay', '--amount', '12.50', '--channel', 'card_payment']);
  const syssn = /syssn\s+(\S+)/.exec(pay.out)?.[1];
  if (pay.code === 0 && syssn) {
    await cli(['query', '--syssn', syssn]);
    await cli(['refund', '--syssn', syssn]);
  }
  console.log(`\nDemo finished (payment exit code ${pay.code}). Next: npm test`);
  process.exitCode = pay.code === 0 ? 0 : 1;
} finally {
  await sim.close();
}
