/**
 * JSON over `fetch` for the browser-side terminals: timeouts via AbortSignal, typed errors, and
 * never a token or a body in an error message.
 */
import { z } from 'zod';
import { BridgeError } from '../errors.js';

/** The `fetch` signature the adapter needs (the global one fits; tests may inject another). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** A bearer token, or a function that fetches one (e.g. an Odoo RPC). */
export type TokenSource = string | (() => string | Promise<string>);

/** The error body every bridge route answers with. */
export const BridgeErrorBodySchema = z.object({ error: z.object({ code: z.string().max(100), message: z.string().max(2000), hint: z.string().max(2000).optional() }) });

/** Result of {@link requestJson}: the status and the parsed JSON body (undefined when empty/not JSON). */
export interface JsonAnswer {
  status: number;
  body: unknown;
}

/** Combines a caller's signal with a timeout. */
export function withTimeout(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/** Resolves a {@link TokenSource}. */
export async function resolveToken(token: TokenSource): Promise<string> {
  const value = typeof token === 'function' ? await token() : token;
  if (typeof value !== 'string' || value.length === 0) {
    throw new BridgeError('BRIDGE_NO_TOKEN', 'no access token for the payment bridge', 'configure the bridge token on the payment method');
  }
  return value;
}

/**
 * One JSON request. Throws {@link BridgeError} `BRIDGE_UNREACHABLE` (network/CORS/TLS failure or
 * timeout: the request may or may not have arrived) or `ABORTED`; HTTP errors are returned.
 */
export async function requestJson(
  fetchImpl: FetchLike,
  url: string,
  init: { method: 'GET' | 'POST'; token?: string; body?: unknown; timeoutMs: number; signal?: AbortSignal },
): Promise<JsonAnswer> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: init.method,
      headers,
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      signal: withTimeout(init.timeoutMs, init.signal),
    });
  } catch (cause) {
    if (init.signal?.aborted) throw new BridgeError('ABORTED', 'the request was aborted', 'the caller aborted it', { cause });
    const timedOut = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
    throw new BridgeError(
      'BRIDGE_UNREACHABLE',
      timedOut ? `no answer from ${new URL(url).origin} in time` : `cannot reach ${new URL(url).origin}`,
      'check that the payment bridge is running and reachable from this device (URL, network, certificate, CORS origin)',
      { cause },
    );
  }
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body };
}

/** A {@link BridgeError} for an HTTP error answer, using the bridge's own code/message when present. */
export function errorFromAnswer(answer: JsonAnswer, what: string): BridgeError {
  const parsed = BridgeErrorBodySchema.safeParse(answer.body);
  if (parsed.success) {
    const e = parsed.data.error;
    return new BridgeError(e.code, `${what}: ${e.message}`, e.hint ?? 'see the payment bridge logs', { status: answer.status });
  }
  if (answer.status === 401 || answer.status === 403) {
    return new BridgeError('BRIDGE_UNAUTHORIZED', `${what}: the payment bridge refused the access token`, 'check the bridge token configured for this payment method', { status: answer.status });
  }
  return new BridgeError('BRIDGE_HTTP_ERROR', `${what}: the payment bridge answered HTTP ${answer.status}`, 'see the payment bridge logs', { status: answer.status });
}
