/**
 * End to end in ECR Cloud mode, as a person uses it: the demo started as `npm run demo -- --cloud`
 * starts it (a child process running scripts/demo.mjs, port 0, quiet, a temporary data
 * directory), driven in real headless Chromium (playwright-core + Debian's /usr/bin/chromium).
 * The page says it runs through ECR Cloud and offers no lost-reply demo; a card sale is approved
 * on the terminal panel with its notification, refunded in full; a sale is cancelled while the
 * customer decides, with the reply to "Pay" held back until the event stream's newer state has
 * reached the page (the stale reply must not win). Takes no screenshot (the README's come from the
 * LAN test).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import * as steps from './support/browser-steps.js';
import { tid } from './support/browser-steps.js';
import { startDemoProcess, type DemoProcess } from './support/demo-process.js';

const LONG = 120_000;

let browser: Browser;
let demo: DemoProcess;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  demo = await startDemoProcess(mkdtempSync(join(tmpdir(), 'storefront-e2e-cloud-')), ['--cloud']);
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

/** Polls the storefront's API (bounded) until order `id`'s payment has reached `stage`. */
async function serverStage(id: number, stage: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const view = (await (await fetch(new URL(`/api/orders/${id}`, demo.url))).json()) as { payment?: { stage: string } };
    if (view.payment?.stage === stage) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`order ${id} never reached ${stage} on the server`);
}

/**
 * Holds the reply to "Pay" (which says `queued`) until the event stream has brought the newer
 * `waiting_customer` to the page: the stale reply must not overwrite it. Under load this
 * overtaking happens by itself; here it happens every time.
 */
async function holdPayReplyUntilWaiting(route: Route): Promise<void> {
  if (route.request().method() !== 'POST') return route.fallback();
  const response = await route.fetch();
  const body = (await response.json()) as { id: number; payment?: { stage: string } };
  expect(body.payment?.stage).not.toBe('waiting_customer');
  await serverStage(body.id, 'waiting_customer');
  await new Promise((r) => setTimeout(r, 1_000)); // the event stream's copy reaches the page
  await route.fulfill({ response, json: body });
}

describe('storefront demo in a browser, ECR Cloud mode', () => {
  it('pays by card through QFPay, shows the notification, refunds in full; cancels a sale while waiting', async () => {
    expect(demo.output()).toMatch(/Storefront: http:\/\/127\.0\.0\.1:\d+\/ \(ECR Cloud\)/);
    await openShop();
    await expectText('#sim-badge', 'via ECR Cloud');
    await expectText(tid('terminal-link'), 'ECR Cloud');
    expect(await page.locator(tid('lose-reply')).count()).toBe(0);

    const { card } = await checkout(['milk-tea', 'pineapple-bun'], 'card_payment');
    await saleStatus('waiting_customer');
    await page.locator(`${tid('terminal')}[data-screen="open"]`).waitFor();
    await expectText(tid('terminal-prompt'), 'Present card');
    await expectText(tid('terminal-amount'), 'HK$50.00');
    await page.locator(tid('terminal-approve')).click();
    await saleStatus('approved');
    await expect(page.locator(`${tid('live-sale')} ${tid('syssn')}`).textContent()).resolves.toMatch(/^\d{20,}$/);
    await page.locator(tid('sale-notification')).waitFor();
    await card.locator(`${tid('order-status')}`).filter({ hasText: 'Paid' }).waitFor();

    await card.locator(tid('refund')).click();
    await page.locator(`${tid('terminal')}[data-screen="open"]`).waitFor();
    await expectText(tid('terminal-prompt'), 'Confirm refund');
    await page.locator(tid('terminal-approve')).click();
    await card.locator(`${tid('order-status')}`).filter({ hasText: 'Refunded' }).waitFor();
    await page.locator(`${tid('terminal')}[data-screen="idle"]`).waitFor();

    // A fresh page (as the LAN test does per sale): the next sale is the live one.
    await openShop();
    await page.route('**/api/orders', holdPayReplyUntilWaiting);
    const second = await checkout(['egg-tarts'], 'fps');
    await page.unroute('**/api/orders', holdPayReplyUntilWaiting);
    await steps.saleStatus(page, 'waiting_customer', 5_000);
    await page.locator(`${tid('terminal')}[data-screen="open"]`).waitFor();
    await page.locator(tid('cancel-payment')).click();
    await saleStatus('cancelled');
    await expectText(tid('sale-status'), 'Cancelled by the cashier');
    await second.card.locator(`${tid('order-status')}`).filter({ hasText: 'Cancelled' }).waitFor();
    await page.locator(`${tid('terminal')}[data-screen="idle"]`).waitFor();
    expect(problems).toEqual([]);
  }, LONG);
});
