// What the attempt loop decides after a failed attempt (ADR 0023), as pure functions: whether the same target is
// tried again, how long to wait first (full jitter, at least the upstream's Retry-After, never longer than the
// per-request cap), how long a rate-limited target stays blocked for every request, and which fallbacks a failure
// may use (`when: [error]` by default, `when: [context-length]` after a target answered that the prompt is too long).
import { POOL_ACQUIRE_TIMEOUT } from '../../providers/http/slots.ts';
import type { UpstreamFailure } from '../../providers/types.ts';
import type { TableRetry } from '../../table/types.ts';

/** The upstream code every adapter gives a prompt longer than the model's context window (a `client` failure). */
export const CONTEXT_LENGTH_CODE = 'context_length_exceeded';

/** Longest time one upstream hint may block a target for every request (a hostile or buggy Retry-After). */
export const MAX_BLOCK_MS = 10 * 60_000;

export function isRetryable(kind: UpstreamFailure['kind'], retry: TableRetry): boolean {
  switch (kind) {
    case 'rate_limited':
      return retry.on429;
    case 'server':
      return retry.on5xx;
    case 'timeout':
      return retry.onTimeout;
    case 'connect':
      return retry.onConnect;
    default:
      return false;
  }
}

export function isContextLength(f: UpstreamFailure): boolean {
  return f.kind === 'client' && f.upstreamCode === CONTEXT_LENGTH_CODE;
}

/** Full jitter: uniform in [0, min(max, base·2^retryIndex)). */
export function backoffMs(retryIndex: number, retry: TableRetry, random: () => number): number {
  const ceiling = Math.min(retry.maxBackoffMs, retry.baseBackoffMs * 2 ** retryIndex);
  return ceiling > 0 ? Math.floor(random() * ceiling) : 0;
}

/**
 * Whether the same target may be tried again after `f`: the route enables the kind, and the request cannot have
 * been billed already (an uncertain failure moves on to the next target instead: one uncertain attempt per target).
 * A full connection pool moves on too: waiting for it again would only spend the budget.
 */
export function retriesSameTarget(f: UpstreamFailure, retry: TableRetry): boolean {
  return f.delivery !== 'uncertain' && f !== POOL_ACQUIRE_TIMEOUT && isRetryable(f.kind, retry);
}

/**
 * Milliseconds to wait before retrying the same target after its `retryIndex`-th failure `f`, or null when the
 * upstream asked for a longer wait than `maxWaitMs` (the loop then moves on to the next target).
 */
export function retryDelayMs(retryIndex: number, f: UpstreamFailure, retry: TableRetry, maxWaitMs: number, random: () => number): number | null {
  const jitter = backoffMs(retryIndex, retry, random);
  if (f.retryAfter === undefined) return jitter;
  const wait = f.retryAfter * 1000;
  if (wait > maxWaitMs) return null;
  return Math.max(jitter, wait);
}

/** Epoch ms until which a target that sent `f` is not tried by any request; 0 when `f` carries no hint. */
export function blockedUntil(f: UpstreamFailure, nowMs: number): number {
  if (f.kind !== 'rate_limited' || f.retryAfter === undefined || !(f.retryAfter > 0)) return 0;
  return nowMs + Math.min(f.retryAfter * 1000, MAX_BLOCK_MS);
}

/** When a fallback is used (ModelRoute spec.fallback[].when); absent = [error]. */
export interface FallbackUse {
  readonly error: boolean;
  readonly contextLength: boolean;
}

export const ON_ERROR: FallbackUse = { error: true, contextLength: false };

export function fallbackUse(when: readonly string[] | undefined): FallbackUse {
  if (when === undefined || when.length === 0) return ON_ERROR;
  return { error: when.includes('error'), contextLength: when.includes('context-length') };
}
