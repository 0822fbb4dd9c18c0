/**
 * Typed errors shared by every layer. Each carries a stable `code` for programs and a `hint`
 * telling a person what to do. Messages never contain secrets (POS-KEY, notification keys).
 */

/** Base class of every error this toolkit throws on purpose. */
export class QfpayEcrError extends Error {
  /** Stable machine-readable code, e.g. `CONFIG_POS_KEY_LENGTH`. */
  readonly code: string;
  /** What the user should do about it. */
  readonly hint: string;

  constructor(code: string, message: string, hint: string, options?: { cause?: unknown }) {
    super(hint ? `${message} — ${hint}` : message, options);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }
}

/** The configuration given to us cannot work (wrong key length, bad CA, bad URL…). */
export class ConfigError extends QfpayEcrError {}

/** A value cannot be carried by QFPay's `{k=v,k='v'}` wire notation or fails a request schema. */
export class WireFormatError extends QfpayEcrError {}

/** A body from the other side could not be decoded (not JSON, not decryptable, bad digest…). */
export class DecodeError extends QfpayEcrError {}

/** An amount is not a valid integer number of minor units within limits. */
export class AmountError extends QfpayEcrError {}
