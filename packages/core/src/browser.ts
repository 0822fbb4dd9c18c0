/**
 * Browser-safe entry point: no Node built-ins, no undici. The terminal contract, money, references
 * and code tables, for code that runs in a POS front end (it never holds the POS-KEY).
 */
export * from './errors.js';
export * from './money/index.js';
export * from './reference/index.js';
export * from './protocol/codes.js';
export * from './terminal/types.js';
