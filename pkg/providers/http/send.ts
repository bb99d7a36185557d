// The one undici send (the core sends; adapters only build requests): one POST to a fixed upstream endpoint,
// per-request deadlines, errors mapped to UpstreamFailureError (head and body), body iterated as raw bytes. The URL
// never comes from client input.
import type { Dispatcher } from 'undici';
import type { AdapterDeps, Transport, UpstreamRequest, UpstreamResponse } from '../types.ts';
import type { TableProvider, TableTimeouts } from '../../table/types.ts';
import { mapUpstreamError } from './errors.ts';

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

/** Sends one request on `dispatcher`; resolves at the response head. Throws UpstreamFailureError, or the signal's reason when aborted. */
export async function sendUpstream(dispatcher: Dispatcher, req: UpstreamRequest, timeouts: TableTimeouts, signal: AbortSignal): Promise<UpstreamResponse> {
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
      bodyTimeout: timeouts.idleMs,
    });
  } catch (err) {
    throw mapUpstreamError(err, signal, 'head');
  }
  const raw = res.body;
  return {
    status: res.statusCode,
    headers: res.headers,
    body: mapBodyErrors(raw, signal),
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
 * and then kept — the pool outlives the adapter across table swaps.
 */
export function httpTransport(provider: TableProvider, deps: AdapterDeps): Transport {
  let dispatcher: Dispatcher | undefined;
  return (req, timeouts, signal) => sendUpstream((dispatcher ??= deps.dispatcherFor(provider)), req, timeouts, signal);
}

async function* mapBodyErrors(body: AsyncIterable<Uint8Array>, signal: AbortSignal): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (err) {
    throw mapUpstreamError(err, signal, 'body');
  }
}
