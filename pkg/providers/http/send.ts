// The one undici send (the core sends; adapters only build requests): one POST to a fixed upstream endpoint,
// per-request deadlines, errors mapped to UpstreamFailureError (head and body), body iterated as raw bytes. The URL
// never comes from client input.
import type { Dispatcher } from 'undici';
import type { AdapterDeps, Transport, UpstreamRequest, UpstreamResponse } from '../types.ts';
import type { TableProvider, TableTimeouts } from '../../table/types.ts';
import { mapUpstreamError } from './errors.ts';
import { DEFAULT_POOL_ACQUIRE_MS, slotsOf } from './slots.ts';
import type { ConnectionSlots } from './slots.ts';
import { UpstreamExchange } from './upstream-exchange.ts';

/** An upstream endpoint resolved once per adapter from the provider's baseURL. */
export interface Endpoint {
  readonly origin: string;
  /** Path plus query, e.g. "/v1/chat/completions". */
  readonly path: string;
}

/** baseURL "https://h/v1" + suffix "/chat/completions" → { origin: "https://h", path: "/v1/chat/completions" }. */
export function resolveEndpoint(baseURL: string, suffix: string): Endpoint {
  const url = new URL(baseURL);
  const base = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  return { origin: url.origin, path: `${base}${suffix}${url.search}` };
}

/**
 * Sends one request on `dispatcher` (undici's dispatch with upstream-exchange.ts as the handler, not request():
 * issue 12); resolves at the response head. Throws UpstreamFailureError, or the signal's reason when aborted. On a pool with connection slots (slots.ts) a slot is taken first, waiting at most
 * `timeouts.poolAcquireMs`, and given back when the response body closes (read to the end, dumped or destroyed).
 */
export function sendUpstream(dispatcher: Dispatcher, req: UpstreamRequest, timeouts: TableTimeouts, signal: AbortSignal): Promise<UpstreamResponse> {
  const slots = slotsOf(dispatcher);
  if (slots !== undefined && !slots.tryAcquire()) return acquireThenSend(dispatcher, slots, req, timeouts, signal);
  return send(dispatcher, slots, req, timeouts, signal);
}

async function acquireThenSend(
  dispatcher: Dispatcher, slots: ConnectionSlots, req: UpstreamRequest, timeouts: TableTimeouts, signal: AbortSignal,
): Promise<UpstreamResponse> {
  try {
    await slots.acquire(timeouts.poolAcquireMs ?? DEFAULT_POOL_ACQUIRE_MS, signal);
  } catch (err) {
    throw mapUpstreamError(err, signal, 'head');
  }
  return await send(dispatcher, slots, req, timeouts, signal);
}

/** Dispatches with the slot (if any) already taken; the exchange gives it back when it is over. */
function send(dispatcher: Dispatcher, slots: ConnectionSlots | undefined, req: UpstreamRequest, timeouts: TableTimeouts, signal: AbortSignal): Promise<UpstreamResponse> {
  if (signal.aborted) {
    slots?.release();
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<UpstreamResponse>((resolve, reject) => {
    const exchange = new UpstreamExchange(signal, slots === undefined ? null : slots.releaser, { resolve, reject });
    try {
      dispatcher.dispatch({
        origin: req.origin,
        path: req.path,
        method: req.method,
        headers: req.headers,
        body: req.body,
        // 0 disables the deadline in undici, matching the table's "0 = none".
        headersTimeout: timeouts.firstByteMs,
        // Reset by every chunk: the longest silence between two chunks, never a cap on the whole body.
        bodyTimeout: timeouts.idleMs,
      }, exchange);
    } catch (err) {
      exchange.onResponseError(null, err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/**
 * The HTTP transport of a provider: sendUpstream on the provider's pool, looked up on first use (not at table load)
 * and then kept — the pool outlives the adapter across table swaps. A route whose connect timeout differs from its
 * Provider's gets the pool for that timeout (one lookup per distinct value, then a map read).
 */
export function httpTransport(provider: TableProvider, deps: AdapterDeps): Transport {
  let dispatcher: Dispatcher | undefined;
  let byConnect: Map<number, Dispatcher> | undefined;
  const forConnect = (connectMs: number): Dispatcher => {
    byConnect ??= new Map();
    let d = byConnect.get(connectMs);
    if (d === undefined) {
      d = deps.dispatcherFor({ ...provider, timeouts: { ...provider.timeouts, connectMs } });
      byConnect.set(connectMs, d);
    }
    return d;
  };
  return (req, timeouts, signal) => {
    const d = timeouts.connectMs === provider.timeouts.connectMs ? (dispatcher ??= deps.dispatcherFor(provider)) : forConnect(timeouts.connectMs);
    return sendUpstream(d, req, timeouts, signal);
  };
}
