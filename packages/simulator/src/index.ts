export { createTestPki, type TestPki, type TestPkiOptions } from './pki.js';
