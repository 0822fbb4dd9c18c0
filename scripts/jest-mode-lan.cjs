// Jest setup of the `lan` project (jest.config.mjs): test worlds build the LAN QFPayTerminal.
process.env.QFPAY_TEST_TERMINAL_MODE = 'lan';
