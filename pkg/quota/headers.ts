// Rate-limit header values the way OpenAI sends them: counts as integers, resets as Go-style durations
// ("12ms", "1s", "6m0s", "1h0m0s"), parsed by clients with Go's time.ParseDuration or equivalents.

/** A duration as Go's time.Duration prints it, rounded up to whole seconds from 1 s on ("0s" when none is left). */
export function resetDuration(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** Seconds to wait before a window resets, for Retry-After (at least 1). */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** One metric's figures for the headers: the tightest matching limit (least remaining). */
export interface HeaderFigure {
  readonly limit: number;
  readonly remaining: number;
  readonly resetMs: number;
}

export function rateLimitHeaders(requests: HeaderFigure | null, tokens: HeaderFigure | null, out: Record<string, string> = {}): Record<string, string> {
  if (requests !== null) {
    out['x-ratelimit-limit-requests'] = String(requests.limit);
    out['x-ratelimit-remaining-requests'] = String(Math.max(0, Math.floor(requests.remaining)));
    out['x-ratelimit-reset-requests'] = resetDuration(requests.resetMs);
  }
  if (tokens !== null) {
    out['x-ratelimit-limit-tokens'] = String(tokens.limit);
    out['x-ratelimit-remaining-tokens'] = String(Math.max(0, Math.floor(tokens.remaining)));
    out['x-ratelimit-reset-tokens'] = resetDuration(tokens.resetMs);
  }
  return out;
}
