import { QfpayEcrError } from '@qfpay-ecr/core';

/** The campaign itself could not run (bad arguments, the notify server not built, a process that did not start). */
export class ChaosError extends QfpayEcrError {}
