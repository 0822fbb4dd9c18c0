/**
 * `qfpay-ecr`: take a payment, refund, query, cancel or print on a QFPay terminal from a shell.
 * Results go to stdout (text or --json); live progress goes to stderr; the exit code says the outcome.
 */
import { QFPayCloudTerminal } from '../cloud/qfpay-cloud-terminal.js';
import { renderDoctorReport, runDoctor } from '../doctor/index.js';
import { QfpayEcrError } from '../errors.js';
import { QFPayTerminal } from '../terminal/index.js';
import { QFPAY_CA_PATH } from '../transport/ca.js';
import type { PaymentTerminal, TransactionOutcome } from '../terminal/types.js';
import { parseCli, UsageError, USAGE, type CliRequest, type DoctorArgs, type TerminalArgs } from './args.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { describeCancel, describeOutcome, describeQuery, describeStage } from './render.js';

type Io = { out: (text: string) => void; err: (text: string) => void };

/** Runs one command and returns the exit code (the bin wrapper calls process.exit with it). */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let request: CliRequest;
  try {
    request = parseCli(argv, env);
  } catch (err) {
    if (err instanceof UsageError || err instanceof QfpayEcrError) {
      io.err(`qfpay-ecr: ${err.message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  if (request.command === 'help') {
    io.out(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (request.command === 'doctor') return runDoctorCommand(request, io);
  let terminal: PaymentTerminal;
  try {
    terminal = openTerminal(request);
  } catch (err) {
    if (err instanceof QfpayEcrError) {
      io.err(`qfpay-ecr: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  const asJson = request.json;
  const print = (json: unknown, text: string) => io.out(asJson ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
  try {
    switch (request.command) {
      case 'pay':
      case 'refund': {
        // 'queued' is emitted for every call; only worth saying when something else holds the terminal.
        terminal.on('progress', (event) => event.stage !== 'queued' && io.err(`${describeStage(event.stage)}\n`));
        const stopOnInterrupt = cancelOnInterrupt(terminal, io);
        let outcome: TransactionOutcome;
        try {
          outcome =
            request.command === 'pay'
              ? await terminal.pay({ amountMinor: request.amountMinor, channel: request.channel, ...(request.outTradeNo ? { outTradeNo: request.outTradeNo } : {}) })
              : await terminal.refund({ syssn: request.syssn, ...(request.amountMinor !== undefined ? { amountMinor: request.amountMinor } : {}) });
        } finally {
          stopOnInterrupt();
        }
        print(outcome, describeOutcome(outcome, request.mode === 'cloud' ? 'qfpay-ecr query --cloud' : undefined));
        return exitCodeFor(outcome.status);
      }
      case 'query': {
        const result = await terminal.query(request.outTradeNo !== undefined ? { outTradeNo: request.outTradeNo } : { syssn: request.syssn as string });
        print(result, describeQuery(result));
        return result.found ? EXIT.ok : EXIT.notFound;
      }
      case 'cancel': {
        const result = await terminal.cancel({ evenIfIdle: true });
        print(result, describeCancel(result));
        return EXIT.ok;
      }
      case 'print-receipt':
        await terminal.printReceipt(request.syssn);
        print({ printed: 'receipt', syssn: request.syssn }, `Receipt for ${request.syssn} sent to the terminal's printer.`);
        return EXIT.ok;
      case 'print-summary':
        await terminal.printSummary();
        print({ printed: 'summary' }, "Transaction summary sent to the terminal's printer.");
        return EXIT.ok;
    }
  } catch (err) {
    if (err instanceof QfpayEcrError) {
      io.err(`qfpay-ecr: ${err.message}\n`);
      return EXIT.failed;
    }
    throw err;
  } finally {
    await terminal.close();
  }
}

/** The LAN terminal, or the ECR Cloud one with `--cloud`. Throws `ConfigError` for bad settings. */
function openTerminal(request: TerminalArgs): PaymentTerminal {
  if (request.mode === 'cloud') {
    return new QFPayCloudTerminal({
      environment: request.environment,
      ...(request.baseUrl !== undefined ? { baseUrl: request.baseUrl } : {}),
      ...(request.ca !== undefined ? { ca: request.ca } : {}),
      appCode: request.appCode,
      clientKey: request.clientKey,
      termid: request.termid,
      ...(request.mchid !== undefined ? { mchid: request.mchid } : {}),
      ...(request.signType !== undefined ? { signType: request.signType } : {}),
    });
  }
  return new QFPayTerminal({
    host: request.host,
    port: request.port,
    protocol: request.http ? 'http' : 'https',
    posKey: request.posKey,
    // As the usage says: QFPay's ca3.crt (shipped with this package) unless --ca / QFPAY_CA names another.
    ...(request.ca !== undefined ? { ca: request.ca } : request.http ? {} : { ca: QFPAY_CA_PATH }),
    ...(request.pin !== undefined ? { pinnedCaFingerprint256: request.pin } : {}),
    resolve: { deadlineMs: request.resolveDeadlineMs },
  });
}

/** `qfpay-ecr doctor`: the checklist on stdout (text or --json); exit 0 when nothing failed, 5 otherwise. */
async function runDoctorCommand(request: DoctorArgs, io: Io): Promise<number> {
  let report;
  try {
    report = await runDoctor({
      ...(request.terminal ? { terminal: request.terminal } : {}),
      ...(request.ca !== undefined ? { ca: request.ca } : {}),
      ...(request.pin !== undefined ? { pinnedCaFingerprint256: request.pin } : {}),
      ...(request.posKey !== undefined ? { posKey: request.posKey } : {}),
      ...(request.notifyUrl !== undefined ? { notifyUrl: request.notifyUrl } : {}),
      ...(request.notifyKey !== undefined ? { notifyKey: request.notifyKey } : {}),
      ...(request.notifyCa !== undefined ? { notifyCa: request.notifyCa } : {}),
      notifyLocal: request.notifyLocal,
      ...(request.cloud !== undefined ? { cloud: request.cloud } : {}),
      timeoutMs: request.timeoutMs,
    });
  } catch (err) {
    if (err instanceof QfpayEcrError) {
      io.err(`qfpay-ecr: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  io.out(request.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderDoctorReport(report)}\n`);
  return report.ok ? EXIT.ok : EXIT.failed;
}

/** First Ctrl-C asks the terminal to cancel the open screen; the outcome is still awaited and printed. */
function cancelOnInterrupt(terminal: PaymentTerminal, io: Io): () => void {
  let asked = false;
  const onSignal = () => {
    if (asked) return;
    asked = true;
    io.err('Cancelling on the terminal…\n');
    terminal.cancel().catch((err: unknown) => io.err(`Cancel failed: ${(err as Error).message}\n`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
