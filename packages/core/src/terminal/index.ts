export * from './types.js';
export { QFPayTerminal, localEcrCodec } from './qfpay-terminal.js';
export { TerminalEventEmitter } from './terminal-emitter.js';
export { QFPayTerminalOptionsSchema, TERMINAL_DEFAULTS, parseTerminalOptions, type QFPayTerminalOptions, type ResolveOptions, type TerminalLogger } from './options.js';
export { InvalidRequestError, TerminalClosedError, TerminalRequestError } from './errors.js';
export { TerminalEngine, type EngineEventSink, type TerminalEngineOptions } from './engine.js';
export type { DecodedResponse, EcrCodec, EcrPoster, EcrPostOptions, EcrPostResponse, EngineTimings } from './ports.js';
export { validatePay, validateRefund, type ValidPay, type ValidRefund } from './requests.js';
