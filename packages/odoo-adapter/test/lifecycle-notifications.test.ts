/**
 * Notifications through the faithful payment screen: first-wins with the terminal reply,
 * duplicates (QFPay retries and replays) ignored, late ones never lost, a cancelled line never
 * catching the next payment's notification, and amount/currency mismatches shown to the cashier.
 */
import { LineNeedsAttentionError, type QfpayPaymentFlow } from '../src/index.js';
import { METHOD_ID, startRig, waitFor, closeRigCheckingSecrets, type Rig } from './support/rig.js';
import type { HarnessLine } from '../src/testing/index.js';

let rig: Rig | undefined;
afterEach(async () => {
  if (rig) await closeRigCheckingSecrets(rig);
  rig = undefined;
});

function flowOf(r: Rig): QfpayPaymentFlow {
  const flow = (r.method().payment_terminal as { qfpay: { flow(): QfpayPaymentFlow | undefined } }).qfpay.flow();
  if (!flow) throw new Error('no flow');
  return flow;
}

function notification(ref: string, syssn: string, cents: number, extra: Record<string, string> = {}): Record<string, string> {
  return { notify_type: 'payment', status: '1', respcd: '0000', syssn, out_trade_no: ref, txamt: String(cents), txcurrcd: 'HKD', chnlsn: 'WX4200001', pay_type: '800208', ...extra };
}

describe('duplicate and late notifications', () => {
  it('QFPay retries the same notification: applied once, the rest dropped; a replay later changes nothing', async () => {
    rig = await startRig({ gen: 18, customer: { action: 'approve', afterMs: 20 }, failFirstNotifications: 2 });
    rig.pos.newOrder(12.5);
    const line = rig.screen.addPaymentLine(METHOD_ID, 12.5) as HarnessLine;
    expect(await rig.settled(line)).toBe(true);
    // Our receiver answered 500 twice: QFPay delivered the same body three times, each on the bus.
    await waitFor(() => rig!.notifications.length >= 3, 'three deliveries');
    expect(new Set(rig.notifications).size).toBe(1);
    expect(line.payment_status).toBe('done');
    expect(rig.pos.alerts).toEqual([]);
    const body = JSON.parse(rig.notifications[0] as string) as Record<string, unknown>;
    expect(flowOf(rig).intake({ response: body, line_uuid: line.uuid }, 'bus')).toEqual({ status: 'duplicate', key: `payment:${String(body.syssn)}` });
    expect(flowOf(rig).intake(JSON.stringify(body), 'events')).toMatchObject({ status: 'duplicate' });
    expect(line.history.filter((s) => s === 'done')).toHaveLength(1);
  });

  it('the notification wins when it comes before the terminal reply; the reply is then a duplicate', async () => {
    rig = await startRig({ gen: 19, customer: { action: 'manual' } });
    rig.pos.newOrder(3.3);
    const line = rig.screen.addPaymentLine(METHOD_ID, 3.3) as HarnessLine;
    await rig.sim.waitForScreen();
    const ref = rig.paymentRefs()[0] as string;
    const syssn = rig.sim.screen()?.syssn as string;
    rig.publish(notification(ref, syssn, 330));
    expect(await rig.settled(line)).toBe(true);
    expect(line.transaction_id).toBe(syssn);
    rig.sim.customer.approve(); // the terminal's own reply arrives afterwards
    await waitFor(() => rig!.logs.some((l) => l.message === 'terminal outcome'), 'terminal reply');
    expect(line.payment_status).toBe('done');
    expect(line.history.filter((s) => s === 'done')).toHaveLength(1);
    expect(rig.pos.alerts).toEqual([]);
  });

  it('a cancelled line does not catch the next payment\'s notification (odoo/odoo#219054)', async () => {
    rig = await startRig({ gen: 18, customer: { action: 'manual' } });
    rig.pos.newOrder(50);
    const first = rig.screen.addPaymentLine(METHOD_ID, 20) as HarnessLine;
    await rig.sim.waitForScreen();
    expect(await rig.screen.sendPaymentCancel(first)).toBe(true);
    expect(first.payment_status).toBe('retry');
    rig.sim.setCustomer({ action: 'approve', afterMs: 20 });
    const second = rig.screen.addPaymentLine(METHOD_ID, 30) as HarnessLine;
    expect(await rig.settled(second)).toBe(true);
    await waitFor(() => rig!.notifications.length >= 1, 'notification of the second payment');
    expect(first.payment_status).toBe('retry');
    expect(first.transaction_id).toBeUndefined();
    expect(second.transaction_id).toBe(rig.charged()[0]?.syssn);
    expect(rig.charged()).toHaveLength(1);
  });

  it('a late approval for an attempt concluded as cancelled is never dropped: the line is marked paid and the cashier told', async () => {
    rig = await startRig({ gen: 17, customer: { action: 'manual' } });
    rig.pos.newOrder(10);
    const line = rig.screen.addPaymentLine(METHOD_ID, 10) as HarnessLine;
    void rig.screen.sendPaymentRequest(line);
    await rig.sim.waitForScreen();
    const ref = rig.paymentRefs()[0] as string;
    expect(await rig.screen.sendPaymentCancel(line)).toBe(true);
    expect(line.payment_status).toBe('retry');
    rig.publish(notification(ref, '20250826155400000000000777', 1000));
    await waitFor(() => line.payment_status === 'done', 'late approval applied');
    expect(line.transaction_id).toBe('20250826155400000000000777');
    expect(rig.pos.alerts.at(-1)?.message).toContain('after this payment had been cancelled');
  });

  it('notifications for another payment method, unknown references and failures are ignored', async () => {
    rig = await startRig({ gen: 18 });
    const flow = flowOf(rig);
    expect(flow.intake(notification(`${globalThis.crypto.randomUUID()}--7--99`, '1', 100), 'bus')).toMatchObject({ status: 'ignored' });
    expect(flow.intake(notification('ORDER-1', '2', 100), 'events')).toMatchObject({ status: 'ignored' });
    expect(flow.intake({ ...notification('ORDER-1', '3', 100), status: '0' }, 'events')).toMatchObject({ status: 'ignored' });
    expect(flow.intake('not json', 'events')).toMatchObject({ status: 'ignored' });
    expect(flow.intake({ notify_type: 'payment' }, 'events')).toMatchObject({ status: 'ignored' });
    expect(rig.pos.alerts).toEqual([]);
  });
});

describe('amount and currency mismatch', () => {
  it('a notification for another amount: force_done, the cashier told, the request rejected, never done by itself', async () => {
    rig = await startRig({ gen: 18, customer: { action: 'manual' } });
    rig.forward = false;
    rig.pos.newOrder(12.5);
    const line = rig.screen.addPaymentLine(METHOD_ID, 12.5) as HarnessLine;
    await rig.sim.waitForScreen();
    const ref = rig.paymentRefs()[0] as string;
    rig.publish(notification(ref, rig.sim.screen()?.syssn as string, 1520));
    expect(await rig.settled(line)).toBeUndefined();
    expect(rig.pos.rejections[0]).toBeInstanceOf(LineNeedsAttentionError);
    expect((rig.pos.rejections[0] as LineNeedsAttentionError).code).toBe('AMOUNT_MISMATCH');
    expect(line.payment_status).toBe('force_done');
    expect(rig.pos.paymentTerminalInProgress).toBe(false);
    expect(rig.pos.alerts.at(-1)?.message).toContain('The terminal reports HK$15.20 but this line is HK$12.50');
    // The terminal then approves the real amount: the line stays for the cashier to decide.
    rig.sim.customer.approve();
    await waitFor(() => rig!.logs.some((l) => l.message === 'terminal outcome'), 'terminal reply');
    expect(line.payment_status).toBe('force_done');
    expect(rig.screen.validateOrder().ok).toBe(false);
  });

  it('a notification in another currency is a mismatch too', async () => {
    rig = await startRig({ gen: 19, customer: { action: 'manual' } });
    rig.forward = false;
    rig.pos.newOrder(8);
    const line = rig.screen.addPaymentLine(METHOD_ID, 8) as HarnessLine;
    await rig.sim.waitForScreen();
    rig.publish(notification(rig.paymentRefs()[0] as string, '99', 800, { txcurrcd: 'CNY' }));
    await rig.settled(line);
    expect(line.payment_status).toBe('force_done');
    expect(rig.pos.alerts.at(-1)?.message).toContain('CNY');
  });
});
