// The shared undici send: one POST to a fixed upstream endpoint, per-request deadlines, errors mapped to
// UpstreamFailureError (head and body), body iterated as raw bytes. The URL never comes from client input.
import type { Dispatcher } from 'undici';
import type { UpstreamResponse } from '../types.ts';
import type { TableTimeouts } from '../../table/types.ts';
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

export interface SendRequest {
  readonly dispatcher: Dispatcher;
  readonly endpoint: Endpoint;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeouts: TableTimeouts;
  readonly signal: AbortSignal;
}

/** Sends one attempt; resolves at the response head. Throws UpstreamFailureError, or the signal's reason when aborted. */
export async function sendUpstream(req: SendRequest): Promise<UpstreamResponse> {
  let res: Dispatcher.ResponseData;
  try {
    req.signal.throwIfAborted();
    res = await req.dispatcher.request({
      origin: req.endpoint.origin,
      path: req.endpoint.path,
      method: 'POST',
      headers: req.headers,
      body: req.body,
      signal: req.signal,
      // 0 disables the deadline in undici, matching the table's "0 = none".
      headersTimeout: req.timeouts.firstByteMs,
      bodyTimeout: req.timeouts.idleMs,
    });
  } catch (err) {
    throw mapUpstreamError(err, req.signal, 'head');
  }
  const raw = res.body;
  return {
    status: res.statusCode,
    headers: res.headers,
    body: mapBodyErrors(raw, req.signal),
    dump: async () => {
      try {
        await raw.dump({ limit: 64 * 1024 });
      } catch {
        // The body is being discarded; a failure here changes nothing for the caller.
      }
    },
  };
}

async function* mapBodyErrors(body: AsyncIterable<Uint8Array>, signal: AbortSignal): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (err) {
    throw mapUpstreamError(err, signal, 'body');
  }
}
