import { QfpayEcrError } from '@qfpay-ecr/core';

/** An error raised by the simulator itself (bad options, a wait that timed out, a closed simulator). */
export class SimulatorError extends QfpayEcrError {}
