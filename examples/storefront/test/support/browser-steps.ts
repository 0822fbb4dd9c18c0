/**
 * The steps the browser tests take on the storefront page, shared by the LAN and ECR Cloud
 * suites: Debian's Chromium (never downloaded), open the shop, check out, wait for a sale status.
 * A wait that times out says what the page showed instead, so a failure in CI can be read.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const tid = (id: string): string => `[data-testid="${id}"]`;

/** Launches headless Chromium with one page; script errors and console errors land in `problems`. */
export async function launchPage(problems: string[]): Promise<{ browser: Browser; page: Page }> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium); the test never downloads a browser`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 }, timezoneId: 'Asia/Hong_Kong', locale: 'en-GB' });
  page.setDefaultTimeout(60_000);
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  return { browser, page };
}

/** Loads the shop and waits until its live updates are connected. */
export async function openShop(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator(tid('product-milk-tea')).waitFor();
  await page.locator('#conn[data-state="live"]').waitFor();
}

/** Adds products, picks the channel, presses Pay; returns the order id and its card in the list. */
export async function checkout(page: Page, products: string[], channel: string): Promise<{ id: string; card: Locator }> {
  for (const p of products) await page.locator(tid(`product-${p}`)).click();
  await page.locator(tid(`channel-${channel}`)).click();
  await page.locator(tid('pay')).click();
  const live = page.locator(tid('live-sale'));
  await live.waitFor();
  const id = (await live.getAttribute('data-order')) as string;
  return { id, card: page.locator(`${tid('order')}[data-order="${id}"]`) };
}

/** Waits for the live sale to show `status`; on timeout, says which status it showed. */
export async function saleStatus(page: Page, status: string, timeoutMs = 60_000): Promise<void> {
  try {
    await page.locator(`${tid('sale-status')}[data-status="${status}"]`).waitFor({ timeout: timeoutMs });
  } catch (err) {
    const shown = await page
      .locator(tid('sale-status'))
      .first()
      .getAttribute('data-status', { timeout: 1_000 })
      .catch(() => 'no sale status on the page');
    throw new Error(`the sale never showed "${status}" within ${timeoutMs} ms; it shows "${shown}"\n${(err as Error).message}`);
  }
}

/** Waits for an element matching `selector` that contains `text`. */
export async function expectText(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).filter({ hasText: text }).first().waitFor();
}
