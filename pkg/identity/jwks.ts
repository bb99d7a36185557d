// One issuer's signing keys, fetched and refreshed in the background — never on the request path (ADR 0017).
// A timer refreshes every `refreshIntervalSeconds`; a failed fetch retries with capped exponential backoff; a token
// with an unknown `kid` may ask for one early refresh, at most once per `unknownKidCooldownSeconds`, and is answered
// 401 at once (the request never waits for the fetch). The JWKS URL is discovered from the issuer's
// /.well-known/openid-configuration unless configured.
import { createLocalJWKSet } from 'jose';
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import { discoveryUrl } from './config.ts';
import type { IssuerConfig } from './config.ts';

/** Largest discovery or JWKS document read. */
const MAX_DOC_BYTES = 512 * 1024;
const FETCH_TIMEOUT_MS = 5000;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 60_000;

export interface IssuerKeysStatus {
  readonly issuer: string;
  readonly keysLoaded: boolean;
  readonly keys: number;
  /** ISO time of the last successful fetch; null = never. */
  readonly lastRefresh: string | null;
  /** Why the last fetch failed (our words: status code or error class, never a response body); null = it did not. */
  readonly lastError: string | null;
}

export interface IssuerKeysDeps {
  readonly logger: Logger;
  readonly now: () => number;
  /** Called after every fetch attempt: outcome for metrics. */
  readonly onRefresh?: (issuer: string, ok: boolean, keys: number) => void;
}

class FetchFailure extends Error {}

async function fetchJson(url: string, what: string, stop: AbortSignal): Promise<unknown> {
  let res: Response;
  try {
    const signal = AbortSignal.any([stop, AbortSignal.timeout(FETCH_TIMEOUT_MS)]);
    res = await fetch(url, { signal, redirect: 'error', headers: { accept: 'application/json' } });
  } catch (err) {
    const name = err instanceof Error ? (err.name === 'TimeoutError' ? 'timed out' : ((err.cause as { code?: string } | undefined)?.code ?? err.name)) : 'error';
    throw new FetchFailure(`${what} fetch failed: ${name}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new FetchFailure(`${what} answered HTTP ${res.status}`);
  }
  const text = await res.text();
  if (text.length > MAX_DOC_BYTES) throw new FetchFailure(`${what} is larger than ${MAX_DOC_BYTES} bytes`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FetchFailure(`${what} is not JSON`);
  }
}

function isJwks(v: unknown): v is JSONWebKeySet {
  return typeof v === 'object' && v !== null && Array.isArray((v as { keys?: unknown }).keys);
}

export class IssuerKeys {
  readonly config: IssuerConfig;
  readonly #deps: IssuerKeysDeps;
  #getKey: JWTVerifyGetKey | null = null;
  #keyCount = 0;
  #lastRefresh: number | null = null;
  #lastError: string | null = null;
  #jwksUri: string | null;
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> | null = null;
  #lastKidRefresh = -Infinity;
  #failures = 0;
  #closed = false;
  #firstAttempt: Promise<void> | null = null;
  /** Aborts a fetch in flight when the issuer is closed (shutdown never waits on an IdP). */
  readonly #stop = new AbortController();

  constructor(config: IssuerConfig, deps: IssuerKeysDeps) {
    this.config = config;
    this.#deps = deps;
    this.#jwksUri = config.jwksUri;
  }

  /** The key resolver for jwtVerify; null until keys have been loaded once (later failures keep the last keys). */
  get getKey(): JWTVerifyGetKey | null {
    return this.#getKey;
  }

  /** Starts the background loop; resolves when the first attempt has finished (success or failure). */
  start(): Promise<void> {
    this.#firstAttempt ??= this.#refresh();
    return this.#firstAttempt;
  }

  /** A token named a kid we do not hold: refresh soon, at most once per cooldown. Never awaited by a request. */
  requestRefresh(): void {
    if (this.#closed || this.#inFlight !== null) return;
    const now = this.#deps.now();
    if (now - this.#lastKidRefresh < this.config.unknownKidCooldownSeconds * 1000) return;
    this.#lastKidRefresh = now;
    void this.#refresh();
  }

  status(): IssuerKeysStatus {
    return {
      issuer: this.config.issuer,
      keysLoaded: this.#getKey !== null,
      keys: this.#keyCount,
      lastRefresh: this.#lastRefresh === null ? null : new Date(this.#lastRefresh).toISOString(),
      lastError: this.#lastError,
    };
  }

  close(): void {
    this.#closed = true;
    this.#stop.abort();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #refresh(): Promise<void> {
    if (this.#inFlight !== null) return this.#inFlight;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const run = this.#fetchKeys().then(
      () => {
        this.#failures = 0;
        this.#schedule(this.config.refreshIntervalSeconds * 1000);
      },
      (err: unknown) => {
        if (this.#closed) return;
        this.#failures++;
        this.#lastError = err instanceof FetchFailure ? err.message : 'key fetch failed';
        this.#deps.onRefresh?.(this.config.issuer, false, this.#keyCount);
        this.#deps.logger.warn({ issuer: this.config.issuer, reason: this.#lastError, keysLoaded: this.#getKey !== null }, 'OIDC key refresh failed');
        this.#schedule(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(this.#failures - 1, 10)));
      },
    ).finally(() => {
      this.#inFlight = null;
    });
    this.#inFlight = run;
    return run;
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => void this.#refresh(), ms);
    this.#timer.unref();
  }

  async #fetchKeys(): Promise<void> {
    if (this.#jwksUri === null) {
      const doc = await fetchJson(discoveryUrl(this.config.issuer), 'discovery document', this.#stop.signal);
      const uri = typeof doc === 'object' && doc !== null ? (doc as { jwks_uri?: unknown }).jwks_uri : undefined;
      if (typeof uri !== 'string') throw new FetchFailure('discovery document has no jwks_uri');
      if ((doc as { issuer?: unknown }).issuer !== this.config.issuer) throw new FetchFailure('discovery document names another issuer');
      this.#jwksUri = uri;
    }
    const jwks = await fetchJson(this.#jwksUri, 'JWKS', this.#stop.signal);
    if (!isJwks(jwks)) throw new FetchFailure('JWKS has no keys array');
    // Only public signing keys; symmetric (oct) entries are dropped so no HMAC key can ever come from a JWKS.
    const keys = jwks.keys.filter((k) => k.kty !== 'oct' && (k.use === undefined || k.use === 'sig'));
    const getKey = createLocalJWKSet({ keys });
    if (this.#closed) return;
    this.#getKey = getKey;
    this.#keyCount = keys.length;
    this.#lastRefresh = this.#deps.now();
    this.#lastError = null;
    this.#deps.onRefresh?.(this.config.issuer, true, keys.length);
    this.#deps.logger.info({ issuer: this.config.issuer, keys: keys.length }, 'OIDC signing keys loaded');
  }
}
