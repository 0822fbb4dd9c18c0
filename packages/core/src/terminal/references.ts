/**
 * The out_trade_no references a terminal has used, so none is ever sent twice (a reused
 * reference could be taken for an earlier payment). Browser-safe: the engine is bundled.
 */
import { InvalidRequestError } from './errors.js';

/** How many references are remembered; the oldest are forgotten beyond this. */
const MAX_REMEMBERED_REFERENCES = 10_000;
const REFERENCE = /^[A-Za-z0-9_-]{1,64}$/;

export class UsedReferences {
  readonly #used = new Set<string>();

  /** A reference from `factory` that this terminal has not used yet (it is not claimed). */
  fresh(factory: () => string): string {
    for (let i = 0; i < 5; i++) {
      const ref = factory();
      if (typeof ref !== 'string' || !REFERENCE.test(ref)) {
        throw new InvalidRequestError('REQUEST_BAD_FACTORY_REFERENCE', 'outTradeNoFactory returned something that is not 1–64 characters of A-Z a-z 0-9 _ -', 'fix outTradeNoFactory');
      }
      if (!this.#used.has(ref)) return ref;
    }
    throw new InvalidRequestError('REQUEST_BAD_FACTORY_REFERENCE', 'outTradeNoFactory keeps returning references already used', 'make outTradeNoFactory return a fresh reference every time');
  }

  /** Marks `ref` as used; throws when it already was. */
  claim(ref: string): void {
    if (this.#used.has(ref)) {
      throw new InvalidRequestError('REQUEST_REUSED_OUT_TRADE_NO', `out_trade_no ${ref} was already used by this terminal`, 'every attempt needs a fresh out_trade_no; to learn what happened to the earlier one, query it');
    }
    this.#used.add(ref);
    if (this.#used.size > MAX_REMEMBERED_REFERENCES) {
      const oldest = this.#used.values().next().value;
      if (oldest !== undefined) this.#used.delete(oldest);
    }
  }
}
