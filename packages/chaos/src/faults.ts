/**
 * Carries a plan's faults out at the right moment of the scenario and says afterwards which of
 * them really struck. Terminal and notification faults are the simulator's one-shot faults;
 * `notify-server-restart` SIGKILLs the notify-server process and starts it again; `woo-down`
 * takes the WooCommerce fake down while the adapter writes the outcome; `pos-reload` reloads the
 * Odoo POS page in the middle of a payment.
 */
import type { Fault } from '@qfpay-ecr/simulator';
import type { Lane } from './lane.js';
import type { FaultSpec, Phase } from './plan.js';

/** The simulator fault a spec stands for, if it is one. */
export function simulatorFault(spec: FaultSpec): Fault | undefined {
  switch (spec.kind) {
    case 'drop-before':
      return { kind: 'drop-before' };
    case 'drop-after':
      return { kind: 'drop-after-payment' };
    case 'slow-terminal':
      return { kind: 'delay', ms: spec.ms };
    case 'garbage-reply':
      return { kind: 'garbage' };
    case 'truncated-reply':
      return { kind: 'truncate', complete: spec.complete };
    case 'http-500':
      return { kind: 'http500' };
    case 'terminal-busy':
      return { kind: 'busy' };
    case 'notify-lost':
      return { kind: 'notify-lost' };
    case 'notify-duplicate':
      return { kind: 'notify-duplicate' };
    case 'notify-delayed':
      return { kind: 'notify-delay', ms: spec.ms };
    case 'notify-out-of-order':
      return { kind: 'notify-reorder', maxHoldMs: spec.maxHoldMs };
    case 'notify-tampered':
      return { kind: 'notify-tamper' };
    default:
      return undefined;
  }
}

/** Hooks the ERP runner gives for ERP-side faults. */
export interface PhaseHooks {
  /** Odoo: reload the POS page now (the runner knows its harness). */
  reloadPos?: () => void;
}

/** When no screen opens for a phase, time-based faults strike this long after the phase began. */
const NO_SCREEN_FALLBACK_MS = 150;

interface Tracked {
  spec: FaultSpec;
  injected: boolean;
  applied: boolean;
  sim?: Fault;
}

/** The faults of one scenario, from injection to "did it strike". */
export class ScenarioFaults {
  readonly #lane: Lane;
  readonly #tracked: Tracked[];
  readonly #pending: Array<Promise<void>> = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #cleanups: Array<() => void> = [];
  #finished = false;

  constructor(lane: Lane, faults: readonly FaultSpec[]) {
    this.#lane = lane;
    this.#tracked = faults.map((spec) => {
      const sim = simulatorFault(spec);
      return sim ? { spec, injected: false, applied: false, sim } : { spec, injected: false, applied: false };
    });
  }

  /** Arms the faults of `phase` (call right before the phase's first request). */
  enter(phase: Phase, hooks: PhaseHooks = {}): void {
    if (this.#finished) return;
    const { sim, fake, notify } = this.#lane;
    for (const t of this.#tracked) {
      if (t.spec.phase !== phase || t.injected) continue;
      t.injected = true;
      if (t.sim) {
        sim.injectFault(t.sim);
        continue;
      }
      const spec = t.spec;
      switch (spec.kind) {
        case 'notify-server-restart':
          this.#atScreen(spec.afterMs, () => {
            if (!notify.running) return;
            t.applied = true;
            this.#pending.push(
              (async () => {
                await notify.kill();
                await new Promise((r) => setTimeout(r, spec.downMs));
                await notify.restart();
              })(),
            );
          });
          break;
        case 'woo-down': {
          // "During the write": the moment the terminal's screen closes, the adapter is about to write the outcome.
          const onClosed = () => {
            t.applied = true;
            if (spec.mode === 'refused') {
              this.#pending.push(
                (async () => {
                  await fake.suspend();
                  await new Promise((r) => setTimeout(r, spec.downMs));
                  await fake.resume();
                })(),
              );
            } else {
              fake.injectFault({ kind: spec.mode === 'reset' ? 'reset' : 'unavailable', times: spec.times, method: ['PUT', 'POST'], after: spec.mode === 'applied-then-failed' });
            }
          };
          sim.once('screen-closed', onClosed);
          this.#cleanups.push(() => sim.off('screen-closed', onClosed));
          break;
        }
        case 'pos-reload':
          this.#atScreen(spec.afterMs, () => {
            if (!hooks.reloadPos) return;
            t.applied = true;
            hooks.reloadPos();
          });
          break;
        default:
          break;
      }
    }
  }

  /**
   * Ends every fault: unapplied simulator faults are withdrawn, WooCommerce is back up with no
   * faults queued, the notify server is running. Resolves once all of that is true.
   */
  async finish(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const c of this.#cleanups.splice(0)) c();
    await Promise.allSettled(this.#pending);
    const left = this.#lane.sim.clearFaults();
    for (const t of this.#tracked) {
      if (!t.sim) continue;
      if (!t.injected) continue;
      const i = left.findIndex((f) => f.kind === t.sim?.kind);
      if (i >= 0) left.splice(i, 1);
      else t.applied = true;
    }
    this.#lane.fake.clearFaults();
    await this.#lane.fake.resume();
    if (!this.#lane.notify.running) await this.#lane.notify.restart();
  }

  /** Per planned fault (same order as the plan): whether it struck. */
  applied(): boolean[] {
    return this.#tracked.map((t) => t.applied);
  }

  /**
   * Runs `fn` `ms` after the phase's terminal screen opens (while the customer decides), or `ms`
   * after now plus a little when no screen opens (a refused or dropped request).
   */
  #atScreen(ms: number, fn: () => void): void {
    const { sim } = this.#lane;
    let fired = false;
    const once = () => {
      if (fired) return;
      fired = true;
      sim.off('screen', onScreen);
      fn();
    };
    const onScreen = () => this.#after(ms, once);
    sim.once('screen', onScreen);
    this.#cleanups.push(() => sim.off('screen', onScreen));
    this.#after(ms + NO_SCREEN_FALLBACK_MS, once);
  }

  #after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#finished) fn();
    }, ms);
    this.#timers.add(timer);
  }
}
