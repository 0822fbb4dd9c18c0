import { InvalidRequestError } from '../src/terminal/errors.js';
import { UsedReferences } from '../src/terminal/references.js';

describe('UsedReferences (shared by the LAN and the cloud terminal)', () => {
  it('never hands out or accepts a reference twice', () => {
    const refs = new UsedReferences();
    let n = 0;
    const factory = () => `ref-${n++ % 2}`;
    const first = refs.fresh(factory);
    refs.claim(first);
    const second = refs.fresh(factory);
    expect(second).not.toBe(first);
    refs.claim(second);
    expect(() => refs.claim(first)).toThrow(expect.objectContaining({ code: 'REQUEST_REUSED_OUT_TRADE_NO' }));
    expect(() => refs.fresh(factory)).toThrow(expect.objectContaining({ code: 'REQUEST_BAD_FACTORY_REFERENCE' }));
  });

  it('refuses a factory result that is not a valid out_trade_no', () => {
    const refs = new UsedReferences();
    expect(() => refs.fresh(() => 'has space')).toThrow(InvalidRequestError);
    expect(() => refs.fresh(() => 'x'.repeat(65))).toThrow(/1–64 characters/);
  });
});
