// Parsing of the API's Duration strings ("250ms", "30s", "5m", "1h"), matching CEL's duration() on the same text.
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^([0-9]{1,9})(ms|s|m|h)$/;

/** Milliseconds in a Duration string; throws on text the Duration schema would reject. */
export function durationMs(text: string): number {
  const m = DURATION.exec(text);
  if (m === null) throw new Error(`invalid duration ${JSON.stringify(text)}`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}
