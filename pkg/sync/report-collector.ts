// Per-target outcome counts for the sync reports, collected by teeing GatewayMetrics.observeUpstream: the proxy
// reports to the returned object exactly as to its real metrics, and the sync client drains the counts every ~2 s.
import type { GatewayMetrics, UpstreamObservation } from '../telemetry/types.ts';
import type { Metric, WindowUsage } from '../quota/ledger.ts';
import type { QuotaUsageReport, TargetReport, UsageFigures } from './protocol.ts';

/** Outcomes that are the target's fault. Client 4xx, 429 and credential errors are counted as requests only. */
const ERROR_OUTCOMES: ReadonlySet<string> = new Set(['server', 'timeout', 'connect', 'tls', 'invalid']);

/** Distinct targets tracked between two drains (label values come from the table, so this is a safety net). */
const MAX_TARGETS = 20_000;

export interface ReportSource {
  /** The counts since the previous drain (and resets them). */
  drain(): TargetReport[];
}

export type ReportCollector = GatewayMetrics & ReportSource;

interface Counts {
  provider: string;
  model: string;
  requests: number;
  errors: number;
  latencyMsSum: number;
}

export function createReportCollector(metrics: GatewayMetrics): ReportCollector {
  let counts = new Map<string, Counts>();
  const observe = (o: UpstreamObservation): void => {
    const key = `${o.provider}|${o.model}`;
    let c = counts.get(key);
    if (c === undefined) {
      if (counts.size >= MAX_TARGETS) return;
      c = { provider: o.provider, model: o.model, requests: 0, errors: 0, latencyMsSum: 0 };
      counts.set(key, c);
    }
    c.requests++;
    if (ERROR_OUTCOMES.has(o.outcome)) c.errors++;
    if (Number.isFinite(o.durationMs) && o.durationMs > 0) c.latencyMsSum += o.durationMs;
  };
  return {
    observeRequest: (o) => metrics.observeRequest(o),
    observeUpstream(o: UpstreamObservation): void {
      metrics.observeUpstream(o);
      observe(o);
    },
    observeTimeToFirstToken: (route, provider, ms) => metrics.observeTimeToFirstToken(route, provider, ms),
    observeStreamFailure: (provider, model, kind) => metrics.observeStreamFailure(provider, model, kind),
    observeTokens: (o) => metrics.observeTokens(o),
    inflight: (delta) => metrics.inflight(delta),
    setTableInfo: (version, hash, routes) => metrics.setTableInfo(version, hash, routes),
    tableLoadFailed: () => metrics.tableLoadFailed(),
    setAuthState: (mode, keys, lockedOut) => metrics.setAuthState(mode, keys, lockedOut),
    setLastGoodObjects: (count) => metrics.setLastGoodObjects(count),
    watchQuotas: (source) => metrics.watchQuotas(source),
    drain(): TargetReport[] {
      const out = [...counts.values()].map((c) => ({ ...c, latencyMsSum: Math.round(c.latencyMsSum * 1000) / 1000 }));
      counts = new Map();
      return out;
    },
  };
}

/** Adds `more` into `into` by target (used to carry counts a failed report could not deliver). */
export function mergeReports(into: readonly TargetReport[], more: readonly TargetReport[]): TargetReport[] {
  const byKey = new Map<string, TargetReport>();
  for (const t of [...into, ...more]) {
    const key = `${t.provider}|${t.model}`;
    const prev = byKey.get(key);
    byKey.set(key, prev === undefined ? t : {
      provider: t.provider, model: t.model, requests: prev.requests + t.requests, errors: prev.errors + t.errors,
      latencyMsSum: prev.latencyMsSum + t.latencyMsSum,
    });
  }
  return [...byKey.values()].slice(0, MAX_TARGETS);
}

const FIELD: Readonly<Record<Metric, keyof UsageFigures>> = {
  requests: 'requests', 'tokens-input': 'inputTokens', 'tokens-output': 'outputTokens', 'tokens-total': 'totalTokens', cost: 'costUSD',
};

const WINDOWS: ReadonlySet<string> = new Set(['1m', '1h', '1d', 'calendar-month']);

/** Wire figures (grants, caps) back to ledger metrics. */
export function metricFigures(f: UsageFigures): Partial<Record<Metric, number>> {
  const out: Partial<Record<Metric, number>> = {};
  for (const [metric, field] of Object.entries(FIELD) as [Metric, keyof UsageFigures][]) {
    const v = f[field];
    if (v !== undefined) out[metric] = v;
  }
  return out;
}

function figuresOf(f: Partial<Record<Metric, number>>): UsageFigures {
  const out: Record<string, number> = {};
  for (const [metric, v] of Object.entries(f)) {
    const field = FIELD[metric as Metric] as string | undefined;
    if (field !== undefined && Number.isFinite(v)) out[field] = Math.round(v * 1e9) / 1e9;
  }
  return out;
}

/** What a cluster allowance adds to a window's report: the caps applied and the amounts they refused. */
export interface AllowanceFigures {
  capsOf(quota: string, window: string, start: number): Partial<Record<Metric, number>> | undefined;
  /** Keyed by quota, window and start joined with NUL (pkg/quota/cluster-allowance.ts). */
  readonly wants: ReadonlyMap<string, Partial<Record<Metric, number>>>;
  /** Every window the proxy holds a grant for: reported even before anything was counted in it. */
  windows(): Iterable<{ readonly quota: string; readonly window: string; readonly start: number; readonly end: number }>;
}

/** The ledger's window usage as report entries (usage field of POST /sync/v1/reports). */
export function usageReports(usage: readonly WindowUsage[], allowance?: AllowanceFigures): QuotaUsageReport[] {
  const out: QuotaUsageReport[] = [];
  const all: WindowUsage[] = [...usage];
  if (allowance !== undefined) {
    const seen = new Set(usage.map((u) => `${u.quota}\u0000${u.window}\u0000${u.start}`));
    for (const w of allowance.windows()) {
      const key = `${w.quota}\u0000${w.window}\u0000${w.start}`;
      if (!seen.has(key)) all.push({ ...w, figures: {} });
    }
  }
  for (const d of all) {
    if (!WINDOWS.has(d.window)) continue;
    const entry: QuotaUsageReport = {
      quota: d.quota, window: d.window as QuotaUsageReport['window'], start: d.start, end: d.end, ...figuresOf(d.figures),
    };
    if (d.subjects !== undefined) {
      entry.subjects = d.subjects.map((s) => ({ subject: s.subject, ...figuresOf(s.figures) }));
      entry.otherSubjects = d.otherSubjects ?? 0;
    }
    const caps = allowance?.capsOf(d.quota, d.window, d.start);
    if (caps !== undefined) entry.caps = figuresOf(caps);
    const want = allowance?.wants.get(`${d.quota}\u0000${d.window}\u0000${d.start}`);
    if (want !== undefined) entry.want = figuresOf(want);
    out.push(entry);
  }
  return out;
}
