// Counters and histograms for the request path (issue 12): an observation is a field update on a series object the
// caller has cached, with no label hashing or validation per call (prom-client's children hash their label set on
// every inc/observe). The figures reach Prometheus through the same Registry: each metric registers itself and
// answers `get()` in prom-client's shape, so /metrics, getMetricsAsJSON and getSingleMetric(...).get() see it like
// any prom-client metric. Series are never dropped: a metric holds every label combination it was asked for
// (bounded by the callers' clamped label values, as prom-client's own series would be).
import type { Metric, Registry } from 'prom-client';

type LabelValues = Record<string, string | number>;

interface MetricValue {
  readonly labels: LabelValues;
  readonly value: number;
  readonly metricName?: string;
  /** prom-client's buckets carry `exemplar: null` when exemplars are off; kept so getMetricsAsJSON is identical. */
  readonly exemplar?: null;
}

interface MetricData {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly values: MetricValue[];
  readonly aggregator: 'sum';
}

export interface FastMetricConfig {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

function labelsOf(names: readonly string[], values: readonly string[]): LabelValues {
  const out: LabelValues = {};
  for (let i = 0; i < names.length; i++) out[names[i] as string] = values[i] ?? '';
  return out;
}

/** The fields prom-client's Registry reads of a registered metric. */
abstract class FastMetric<S> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum' as const;
  readonly labelNames: readonly string[];
  protected readonly all = new Map<string, S>();

  constructor(registry: Registry, config: FastMetricConfig) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series for these label values (in labelNames order), created on first use. Callers cache the result. */
  series(values: readonly string[]): S {
    const key = values.join('\u0000');
    let s = this.all.get(key);
    if (s === undefined) {
      s = this.create(values);
      this.all.set(key, s);
    }
    return s;
  }

  /** What prom-client's Registry reads (exposition, getMetricsAsJSON, getSingleMetric(...).get()). */
  get(): Promise<MetricData> {
    return Promise.resolve(this.data());
  }

  /** Zeroes every series in place (callers keep their cached series objects, so none may be dropped). */
  reset(): void {
    for (const s of this.all.values()) this.zero(s);
  }

  protected abstract create(values: readonly string[]): S;
  protected abstract zero(s: S): void;
  protected abstract data(): MetricData;
}

export class CounterSeries {
  readonly labels: readonly string[];
  value = 0;
  constructor(labels: readonly string[]) {
    this.labels = labels;
  }

  /** `n` must be finite and ≥ 0 (callers pass nonNegative values). */
  inc(n = 1): void {
    this.value += n;
  }
}

export class FastCounter extends FastMetric<CounterSeries> {
  readonly type = 'counter' as const;

  protected create(values: readonly string[]): CounterSeries {
    return new CounterSeries(values.slice());
  }

  protected zero(s: CounterSeries): void {
    s.value = 0;
  }

  protected data(): MetricData {
    const values: MetricValue[] = [];
    for (const s of this.all.values()) values.push({ labels: labelsOf(this.labelNames, s.labels), value: s.value });
    return { name: this.name, help: this.help, type: 'counter', values, aggregator: 'sum' };
  }
}

export class HistogramSeries {
  /** Per-bucket (not cumulative) counts; the last slot is above every bound (+Inf). */
  readonly counts: Float64Array;
  readonly labels: readonly string[];
  readonly #bounds: Float64Array;
  sum = 0;
  count = 0;
  constructor(labels: readonly string[], bounds: Float64Array) {
    this.labels = labels;
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    const b = this.#bounds;
    let i = 0;
    while (i < b.length && v > (b[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += v;
    this.count++;
  }
}

export interface FastHistogramConfig extends FastMetricConfig {
  /** Upper bounds, ascending. */
  readonly buckets: readonly number[];
}

export class FastHistogram extends FastMetric<HistogramSeries> {
  readonly type = 'histogram' as const;
  readonly #bounds: Float64Array;

  constructor(registry: Registry, config: FastHistogramConfig) {
    super(registry, config);
    this.#bounds = Float64Array.from([...config.buckets].sort((a, b) => a - b));
  }

  protected create(values: readonly string[]): HistogramSeries {
    return new HistogramSeries(values.slice(), this.#bounds);
  }

  protected zero(s: HistogramSeries): void {
    s.counts.fill(0);
    s.sum = 0;
    s.count = 0;
  }

  /** The exposition prom-client's Histogram gives: cumulative `_bucket` series with `le` first, then `_sum`, `_count`. */
  protected data(): MetricData {
    const values: MetricValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.all.values()) {
      const labels = labelsOf(this.labelNames, s.labels);
      let acc = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        acc += s.counts[i] as number;
        values.push({ labels: { le: this.#bounds[i] as number, ...labels }, value: acc, metricName: bucket, exemplar: null });
      }
      values.push({ labels: { le: '+Inf', ...labels }, value: s.count, metricName: bucket, exemplar: null });
      values.push({ labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }
}
