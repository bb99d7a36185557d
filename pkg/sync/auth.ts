// Authentication of sync calls. A SyncAuth turns a bearer token into an identity (logged and kept on the proxy's
// state) or null (401). verify() rejects only when the authority itself is unreachable (the server answers 503, so
// proxies retry rather than give up). Tokens are never logged, kept in clear in caches, or put in error messages.
import { createHash, timingSafeEqual } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';

export interface SyncAuth {
  /** The caller's identity, or null when the token is not accepted. Rejects when the token cannot be checked. */
  verify(token: string): Promise<string | null>;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** One shared token (from a Secret) for every proxy. The comparison takes the same time whatever the input. */
export function sharedTokenAuth(token: string, identity = 'shared-token'): SyncAuth {
  if (token.trim() === '') throw new Error('the shared sync token is empty');
  const expected = digest(token);
  return {
    async verify(candidate: string): Promise<string | null> {
      return timingSafeEqual(digest(candidate), expected) ? identity : null;
    },
  };
}

/** The part of AuthenticationV1Api that TokenReview needs (tests and callers may pass their own). */
export interface TokenReviewer {
  createTokenReview(param: { body: k8s.V1TokenReview }): Promise<k8s.V1TokenReview>;
}

export interface TokenReviewAuthOptions {
  /**
   * Identities allowed to sync, e.g. ["system:serviceaccount:switchyard:switchyard-proxy"]. Every authenticated
   * identity can otherwise read the table, which holds provider credentials: set this in a cluster.
   */
  readonly allow?: readonly string[];
  /** Audiences the token must be valid for (a projected token with audience "switchyard-sync"). Default: the API server's. */
  readonly audiences?: readonly string[];
  /** How long an accepted token stays accepted without asking again. Default 30 s. */
  readonly ttlMs?: number;
  /** How long a refused token stays refused. Default 5 s. */
  readonly negativeTtlMs?: number;
  /** Cached tokens at most (oldest evicted first). Default 1000. */
  readonly maxEntries?: number;
  /** Monotonic-enough clock in ms. Default Date.now. */
  readonly clock?: () => number;
  /** Overrides the API client built from the kubeconfig. */
  readonly reviewer?: TokenReviewer;
}

interface CacheEntry {
  readonly identity: string | null;
  readonly expiresAt: number;
}

/**
 * Tokens reviewed by the Kubernetes API server (authentication.k8s.io/v1 TokenReview): a ServiceAccount token
 * comes back as "system:serviceaccount:<namespace>:<name>". Results are cached briefly, keyed by the token's sha256;
 * concurrent checks of one token share one review.
 */
export function tokenReviewAuth(kc: k8s.KubeConfig, opts: TokenReviewAuthOptions = {}): SyncAuth {
  const reviewer: TokenReviewer = opts.reviewer ?? kc.makeApiClient(k8s.AuthenticationV1Api);
  const clock = opts.clock ?? Date.now;
  const ttl = opts.ttlMs ?? 30_000;
  const negativeTtl = opts.negativeTtlMs ?? 5_000;
  const maxEntries = opts.maxEntries ?? 1000;
  const allow = opts.allow === undefined ? null : new Set(opts.allow);
  const cache = new Map<string, CacheEntry>();
  const inflight = new Map<string, Promise<string | null>>();

  const review = async (token: string): Promise<string | null> => {
    const body: k8s.V1TokenReview = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token, ...(opts.audiences === undefined ? {} : { audiences: [...opts.audiences] }) },
    };
    let result: k8s.V1TokenReview | undefined;
    let failure = '';
    try {
      result = await reviewer.createTokenReview({ body });
    } catch (err) {
      // The client's error carries the response, which echoes the token: keep only the status code, no cause.
      failure = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'network';
    }
    if (result === undefined) throw new Error(`TokenReview failed (${failure})`);
    const status = result.status;
    const name = status?.authenticated === true ? status.user?.username : undefined;
    if (name === undefined || name === '') return null;
    return allow === null || allow.has(name) ? name : null;
  };

  const remember = (key: string, identity: string | null): void => {
    if (cache.size >= maxEntries) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    cache.set(key, { identity, expiresAt: clock() + (identity === null ? negativeTtl : ttl) });
  };

  return {
    async verify(token: string): Promise<string | null> {
      if (token === '') return null;
      const key = digest(token).toString('hex');
      const hit = cache.get(key);
      if (hit !== undefined && hit.expiresAt > clock()) return hit.identity;
      cache.delete(key);
      let pending = inflight.get(key);
      if (pending === undefined) {
        pending = review(token).then((identity) => {
          remember(key, identity);
          return identity;
        }).finally(() => inflight.delete(key));
        inflight.set(key, pending);
      }
      return pending;
    },
  };
}
