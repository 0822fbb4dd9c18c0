/**
 * Typed errors of the Odoo adapter. Each extends core's {@link QfpayEcrError}: a stable `code`
 * for programs and a `hint` for people. Messages never contain secrets (POS-KEY, bridge tokens).
 */
import { QfpayEcrError } from '@qfpay-ecr/core';

/** The adapter's configuration (payment-method fields, install options) cannot work. */
export class AdapterConfigError extends QfpayEcrError {}

/**
 * A payment line cannot be settled automatically and the adapter set its status itself
 * (`force_done`): amount/currency mismatch (`AMOUNT_MISMATCH`) or no final answer before the
 * deadline (`OUTCOME_UNKNOWN`). `sendPaymentRequest` rejects with it, as Odoo's contract asks
 * when the interface sets the status by hand.
 */
export class LineNeedsAttentionError extends QfpayEcrError {}

/** The signing endpoint refused or failed (`SIGNER_*`). The POS-KEY stays on the server. */
export class SignerError extends QfpayEcrError {}

/**
 * The payment bridge (the Node process that owns the terminal) answered with an error or could
 * not be reached (`BRIDGE_*`). Tokens never appear in the message.
 */
export class BridgeError extends QfpayEcrError {
  /** HTTP status of the bridge's answer, when there was one. */
  readonly status?: number;

  constructor(code: string, message: string, hint: string, options?: { cause?: unknown; status?: number }) {
    super(code, message, hint, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.status !== undefined) this.status = options.status;
  }
}
