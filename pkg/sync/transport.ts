// HTTP for the sync client: one undici Agent of its own (never the upstream pools), bearer token read fresh for
// every call (projected ServiceAccount tokens rotate), JSON POSTs with a few quick retries, and the snapshot stream.
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { SYNC_PATHS } from './protocol.ts';

export type TokenSource = string | (() => string | Promise<string>);

export interface TransportOptions {
  readonly token: TokenSource;
  /** Time between two stream lines before the stream counts as dead (heartbeats come every ~5 s). */
  readonly idleTimeoutMs: number;
  /** Overrides the Agent (TLS settings, tests). Not closed by close(). */
  readonly dispatcher?: Dispatcher;
}

export class HttpStatusError extends Error {
  readonly status: number;
  /** The answer's Retry-After, in ms, when it had a usable one. */
  readonly retryAfterMs: number | undefined;
  constructor(status: number, reason: string, retryAfterMs?: number) {
    super(`HTTP ${status}${reason === '' ? '' : ` (${reason})`}`);
    this.name = 'HttpStatusError';
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Retry-After as ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unusable. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1_000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface OpenStream {
  readonly body: AsyncIterable<Uint8Array>;
}

export interface Transport {
  openStream(base: string, query: Record<string, string>, signal: AbortSignal): Promise<OpenStream>;
  /** POSTs JSON; resolves on 2xx (with the JSON body of an application/json answer, else undefined), rejects with HttpStatusError or a network error after `attempts` tries. */
  post(base: string, path: string, body: unknown, attempts?: number): Promise<unknown>;
  close(): Promise<void>;
}

/** "http://op:8443/" + "/sync/v1/acks" → "http://op:8443/sync/v1/acks" (a path prefix in the base is kept). */
export function endpoint(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

/** A short reason from an error body ({reason} or {error}), never more than 200 characters. */
async function reasonOf(body: Dispatcher.ResponseData['body']): Promise<string> {
  try {
    const text = (await body.text()).slice(0, 2000);
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null) {
      const r = 'reason' in json ? json.reason : 'error' in json ? json.error : undefined;
      if (typeof r === 'string') return r.slice(0, 200);
    }
  } catch {
    // not JSON: no reason
  }
  return '';
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createTransport(opts: TransportOptions): Transport {
  const own = opts.dispatcher === undefined
    ? new Agent({ connect: { timeout: 5_000 }, keepAliveTimeout: 10_000, headersTimeout: 10_000, bodyTimeout: opts.idleTimeoutMs })
    : null;
  const dispatcher: Dispatcher = opts.dispatcher ?? (own as Agent);
  const authorization = async (): Promise<string> => `Bearer ${typeof opts.token === 'string' ? opts.token : await opts.token()}`;

  const postOnce = async (url: string, body: string): Promise<unknown> => {
    const res = await request(url, {
      dispatcher, method: 'POST', body,
      headers: { 'content-type': 'application/json', authorization: await authorization() },
      headersTimeout: 10_000, bodyTimeout: 10_000,
    });
    if (res.statusCode >= 200 && res.statusCode < 300) {
      const type = res.headers['content-type'];
      if (res.statusCode === 204 || typeof type !== 'string' || !type.startsWith('application/json')) {
        await res.body.dump();
        return undefined;
      }
      return await res.body.json();
    }
    throw new HttpStatusError(res.statusCode, await reasonOf(res.body));
  };

  return {
    async openStream(base, query, signal): Promise<OpenStream> {
      const url = `${endpoint(base, SYNC_PATHS.snapshots)}?${new URLSearchParams(query).toString()}`;
      const res = await request(url, {
        dispatcher, method: 'GET', signal,
        headers: { accept: 'application/x-ndjson', authorization: await authorization() },
        headersTimeout: 10_000, bodyTimeout: opts.idleTimeoutMs,
      });
      if (res.statusCode !== 200) {
        throw new HttpStatusError(res.statusCode, await reasonOf(res.body), retryAfterMs(res.headers['retry-after']));
      }
      return { body: res.body };
    },
    async post(base, path, body, attempts = 3): Promise<unknown> {
      const text = JSON.stringify(body);
      for (let i = 1; ; i++) {
        try {
          return await postOnce(endpoint(base, path), text);
        } catch (err) {
          const retriable = !(err instanceof HttpStatusError) || err.status === 503 || err.status >= 500;
          if (!retriable || i >= attempts) throw err;
          await sleep(100 * i);
        }
      }
    },
    async close(): Promise<void> {
      if (own !== null) await own.destroy();
    },
  };
}
