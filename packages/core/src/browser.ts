/**
 * Browser-safe entry point: no Node built-ins, no undici. The terminal contract, money, references
 * and code tables, for code that runs in a POS front end (it never holds the POS-KEY), and the
 * shared terminal logic (`TerminalEngine`) to run over an injected codec and poster.
 */
export * from './errors.js';
export * from './money/index.js';
export * from './reference/index.js';
export * from './protocol/codes.js';
export { decodeReplyBody } from './protocol/reply-body.js';
export * from './terminal/types.js';
export { InvalidRequestError, TerminalClosedError, TerminalRequestError } from './terminal/errors.js';
export { TERMINAL_DEFAULTS } from './terminal/defaults.js';
export { TerminalEngine, type EngineEventSink, type TerminalEngineOptions } from './terminal/engine.js';
export type { DecodedResponse, EcrCodec, EcrPoster, EcrPostOptions, EcrPostResponse, EngineTimings, ResolveOptions, TerminalLogger } from './terminal/ports.js';
export * from './transport/errors.js';
export { validatePay, validateRefund, type ValidPay, type ValidRefund } from './terminal/requests.js';
