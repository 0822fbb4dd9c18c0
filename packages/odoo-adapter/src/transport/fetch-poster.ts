/**
 * The poster of the direct topology: `fetch` straight to the terminal. A browser's fetch cannot
 * tell "could not connect" from "the reply was lost", so every failure may have reached the
 * terminal (`mayHaveReachedTerminal: true`); DirectTerminal's 4001 probe before each payment is
 * what proves reachability.
 */
import { ConnectionLostError, ResponseTimeoutError, TransportAbortedError } from '@qfpay-ecr/core';
import type { EcrPoster } from '@qfpay-ecr/core/terminal';
import { withTimeout, type FetchLike } from './http.js';

/** What to do when the terminal cannot be reached from this device. */
export const CERT_HINT =
  "check the terminal's IP address and that this device is on the shop network; if the address is right, this browser probably does not trust the terminal's certificate: import QFPay's ca3.crt on this device, or use the payment bridge";

/** An {@link EcrPoster} over `fetch`. Failures carry `TERMINAL_UNREACHABLE` (what the lifecycle shows as "cannot reach"). */
export function fetchPoster(origin: string, fetchImpl: FetchLike, defaultTimeoutMs: number): EcrPoster {
  const unreachable = (detail: string) => `cannot reach the terminal at ${origin} (${detail})`;
  return {
    origin,
    async post(path, body, options = {}) {
      const { signal } = options;
      options.onSent?.();
      let res: Response;
      try {
        res = await fetchImpl(`${origin}${path}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body,
          signal: withTimeout(options.timeoutMs ?? defaultTimeoutMs, signal),
        });
      } catch (err) {
        const init = { phase: 'request' as const, mayHaveReachedTerminal: true, cause: err };
        if (signal?.aborted) throw new TransportAbortedError('TERMINAL_UNREACHABLE', unreachable('aborted'), CERT_HINT, init);
        if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) throw new ResponseTimeoutError('TERMINAL_UNREACHABLE', unreachable('no answer in time'), CERT_HINT, { ...init, phase: 'response' });
        throw new ConnectionLostError('TERMINAL_UNREACHABLE', unreachable('failed to fetch'), CERT_HINT, init);
      }
      try {
        return { status: res.status, body: await res.text() };
      } catch (err) {
        throw new ConnectionLostError('TERMINAL_UNREACHABLE', unreachable('connection lost while reading the reply'), CERT_HINT, { phase: 'response', mayHaveReachedTerminal: true, cause: err });
      }
    },
  };
}
