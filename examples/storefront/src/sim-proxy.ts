/**
 * The simulator's customer screen (`/sim/state`, `/sim/approve|decline|cancel`) is served over
 * HTTPS with the simulator's own CA, which the person's browser does not trust. The storefront
 * relays it server-side, trusting exactly that CA, so the page can show the terminal and let the
 * person act as the customer. A real terminal has no such routes: this exists only for the demo.
 */
import { Agent, request } from 'undici';
import { z } from 'zod';

/** What the simulator's `/sim/state` says (the fields the page uses; the rest passes through). */
export const SimStateSchema = z.looseObject({
  simulator: z.literal(true),
  merchantName: z.string(),
  terminalId: z.string(),
  screen: z
    .looseObject({
      kind: z.enum(['payment', 'refund']),
      outTradeNo: z.string(),
      amountMinor: z.number().int(),
      channel: z.string(),
      channelLabel: z.string(),
    })
    .nullable(),
  last: z
    .looseObject({
      kind: z.enum(['payment', 'refund']),
      amountMinor: z.number().int(),
      status: z.string(),
      message: z.string(),
      channelLabel: z.string(),
    })
    .nullable(),
});
export type SimState = z.infer<typeof SimStateSchema>;

export type CustomerAction = 'approve' | 'decline' | 'cancel';

export class SimulatorProxy {
  readonly #base: string;
  readonly #agent: Agent;

  /** `url` is the simulator's base URL; `caPem` the only CA trusted for it. */
  constructor(url: string, caPem: string | null) {
    this.#base = url.replace(/\/$/, '');
    // Idle connections are dropped by us (1 s) well before the simulator would close them (5 s),
    // so a poll never lands on a socket the other side is closing.
    this.#agent = new Agent({
      connect: { ...(caPem ? { ca: caPem } : {}), rejectUnauthorized: true, timeout: 3000 },
      headersTimeout: 5000,
      bodyTimeout: 5000,
      keepAliveTimeout: 1000,
      keepAliveMaxTimeout: 1000,
    });
  }

  /** The terminal screen. A read: tried once more if the connection failed. */
  async state(): Promise<SimState> {
    try {
      return await this.#state();
    } catch {
      return this.#state();
    }
  }

  async #state(): Promise<SimState> {
    const res = await request(`${this.#base}/sim/state`, { dispatcher: this.#agent, method: 'GET' });
    const body = await res.body.json();
    if (res.statusCode !== 200) throw new Error(`simulator answered HTTP ${res.statusCode}`);
    return SimStateSchema.parse(body);
  }

  /** Acts on the open screen as the customer; resolves with whether a screen was open. */
  async act(action: CustomerAction, body: Record<string, unknown> = {}): Promise<boolean> {
    const res = await request(`${this.#base}/sim/${action}`, {
      dispatcher: this.#agent,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = z.object({ ok: z.boolean() }).safeParse(await res.body.json());
    if (res.statusCode !== 200 || !answer.success) throw new Error(`simulator answered HTTP ${res.statusCode}`);
    return answer.data.ok;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
