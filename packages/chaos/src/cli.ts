#!/usr/bin/env node
/** `qfpay-chaos` / `pnpm chaos`: see `--help`. */
import { runChaosCli } from './cli-main.js';

const code = await runChaosCli(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
});
process.exitCode = code;
// Lanes are closed; anything still holding the event loop (a keep-alive socket) must not keep us.
setTimeout(() => process.exit(code), 200).unref();
