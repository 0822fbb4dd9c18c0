#!/usr/bin/env node
/** `qfpay-woo` executable. See cli-main.ts. */
import { runCli } from './cli-main.js';

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
});
