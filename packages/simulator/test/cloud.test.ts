import { startSimulator, type Simulator, type SimulatorOptions } from '../src/index.js';
import { POS_KEY, pay, until } from './helpers.js';
import { APP_CODE, CLIENT_KEY, cloudPost, cloudQuery, NOTIFY_KEY, notifyReceiver, pushCancel, pushPayment, pushRefund, TERMID, txOf } from './cloud-helpers.js';

const CLOUD = { appCode: APP_CODE, clientKey: CLIENT_KEY, termid: TERMID };
const start = (extra: Partial<SimulatorOptions> = {}) => startSimulator({ posKey: POS_KEY, cloud: CLOUD, ...extra });

describe('ECR Cloud: fake QFPay OpenAPI pushing to the simulated terminal', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('exposes sim.cloud on its own HTTPS port with the terminal CA; null without cloud options', async () => {
    const plain = await startSimulator({ posKey: POS_KEY });
    expect(plain.cloud).toBeNull();
    await plain.close();
    sim = await start();
    expect(sim.cloud).toEqual({ url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/), port: expect.any(Number), appCode: APP_CODE, termid: TERMID });
    expect(sim.cloud?.port).not.toBe(sim.port);
    expect(JSON.stringify(sim.cloud)).not.toContain(CLIENT_KEY);
    const r = await pushPayment(sim, 'EXPOSE-1', '100');
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^application\/json/);
  });

  it('payment push → screen → approve → query 0000 with the documented fields → signed notification', async () => {
    const rx = await notifyReceiver();
    try {
      sim = await start({ notify: { url: rx.url, key: NOTIFY_KEY, scheduleMs: [0] }, merchantName: 'Cloud Shop', merchantId: '1130619' });
      const pushed = await pushPayment(sim, 'CLOUD-1', '1250', 'card_payment', { payment_timeout: '60', camera_id: '1' });
      // The push is answered at once, while the screen is still open (cloud is asynchronous).
      expect(pushed.text).toBe('{"resperr":"Order push success","respcd":"0000","respmsg":""}');
      const screen = await sim.waitForScreen();
      expect(screen).toMatchObject({ kind: 'payment', outTradeNo: 'CLOUD-1', amountMinor: 1250, channel: 'card_payment' });
      expect(sim.paymentRequestCount('CLOUD-1')).toBe(1);

      const pending = txOf(await cloudQuery(sim, { out_trade_no: 'CLOUD-1' }));
      expect(pending).toMatchObject({ respcd: '1145', syssn: screen.syssn, txamt: 1250, txcurrcd: '344', tradetp: 'payment' });

      expect(sim.customer.approve()).toBe(true);
      const q = await cloudQuery(sim, { out_trade_no: 'CLOUD-1' });
      expect(q.json).toMatchObject({ resperr: 'Query success', respcd: '0000' });
      const tx = txOf(q);
      expect(tx).toMatchObject({
        respcd: '0000',
        cancel: 0,
        syssn: screen.syssn,
        out_trade_no: 'CLOUD-1',
        tradetp: 'payment',
        origssn: '',
        txamt: 1250,
        allow_refund_amt: 1250,
        txcurrcd: '344',
        busicd: '802808',
        nickname: 'Cloud Shop',
        userid: 1130619,
        cardscheme: 'VISA',
        cardno: '476173******0119',
        cardtype: expect.any(String),
        batchno: expect.any(String),
        refno: expect.any(String),
      });
      for (const key of ['sysdtm', 'server_time']) expect(tx[key]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      for (const key of ['chnlsn', 'clisn', 'origbusicd', 'opuid', 'opuser', 'customer_source']) expect(typeof tx[key]).toBe('string');
      expect(Object.keys(tx).slice(0, 3)).toEqual(['server_time', 'chnluserid', 'cancel']);

      // The Chinese doc's path answers the same, and so does a query by syssn.
      expect(txOf(await cloudQuery(sim, { syssn: screen.syssn }, '/ecr/v1/query/async'))).toMatchObject({ respcd: '0000', out_trade_no: 'CLOUD-1' });

      await until(() => rx.received.length === 1);
      const [msg] = rx.received;
      expect(msg?.valid).toBe(true);
      expect(JSON.parse(msg?.body ?? '{}')).toMatchObject({ notify_type: 'payment', status: '1', syssn: screen.syssn, out_trade_no: 'CLOUD-1', txamt: '1250', respcd: '0000' });
      expect(sim.transactions()).toHaveLength(1);
      expect(sim.requests().filter((r) => r.path === '/ecr/v1/payment/async')).toEqual([expect.objectContaining({ method: 'POST', funcType: 1001, respcd: '0000', content: expect.objectContaining({ out_trade_no: 'CLOUD-1', txamt: '1250' }) })]);
    } finally {
      await rx.close();
    }
  });

  it('wallet payments carry no card fields; QRCODE_PAY books the MPM pay type; Octopus gets its own fields', async () => {
    sim = await start({ customer: { action: 'approve', afterMs: 0 } });
    await pushPayment(sim, 'WX-1', '330', 'wx', { scan_type: 'QRCODE_PAY' });
    await until(() => sim?.transactions().length === 1);
    const wx = txOf(await cloudQuery(sim, { out_trade_no: 'WX-1' }));
    expect(wx).toMatchObject({ respcd: '0000', busicd: '800201', txamt: 330 });
    expect(wx).not.toHaveProperty('cardscheme');
    expect(wx).not.toHaveProperty('octopus_order_status');
    await pushPayment(sim, 'OCT-1', '100', 'octopus');
    await until(() => sim?.transactions().length === 2);
    const oct = txOf(await cloudQuery(sim, { out_trade_no: 'OCT-1' }));
    expect(oct).toMatchObject({ respcd: '0000', busicd: '803708', allow_refund_amt: 0, octopus_order_status: 'SUCCESS', octopus_balance: 0 });
  });

  it('decline and customer cancel are reflected in queries; nothing is notified', async () => {
    const rx = await notifyReceiver();
    try {
      sim = await start({ customer: { action: 'decline', afterMs: 0, code: '1201' }, notify: { url: rx.url, key: NOTIFY_KEY, scheduleMs: [0] } });
      await pushPayment(sim, 'DEC-1', '500', 'alipay');
      await until(() => sim?.transactions().length === 1);
      expect(txOf(await cloudQuery(sim, { out_trade_no: 'DEC-1' }))).toMatchObject({ respcd: '1201', allow_refund_amt: 0 });

      sim.setCustomer({ action: 'cancel', afterMs: 0 });
      const closed = new Promise((resolve) => sim?.once('screen-closed', (_s, result) => resolve(result)));
      await pushPayment(sim, 'CAN-1', '500', 'alipay');
      expect(await closed).toEqual({ action: 'cancel', by: 'customer' });
      // The host order existed since the push: it is booked as cancelled (1263), nothing charged.
      expect(txOf(await cloudQuery(sim, { out_trade_no: 'CAN-1' }))).toMatchObject({ respcd: '1263', tradetp: 'payment', txamt: 500, cancel: 0, allow_refund_amt: 0, out_trade_no: 'CAN-1' });
      expect(rx.received).toHaveLength(0);
    } finally {
      await rx.close();
    }
  });

  it('pending-then-approve: queries say pending, then 0000 (notified once)', async () => {
    const rx = await notifyReceiver();
    try {
      sim = await start({ customer: { action: 'pending-then-approve', afterMs: 0, pendingQueries: 2, code: '1143' }, notify: { url: rx.url, key: NOTIFY_KEY, scheduleMs: [0] } });
      await pushPayment(sim, 'PEND-1', '800', 'payme');
      await until(() => sim?.transactions().length === 1);
      const codes: unknown[] = [];
      for (let i = 0; i < 3; i += 1) codes.push(txOf(await cloudQuery(sim, { out_trade_no: 'PEND-1' })).respcd);
      expect(codes).toEqual(['1143', '1143', '0000']);
      await until(() => rx.received.length === 1);
      expect(txOf(await cloudQuery(sim, { out_trade_no: 'PEND-1' })).respcd).toBe('0000');
      expect(rx.received).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });

  it('cancel push ends the open screen as cancelled by the POS; with nothing open it is still "pushed"', async () => {
    sim = await start();
    await pushPayment(sim, 'CP-1', '2000');
    await sim.waitForScreen();
    const closed = new Promise((resolve) => sim?.once('screen-closed', (_s, result) => resolve(result)));
    const c = await pushCancel(sim);
    expect(c.text).toBe('{"resperr":"Cancel push success","respcd":"0000","respmsg":""}');
    expect(await closed).toEqual({ action: 'cancel', by: 'pos' });
    expect(sim.screen()).toBeNull();
    expect(txOf(await cloudQuery(sim, { out_trade_no: 'CP-1' }))).toMatchObject({ respcd: '1263', tradetp: 'payment' });
    expect((await pushCancel(sim)).json).toEqual({ resperr: 'Cancel push success', respcd: '0000', respmsg: '' });
    expect(sim.transactions()).toEqual([expect.objectContaining({ outTradeNo: 'CP-1', respcd: '1263', amountMinor: 2000 })]);
  });

  it('a cloud order whose screen ends without payment is booked 1263 (customer, cancel push, timeout; refunds too); LAN books nothing', async () => {
    sim = await start();
    // Timeout: payment_timeout 1 s, nobody acts.
    await pushPayment(sim, 'TO-1', '300', 'alipay', { payment_timeout: '1' });
    const opened = await sim.waitForScreen();
    const timedOut = new Promise((resolve) => sim?.once('screen-closed', (_s, result) => resolve(result)));
    expect(await timedOut).toEqual({ action: 'cancel', by: 'timeout' });
    const tx = txOf(await cloudQuery(sim, { out_trade_no: 'TO-1' }));
    expect(tx).toMatchObject({ respcd: '1263', syssn: opened.syssn, txamt: 300, busicd: '800108', chnlsn: '', allow_refund_amt: 0 });
    expect(txOf(await cloudQuery(sim, { syssn: opened.syssn }))).toMatchObject({ respcd: '1263', out_trade_no: 'TO-1' });
    // The order exists: its reference cannot be pushed again, and it cannot be refunded.
    expect((await pushPayment(sim, 'TO-1', '300', 'alipay')).json.respcd).toBe('1102');
    expect((await pushRefund(sim, opened.syssn)).json.respcd).toBe('1136');

    // A refund screen cancelled by the operator is booked the same way; the payment is untouched.
    sim.setCustomer({ action: 'approve', afterMs: 0 });
    await pushPayment(sim, 'PAID-1', '900', 'alipay');
    await until(() => sim?.transactions().some((t) => t.outTradeNo === 'PAID-1') === true);
    const paid = sim.transactions().find((t) => t.outTradeNo === 'PAID-1')!;
    sim.setCustomer({ action: 'cancel', afterMs: 0 });
    await pushRefund(sim, paid.syssn, { out_trade_no: 'REF-C', txamt: '400' });
    await until(() => sim?.transactions().some((t) => t.outTradeNo === 'REF-C') === true);
    expect(txOf(await cloudQuery(sim, { out_trade_no: 'REF-C' }))).toMatchObject({ respcd: '1263', tradetp: 'refund', txamt: 400, origssn: paid.syssn });
    expect(txOf(await cloudQuery(sim, { syssn: paid.syssn }))).toMatchObject({ respcd: '0000', cancel: 0, allow_refund_amt: 900 });

    // LAN: a cancelled 1001 books nothing (the 6001 reply is the answer), as before.
    const lan = await pay(sim, 'LAN-CAN-1', 2);
    expect(lan.respcd).toBe('6001');
    expect(sim.transactions().some((t) => t.outTradeNo === 'LAN-CAN-1')).toBe(false);
  });

  it('a push while a screen is open is accepted but the busy terminal drops it: nothing booked, the open screen undisturbed', async () => {
    sim = await start();
    await pushPayment(sim, 'FIRST-1', '100');
    const first = await sim.waitForScreen();
    const second = await pushPayment(sim, 'SECOND-1', '200');
    expect(second.json).toEqual({ resperr: 'Order push success', respcd: '0000', respmsg: '' });
    expect(sim.screen()).toMatchObject({ outTradeNo: 'FIRST-1', syssn: first.syssn });
    expect(sim.customer.approve()).toBe(true);
    expect((await cloudQuery(sim, { out_trade_no: 'SECOND-1' })).json.respcd).toBe('1136');
    expect(sim.transactions().map((t) => t.outTradeNo)).toEqual(['FIRST-1']);
    // The dropped order never existed, so the POS may push it again.
    await pushPayment(sim, 'SECOND-1', '200');
    expect(await sim.waitForScreen()).toMatchObject({ outTradeNo: 'SECOND-1' });
  });

  it('the same out_trade_no is never booked twice: 1102 while open, after approval and after a decline', async () => {
    sim = await start();
    await pushPayment(sim, 'DUP-1', '100');
    await sim.waitForScreen();
    const whileOpen = await pushPayment(sim, 'DUP-1', '100');
    expect(whileOpen.json).toMatchObject({ respcd: '1102', respmsg: '' });
    sim.customer.approve();
    const again = await pushPayment(sim, 'DUP-1', '100');
    expect(again.json.respcd).toBe('1102');
    expect(sim.screen()).toBeNull();
    expect(sim.transactions().filter((t) => t.outTradeNo === 'DUP-1')).toHaveLength(1);
    expect(sim.paymentRequestCount('DUP-1')).toBe(3);

    await pushPayment(sim, 'DUP-2', '100');
    await sim.waitForScreen();
    sim.customer.decline('1205');
    expect((await pushPayment(sim, 'DUP-2', '100')).json.respcd).toBe('1102');
    expect(sim.screen()).toBeNull();
    // A LAN 1001 with a cloud order's out_trade_no is refused too (one book).
    expect((await pay(sim, 'DUP-1', 1)).data).toMatchObject({ respcd: '1260' });
    expect(sim.transactions()).toHaveLength(2);
  });

  it('refunds: wallet partial then the rest; the refund keeps its own out_trade_no; notified with orig fields', async () => {
    const rx = await notifyReceiver();
    try {
      sim = await start({ customer: { action: 'approve', afterMs: 0 }, notify: { url: rx.url, key: NOTIFY_KEY, scheduleMs: [0] } });
      await pushPayment(sim, 'PAY-R1', '1000', 'wx');
      await until(() => sim?.transactions().length === 1);
      const syssn = sim.transactions()[0]?.syssn as string;

      const partial = await pushRefund(sim, syssn, { txamt: '300', out_trade_no: 'REF-1' });
      expect(partial.text).toBe('{"resperr":"Refund push success","respcd":"0000","respmsg":""}');
      await until(() => sim?.transactions().length === 2);
      const refund = txOf(await cloudQuery(sim, { out_trade_no: 'REF-1' }));
      expect(refund).toMatchObject({ respcd: '0000', tradetp: 'refund', txamt: 300, origssn: syssn, out_trade_no: 'REF-1', origbusicd: '800208' });
      expect(txOf(await cloudQuery(sim, { out_trade_no: 'PAY-R1' }))).toMatchObject({ cancel: 5, allow_refund_amt: 700 });

      expect((await pushRefund(sim, syssn, { txamt: '701' })).json).toMatchObject({ respcd: '1272', respmsg: '' });
      await pushRefund(sim, syssn); // the rest, no out_trade_no: R<syssn> as on LAN
      await until(() => sim?.transactions().length === 3);
      const rest = sim.transactions()[2];
      expect(rest).toMatchObject({ kind: 'refund', amountMinor: 700, outTradeNo: `R${rest?.syssn}` });
      expect(txOf(await cloudQuery(sim, { syssn }))).toMatchObject({ cancel: 3, allow_refund_amt: 0 });
      expect((await pushRefund(sim, syssn)).json.respcd).toBe('1125');
      expect((await pushRefund(sim, syssn, { out_trade_no: 'PAY-R1' })).json.respcd).toBe('1102');

      await until(() => rx.received.length === 3);
      const refundNote = rx.received.map((m) => JSON.parse(m.body) as Record<string, string>).find((b) => b.out_trade_no === 'REF-1');
      expect(refundNote).toMatchObject({ notify_type: 'refund', txamt: '300', orig_syssn: syssn, orig_out_trade_no: 'PAY-R1' });
      expect(rx.received.every((m) => m.valid)).toBe(true);
    } finally {
      await rx.close();
    }
  });

  it('refund rules as on LAN: same-day card refunds full only, Octopus never, unknown syssn 1136', async () => {
    sim = await start({ customer: { action: 'approve', afterMs: 0 } });
    await pushPayment(sim, 'CARD-R', '1000', 'card_payment');
    await until(() => sim?.transactions().length === 1);
    await pushPayment(sim, 'OCT-R', '1000', 'octopus');
    await until(() => sim?.transactions().length === 2);
    const [card, oct] = sim.transactions();
    expect((await pushRefund(sim, card?.syssn as string, { txamt: '500' })).json).toMatchObject({ respcd: '1271' });
    expect((await pushRefund(sim, oct?.syssn as string)).json).toMatchObject({ respcd: '1155' });
    expect((await pushRefund(sim, '20990101000000000000000000')).text).toBe('{"resperr":"Transaction doesn\'t exist or now isn\'t in operation time","respcd":"1136","respmsg":""}');
    expect(sim.transactions()).toHaveLength(2);
    expect((await pushRefund(sim, card?.syssn as string, { txamt: '1000' })).json.respcd).toBe('0000');
    await until(() => sim?.transactions().length === 3);
    expect(sim.transactions()[0]).toMatchObject({ cancel: 3, refundedMinor: 1000 });
  });

  it('refund screens wait for the operator like LAN ones; declines leave the payment untouched', async () => {
    sim = await start({ customer: { action: 'approve', afterMs: 0 } });
    await pushPayment(sim, 'PAY-M', '900', 'alipay');
    await until(() => sim?.transactions().length === 1);
    const syssn = sim.transactions()[0]?.syssn as string;
    sim.setCustomer({ action: 'manual' });
    await pushRefund(sim, syssn, { out_trade_no: 'REF-M' });
    expect(await sim.waitForScreen()).toMatchObject({ kind: 'refund', outTradeNo: 'REF-M', amountMinor: 900, origSyssn: syssn });
    expect(txOf(await cloudQuery(sim, { out_trade_no: 'REF-M' }))).toMatchObject({ respcd: '1145', tradetp: 'refund' });
    sim.customer.decline('1155');
    expect(txOf(await cloudQuery(sim, { out_trade_no: 'REF-M' }))).toMatchObject({ respcd: '1155', tradetp: 'refund' });
    expect(txOf(await cloudQuery(sim, { syssn }))).toMatchObject({ cancel: 0, allow_refund_amt: 900 });
  });

  it('print receipt and summary pushes print on the terminal; unknown orders are 1136', async () => {
    sim = await start({ customer: { action: 'approve', afterMs: 0 } });
    await pushPayment(sim, 'PRN-1', '100', 'fps', { scan_type: 'QRCODE_PAY' });
    await until(() => sim?.transactions().length === 1);
    const syssn = sim.transactions()[0]?.syssn as string;
    const receipt = await cloudPost(sim, '/ecr/v1/print_receipt/async', { syssn, out_trade_no: 'PRN-1', termid: TERMID });
    expect(receipt.text).toBe('{"resperr":"Print receipt push success","respcd":"0000","respmsg":""}');
    const summary = await cloudPost(sim, '/ecr/v1/print_summary/async', { termid: TERMID });
    expect(summary.text).toBe('{"resperr":"Print Summary push success","respcd":"0000","respmsg":""}');
    expect(sim.printed()).toEqual([expect.objectContaining({ kind: 'receipt', syssn }), expect.objectContaining({ kind: 'summary' })]);
    const unknown = await cloudPost(sim, '/ecr/v1/print_receipt/async', { syssn: '1', out_trade_no: 'PRN-1', termid: TERMID });
    expect(unknown.text).toBe('{"resperr":"The order doesn\'t exist","respcd":"1136","respmsg":""}');
    const mismatch = await cloudPost(sim, '/ecr/v1/print_receipt/async', { syssn, out_trade_no: 'OTHER', termid: TERMID });
    expect(mismatch.json.respcd).toBe('1136');
    expect(sim.printed()).toHaveLength(2);
  });

  it('LAN and cloud share one terminal: a LAN payment is visible to cloud queries', async () => {
    sim = await start({ customer: { action: 'approve', afterMs: 0 } });
    const lan = await pay(sim, 'LAN-1', 12.5, 'wx');
    expect(txOf(await cloudQuery(sim, { syssn: lan.data?.syssn as string }))).toMatchObject({ out_trade_no: 'LAN-1', txamt: 1250, respcd: '0000' });
  });
});
