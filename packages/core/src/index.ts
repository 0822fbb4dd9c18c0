export * from './errors.js';
export * from './protocol/index.js';
export * from './money/index.js';
export * from './terminal/index.js';
