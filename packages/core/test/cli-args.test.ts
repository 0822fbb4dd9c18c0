import { parseCli, UsageError } from '../src/cli/args.js';

const ENV = { QFPAY_POS_KEY: '0123456789abcdef0123456789abcdef' };

function terminalOf(value: string): unknown {
  const request = parseCli(['query', '--terminal', value, '--out-trade-no', 'order-1'], ENV) as { terminal?: unknown; host?: unknown; port?: unknown };
  return { host: request.host, port: request.port };
}

describe('qfpay-ecr --terminal', () => {
  it.each([
    ['192.168.1.50', { host: '192.168.1.50', port: 9001 }],
    ['192.168.1.50:9443', { host: '192.168.1.50', port: 9443 }],
    ['till.local:9001', { host: 'till.local', port: 9001 }],
    ['[fe80::1]:9002', { host: 'fe80::1', port: 9002 }],
    ['[fe80::1]', { host: 'fe80::1', port: 9001 }],
    ['fe80::1', { host: 'fe80::1', port: 9001 }],
  ])('%s → host and port', (value, expected) => {
    expect(terminalOf(value)).toEqual(expected);
  });

  it.each(['x]:1', '[fe80::1', 'a b:1', 'host:port', '[]:1'])('%s is refused as a usage error naming --terminal', (value) => {
    expect(() => terminalOf(value)).toThrow(UsageError);
    expect(() => terminalOf(value)).toThrow(/--terminal/);
  });
});

describe('qfpay-ecr --amount', () => {
  it.each(['0', '0.00'])('%s is a usage error, not a failed payment', (amount) => {
    expect(() => parseCli(['pay', '--terminal', '192.168.1.50', '--amount', amount, '--channel', 'wx'], ENV)).toThrow(/--amount must be more than zero/);
  });
});
