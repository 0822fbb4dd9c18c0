/**
 * `qfpay-woo`: reconcile, pay, refund and inspect WooCommerce orders from a shell. Configuration
 * comes from the environment (see config.ts); flags carry only non-secret values.
 */
import { parseArgs } from 'node:util';
import { CHANNELS, formatDisplay, parseMajorAmount, QfpayEcrError, type Channel, type PaymentTerminal, type QFPayCloudTerminalOptions, type QFPayTerminalOptions } from '@qfpay-ecr/core';
import { z } from 'zod';
import { createBridge, type Bridge } from './bridge.js';
import { ENV, loadBridgeConfig } from './config.js';
import { WooAuthError, WooConfigError, WooUnavailableError } from './errors.js';
import { readPaymentState, readRefundAttempts } from './meta.js';
import type { ReconcileReport } from './reconcile.js';

/** Exit codes. */
export const EXIT = { ok: 0, attention: 1, usage: 2, unreachable: 3 } as const;

export const USAGE = `Usage: qfpay-woo <command> [options]

Commands:
  reconcile [--order <id>]... [--max-pages <n>]
        Query the terminal for every order whose payment attempt is unresolved and bring
        WooCommerce into agreement (marks paid, failed, or leaves it with a note).
  pay --order <id> --channel <channel>
        Charge a pending/failed/on-hold HKD order on the terminal.
  refund --order <id> --amount <12.50> [--reason <text>]
        Refund (part of) a QFPay-paid order on the terminal and record it in WooCommerce.
  status --order <id>
        Show the order's QFPay attempts and refunds (read-only; needs no terminal).
  help

Options:
  --json          machine-readable output
Channels: ${CHANNELS.join(', ')}

Environment (secrets only here, never as flags):
  ${ENV.wooUrl}, ${ENV.wooKey}, ${ENV.wooSecret}   [${ENV.wooAuthMode}=basic|query] [${ENV.wooInsecure}=1] [${ENV.wooCaFile}]
  [${ENV.mode}=lan|cloud] (lan: the terminal on the shop LAN; cloud: ECR Cloud, through QFPay's OpenAPI)
  lan:   ${ENV.terminal}=HOST[:PORT], ${ENV.posKey}   [${ENV.ca}=QFPay's ca3.crt (bundled)] [${ENV.caPin}]
  cloud: ${ENV.cloudEnv}=production|live-test|sandbox|custom, ${ENV.appCode}, ${ENV.clientKey}, ${ENV.termid}
         [${ENV.mchid}] [${ENV.signType}=MD5|SHA256] [${ENV.cloudUrl} ${ENV.cloudCa}: custom only]
  [${ENV.terminalId}] [${ENV.prefix}=wc]

Exit codes: 0 done · 1 needs attention (unresolved, declined, errors) · 2 usage or configuration · 3 WooCommerce or terminal refused/unreachable
`;

/** Where the CLI writes. */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Test seams. */
export interface CliDeps {
  terminal?: PaymentTerminal;
  terminalOptions?: Partial<QFPayTerminalOptions>;
  cloudTerminalOptions?: Partial<QFPayCloudTerminalOptions>;
}

// Digits only: Number() would also read "0x10" as 16 and "1e3" as 1000 — another order.
const digits = (flag: string) => z.string().trim().regex(/^\d+$/, { message: `${flag} must be written in digits, e.g. ${flag} 1234` });

const orderId = digits('--order').transform(Number).pipe(z.number().int({ message: '--order must be a whole number' }).positive({ message: '--order must be positive' }));

const maxPagesSchema = digits('--max-pages').transform(Number).pipe(
  z
    .number({ error: '--max-pages must be a number' })
    .int({ message: '--max-pages must be a whole number' })
    .min(1, { message: '--max-pages must be 1–1000' })
    .max(1000, { message: '--max-pages must be 1–1000' }),
);

class UsageError extends Error {}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        order: { type: 'string', multiple: true },
        channel: { type: 'string' },
        amount: { type: 'string' },
        reason: { type: 'string' },
        'max-pages': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // One line: parseArgs adds "Did you forget…" lines after the message.
    throw new UsageError((error as Error).message.split('\n').join(' '));
  }
}

function one<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new UsageError(r.error.issues.map((i) => i.message).join('; '));
  return r.data;
}

function printReport(report: ReconcileReport, out: (t: string) => void): void {
  out(`scanned ${report.scanned} order(s); ${report.unresolved} with an unresolved attempt\n`);
  for (const c of report.changed) out(`  order ${c.orderId}: ${c.outTradeNo} ${c.from} → ${c.to} (order ${c.orderStatus})${c.detail ? ` — ${c.detail}` : ''}\n`);
  for (const s of report.stillUnresolved) out(`  order ${s.orderId}: ${s.outTradeNo} still unresolved — ${s.detail}\n`);
  for (const s of report.skipped) out(`  order ${s.orderId}: skipped — ${s.reason}\n`);
  for (const e of report.errors) out(`  ${e.orderId !== undefined ? `order ${e.orderId}` : 'listing'}: error ${e.code} — ${e.message}\n`);
  if (report.changed.length === 0 && report.stillUnresolved.length === 0 && report.errors.length === 0) out('  nothing to do\n');
}

function exitFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof WooConfigError) return EXIT.usage;
  if (error instanceof WooAuthError || error instanceof WooUnavailableError) return EXIT.unreachable;
  const name = (error as { name?: unknown })?.name;
  if (typeof name === 'string' && /Connect|Tls|Transport|Timeout|ConnectionLost/.test(name)) return EXIT.unreachable;
  if (error instanceof QfpayEcrError && error.code.startsWith('CONFIG')) return EXIT.usage;
  return EXIT.attention;
}

/** Runs the CLI; resolves with the exit code. Never prints secrets. */
export async function runCli(argv: string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  let bridge: Bridge | undefined;
  let json = false;
  try {
    const { values, positionals } = parse(argv);
    json = values.json === true;
    const command = positionals[0] ?? 'help';
    if (values.help || command === 'help') {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
    if (!['reconcile', 'pay', 'refund', 'status'].includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    const config = loadBridgeConfig(io.env, { terminal: command !== 'status' });
    // Cloud mode: results come from QFPay's book by query (the long-running bridge listens to notifications too).
    bridge = createBridge(config, {
      ...(deps.terminal ? { terminal: deps.terminal } : {}),
      ...(deps.terminalOptions ? { terminalOptions: deps.terminalOptions } : {}),
      ...(deps.cloudTerminalOptions ? { cloudTerminalOptions: deps.cloudTerminalOptions } : {}),
    });
    const { adapter } = bridge;
    const out = (value: unknown, text: () => void) => (json ? io.stdout(`${JSON.stringify(value, null, 2)}\n`) : text());

    if (command === 'reconcile') {
      const ids = (values.order ?? []).map((v) => one(orderId, v));
      const maxPages = values['max-pages'] === undefined ? undefined : one(maxPagesSchema, values['max-pages']);
      const report = await adapter.reconcile({ ...(ids.length ? { orderIds: ids } : {}), ...(maxPages ? { maxPages } : {}) });
      out(report, () => printReport(report, io.stdout));
      return report.stillUnresolved.length > 0 || report.errors.length > 0 ? EXIT.attention : EXIT.ok;
    }

    const ids = values.order ?? [];
    if (ids.length !== 1) throw new UsageError(`${command} needs exactly one --order <id>`);
    const id = one(orderId, ids[0]);

    if (command === 'status') {
      const order = await adapter.woo.getOrder(id);
      const state = readPaymentState(order);
      const refunds = readRefundAttempts(order);
      const view = { orderId: id, status: order.status, total: order.total, currency: order.currency, transactionId: order.transaction_id, attempts: state.attempts, refunds };
      out(view, () => {
        io.stdout(`order ${id}: ${order.status}, ${order.total} ${order.currency}${order.transaction_id ? `, transaction ${order.transaction_id}` : ''}\n`);
        if (state.attempts.length === 0) io.stdout('  no QFPay attempts\n');
        for (const a of state.attempts) io.stdout(`  attempt ${a.n} ${a.outTradeNo}: ${a.status}${a.syssn ? ` (syssn ${a.syssn})` : ''}${a.detail ? ` — ${a.detail}` : ''}\n`);
        for (const r of refunds) io.stdout(`  refund ${formatDisplay(r.amountMinor)}: ${r.status}${r.syssn ? ` (syssn ${r.syssn})` : ''}\n`);
      });
      return EXIT.ok;
    }

    if (command === 'pay') {
      const channel = one(z.enum(CHANNELS, { error: `--channel must be one of ${CHANNELS.join(', ')}` }), values.channel) as Channel;
      const result = await adapter.payOrder(id, { channel });
      out(result, () => {
        const o = result.outcome;
        io.stdout(`order ${id} attempt ${result.attempt} (${result.outTradeNo}): ${o.status}${o.status === 'approved' ? ` — QFPay transaction ${o.syssn}` : ''}${result.fromEarlierAttempt ? ' (an earlier attempt was found paid; nothing new was charged)' : ''}\n`);
        if (!result.recorded) io.stdout(`  WooCommerce not updated yet (${result.recordError?.code ?? 'error'}): run \`qfpay-woo reconcile\` when it is reachable\n`);
      });
      return result.outcome.status === 'approved' && result.recorded ? EXIT.ok : EXIT.attention;
    }

    // refund
    if (values.amount === undefined) throw new UsageError('refund needs --amount <12.50>');
    let amountMinor: number;
    try {
      amountMinor = parseMajorAmount(values.amount);
    } catch (error) {
      throw new UsageError(`--amount: ${(error as Error).message}`);
    }
    const result = await adapter.refundOrder(id, amountMinor, values.reason ?? 'refund from qfpay-woo');
    out(result, () => {
      io.stdout(`order ${id}: refund of ${formatDisplay(amountMinor)} ${result.outcome.status}${result.wooRefundId ? ` — WooCommerce refund ${result.wooRefundId}` : ''}\n`);
      if (!result.recorded) io.stdout('  WooCommerce not updated yet: the QFPay refund notification records it\n');
    });
    return result.outcome.status === 'approved' && result.recorded ? EXIT.ok : EXIT.attention;
  } catch (error) {
    const code = exitFor(error);
    const message = error instanceof Error ? error.message : String(error);
    if (json) io.stdout(`${JSON.stringify({ error: { code: (error as { code?: string }).code ?? (error instanceof UsageError ? 'USAGE' : 'ERROR'), message } }, null, 2)}\n`);
    io.stderr(`qfpay-woo: ${message}\n`);
    if (error instanceof UsageError) io.stderr('Run `qfpay-woo help` for usage.\n');
    return code;
  } finally {
    await bridge?.close();
  }
}
