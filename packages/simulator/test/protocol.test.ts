import { buildEnvelope, decodeResponseBody, digestFormatted, encodeRequestBody, encryptToBase64, formatContent } from '@qfpay-ecr/core';
import { startSimulator, type Simulator } from '../src/index.js';
import { ecr, OTHER_KEY, pay, POS_KEY, raw } from './helpers.js';

describe('request decoding and refusals', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 } });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('a request encrypted and signed with another POS-KEY is denied with 4003', async () => {
    const r = await ecr(sim, 'trade', { func_type: 1001, amt: 1, channel: 'card_payment', out_trade_no: 'K-1' }, OTHER_KEY);
    expect(r.status).toBe(200);
    expect(r.respcd).toBe('4003');
    expect(r.resperr).toBe('Request Denied');
    expect(sim.transactions()).toHaveLength(0);
    expect(sim.paymentRequestCount('K-1')).toBe(0);
  });

  it('a right-key ciphertext whose digest was made with another key is denied with 4003', async () => {
    const formatted = formatContent({ func_type: 4001, out_trade_no: 'K-2' });
    const body = JSON.stringify(encryptToBase64(buildEnvelope(formatted, digestFormatted(formatted, OTHER_KEY)), POS_KEY));
    expect(decodeResponseBody((await raw(sim, '/api/pos/query_transaction', { body })).body).respcd).toBe('4003');
  });

  it('the plain (unencrypted) envelope is accepted with a good digest and denied with a bad one', async () => {
    const content = { func_type: 4001, out_trade_no: 'PLAIN-1' };
    const good = JSON.stringify({ content, digest: digestFormatted(formatContent(content), POS_KEY) });
    expect(decodeResponseBody((await raw(sim, '/api/pos/query_transaction', { body: good })).body)).toMatchObject({ respcd: '6000', data: { respcd: '1136' } });
    const bad = JSON.stringify({ content, digest: digestFormatted(formatContent(content), OTHER_KEY) });
    expect(decodeResponseBody((await raw(sim, '/api/pos/query_transaction', { body: bad })).body).respcd).toBe('4003');
  });

  it('a body that is not a ciphertext at all gets 5001 (decryption failed)', async () => {
    for (const body of [JSON.stringify('this is not base64!'), JSON.stringify('QUJD')]) {
      const r = decodeResponseBody((await raw(sim, '/api/pos/trade', { body })).body);
      expect(r.respcd).toBe('5001');
      expect(r.resperr).toBe('Decryption failed');
    }
  });

  it('schema violations get 4006 and name the field', async () => {
    const cases: Array<[string, Record<string, string | number>, RegExp]> = [
      ['trade', { func_type: 1001, amt: 12.345, channel: 'card_payment' }, /amt/],
      ['trade', { func_type: 1001, amt: -1, channel: 'card_payment' }, /amt/],
      ['trade', { func_type: 1001, amt: 0, channel: 'card_payment' }, /amt/],
      ['trade', { func_type: 1001, amt: '12.50', channel: 'card_payment' }, /amt/],
      ['trade', { func_type: 1001, amt: 1, channel: 'bitcoin' }, /channel/],
      ['trade', { func_type: 1001, channel: 'wx' }, /amt/],
      ['trade', { func_type: 1001, amt: 1, channel: 'wx', camera_id: 2 }, /camera_id/],
      ['cancel', { func_type: 1002 }, /orderId/],
      ['cancel', { func_type: 1002, orderId: '1', refund_amount: 5 }, /refund_amount/],
      ['cancel', { func_type: 1002, orderId: '1', refund_amount: '0.00' }, /refund_amount/],
      ['query_transaction', { func_type: 4001 }, /orderId or out_trade_no/],
      ['print_receipt', { func_type: 3001 }, /orderId/],
      ['trade', { func_type: 4001, out_trade_no: 'x' }, /func_type must be 1001/],
      ['cancel_request', { func_type: '5001' }, /func_type must be 5001/],
    ];
    for (const [path, content, message] of cases) {
      const r = await ecr(sim, path, content);
      expect({ path, content, respcd: r.respcd }).toEqual({ path, content, respcd: '4006' });
      expect(r.resperr).toMatch(message);
    }
    expect(sim.transactions()).toHaveLength(0);
  });

  it('malformed notation inside a valid ciphertext gets 4006', async () => {
    const body = JSON.stringify(encryptToBase64("{content:{amt=1,channel=card}, digest:'00000000000000000000000000000000'}", POS_KEY));
    expect(decodeResponseBody((await raw(sim, '/api/pos/trade', { body })).body).respcd).toBe('4006');
    expect(decodeResponseBody((await raw(sim, '/api/pos/trade', { body: 'not json' })).body).respcd).toBe('4006');
  });

  it('anything but POST gets 4004', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const r = await raw(sim, '/api/pos/trade', { method });
      expect(r.status).toBe(200);
      expect(decodeResponseBody(r.body)).toMatchObject({ respcd: '4004' });
    }
  });

  it('unknown ECR paths get 404 with 4005; other paths 404', async () => {
    const r = await raw(sim, '/api/pos/refund', { body: encodeRequestBody({ func_type: 1002, orderId: '1' }, POS_KEY) });
    expect(r.status).toBe(404);
    expect(decodeResponseBody(r.body).respcd).toBe('4005');
    expect((await raw(sim, '/favicon.ico', { method: 'GET' })).status).toBe(404);
  });

  it('answers CORS preflight permissively and marks replies for browsers', async () => {
    const pre = await raw(sim, '/api/pos/trade', {
      method: 'OPTIONS',
      headers: { Origin: 'https://odoo.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,accept', 'Access-Control-Request-Private-Network': 'true' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://odoo.example');
    expect(pre.headers['access-control-allow-methods']).toMatch(/POST/);
    expect(pre.headers['access-control-allow-headers']).toBe('content-type,accept');
    expect(pre.headers['access-control-allow-private-network']).toBe('true');
    const r = await raw(sim, '/api/pos/cancel_request', { body: encodeRequestBody({ func_type: 5001 }, POS_KEY), headers: { Origin: 'https://odoo.example' } });
    expect(r.headers['access-control-allow-origin']).toBe('https://odoo.example');
    expect(r.headers['content-type']).toMatch(/application\/json/);
  });

  it('replies with data as a JSON string, as Odoo parses it', async () => {
    const r = await raw(sim, '/api/pos/query_transaction', { body: encodeRequestBody({ func_type: 4001, out_trade_no: 'S-1' }, POS_KEY) });
    const outer = JSON.parse(r.body) as { respcd: string; data: unknown };
    expect(outer.respcd).toBe('6000');
    expect(typeof outer.data).toBe('string');
    expect(JSON.parse(outer.data as string)).toMatchObject({ respcd: '1136' });
  });

  it('records every request with its func_type, content and reply code', () => {
    const records = sim.requests();
    expect(records.length).toBeGreaterThan(10);
    expect(records.find((r) => r.respcd === '4003')).toMatchObject({ path: '/api/pos/trade', funcType: null, content: null });
    expect(records.some((r) => r.method === 'GET' && r.respcd === '4004')).toBe(true);
  });
});

describe('reply encryption and plain HTTP', () => {
  it('encryptReplies: replies are Base64 AES under the POS-KEY; refusals of undecodable requests stay plain', async () => {
    const sim = await startSimulator({ posKey: POS_KEY, encryptReplies: true, customer: { action: 'approve', afterMs: 0 } });
    try {
      const r = await raw(sim, '/api/pos/trade', { body: encodeRequestBody({ func_type: 1001, amt: 2, channel: 'wx', out_trade_no: 'E-1' }, POS_KEY) });
      expect(JSON.parse(r.body)).toEqual(expect.any(String));
      expect(() => decodeResponseBody(r.body)).toThrow(/POS-KEY/);
      expect(decodeResponseBody(r.body, POS_KEY)).toMatchObject({ respcd: '6000', encrypted: true, data: { respcd: '0000', out_trade_no: 'E-1' } });
      const denied = await raw(sim, '/api/pos/trade', { body: encodeRequestBody({ func_type: 5001 }, OTHER_KEY) });
      expect(decodeResponseBody(denied.body)).toMatchObject({ respcd: '4003', encrypted: false });
    } finally {
      await sim.close();
    }
  });

  it('tls:false serves plain HTTP with no CA', async () => {
    const sim = await startSimulator({ posKey: '0123456789abcdef', tls: false, customer: { action: 'approve', afterMs: 0 } });
    try {
      expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sim.caPem).toBeNull();
      expect(sim.caFingerprint256).toBeNull();
      const r = await raw(sim, '/api/pos/trade', { body: encodeRequestBody({ func_type: 1001, amt: 1, channel: 'fps', out_trade_no: 'H-1' }, '0123456789abcdef') });
      expect(decodeResponseBody(r.body)).toMatchObject({ respcd: '6000', data: { respcd: '0000', busicd: '802001' } });
    } finally {
      await sim.close();
    }
  });

  it('rejects bad options with a ConfigError that never shows the key', async () => {
    const secret = 'short-secret-key';
    await expect(startSimulator({ posKey: `${secret}x` })).rejects.toThrow(/POS-KEY must be 16, 24 or 32 bytes/);
    await expect(startSimulator({ posKey: `${secret}x` })).rejects.not.toThrow(new RegExp(secret));
    await expect(startSimulator({ posKey: POS_KEY, host: 'example.com' })).rejects.toThrow(/not an IP address/);
    await expect(startSimulator({ posKey: POS_KEY, notify: { url: 'ftp://x', key: 'k' } })).rejects.toThrow(/notify\.url/);
  });
});

describe('with a pay helper', () => {
  it('counts only decoded 1001s per out_trade_no', async () => {
    const sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'cancel', afterMs: 0 } });
    try {
      await pay(sim, 'CNT-1', 1);
      await pay(sim, 'CNT-1', 1);
      await ecr(sim, 'trade', { func_type: 1001, amt: 1, channel: 'wx', out_trade_no: 'CNT-1' }, OTHER_KEY);
      expect(sim.paymentRequestCount('CNT-1')).toBe(2);
      expect(sim.paymentRequestCount('never')).toBe(0);
    } finally {
      await sim.close();
    }
  });
});

describe('secrets', () => {
  it('the POS-KEY never appears in log lines, replies or request records', async () => {
    const lines: string[] = [];
    const sim = await startSimulator({ posKey: POS_KEY, customer: { action: 'approve', afterMs: 0 }, log: (l) => lines.push(l) });
    const bodies: string[] = [];
    try {
      const send = async (path: string, body: string) => bodies.push((await raw(sim, path, { body })).body);
      await send('/api/pos/trade', encodeRequestBody({ func_type: 1001, amt: 1, channel: 'wx', out_trade_no: 'SEC-1' }, POS_KEY));
      await send('/api/pos/trade', encodeRequestBody({ func_type: 1001, amt: 1, channel: 'wx', out_trade_no: 'SEC-2' }, OTHER_KEY));
      await send('/api/pos/trade', JSON.stringify('garbage!'));
      await send('/api/pos/trade', encodeRequestBody({ func_type: 1001, amt: 1.234, channel: 'wx' }, POS_KEY));
      await send('/api/pos/query_transaction', encodeRequestBody({ func_type: 4001, out_trade_no: 'SEC-1' }, POS_KEY));
      expect(lines).toHaveLength(5);
      expect(lines[0]).toBe('POST /api/pos/trade func_type=1001 → 6000');
      const everything = [...lines, ...bodies, JSON.stringify(sim.requests()), JSON.stringify(sim.transactions())].join('\n');
      expect(everything).not.toContain(POS_KEY);
      expect(everything).not.toContain(OTHER_KEY);
    } finally {
      await sim.close();
    }
  });
});
