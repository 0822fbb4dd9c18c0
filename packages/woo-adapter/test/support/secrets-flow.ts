/** What the LAN and cloud secrecy suites share: the failure paths they walk and how they look for a secret. */
import { SseNotificationFeed, WooClient, WooQfpayAdapter } from '../../src/index.js';
import { CONSUMER_KEY, FAST_RETRY, type World } from './world.js';

const WRONG_SECRET = 'cs_AnotherSecretThatMustNotLeak0000000000';
const FEED_TOKEN = 'TokenThatMustNotLeak0000000001';

/** Secrets the failure paths themselves use; they must not leak either. */
export const FAILURE_PATH_SECRETS = [WRONG_SECRET, FEED_TOKEN];

/** A value as anything downstream could see it (an error's message and stack included). */
export function dump(value: unknown): string {
  if (value instanceof Error) return `${value.message}\n${value.stack ?? ''}\n${JSON.stringify(value)}`;
  return JSON.stringify(value);
}

/** A payment and a reconcile with a wrong consumer secret, and a feed refused at construction; everything seen goes to `seen`. */
export async function walkFailurePaths(w: World, seen: unknown[]): Promise<void> {
  const bad = new WooQfpayAdapter({ woo: new WooClient({ url: w.fake.url, consumerKey: CONSUMER_KEY, consumerSecret: WRONG_SECRET, authMode: 'query', allowInsecureHttp: true, retry: FAST_RETRY }), terminal: w.terminal });
  seen.push(await bad.payOrder(w.order('1.00'), { channel: 'card_payment' }).catch((e: unknown) => e));
  seen.push(await bad.reconcile());
  await bad.close();
  seen.push(
    (() => {
      try {
        return new SseNotificationFeed({ url: 'http://192.0.2.1/qfpay/events', token: FEED_TOKEN });
      } catch (e) {
        return e;
      }
    })(),
  );
}
