export * from './types.js';
export { QFPayTerminal } from './qfpay-terminal.js';
export { QFPayTerminalOptionsSchema, TERMINAL_DEFAULTS, parseTerminalOptions, type QFPayTerminalOptions, type ResolveOptions, type TerminalLogger } from './options.js';
export { InvalidRequestError, TerminalClosedError, TerminalRequestError } from './errors.js';
