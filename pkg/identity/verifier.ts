// JWT bearer verification against the configured OIDC issuers (ADR 0017). Request path: pick the issuer by the
// unverified `iss`, verify signature + claims with jose against keys already in memory, map claims to a principal.
// Never fetches: keys missing or a kid unknown → 401 invalid_token now, and (rate-limited) a background refresh.
//
// Answers: a correctly signed token past its `exp` (+ skew) → 401 token_expired; everything else that fails (bad
// signature, alg none or not allowed, unknown kid, unknown issuer, wrong audience, not yet valid, missing exp or
// sub, malformed) → 401 invalid_token, one body for all, so a caller learns nothing about which check failed.
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import type { Logger } from 'pino';
import { GatewayError } from '../errors/errors.ts';
import type { RuntimePrincipal } from '../proxy/runtime-table.ts';
import type { IdentityConfig, IssuerConfig } from './config.ts';
import { IssuerKeys } from './jwks.ts';
import type { IssuerKeysStatus } from './jwks.ts';
import type { IdentityMetrics } from './metrics.ts';

/** Longest token we look at. */
const MAX_TOKEN_CHARS = 16 * 1024;
const MAX_CLAIMS = 64;
const MAX_CLAIM_CHARS = 1024;
const MAX_GROUPS = 256;
const REQUIRED_CLAIMS = ['exp', 'sub'];

/** Three base64url segments (the third empty for an unsigned token, which is then refused). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Does this bearer credential look like a JWT (as opposed to an API key)? */
export function looksLikeJwt(credential: string): boolean {
  return credential.length <= MAX_TOKEN_CHARS && JWT_SHAPE.test(credential);
}

export interface IdentityDeps {
  readonly logger: Logger;
  readonly now: () => number;
  readonly metrics?: IdentityMetrics;
}

export interface IdentityStatus {
  readonly issuers: readonly IssuerKeysStatus[];
}

function stringClaims(payload: JWTPayload): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of Object.entries(payload)) {
    if (n >= MAX_CLAIMS) break;
    if (k === '__proto__') continue;
    if (typeof v === 'string') out[k] = v.slice(0, MAX_CLAIM_CHARS);
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else continue;
    n++;
  }
  return Object.freeze(out);
}

function groupsOf(v: unknown): ReadonlySet<string> {
  const out = new Set<string>();
  if (typeof v === 'string') out.add(v);
  else if (Array.isArray(v)) for (const g of v) if (typeof g === 'string' && out.size < MAX_GROUPS) out.add(g);
  return out;
}

function claimString(payload: JWTPayload, name: string | null): string | undefined {
  if (name === null) return undefined;
  const v = payload[name];
  return typeof v === 'string' && v !== '' ? v.slice(0, MAX_CLAIM_CHARS) : undefined;
}

/** The principal a verified token stands for; its id (`jwt:<issuer host>/<sub>`) is what the access log records. */
export function principalFromClaims(cfg: IssuerConfig, payload: JWTPayload, host = new URL(cfg.issuer).host): RuntimePrincipal {
  const sub = String(payload.sub);
  const team = claimString(payload, cfg.claims.team);
  const user = claimString(payload, cfg.claims.user);
  return {
    principal: {
      id: `jwt:${host}/${sub}`,
      name: sub,
      namespace: host,
      ...(team === undefined ? {} : { team }),
      ...(user === undefined ? {} : { user }),
      models: null,
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : null,
    },
    models: null,
    claims: stringClaims(payload),
    groups: groupsOf(payload[cfg.claims.groups]),
  };
}

interface IssuerEntry {
  readonly keys: IssuerKeys;
  readonly host: string;
  readonly options: { readonly issuer: string; readonly audience: string[]; readonly algorithms: string[]; readonly clockTolerance: number };
}

export class IdentityVerifier {
  readonly #issuers: ReadonlyMap<string, IssuerEntry>;
  readonly #deps: IdentityDeps;

  constructor(config: IdentityConfig, deps: IdentityDeps) {
    this.#deps = deps;
    const m = deps.metrics;
    this.#issuers = new Map(config.issuers.map((c): [string, IssuerEntry] => [c.issuer, {
      keys: new IssuerKeys(c, {
        logger: deps.logger, now: deps.now,
        ...(m === undefined ? {} : { onRefresh: (iss: string, ok: boolean, keys: number) => m.refreshed(iss, ok, keys) }),
      }),
      host: new URL(c.issuer).host,
      options: { issuer: c.issuer, audience: [...c.audiences], algorithms: [...c.algorithms], clockTolerance: c.clockSkewSeconds },
    }]));
    for (const c of config.issuers) m?.refreshed(c.issuer, null, 0);
  }

  /** Starts every issuer's background refresh; resolves once each has made its first attempt. */
  async start(): Promise<void> {
    await Promise.all([...this.#issuers.values()].map((e) => e.keys.start()));
  }

  status(): IdentityStatus {
    return { issuers: [...this.#issuers.values()].map((e) => e.keys.status()) };
  }

  close(): void {
    for (const e of this.#issuers.values()) e.keys.close();
  }

  /** Verifies a JWT-shaped bearer credential. Resolves (never rejects) with the principal or the 401 to answer. */
  async verify(token: string): Promise<RuntimePrincipal | GatewayError> {
    let iss: string | undefined;
    let alg: string | undefined;
    try {
      iss = decodeJwt(token).iss;
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return this.#fail(undefined, 'malformed');
    }
    const entry = iss === undefined ? undefined : this.#issuers.get(iss);
    if (entry === undefined) return this.#fail(undefined, 'unknown issuer');
    const keys = entry.keys;
    const cfg = keys.config;
    if (alg === undefined || !(cfg.algorithms as readonly string[]).includes(alg)) return this.#fail(cfg.issuer, 'algorithm not allowed');
    const getKey = keys.getKey;
    if (getKey === null) {
      keys.requestRefresh();
      return this.#fail(cfg.issuer, 'signing keys not loaded');
    }
    try {
      const { payload } = await jwtVerify(token, getKey, { ...entry.options, currentDate: new Date(this.#deps.now()), requiredClaims: REQUIRED_CLAIMS });
      if (typeof payload.sub !== 'string' || payload.sub === '' || payload.sub.length > MAX_CLAIM_CHARS) return this.#fail(cfg.issuer, 'bad sub claim');
      this.#deps.metrics?.verified(cfg.issuer, 'ok');
      return principalFromClaims(cfg, payload, entry.host);
    } catch (err) {
      if (err instanceof errors.JWTExpired) {
        this.#deps.metrics?.verified(cfg.issuer, 'expired');
        return new GatewayError('token_expired');
      }
      if (err instanceof errors.JWKSNoMatchingKey) keys.requestRefresh();
      return this.#fail(cfg.issuer, err instanceof errors.JOSEError ? err.code : 'verification failed');
    }
  }

  #fail(issuer: string | undefined, reason: string): GatewayError {
    this.#deps.metrics?.verified(issuer ?? 'unknown', 'invalid');
    this.#deps.logger.debug({ issuer: issuer ?? null, reason }, 'JWT bearer token refused');
    return new GatewayError('invalid_token');
  }
}
