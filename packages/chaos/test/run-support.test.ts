/**
 * The runners' deadline: a step that answered in time must not leave its timeout timer running
 * (the Odoo runner raced every payment attempt against a 20 s timer it never cleared, which kept
 * the Jest worker — and the chaos CLI — alive after the last scenario).
 */
import { deadline } from '../src/run-support.js';

/** Ref'd timers of this process (what keeps it from exiting). */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('deadline', () => {
  it('cancel() releases its timer: a race won by the step leaves nothing running', async () => {
    const before = timers();
    const timeout = deadline(20_000);
    expect(timers()).toBe(before + 1);
    const first = await Promise.race([Promise.resolve('answer' as const), timeout.promise]);
    expect(first).toBe('answer');
    timeout.cancel();
    expect(timers()).toBe(before);
  });

  it("resolves 'timeout' when the step takes longer", async () => {
    const timeout = deadline(5);
    const first = await Promise.race([new Promise<'answer'>(() => undefined), timeout.promise]);
    expect(first).toBe('timeout');
    timeout.cancel(); // harmless once fired
  });
});
