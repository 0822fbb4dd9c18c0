export * from './errors.js';
export * from './protocol/index.js';
export * from './terminal/index.js';
