/**
 * One Jest run over every package; sources are mapped so tests never need a build of a sibling.
 *
 * Two projects, so one `npm run jest` runs the adapters' suites once per terminal mode:
 * - `lan`: every test, with `QFPAY_TEST_TERMINAL_MODE=lan` (the terminal on the shop LAN), except
 *   `*.cloud.test.ts`;
 * - `cloud`: the adapters' suites (woo-adapter, odoo-adapter, the WooCommerce bridge) and every
 *   `*.cloud.test.ts`, with `QFPAY_TEST_TERMINAL_MODE=cloud` (ECR Cloud: QFPayCloudTerminal against
 *   the simulator's fake OpenAPI), except `*.lan.test.ts` (LAN-only behaviour).
 * `npm run jest -- <path>` runs a path in every project that holds it (`--selectProjects cloud` for one).
 */
const base = {
  rootDir: '.',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@qfpay-ecr/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^@qfpay-ecr/core/browser$': '<rootDir>/packages/core/src/browser.ts',
    '^@qfpay-ecr/([a-z-]+)/([a-z-]+)$': '<rootDir>/packages/$1/src/$2/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.jest.json' }],
  },
  modulePathIgnorePatterns: ['<rootDir>/packages/.*/dist/'],
};

/** Suites that run in both terminal modes. */
const BOTH_MODES = ['packages/woo-adapter', 'packages/odoo-adapter', 'examples/woocommerce'];

export default {
  // Global options (Jest reads these at the top level only, not per project).
  testTimeout: 30000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/scripts/summary-reporter.cjs'],
  projects: [
    {
      ...base,
      displayName: 'lan',
      roots: ['<rootDir>/packages', '<rootDir>/examples'],
      testMatch: ['**/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.cloud\\.test\\.ts$'],
      setupFiles: ['<rootDir>/scripts/jest-mode-lan.cjs'],
    },
    {
      ...base,
      displayName: 'cloud',
      roots: ['<rootDir>/packages', '<rootDir>/examples'],
      testMatch: [...BOTH_MODES.map((dir) => `<rootDir>/${dir}/test/**/*.test.ts`), '**/test/**/*.cloud.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.lan\\.test\\.ts$'],
      setupFiles: ['<rootDir>/scripts/jest-mode-cloud.cjs'],
    },
  ],
};
