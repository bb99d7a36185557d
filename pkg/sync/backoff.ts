// Jittered exponential backoff: attempt 0 waits about `initialMs`, doubling up to `maxMs`; each delay is drawn in
// [delay/2, delay] ("equal jitter") so proxies that lost the operator together do not reconnect in lockstep.

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 10_000 };

export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
