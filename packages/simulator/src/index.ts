/**
 * @qfpay-ecr/simulator — a faithful fake QFPay ECR terminal (Haojin app on a Landi device) and
 * QFPay notifier, for tests, demos and `doctor`.
 */
export { startSimulator, type Simulator, type CustomerControls } from './simulator.js';
export { SIMULATOR_DEFAULTS, customerScriptSchema, faultSchema, type SimulatorOptions, type NotifyOptions } from './config.js';
export { createTestPki, type TestPki, type TestPkiOptions } from './pki.js';
export { cloudOptionsSchema, type CloudOptions, type SimulatorCloud } from './cloud/index.js';
export { buildNotification } from './notifier.js';
export { SimulatorError } from './errors.js';
export { GARBAGE_BODY } from './server.js';
export type {
  BookEntry,
  CustomerScript,
  Fault,
  NotificationRecord,
  NotifyFault,
  PendingCode,
  PrintRecord,
  RequestRecord,
  ScreenResult,
  ScreenState,
  SimCard,
  SimulatorEvents,
} from './types.js';
