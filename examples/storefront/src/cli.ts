/**
 * `npm run demo` ends here: starts the storefront demo and prints the one URL to open.
 *
 *   --port N         storefront port on 127.0.0.1 (default 8080; 0 = any free port)
 *   --data-dir DIR   where orders and notifications are kept (default examples/storefront/data)
 *   --quiet          print only the URL line (tests); also never opens a browser
 *   --no-open        do not open a browser window
 *   --cloud          ECR Cloud mode (or env QFPAY_DEMO_MODE=cloud): the storefront reaches the
 *                    simulated terminal through the simulator's fake QFPay OpenAPI
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startDemo } from './demo.js';

const USAGE = `Usage: npm run demo -- [--port 8080] [--data-dir DIR] [--quiet] [--no-open] [--cloud]
  --cloud   ECR Cloud mode: through the simulator's fake QFPay OpenAPI (or QFPAY_DEMO_MODE=cloud)`;

const argsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535, { message: '--port must be 0-65535' }).optional(),
  dataDir: z.string().min(1).optional(),
  quiet: z.boolean(),
  open: z.boolean(),
  mode: z.enum(['lan', 'cloud'], { error: 'QFPAY_DEMO_MODE must be lan or cloud' }),
});

/** Opens the URL in the default browser when there is a desktop; failures are ignored. */
function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '', url] : ['xdg-open', url];
  try {
    const child = spawn(command[0] as string, command.slice(1), { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no browser: the printed URL is enough
  }
}

export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  let options: z.infer<typeof argsSchema>;
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      options: { port: { type: 'string' }, 'data-dir': { type: 'string' }, quiet: { type: 'boolean' }, 'no-open': { type: 'boolean' }, cloud: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const mode = values.cloud ? 'cloud' : (env.QFPAY_DEMO_MODE?.trim().toLowerCase() || 'lan');
    const parsed = argsSchema.safeParse({ port: values.port, dataDir: values['data-dir'], quiet: values.quiet ?? false, open: !(values['no-open'] ?? false) && !(values.quiet ?? false), mode });
    if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
    options = parsed.data;
  } catch (err) {
    process.stderr.write(`storefront demo: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }

  const quiet = options.quiet;
  const demo = await startDemo({
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    mode: options.mode,
    log: quiet ? undefined : (line) => process.stdout.write(`  ${line}\n`),
  });
  if (quiet) {
    process.stdout.write(`Storefront: ${demo.url}${demo.mode === 'cloud' ? ' (ECR Cloud)' : ''}\n`);
  } else {
    process.stdout.write(
      [
        '',
        demo.mode === 'cloud'
          ? 'QFPay ECR storefront demo, ECR Cloud mode — a simulated terminal reached through a simulated QFPay OpenAPI, no real money moves.'
          : 'QFPay ECR storefront demo — a simulated terminal, no real money moves.',
        '',
        `  Open ${demo.url}`,
        '',
        `Orders are kept in ${demo.dataDir}. Ctrl-C stops.`,
        '',
      ].join('\n'),
    );
    if (options.open && process.stdout.isTTY) openBrowser(demo.url);
  }

  await new Promise<void>((resolveStop) => {
    let stopping = false;
    const stop = () => {
      if (stopping) {
        process.stderr.write('Stopping now.\n');
        process.exit(1);
      }
      stopping = true;
      if (!quiet) process.stdout.write('Stopping…\n');
      void demo.close().then(resolveStop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
