/**
 * The Odoo payment screen (faithful harness) driving the adapter against the simulator, for each
 * of the three payment-interface generations: approve, decline, customer cancel, cashier cancel
 * (confirmed and not confirmed), terminal unreachable. In both terminal modes (support/rig.ts):
 * the LAN terminal, or ECR Cloud through the bridge.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { decodeOdooOutTradeNo } from '@qfpay-ecr/core';
import { METHOD_ID, SESSION_ID, startRig, waitFor, closeRigCheckingSecrets, type Rig } from './support/rig.js';
import { testTerminalMode } from './support/terminal-mode.js';
import type { Gen, HarnessLine } from '../src/testing/index.js';

let rig: Rig | undefined;
afterEach(async () => {
  if (rig) await closeRigCheckingSecrets(rig);
  rig = undefined;
});

/** Adds a line for `amount` and sends it the way the generation does (17: Send button; 18/19: fast payments). */
function pay(r: Rig, amount: number): HarnessLine {
  const line = r.screen.addPaymentLine(METHOD_ID, amount);
  if (!line) throw new Error('line refused');
  if (r.pos.gen === 17) {
    expect(line.payment_status).toBe('pending');
    void r.screen.sendPaymentRequest(line);
  }
  return line;
}

const GENS: Gen[] = [17, 18, 19];

describe.each(GENS)('Odoo %i payment screen against the simulator', (gen) => {
  it('approves: waitingCard while the terminal has it, then done with the transaction details', async () => {
    rig = await startRig({ gen, customer: { action: 'approve', afterMs: 80, card: { scheme: 'VISA', masked: '476173******0119' } } });
    rig.pos.newOrder(12.5);
    const line = pay(rig, 12.5);
    expect(await rig.settled(line)).toBe(true);

    expect(line.payment_status).toBe('done');
    expect(line.history).toEqual(['pending', 'waiting', 'waitingCard', 'done']);
    const [book] = rig.sim.transactions();
    expect(book?.respcd).toBe('0000');
    expect(line.transaction_id).toBe(book?.syssn);
    expect(line.payment_ref_no).toBe(book?.chnlsn);
    // ECR Cloud: when QFPay's notification settles it first (over the bus, or in the bridge's
    // terminal), the scheme is not known (notifications carry none) and the channel's label is
    // shown; from the terminal's reply or QFPay's book it is.
    const [source] = rig.settledBy();
    const schemeKnown = source === 'terminal:reply' || source === 'terminal:query';
    if (!schemeKnown) expect(rig.mode).toBe('cloud');
    expect(line.card_type).toBe(schemeKnown ? 'VISA' : 'Visa / Mastercard');
    expect(line.ticket).toContain('476173******0119');
    expect(line.ticket).toContain(`Transaction: ${book?.syssn}`);
    expect(line.can_be_reversed).toBe(true);
    expect(rig.pos.paymentTerminalInProgress).toBe(false);
    expect(rig.pos.alerts).toEqual([]);

    // pos_qfpay's reference: <line uuid>--<session>--<method>; 17 lines have no uuid, so one is made.
    const refs = rig.paymentRefs();
    expect(refs).toHaveLength(1);
    const parts = decodeOdooOutTradeNo(refs[0] as string);
    expect(parts).toMatchObject({ sessionId: SESSION_ID, paymentMethodId: METHOD_ID });
    if (gen !== 17) expect(parts?.lineUuid).toBe(line.uuid);
    expect(rig.sim.paymentRequestCount(refs[0] as string)).toBe(1);
    expect(rig.paymentRequests()).toEqual([{ outTradeNo: refs[0], amountMinor: 1250, channel: 'card_payment' }]);
    if (rig.mode === 'lan') expect(rig.sim.requests()[0]?.content).toMatchObject({ func_type: 1001, amt: 12.5, channel: 'card_payment' });

    // The notification arrives too, over the bus: a duplicate, silently ignored.
    await waitFor(() => rig!.notifications.length >= 1, 'notification delivered');
    expect(line.payment_status).toBe('done');
    expect(rig.pos.alerts).toEqual([]);
    expect(rig.screen.validateOrder()).toMatchObject({ ok: true, kept: [line] });
  });

  it('declines: retry with the reason, then a retry takes a fresh reference and succeeds', async () => {
    rig = await startRig({ gen, customer: { action: 'decline', code: '1201', afterMs: 30 } });
    rig.pos.newOrder(30);
    const line = pay(rig, 30);
    expect(await rig.settled(line)).toBe(false);
    expect(line.payment_status).toBe('retry');
    expect(rig.pos.paymentTerminalInProgress).toBe(false);
    expect(rig.pos.alerts).toHaveLength(1);
    expect(rig.pos.alerts[0]).toMatchObject({ title: 'QFPay Error' });
    expect(rig.pos.alerts[0]?.message).toContain('QFPay payment failed. Please try again or use a different payment method.');
    expect(rig.pos.alerts[0]?.message).toContain('insufficient balance');
    expect(rig.screen.validateOrder().ok).toBe(false);

    rig.sim.setCustomer({ action: 'approve', afterMs: 30 });
    expect(await rig.screen.sendPaymentRequest(line)).toBe(true);
    expect(line.payment_status).toBe('done');
    const refs = rig.paymentRefs();
    expect(refs).toHaveLength(2);
    expect(new Set(refs).size).toBe(2);
    for (const ref of refs) expect(rig.sim.paymentRequestCount(ref)).toBe(1);
  });

  it('customer cancels on the terminal: retry, silently (as Odoo does on 6001)', async () => {
    rig = await startRig({ gen, customer: { action: 'cancel', afterMs: 30 } });
    rig.pos.newOrder(8);
    const line = pay(rig, 8);
    expect(await rig.settled(line)).toBe(false);
    expect(line.history).toContain('waitingCard');
    expect(line.payment_status).toBe('retry');
    expect(rig.pos.alerts).toEqual([]);
    // Nothing charged. ECR Cloud's order existed since the push: QFPay's book has it cancelled (1263).
    expect(rig.sim.transactions()).toEqual(rig.mode === 'cloud' ? [expect.objectContaining({ respcd: '1263', amountMinor: 800 })] : []);
  });

  it('cashier cancel, confirmed by the terminal: retry, nothing charged, flag cleared', async () => {
    rig = await startRig({ gen, customer: { action: 'manual' } });
    rig.pos.newOrder(15);
    const line = pay(rig, 15);
    await rig.sim.waitForScreen();
    await waitFor(() => line.payment_status === 'waitingCard', 'waitingCard');
    expect(rig.screen.editAmount(line, 99)).toBe(false); // amounts are locked while the terminal has it

    expect(await rig.screen.sendPaymentCancel(line)).toBe(true);
    expect(line.payment_status).toBe('retry');
    expect(await rig.settled(line)).toBe(false);
    expect(line.payment_status).toBe('retry');
    expect(line.history.slice(-3)).toEqual(['waitingCancel', 'retry', 'retry']);
    expect(rig.pos.paymentTerminalInProgress).toBe(false);
    expect(rig.sim.screen()).toBeNull();
    expect(rig.sim.transactions()).toEqual(rig.mode === 'cloud' ? [expect.objectContaining({ respcd: '1263', amountMinor: 1500 })] : []);
    expect(rig.pos.alerts).toEqual([]);
  });

  it('cashier cancel NOT confirmed: back to waitingCard, told so, and a later approval still lands', async () => {
    rig = await startRig({ gen, customer: { action: 'manual' }, terminal: { cancelWaitMs: 300 } });
    rig.pos.newOrder(20);
    const line = pay(rig, 20);
    await rig.sim.waitForScreen();
    await waitFor(() => line.payment_status === 'waitingCard', 'waitingCard');

    // Nothing reaches the terminal for a while: the cancel (LAN 5001 / cloud cancel push) is lost,
    // and so are a cloud terminal's queries meanwhile (one fault per request; cleared below).
    for (let i = 0; i < 500; i++) rig.sim.injectFault({ kind: 'drop-before' });
    expect(await rig.screen.sendPaymentCancel(line)).toBe(false);
    rig.sim.clearFaults();
    expect(line.payment_status).toBe('waitingCard');
    expect(rig.pos.alerts.at(-1)?.message).toMatch(/not confirmed the cancellation|Could not cancel/);
    expect(rig.sim.screen()).not.toBeNull();

    rig.sim.customer.approve();
    expect(await rig.settled(line)).toBe(true);
    expect(line.payment_status).toBe('done');
    expect(line.transaction_id).toBe(rig.sim.transactions()[0]?.syssn);
    expect(rig.pos.paymentTerminalInProgress).toBe(false);
  });

  it('terminal unreachable: retry at once with the network hint, nothing sent', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    // LAN: the terminal's port; ECR Cloud: QFPay's OpenAPI.
    rig = await startRig({ gen, ...(testTerminalMode() === 'lan' ? { terminal: { port } } : { cloudTerminal: { baseUrl: `https://127.0.0.1:${port}` } }) });
    rig.pos.newOrder(10);
    const line = pay(rig, 10);
    expect(await rig.settled(line)).toBe(false);
    expect(line.payment_status).toBe('retry');
    expect(rig.pos.alerts).toHaveLength(1);
    expect(rig.pos.alerts[0]?.message).toContain('Cannot reach the QFPay terminal. Nothing was charged.');
    expect(rig.pos.alerts[0]?.message).toMatch(rig.mode === 'lan' ? /POS IP|ECR Status|network/ : /check the base URL/);
    expect(rig.pos.paymentTerminalInProgress).toBe(false);
    expect(rig.sim.requests()).toEqual([]);
  });
});
