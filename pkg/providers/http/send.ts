// The one undici send (the core sends; adapters only build requests): one POST to a fixed upstream endpoint,
// per-request deadlines, errors mapped to UpstreamFailureError (head and body), body iterated as raw bytes. The URL
// never comes from client input.
import type { Dispatcher } from 'undici';
import type { AdapterDeps, Transport, UpstreamRequest, UpstreamResponse } from '../types.ts';
import type { TableProvider, TableTimeouts } from '../../table/types.ts';
import { mapUpstreamError } from './errors.ts';
import { DEFAULT_POOL_ACQUIRE_MS, slotsOf } from './slots.ts';
import { UpstreamBody } from './upstream-body.ts';

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
 * Sends one request on `dispatcher`; resolves at the response head. Throws UpstreamFailureError, or the signal's
 * reason when aborted. On a pool with connection slots (slots.ts) a slot is taken first, waiting at most
 * `timeouts.poolAcquireMs`, and given back when the response body closes (read to the end, dumped or destroyed).
 */
export async function sendUpstream(dispatcher: Dispatcher, req: UpstreamRequest, timeouts: TableTimeouts, signal: AbortSignal): Promise<UpstreamResponse> {
  const slots = slotsOf(dispatcher);
  if (slots !== undefined && !slots.tryAcquire()) {
    try {
      await slots.acquire(timeouts.poolAcquireMs ?? DEFAULT_POOL_ACQUIRE_MS, signal);
    } catch (err) {
      throw mapUpstreamError(err, signal, 'head');
    }
  }
  let res: Dispatcher.ResponseData;
  try {
    signal.throwIfAborted();
    res = await dispatcher.request({
      origin: req.origin,
      path: req.path,
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal,
      // 0 disables the deadline in undici, matching the table's "0 = none".
      headersTimeout: timeouts.firstByteMs,
      // Reset by every chunk: the longest silence between two chunks, never a cap on the whole body.
      bodyTimeout: timeouts.idleMs,
    });
  } catch (err) {
    slots?.release();
    throw mapUpstreamError(err, signal, 'head');
  }
  const raw = res.body;
  if (slots !== undefined) {
    if (raw.destroyed || raw.closed) slots.release();
    else raw.on('close', slots.releaser);
  }
  return {
    status: res.statusCode,
    headers: res.headers,
    body: new UpstreamBody(raw, signal),
    dump: async () => {
      try {
        await raw.dump({ limit: 64 * 1024 });
      } catch {
        // The body is being discarded; a failure here changes nothing for the caller.
      }
    },
  };
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
