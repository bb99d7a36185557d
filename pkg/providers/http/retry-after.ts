// Retry-After parsing (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Also the non-standard retry-after-ms.

/** Returns whole seconds to wait (rounded up, ≥ 0), or undefined when absent or unparsable. */
export function parseRetryAfter(headers: Readonly<Record<string, string | string[] | undefined>>, nowMs: number): number | undefined {
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

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
