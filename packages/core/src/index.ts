// Node entry point: everything, including the undici transport and QFPayTerminal.
// Browser code imports '@qfpay-ecr/core/browser' instead.
export * from './errors.js';
export * from './protocol/index.js';
export * from './money/index.js';
export * from './notify/index.js';
export * from './reference/index.js';
export * from './transport/index.js';
export * from './terminal/index.js';
export * from './doctor/index.js';
export * from './cloud/index.js';
