/**
 * ECR Cloud mode of the simulator: a fake QFPay OpenAPI (`/ecr/v1/...`) that pushes requests to
 * the simulated terminal. See the package README, "ECR Cloud".
 */
import { isIP } from 'node:net';
import type { TransactionBook } from '../book.js';
import type { Device } from '../device.js';
import { SimulatorError } from '../errors.js';
import type { FaultQueue } from '../faults.js';
import type { Screen } from '../screen.js';
import type { RequestRecord, ScreenState } from '../types.js';
import type { ResolvedCloudOptions } from './options.js';
import { CloudServer } from './server.js';
import { CloudService } from './service.js';

export { cloudOptionsSchema, resolveCloudOptions, type CloudOptions, type ResolvedCloudOptions } from './options.js';
export { openApiSignature, openApiSigningString, verifyOpenApiSignature, type OpenApiSignType } from './signature.js';

/** `sim.cloud`: where the fake OpenAPI listens and which credentials it expects (never the client key). */
export interface SimulatorCloud {
  /** Base URL, e.g. `https://127.0.0.1:43124`; clients append `/ecr/v1/...`. Same CA as the terminal. */
  readonly url: string;
  readonly port: number;
  /** Expected `X-QF-APPCODE`. */
  readonly appCode: string;
  /** The Device ID the terminal is bound to. */
  readonly termid: string;
}

/** The running OpenAPI and how to stop it. */
export interface RunningCloud {
  info: SimulatorCloud;
  close(): Promise<void>;
}

/** Everything the cloud shares with the simulated terminal. */
export interface CloudDeps {
  options: ResolvedCloudOptions;
  host: string;
  tls: { key: string; cert: string } | undefined;
  device: Device;
  book: TransactionBook;
  screen: Screen;
  faults: FaultQueue;
  clock: () => Date;
  onScreenOpen: (listener: (state: ScreenState) => void) => () => void;
  merchantName: string;
  merchantId: string;
  terminalId: string;
  arrived: (record: RequestRecord) => void;
  completed: (record: RequestRecord) => void;
  log: ((line: string) => void) | undefined;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** Starts the fake OpenAPI on `options.port` (0 = ephemeral) at the terminal's host. */
export async function startCloud(deps: CloudDeps): Promise<RunningCloud> {
  const { options } = deps;
  const service = new CloudService({
    options,
    device: deps.device,
    book: deps.book,
    screen: deps.screen,
    onScreenOpen: deps.onScreenOpen,
    merchantName: deps.merchantName,
    merchantId: deps.merchantId,
    terminalId: deps.terminalId,
    clock: deps.clock,
  });
  const server = new CloudServer(
    { options, service, device: deps.device, faults: deps.faults, clock: deps.clock, arrived: deps.arrived, completed: deps.completed, log: deps.log },
    deps.tls,
  );
  let port: number;
  try {
    port = (await server.listen(options.port, deps.host)).port;
  } catch (cause) {
    const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : 'error';
    throw new SimulatorError('SIM_LISTEN', `cannot listen on ${deps.host}:${options.port} for the ECR Cloud API (${code})`, code === 'EADDRINUSE' ? 'the cloud port is taken: choose another (0 = any free one)' : 'check the host is an address of this machine', { cause });
  }
  const info: SimulatorCloud = Object.freeze({ url: `${deps.tls ? 'https' : 'http'}://${urlHost(deps.host)}:${port}`, port, appCode: options.appCode, termid: options.termid });
  return { info, close: () => server.close() };
}
