// Background scraping of self-hosted model servers' Prometheus metrics (queue depth, KV-cache use) for the spillover
// decision. One scraper per Provider with spec.metrics, started and stopped with the routing table like the
// credential sources (sync() after every swap keeps those still wanted, restarts changed ones, stops the rest).
// A request only reads the last sample in memory; a sample older than three intervals counts as none (a pool that
// stopped answering is not taken for idle or for full). No credentials are sent; timers are unref'd.
import type { Logger } from 'pino';
import type { TableProvider } from '../../table/types.ts';
import { parsePoolMetrics } from './parse.ts';
import type { PoolFigures } from './parse.ts';

export interface PoolSample extends PoolFigures {
  /** Epoch ms the answer arrived. */
  readonly at: number;
}

export interface ScraperTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface PoolScrapersOptions {
  /** Epoch ms. Default Date.now. */
  readonly clock?: () => number;
  readonly timers?: ScraperTimers;
  readonly fetch?: typeof fetch;
  readonly logger?: Pick<Logger, 'debug' | 'warn' | 'info'>;
  /** Largest metrics body read. Default 4 MiB. */
  readonly maxBytes?: number;
}

/** A sample is stale (ignored) once it is this many intervals old. */
export const STALE_INTERVALS = 3;
/** A scrape gives up after its interval, but never sooner than 2 s nor later than 10 s (the next one follows it). */
const FETCH_TIMEOUT_MIN_MS = 2000;
const FETCH_TIMEOUT_CAP_MS = 10_000;

const REAL_TIMERS: ScraperTimers = {
  set(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clear(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

async function readCapped(res: Response, cap: number): Promise<string> {
  if (res.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.length;
    if (size > cap) throw new Error(`metrics body larger than ${cap} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

type Resolved = Required<Omit<PoolScrapersOptions, 'logger'>> & { readonly logger: PoolScrapersOptions['logger'] };

class PoolScraper {
  readonly url: string;
  readonly intervalMs: number;
  readonly #what: string;
  readonly #o: Resolved;
  #sample: PoolSample | null = null;
  #timer: unknown = null;
  #abort: AbortController | null = null;
  #stopped = false;
  #failing = false;
  /** Resolves after the first scrape attempt. */
  readonly ready: Promise<void>;

  constructor(providerId: string, url: string, intervalMs: number, o: Resolved) {
    this.url = url;
    this.intervalMs = intervalMs;
    this.#what = `model-server metrics of ${providerId}`;
    this.#o = o;
    this.ready = this.#tick();
  }

  /** The last sample when it is fresh at `now`, else null. */
  fresh(now: number): PoolSample | null {
    const s = this.#sample;
    return s !== null && now - s.at <= STALE_INTERVALS * this.intervalMs ? s : null;
  }

  get last(): PoolSample | null {
    return this.#sample;
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    await this.#scrape();
    if (!this.#stopped) this.#timer = this.#o.timers.set(() => void this.#tick(), this.intervalMs);
  }

  async #scrape(): Promise<void> {
    const ac = new AbortController();
    this.#abort = ac;
    const timer = this.#o.timers.set(() => ac.abort(new Error('timed out')), Math.min(Math.max(this.intervalMs, FETCH_TIMEOUT_MIN_MS), FETCH_TIMEOUT_CAP_MS));
    try {
      const res = await this.#o.fetch(this.url, { signal: ac.signal, headers: { accept: 'text/plain;version=0.0.4, */*;q=0.1' }, redirect: 'error' });
      if (res.status !== 200) {
        void res.body?.cancel();
        throw new Error(`HTTP ${res.status}`);
      }
      const text = await readCapped(res, this.#o.maxBytes);
      this.#sample = { ...parsePoolMetrics(text), at: this.#o.clock() };
      if (this.#failing) this.#o.logger?.info({ url: this.url }, `${this.#what}: scraping again`);
      this.#failing = false;
    } catch (err) {
      if (this.#stopped) return;
      const reason = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : 'failed';
      // One WARN when scraping starts failing, DEBUG while it keeps failing: the sample goes stale on its own.
      if (!this.#failing) this.#o.logger?.warn({ url: this.url, reason: reason.slice(0, 300) }, `${this.#what}: scrape failed; the pool's queue and KV-cache figures are ignored once stale`);
      else this.#o.logger?.debug({ url: this.url, reason: reason.slice(0, 300) }, `${this.#what}: scrape failed`);
      this.#failing = true;
    } finally {
      this.#o.timers.clear(timer);
      if (this.#abort === ac) this.#abort = null;
    }
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) this.#o.timers.clear(this.#timer);
    this.#timer = null;
    this.#abort?.abort(new Error('stopped'));
    this.#abort = null;
  }
}

export class PoolScrapers {
  readonly #scrapers = new Map<string, PoolScraper>();
  readonly #o: Resolved;
  #closed = false;

  constructor(o: PoolScrapersOptions = {}) {
    this.#o = {
      clock: o.clock ?? Date.now,
      timers: o.timers ?? REAL_TIMERS,
      fetch: o.fetch ?? fetch,
      logger: o.logger,
      maxBytes: o.maxBytes ?? 4 * 1024 * 1024,
    };
  }

  /** Scrapes exactly the providers (of the table now in use) that have spec.metrics. */
  sync(providers: Iterable<TableProvider>): void {
    if (this.#closed) return;
    const wanted = new Map<string, { url: string; intervalMs: number }>();
    for (const p of providers) if (p.metrics !== undefined) wanted.set(p.id, p.metrics);
    for (const [id, s] of this.#scrapers) {
      const w = wanted.get(id);
      if (w !== undefined && w.url === s.url && w.intervalMs === s.intervalMs) continue;
      s.stop();
      this.#scrapers.delete(id);
    }
    for (const [id, w] of wanted) {
      if (!this.#scrapers.has(id)) this.#scrapers.set(id, new PoolScraper(id, w.url, w.intervalMs, this.#o));
    }
  }

  /** The provider's last sample if it is fresh at `now` (at most three intervals old), else null. */
  sample(providerId: string, now: number): PoolSample | null {
    return this.#scrapers.get(providerId)?.fresh(now) ?? null;
  }

  /** The provider's last sample, fresh or not (for /debug/explain); null when never scraped or not scraped. */
  last(providerId: string): PoolSample | null {
    return this.#scrapers.get(providerId)?.last ?? null;
  }

  /** Resolves once every current scraper has made its first attempt (tests, startup). */
  async ready(): Promise<void> {
    await Promise.all([...this.#scrapers.values()].map((s) => s.ready));
  }

  get size(): number {
    return this.#scrapers.size;
  }

  stopAll(): void {
    this.#closed = true;
    for (const s of this.#scrapers.values()) s.stop();
    this.#scrapers.clear();
  }
}
