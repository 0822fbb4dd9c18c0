// Jest setup of the `cloud` project (jest.config.mjs): test worlds build a QFPayCloudTerminal
// against the simulator's fake QFPay OpenAPI (ECR Cloud).
process.env.QFPAY_TEST_TERMINAL_MODE = 'cloud';
