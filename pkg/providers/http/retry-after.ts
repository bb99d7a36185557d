// Retry hints from an upstream answer: Retry-After (RFC 9110 §10.2.3: delay-seconds or an HTTP-date), the
// non-standard retry-after-ms, and OpenAI-style x-ratelimit-reset-{requests,tokens} durations ("1s", "6m0s",
// "20ms"). Anthropic's anthropic-ratelimit-*-reset times are read by its adapter (anthropic/errors.ts).

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** Returns whole seconds to wait (rounded up, ≥ 0), or undefined when absent or unparsable. */
export function parseRetryAfter(headers: Headers, nowMs: number): number | undefined {
  const ms = first(headers['retry-after-ms']);
  if (ms !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.max(0, Math.ceil(Number(ms) / 1000));
  const value = first(headers['retry-after']);
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed));
  // Only accept date-looking values: Date.parse is lenient with arbitrary text.
  if (!/^[A-Za-z]{3},? /.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;

/** A Go-style duration as OpenAI sends it ("1s", "6m0s", "1h2m3.5s", "20ms") in milliseconds; undefined if not one. */
export function parseResetDuration(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '' || v.length > 32 || !DURATION.test(v)) return undefined;
  let total = 0;
  for (const m of v.matchAll(PART)) total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return Number.isFinite(total) ? total : undefined;
}

const OPENAI_LIMITS = ['requests', 'tokens'] as const;

/**
 * Seconds until an OpenAI-style rate limit resets (x-ratelimit-reset-<limit>): the latest reset among the limits
 * whose x-ratelimit-remaining-<limit> is 0, else the earliest reset given. For a 429 without Retry-After.
 */
export function openAIResetHint(headers: Headers): number | undefined {
  let exhausted: number | undefined;
  let earliest: number | undefined;
  for (const limit of OPENAI_LIMITS) {
    const ms = parseResetDuration(first(headers[`x-ratelimit-reset-${limit}`]));
    if (ms === undefined) continue;
    const secs = Math.ceil(ms / 1000);
    earliest = earliest === undefined ? secs : Math.min(earliest, secs);
    if (first(headers[`x-ratelimit-remaining-${limit}`])?.trim() === '0') exhausted = exhausted === undefined ? secs : Math.max(exhausted, secs);
  }
  return exhausted ?? earliest;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
