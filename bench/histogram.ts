// Latency samples for the load generator: a pre-sized Float64Array, sorted once at the end.
// Exact percentiles (nearest-rank) instead of HDR buckets: a 10 s step at 20k RPS is 200k doubles (1.6 MB).

export interface LatencySummary {
  readonly count: number;
  readonly min_ms: number;
  readonly mean_ms: number;
  readonly p50_ms: number;
  readonly p90_ms: number;
  readonly p99_ms: number;
  readonly p999_ms: number;
  readonly max_ms: number;
}

export interface SampleRecorder {
  record(valueMs: number): void;
  readonly count: number;
  summary(): LatencySummary;
}

/** A growable sample buffer; `expected` sizes it up front so the hot path never reallocates. */
export function createRecorder(expected: number): SampleRecorder {
  let buf = new Float64Array(Math.max(1024, Math.ceil(expected)));
  let n = 0;
  return {
    record(valueMs: number): void {
      if (n === buf.length) {
        const bigger = new Float64Array(buf.length * 2);
        bigger.set(buf);
        buf = bigger;
      }
      buf[n++] = valueMs;
    },
    get count(): number {
      return n;
    },
    summary(): LatencySummary {
      return summarise(buf.subarray(0, n));
    },
  };
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  const idx = Math.min(sorted.length - 1, Math.max(0, rank - 1));
  return sorted[idx] ?? Number.NaN;
}

export function summarise(samples: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const r = (v: number): number => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v);
  return {
    count: sorted.length,
    min_ms: r(sorted.length > 0 ? (sorted[0] ?? Number.NaN) : Number.NaN),
    mean_ms: r(sorted.length > 0 ? sum / sorted.length : Number.NaN),
    p50_ms: r(percentile(sorted, 50)),
    p90_ms: r(percentile(sorted, 90)),
    p99_ms: r(percentile(sorted, 99)),
    p999_ms: r(percentile(sorted, 99.9)),
    max_ms: r(sorted.length > 0 ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN),
  };
}
