// Jittered exponential backoff: attempt 0 waits about `initialMs`, doubling up to `maxMs`; each delay is drawn in
// [delay/2, delay] ("equal jitter") so proxies that lost the operator together do not reconnect in lockstep.

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * The sync stream's default: capped at 2.5 s so a proxy finds a new leader within a few seconds of it taking over (C9);
 * a pause is taken only after every operator URL failed once in a row (see SyncSession in client.ts).
 */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 2_500 };

/** Longest Retry-After honoured from a 503 (a follower or an operator shutting down sends 1 s). */
export const MAX_RETRY_AFTER_MS = 3_000;

export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
