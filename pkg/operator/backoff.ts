// Jittered exponential backoff and an abortable sleep: what every retry loop of the operator uses, so a failing
// API server sees a bounded, spread-out request rate instead of a storm (C15).

export interface BackoffPolicy {
  /** First delay, ms. */
  readonly baseMs: number;
  /** Largest delay, ms. */
  readonly maxMs: number;
  /** Source of randomness in [0, 1); default Math.random. */
  readonly random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/**
 * Delay before retry number `attempt` (1 = first retry): base·2^(attempt-1) capped at max, then "equal jitter":
 * a uniformly random value in [d/2, d). Never below base/2, never above max.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const r = (policy.random ?? Math.random)();
  return Math.round(exp / 2 + (exp / 2) * r);
}

/** Resolves after ms, or early (without rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A value in [ms·(1-spread), ms·(1+spread)) so periodic work of many replicas does not line up. */
export function jittered(ms: number, spread = 0.1, random: () => number = Math.random): number {
  return Math.round(ms * (1 - spread + 2 * spread * random()));
}
