import { IpAllowlist, QFPAY_SENDER_IPS, allowlistEntryProblem, normaliseIp } from '../src/index.js';
import { paymentBody, signedHeaders } from './support/fixtures.js';
import { startApp, type Running } from './support/harness.js';
import { postNotify } from './support/http.js';
import { sqliteFactory, type StoreFactory } from './support/stores.js';

describe('IpAllowlist', () => {
  it("exports QFPay's documented sender IPs", () => {
    expect(QFPAY_SENDER_IPS).toEqual(['13.228.112.115', '18.138.115.47', '18.166.202.92']);
    expect(Object.isFrozen(QFPAY_SENDER_IPS)).toBe(true);
  });

  it('matches addresses and CIDR blocks, IPv4-mapped IPv6 included', () => {
    const list = new IpAllowlist([...QFPAY_SENDER_IPS, '10.1.0.0/16', '2001:db8::/32']);
    expect(list.allows('13.228.112.115')).toBe(true);
    expect(list.allows('::ffff:18.166.202.92')).toBe(true);
    expect(list.allows('13.228.112.116')).toBe(false);
    expect(list.allows('10.1.255.3')).toBe(true);
    expect(list.allows('10.2.0.1')).toBe(false);
    expect(list.allows('2001:db8:1::5')).toBe(true);
    expect(list.allows('2001:db9::5')).toBe(false);
    expect(list.allows(undefined)).toBe(false);
    expect(list.allows('not an ip')).toBe(false);
    expect(normaliseIp(' ::FFFF:1.2.3.4 ')).toBe('1.2.3.4');
  });

  it('explains bad entries', () => {
    expect(allowlistEntryProblem('1.2.3.4')).toBeUndefined();
    expect(allowlistEntryProblem('1.2.3.0/24')).toBeUndefined();
    expect(allowlistEntryProblem('1.2.3.4/33')).toMatch(/prefix/);
    expect(allowlistEntryProblem('example.com')).toMatch(/not an IPv4 or IPv6/);
    expect(allowlistEntryProblem('1.2.3.4/8/1')).toMatch(/more than one/);
    expect(() => new IpAllowlist(['bogus'])).toThrow(/bogus/);
  });
});

describe('allowlist over HTTP', () => {
  let stores: StoreFactory;
  let run: Running | undefined;
  beforeAll(() => {
    stores = sqliteFactory();
  });
  afterEach(async () => {
    await run?.notify.close();
    run = undefined;
  });
  afterAll(async () => {
    await stores.dispose();
  });

  async function deliver(headers: Record<string, string> = {}) {
    const body = paymentBody();
    return postNotify(run?.url ?? '', body, { ...signedHeaders(body), ...headers });
  }

  it('off when not configured: any sender with a valid signature is accepted', async () => {
    run = await startApp(await stores.create());
    expect((await deliver()).status).toBe(200);
  });

  it('on: a sender outside the list gets 403 (recorded, nothing stored); a listed one is accepted', async () => {
    const store = await stores.create();
    run = await startApp(store, { allowlist: [...QFPAY_SENDER_IPS] });
    const refused = await deliver();
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain('SUCCESS');
    expect(await store.since(0, 10)).toEqual([]);
    await run.notify.flushRejects();
    expect(await store.rejects()).toMatchObject([{ reason: 'ip_not_allowed', status: 403, remoteIp: '127.0.0.1' }]);
    await run.notify.close();

    run = await startApp(await stores.create(), { allowlist: ['127.0.0.0/8'] });
    expect((await deliver()).status).toBe(200);
  });

  it('X-Forwarded-For is ignored unless trust-proxy is on', async () => {
    run = await startApp(await stores.create(), { allowlist: [...QFPAY_SENDER_IPS] });
    expect((await deliver({ 'X-Forwarded-For': '13.228.112.115' })).status).toBe(403);
  });

  it('with trust-proxy, the entry our proxy appended (rightmost) decides; a spoofed leftmost entry does not', async () => {
    const store = await stores.create();
    run = await startApp(store, { allowlist: [...QFPAY_SENDER_IPS], trustProxy: true });
    expect((await deliver({ 'X-Forwarded-For': '13.228.112.115' })).status).toBe(200);
    expect((await deliver({ 'X-Forwarded-For': '13.228.112.115, 203.0.113.9' })).status).toBe(403);
    expect((await deliver({ 'X-Forwarded-For': '203.0.113.9, 18.138.115.47' })).status).toBe(200);
    expect((await deliver()).status).toBe(403); // no header: the proxy's own address (127.0.0.1)
    expect((await store.since(0, 10)).map((r) => r.remoteIp)).toEqual(['13.228.112.115', '18.138.115.47']);
  });

  it('with trust-proxy and two proxy hops, the second entry from the right decides', async () => {
    run = await startApp(await stores.create(), { allowlist: [...QFPAY_SENDER_IPS], trustProxy: true, proxyHops: 2 });
    expect((await deliver({ 'X-Forwarded-For': '1.1.1.1, 18.166.202.92, 10.0.0.2' })).status).toBe(200);
    expect((await deliver({ 'X-Forwarded-For': '18.166.202.92, 1.1.1.1, 10.0.0.2' })).status).toBe(403);
  });
});
