/**
 * End to end in ECR Cloud mode, as a person uses it: the demo started as `npm run demo -- --cloud`
 * starts it (a child process running scripts/demo.mjs, port 0, quiet, a temporary data
 * directory), driven in real headless Chromium (playwright-core + Debian's /usr/bin/chromium).
 * The page says it runs through ECR Cloud and offers no lost-reply demo; a card sale is approved
 * on the terminal panel with its notification, refunded in full; a sale is cancelled while the
 * customer decides. Takes no screenshot (the README's come from the LAN test).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { startDemoProcess, type DemoProcess } from './support/demo-process.js';

const CHROMIUM = '/usr/bin/chromium';
const LONG = 120_000;

let browser: Browser;
let demo: DemoProcess;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium); the test never downloads a browser`);
  demo = await startDemoProcess(mkdtempSync(join(tmpdir(), 'storefront-e2e-cloud-')), ['--cloud']);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 }, timezoneId: 'Asia/Hong_Kong', locale: 'en-GB' });
  page.setDefaultTimeout(60_000);
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
}, LONG);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

const tid = (id: string) => `[data-testid="${id}"]`;

async function expectText(selector: string, text: string): Promise<void> {
  await page.locator(selector).filter({ hasText: text }).first().waitFor();
}

async function openShop(): Promise<void> {
  await page.goto(demo.url);
  await page.locator(tid('product-milk-tea')).waitFor();
  await page.locator('#conn[data-state="live"]').waitFor();
}

async function checkout(products: string[], channel: string): Promise<{ id: string; card: Locator }> {
  for (const p of products) await page.locator(tid(`product-${p}`)).click();
  await page.locator(tid(`channel-${channel}`)).click();
  await page.locator(tid('pay')).click();
  const live = page.locator(tid('live-sale'));
  await live.waitFor();
  const id = (await live.getAttribute('data-order')) as string;
  return { id, card: page.locator(`${tid('order')}[data-order="${id}"]`) };
}

async function saleStatus(status: string): Promise<void> {
  await page.locator(`${tid('sale-status')}[data-status="${status}"]`).waitFor();
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
    const second = await checkout(['egg-tarts'], 'fps');
    await saleStatus('waiting_customer');
    await page.locator(`${tid('terminal')}[data-screen="open"]`).waitFor();
    await page.locator(tid('cancel-payment')).click();
    await saleStatus('cancelled');
    await expectText(tid('sale-status'), 'Cancelled by the cashier');
    await second.card.locator(`${tid('order-status')}`).filter({ hasText: 'Cancelled' }).waitFor();
    await page.locator(`${tid('terminal')}[data-screen="idle"]`).waitFor();
    expect(problems).toEqual([]);
  }, LONG);
});
