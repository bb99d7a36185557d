// Credentials that expire and are fetched again in the background (OAuth access tokens for Vertex AI and Entra ID,
// assumed-role keys for Bedrock web identity): a request only ever reads the value in hand, it never waits on a
// token endpoint. One source per (provider, credential), kept across routing-table swaps by CredentialSources and
// stopped once no table asks for it. Timers are unref'd: a source never keeps the process alive.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { canonicalJSON } from '../../compiler/hash.ts';
import type { TableProvider } from '../../table/types.ts';

export interface RefreshingSource<T> {
  /**
   * The current value, or null before the first fetch succeeded, once the value in hand has expired (its refreshes
   * kept failing) or after stop(). Never fetches: the transport answers with an `auth` failure when it gets null.
   */
  current(): T | null;
  /** Resolves after the first fetch attempt (success or failure). Never rejects. */
  readonly ready: Promise<void>;
  /**
   * Why the last fetch failed, safe to show in a failure message or log (secrets passed in `secrets` and long
   * token-like runs are redacted; at most 300 characters), or null when the last fetch succeeded or none finished.
   */
  lastError(): string | null;
  stop(): void;
}

export interface Refreshable<T> {
  readonly value: T;
  /** Epoch ms after which the value must not be used; Infinity = never expires (fetched once). */
  readonly expiresAt: number;
}

/** Timer functions (tests inject a manual scheduler). The default uses setTimeout with unref(). */
export interface SourceTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface RefreshingSourceOptions {
  /** What is fetched, for logs and messages, e.g. "vertex-ai access token for ns/name". No secrets. */
  readonly what?: string;
  /** Epoch ms. Default Date.now. */
  readonly clock?: () => number;
  /** Refresh this long before expiresAt. Default 5 minutes. */
  readonly refreshBeforeMs?: number;
  /** A successful fetch is never followed by another sooner than this. Default 30 s. */
  readonly minRefreshMs?: number;
  /** First retry delay after a failed fetch, doubled per consecutive failure up to retryMaxMs. Default 1 s. */
  readonly retryMinMs?: number;
  /** Default 60 s. */
  readonly retryMaxMs?: number;
  /** A fetch that has not settled after this long counts as failed (its signal is aborted). Default 30 s. */
  readonly fetchTimeoutMs?: number;
  readonly log?: Pick<Logger, 'debug' | 'warn'>;
  /** Secret strings that must never appear in lastError() or logs (e.g. credentialSecrets(provider.credential)). */
  readonly secrets?: readonly string[];
  readonly timers?: SourceTimers;
}

const DEFAULTS = { refreshBeforeMs: 5 * 60_000, minRefreshMs: 30_000, retryMinMs: 1000, retryMaxMs: 60_000, fetchTimeoutMs: 30_000 };
/** setTimeout's largest delay; a later refresh simply happens early. */
const MAX_DELAY_MS = 2 ** 31 - 1;
const MAX_REASON = 300;
/** Runs of base64/JWT-like characters this long are taken for tokens and redacted from reasons. */
const TOKEN_LIKE = /[A-Za-z0-9+/_=.-]{40,}/g;

const REAL_TIMERS: SourceTimers = {
  set(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clear(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** A failure reason without secrets: known secrets and token-like runs replaced, cut to 300 characters. */
export function safeReason(err: unknown, secrets: readonly string[] = []): string {
  let text = err instanceof Error ? (err.message === '' ? err.name : err.message) : typeof err === 'string' ? err : 'fetch failed';
  for (const s of secrets) if (s.length >= 4) text = text.split(s).join('<redacted>');
  text = text.replace(TOKEN_LIKE, '<redacted>').replace(/\s+/g, ' ').trim();
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text || 'fetch failed';
}

/**
 * Fetches now, then again at expiresAt - refreshBeforeMs (at least minRefreshMs later), retrying with exponential
 * backoff on failure; never on the request path. A failed refresh keeps the value in hand until it expires.
 */
export function refreshingSource<T>(fetch: (signal: AbortSignal) => Promise<Refreshable<T>>, opts: RefreshingSourceOptions = {}): RefreshingSource<T> {
  const what = opts.what ?? 'credentials';
  const clock = opts.clock ?? Date.now;
  const timers = opts.timers ?? REAL_TIMERS;
  const refreshBefore = opts.refreshBeforeMs ?? DEFAULTS.refreshBeforeMs;
  const minRefresh = opts.minRefreshMs ?? DEFAULTS.minRefreshMs;
  const retryMin = opts.retryMinMs ?? DEFAULTS.retryMinMs;
  const retryMax = opts.retryMaxMs ?? DEFAULTS.retryMaxMs;
  const fetchTimeout = opts.fetchTimeoutMs ?? DEFAULTS.fetchTimeoutMs;
  const secrets = opts.secrets ?? [];

  let held: Refreshable<T> | null = null;
  let lastError: string | null = null;
  let failures = 0;
  let stopped = false;
  let timer: unknown = null;
  let inFlight: AbortController | null = null;

  const schedule = (ms: number): void => {
    if (stopped) return;
    timer = timers.set(() => {
      timer = null;
      void attempt();
    }, Math.min(MAX_DELAY_MS, Math.max(0, ms)));
  };

  const attempt = async (): Promise<void> => {
    if (stopped) return;
    const ac = new AbortController();
    inFlight = ac;
    const timeout = timers.set(() => ac.abort(new Error(`timed out after ${fetchTimeout} ms`)), fetchTimeout);
    try {
      const got = await Promise.race([fetch(ac.signal), abortedBy(ac.signal)]);
      if (stopped) return;
      if (typeof got.expiresAt !== 'number' || Number.isNaN(got.expiresAt)) throw new Error('the fetch returned no expiry');
      held = got;
      failures = 0;
      lastError = null;
      opts.log?.debug({ what, expiresInMs: got.expiresAt === Infinity ? null : got.expiresAt - clock() }, 'credentials fetched');
      if (got.expiresAt !== Infinity) schedule(Math.max(got.expiresAt - refreshBefore - clock(), minRefresh));
    } catch (err) {
      if (stopped) return;
      failures++;
      lastError = safeReason(err, secrets);
      const retryInMs = Math.min(retryMax, retryMin * 2 ** Math.min(failures - 1, 30));
      opts.log?.warn({ what, reason: lastError, failures, retryInMs, hasValue: current() !== null }, 'credential refresh failed');
      schedule(retryInMs);
    } finally {
      timers.clear(timeout);
      if (inFlight === ac) inFlight = null;
    }
  };

  const current = (): T | null => {
    if (held === null || stopped) return null;
    return clock() < held.expiresAt ? held.value : null;
  };

  const ready = attempt();
  return {
    current,
    ready,
    lastError: () => lastError,
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== null) timers.clear(timer);
      timer = null;
      inFlight?.abort(new Error('stopped'));
      inFlight = null;
    },
  };
}

function abortedBy(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    else signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

/**
 * The key of a provider's credential source: provider id, type and the SHA-256 of the canonical credential JSON, so
 * a table swap that keeps the provider and its credential keeps the source, and a changed Secret starts a new one.
 * The hash never leaves the process (the credential holds secrets).
 */
export function credentialKey(provider: Pick<TableProvider, 'id' | 'type' | 'credential'>): string {
  const digest = createHash('sha256').update(canonicalJSON(provider.credential)).digest('hex');
  return `${provider.id}|${provider.type}|${digest}`;
}

/**
 * The process's credential sources, by key. A table build (TableHolder.load) brackets adapter creation with
 * beginBuild() and commitBuild() / abortBuild(): a committed build stops every source it did not ask for; an aborted
 * one stops only the sources it created that the table in use does not ask for. Outside a build (tests building one
 * adapter), get() creates sources that live until stopAll().
 */
export interface CredentialSourcesOptions {
  /**
   * The process's logger, for the sources adapters create (pass it as refreshingSource's `log`): a background fetch
   * that fails is logged at warn with what was fetched (naming the provider) and a redacted reason (design §7).
   */
  readonly log?: Pick<Logger, 'debug' | 'warn'>;
}

export class CredentialSources {
  /** The logger sources created for this set log to; undefined when none was given (tests building one adapter). */
  readonly log: Pick<Logger, 'debug' | 'warn'> | undefined;
  readonly #entries = new Map<string, RefreshingSource<unknown>>();
  /** Keys the table in use asked for. */
  #inUse = new Set<string>();
  /** Keys the build under way asked for; null outside a build. */
  #building: Set<string> | null = null;
  #closed = false;

  constructor(opts: CredentialSourcesOptions = {}) {
    this.log = opts.log;
  }

  /** The source for `key`, created with `create` the first time. After stopAll(), a new source is stopped at once. */
  get<T>(key: string, create: () => RefreshingSource<T>): RefreshingSource<T> {
    this.#building?.add(key);
    let source = this.#entries.get(key) as RefreshingSource<T> | undefined;
    if (source === undefined) {
      source = create();
      if (this.#closed) source.stop();
      else this.#entries.set(key, source as RefreshingSource<unknown>);
    }
    return source;
  }

  /** A build reuses the adapter that owns `key`'s source (it is not created again): the source stays wanted. */
  keep(key: string): void {
    if (this.#entries.has(key)) this.#building?.add(key);
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Starts recording which keys the adapters of a new table ask for. */
  beginBuild(): void {
    this.#building = new Set();
  }

  /** The new table is in use: stop and forget every source it did not ask for. */
  commitBuild(): void {
    const wanted = this.#building ?? new Set<string>();
    this.#building = null;
    this.#inUse = wanted;
    this.#retain(wanted);
  }

  /** The build failed: the table in use stays, and so do its sources; any other source is stopped. */
  abortBuild(): void {
    this.#building = null;
    this.#retain(this.#inUse);
  }

  /** Stops every source (shutdown). */
  stopAll(): void {
    this.#closed = true;
    this.#building = null;
    this.#inUse = new Set();
    for (const s of this.#entries.values()) s.stop();
    this.#entries.clear();
  }

  #retain(keep: ReadonlySet<string>): void {
    for (const [key, source] of this.#entries) {
      if (keep.has(key)) continue;
      source.stop();
      this.#entries.delete(key);
    }
  }
}
