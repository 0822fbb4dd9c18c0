/** Proof that a secret (POS-KEY, client key) is nowhere in a value: logs, outcomes, events, errors, objects. */
import { inspect } from 'node:util';

/** Every way the value can be seen: inspect (hidden fields, getters), JSON, and an error's message, stack and cause. */
export function everythingAbout(value: unknown): string {
  const parts: string[] = [inspect(value, { depth: 12, showHidden: true, getters: true })];
  try {
    parts.push(JSON.stringify(value));
  } catch {
    /* circular: inspect covers it */
  }
  if (value instanceof Error) parts.push(value.message, String(value.stack), inspect(value.cause, { depth: 12, showHidden: true }));
  return parts.join('\n');
}

/** Fails when any key, or a recognisable half of it, appears anywhere in the value. */
export function expectNoKey(value: unknown, ...keys: string[]): void {
  const text = everythingAbout(value);
  for (const key of keys) {
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(0, 16));
    expect(text).not.toContain(key.slice(16));
  }
}
