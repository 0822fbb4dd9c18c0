/**
 * End to end, as a person uses it: the demo started exactly as `npm run demo` starts it (a child
 * process running scripts/demo.mjs, port 0, quiet, a temporary data directory), driven in real
 * headless Chromium (playwright-core + Debian's /usr/bin/chromium). Buys two items, pays,
 * approves on the terminal panel, sees the approval and QFPay's notification, refunds (card: in
 * full; wallet: partly), sees why Octopus cannot be refunded, declines then retries, cancels
 * while waiting, checks phone width, restarts the demo and finds the orders again. Saves the
 * screenshots the README shows (docs/storefront.png, docs/storefront-phone.png) when run with
 * QFPAY_UPDATE_SCREENSHOTS=1; otherwise into a temporary directory, so a test run leaves the
 * working tree as it was.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import * as steps from './support/browser-steps.js';
import { tid } from './support/browser-steps.js';
import { REPO_ROOT, startDemoProcess, type DemoProcess } from './support/demo-process.js';

const SHOTS = process.env.QFPAY_UPDATE_SCREENSHOTS === '1' ? join(REPO_ROOT, 'docs') : mkdtempSync(join(tmpdir(), 'storefront-shots-'));
const LONG = 120_000;

let browser: Browser;
let demo: DemoProcess;
let dataDir: string;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'storefront-e2e-'));
  demo = await startDemoProcess(dataDir);
  ({ browser, page } = await steps.launchPage(problems));
}, LONG);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

const openShop = () => steps.openShop(page, demo.url);
const checkout = (products: string[], channel: string) => steps.checkout(page, products, channel);
const saleStatus = (status: string) => steps.saleStatus(page, status);
const expectText = (selector: string, text: string) => steps.expectText(page, selector, text);

/** Waits for the terminal panel to show a screen, then presses a key on it. */
async function onTerminal(key: 'approve' | 'decline' | 'cancel'): Promise<void> {
  await page.locator(`${tid('terminal')}[data-screen="open"]`).waitFor();
  await page.locator(tid(`terminal-${key}`)).click();
  await page.locator(`${tid('terminal')}[data-screen="idle"]`).waitFor();
}

describe('storefront demo in a browser', () => {
  it('buys two items by card, approves on the terminal, shows the notification, refunds in full (card rule)', async () => {
    await openShop();
    await page.locator(tid('product-milk-tea')).click();
    await page.locator(tid('product-pineapple-bun')).click();
    await expectText(tid('cart-total'), 'HK$50.00');
    expect(await page.locator(tid('cart-line')).count()).toBe(2);

    await page.locator(tid('channel-card_payment')).click();
    await page.locator(tid('pay')).click();
    const live = page.locator(tid('live-sale'));
    await live.waitFor();
    const id = (await live.getAttribute('data-order')) as string;
    await saleStatus('waiting_customer');
    // The terminal shows the sale to the customer.
    await page.locator(`${tid('terminal')}[data-screen="open"]`).waitFor();
    await expectText(tid('terminal-prompt'), 'Present card');
    await expectText(tid('terminal-amount'), 'HK$50.00');

    await page.locator(tid('terminal-approve')).click();
    await saleStatus('approved');
    await expect(page.locator(`${tid('live-sale')} ${tid('syssn')}`).textContent()).resolves.toMatch(/^\d{20,}$/);
    await expect(page.locator(`${tid('live-sale')} ${tid('card')}`).textContent()).resolves.toMatch(/^VISA \d{6}\*+\d{4}$/);
    await page.locator(tid('sale-notification')).waitFor();
    await expectText(tid('sale-notification'), 'QFPay notification received');

    const card = page.locator(`${tid('order')}[data-order="${id}"]`);
    await card.locator(`${tid('order-status')}`).filter({ hasText: 'Paid' }).waitFor();
    await card.locator(tid('order-notification')).waitFor();
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'storefront.png'), fullPage: true });

    // Card, same day: only the full amount; the page says why.
    await expect(card.locator(tid('partial-reason')).textContent()).resolves.toMatch(/only be refunded in full on the day/);
    await expect(card.locator(tid('refund-amount')).isDisabled()).resolves.toBe(true);
    await card.locator(tid('refund')).click();
    await page.locator(`${tid('terminal')}[data-screen="open"]`).waitFor();
    await expectText(tid('terminal-prompt'), 'Confirm refund');
    await onTerminal('approve');
    await card.locator(`${tid('order-status')}`).filter({ hasText: 'Refunded' }).waitFor();
    await card.locator(`${tid('refund-row')}[data-stage="approved"] ${tid('refund-notification')}`).waitFor();
    await expect(card.locator(tid('refund-reason')).textContent()).resolves.toMatch(/refunded in full/);
  }, LONG);

  it('refunds part of a WeChat Pay payment', async () => {
    await openShop();
    const { card } = await checkout(['french-toast', 'egg-tarts'], 'wx');
    await expectText(tid('terminal-prompt'), 'Scan to pay');
    await onTerminal('approve');
    await saleStatus('approved');
    await page.locator(tid('sale-notification')).waitFor();
    const input = card.locator(tid('refund-amount'));
    await expect(input.isDisabled()).resolves.toBe(false);
    await input.fill('10.00');
    await expect(card.locator(tid('refund')).textContent()).resolves.toBe('Refund HK$10.00');
    await card.locator(tid('refund')).click();
    await onTerminal('approve');
    await card.locator(`${tid('order-status')}`).filter({ hasText: 'Partially refunded' }).waitFor();
    await card.locator(`${tid('refund-row')}[data-stage="approved"]`).waitFor();
    await expect(card.textContent()).resolves.toContain('Up to HK$43.00 left to refund');
  }, LONG);

  it('explains why an Octopus payment cannot be refunded', async () => {
    await openShop();
    const { card } = await checkout(['lemon-tea'], 'octopus');
    await expectText(tid('terminal-prompt'), 'Tap Octopus card');
    await onTerminal('approve');
    await saleStatus('approved');
    await expect(card.locator(tid('refund')).isDisabled()).resolves.toBe(true);
    await expect(card.locator(tid('refund-reason')).textContent()).resolves.toMatch(/Octopus payments cannot be refunded/);
  }, LONG);

  it('shows a decline, and takes the payment when tried again', async () => {
    await openShop();
    const { card } = await checkout(['macaroni-soup'], 'alipay');
    await onTerminal('decline');
    await saleStatus('declined');
    await card.locator(`${tid('order-status')}`).filter({ hasText: 'Declined' }).waitFor();
    await page.locator(tid('retry')).click();
    await onTerminal('approve');
    await saleStatus('approved');
    await card.locator(`${tid('order-status')}`).filter({ hasText: 'Paid' }).waitFor();
  }, LONG);

  it('cancels while waiting for the customer', async () => {
    await openShop();
    const { card } = await checkout(['milk-tea', 'egg-tarts'], 'fps');
    await saleStatus('waiting_customer');
    await page.locator(`${tid('terminal')}[data-screen="open"]`).waitFor();
    await page.locator(tid('cancel-payment')).click();
    await saleStatus('cancelled');
    await expectText(tid('sale-status'), 'Cancelled by the cashier');
    await card.locator(`${tid('order-status')}`).filter({ hasText: 'Cancelled' }).waitFor();
    await page.locator(`${tid('terminal')}[data-screen="idle"]`).waitFor();
  }, LONG);

  it('settles a lost reply by asking the terminal, without charging twice', async () => {
    await openShop();
    await page.locator(tid('lose-reply')).click();
    await page.locator(`${tid('lose-reply')}:disabled`).waitFor();
    const { card } = await checkout(['egg-tarts'], 'card_payment');
    await onTerminal('approve');
    await saleStatus('approved');
    await expectText(tid('sale-status'), 'asking the terminal (4001)');
    await card.locator(`${tid('order-status')}`).filter({ hasText: 'Paid' }).waitFor();
  }, LONG);

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openShop();
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    await page.screenshot({ path: join(SHOTS, 'storefront-phone.png'), fullPage: false });
    await page.setViewportSize({ width: 1360, height: 900 });
  }, LONG);

  it('keeps the orders across a restart', async () => {
    // No script error, CSP violation or failed request so far (the restart below makes the old page's
    // polling fail, which is expected).
    expect(problems).toEqual([]);
    const before = await (await fetch(new URL('/api/orders', demo.url))).json() as { orders: Array<{ id: number; status: string; payment?: { syssn?: string } }> };
    await page.goto('about:blank');
    expect(await demo.stop()).toBe(0);
    demo = await startDemoProcess(dataDir);
    const after = await (await fetch(new URL('/api/orders', demo.url))).json() as typeof before;
    expect(after.orders.map((o) => [o.id, o.status, o.payment?.syssn])).toEqual(before.orders.map((o) => [o.id, o.status, o.payment?.syssn]));
    await openShop();
    await page.locator(tid('order')).first().waitFor();
    expect(await page.locator(tid('order')).count()).toBe(before.orders.length);
    expect(await page.locator(`${tid('order')}[data-status="refunded"]`).count()).toBe(1);
    expect(await page.locator(`${tid('order')}[data-status="partially_refunded"]`).count()).toBe(1);
  }, LONG);
});
