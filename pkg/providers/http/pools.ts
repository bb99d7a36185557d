// Upstream connection pools: one undici Pool per (origin, connect timeout), shared by every adapter and kept across
// routing-table swaps (the composition root owns the instance). Redirects are never followed (E12): no redirect
// interceptor is composed, so a 30x reaches the adapter as a plain response.
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { AdapterDeps } from '../types.ts';
import type { TableProvider } from '../../table/types.ts';
import { CredentialSources } from './credential-sources.ts';
import { attachSlots } from './slots.ts';

export interface UpstreamPoolOptions {
  /** Idle keep-alive sockets are closed after this long: shorter than typical upstream idle timeouts (B15). Default 4000. */
  readonly keepAliveTimeoutMs?: number;
  /**
   * Most sockets per origin (and connect timeout), so most requests in flight to it: a stream holds its socket to
   * the end. More wait for a free one at most their poolAcquire timeout (slots.ts). Default 1024.
   */
  readonly connectionsPerOrigin?: number;
  /** Used when a provider carries no connect timeout (0). Default 10000. */
  readonly defaultConnectTimeoutMs?: number;
  /** Extra TLS/socket options for the connector (e.g. ca for private CAs). */
  readonly connect?: Readonly<Record<string, unknown>>;
  /** The process's credential sources (default: a new set). close() and destroy() stop them all. */
  readonly sources?: CredentialSources;
}

export interface UpstreamPools extends AdapterDeps {
  /** Number of live pools (for tests and /debug). */
  readonly size: number;
  /** Close every pool, waiting for in-flight requests to finish (and stop every credential source). */
  close(): Promise<void>;
  /** Destroy every pool now, aborting in-flight requests (and stop every credential source). */
  destroy(): Promise<void>;
}

export function createUpstreamPools(opts: UpstreamPoolOptions = {}): UpstreamPools {
  const keepAlive = opts.keepAliveTimeoutMs ?? 4000;
  const connections = opts.connectionsPerOrigin ?? 1024;
  const defaultConnect = opts.defaultConnectTimeoutMs ?? 10_000;
  const pools = new Map<string, Pool>();
  const sources = opts.sources ?? new CredentialSources();
  let closed = false;

  function dispatcherFor(provider: TableProvider): Dispatcher {
    if (closed) throw new Error('upstream pools are closed');
    const origin = new URL(provider.baseURL).origin;
    const connectMs = provider.timeouts.connectMs > 0 ? provider.timeouts.connectMs : defaultConnect;
    const key = `${origin}|${connectMs}`;
    let pool = pools.get(key);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections,
        pipelining: 1,
        keepAliveTimeout: keepAlive,
        // Servers may hint a longer keep-alive; never trust a socket longer than our own limit.
        keepAliveMaxTimeout: keepAlive,
        keepAliveTimeoutThreshold: Math.min(1000, Math.floor(keepAlive / 4)),
        connect: { ...opts.connect, timeout: connectMs },
      });
      attachSlots(pool, connections);
      pools.set(key, pool);
    }
    return pool;
  }

  return {
    dispatcherFor,
    sources,
    get size() {
      return pools.size;
    },
    async close() {
      closed = true;
      sources.stopAll();
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((p) => p.close()));
    },
    async destroy() {
      closed = true;
      sources.stopAll();
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((p) => p.destroy()));
    },
  };
}
