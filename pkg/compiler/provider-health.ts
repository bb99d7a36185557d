// Provider spec.outlierDetection, spec.saturation and spec.metrics → their table form (durations in ms, the
// metrics URL resolved), and the operator's global ejections marked on each provider (ejectedModels) when they
// took a target out of every route.
// Fields are emitted only when the Provider sets them: the proxy applies the documented defaults
// (pkg/proxy/outlier/config.ts), so a table without them keeps its hash.
import type { ProviderSpec } from '../api/provider.ts';
import { durationMs } from '../api/duration.ts';
import type { TableOutlierDetection, TablePoolMetrics, TableProvider, TableRoute, TableSaturation } from '../table/types.ts';
import type { InputObject } from './objects.ts';
import { checkBaseURL } from './url-safety.ts';

export const DEFAULT_SCRAPE_INTERVAL_MS = 5000;

export interface HealthFields {
  readonly outlierDetection?: TableOutlierDetection;
  readonly saturation?: TableSaturation;
  readonly metrics?: TablePoolMetrics;
}

/** Outlier defaults, the same the proxy applies to a provider without the field. */
export const OUTLIER_DEFAULTS: TableOutlierDetection = {
  consecutiveFailures: 5, baseEjectionMs: 30_000, maxEjectionMs: 300_000, maxEjectedPercent: 50,
};

function outlier(spec: ProviderSpec): TableOutlierDetection | undefined {
  const o = spec.outlierDetection;
  if (o === undefined) return undefined;
  const e = o.errorRate;
  return {
    consecutiveFailures: o.consecutiveFailures ?? OUTLIER_DEFAULTS.consecutiveFailures,
    ...(e === undefined ? {} : { errorRate: { threshold: e.threshold, minRequests: e.minRequests, windowMs: durationMs(e.window) } }),
    baseEjectionMs: o.baseEjection === undefined ? OUTLIER_DEFAULTS.baseEjectionMs : durationMs(o.baseEjection),
    maxEjectionMs: o.maxEjection === undefined ? Math.max(OUTLIER_DEFAULTS.maxEjectionMs, o.baseEjection === undefined ? 0 : durationMs(o.baseEjection)) : durationMs(o.maxEjection),
    maxEjectedPercent: o.maxEjectedPercent ?? OUTLIER_DEFAULTS.maxEjectedPercent,
  };
}

function saturation(spec: ProviderSpec): TableSaturation | undefined {
  const s = spec.saturation;
  if (s === undefined) return undefined;
  return {
    ...(s.maxQueueDepth === undefined ? {} : { maxQueueDepth: s.maxQueueDepth }),
    ...(s.maxKVCacheUsage === undefined ? {} : { maxKVCacheUsage: s.maxKVCacheUsage }),
    ...(s.maxLatency === undefined ? {} : { maxLatencyMs: durationMs(s.maxLatency) }),
  };
}

/**
 * The table's health fields, or the problem that makes the Provider invalid. Scraping is on when spec.metrics is set
 * or spec.saturation asks for a scraped figure (queue depth, KV cache); its URL defaults to baseURL's origin + /metrics.
 */
export function healthFields(spec: ProviderSpec, baseURL: string): { ok: true; fields: HealthFields } | { ok: false; problem: string } {
  const sat = saturation(spec);
  const scraped = spec.metrics !== undefined || sat?.maxQueueDepth !== undefined || sat?.maxKVCacheUsage !== undefined;
  let metrics: TablePoolMetrics | undefined;
  if (scraped) {
    let url = spec.metrics?.url;
    if (url === undefined) {
      if (baseURL === '') return { ok: false, problem: `spec.metrics.url is required: type ${spec.type} has no base URL to derive it from` };
      url = `${new URL(baseURL).origin}/metrics`;
    }
    const checked = checkBaseURL(url);
    if (!checked.ok) return { ok: false, problem: `spec.metrics.url: ${checked.problem.replace(/^baseURL /, '')}` };
    metrics = { url: checked.url, intervalMs: spec.metrics?.interval === undefined ? DEFAULT_SCRAPE_INTERVAL_MS : Math.max(100, durationMs(spec.metrics.interval)) };
  }
  const od = outlier(spec);
  return {
    ok: true,
    fields: {
      ...(od === undefined ? {} : { outlierDetection: od }),
      ...(sat === undefined ? {} : { saturation: sat }),
      ...(metrics === undefined ? {} : { metrics }),
    },
  };
}

function recordOf(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** `${providerId}|${model}` of every target, rule target and fallback a ModelRoute manifest names (read loosely). */
function referencedTargets(routes: readonly InputObject[]): Set<string> {
  const out = new Set<string>();
  for (const r of routes) {
    const spec = recordOf(r.raw.spec);
    if (spec === null) continue;
    const routeModel = typeof spec.model === 'string' ? spec.model : '';
    const lists: unknown[] = [spec.targets, spec.fallback];
    if (Array.isArray(spec.rules)) for (const rule of spec.rules) lists.push(recordOf(rule)?.targets);
    for (const list of lists) {
      if (!Array.isArray(list)) continue;
      for (const t of list) {
        const rec = recordOf(t);
        if (rec === null || typeof rec.provider !== 'string') continue;
        out.add(`${r.namespace}/${rec.provider}|${typeof rec.model === 'string' ? rec.model : routeModel}`);
      }
    }
  }
  return out;
}

/** `${providerId}|${model}` of every target and fallback the compiled routes kept. */
function servedTargets(routes: readonly TableRoute[]): Set<string> {
  const out = new Set<string>();
  for (const r of routes) {
    for (const t of [...r.targets, ...r.fallback, ...(r.rules ?? []).flatMap((rule) => rule.targets)]) out.add(`${t.provider}|${t.model}`);
  }
  return out;
}

/**
 * The operator's global ejections the proxies must know about: ejected targets some ModelRoute names that the compiler
 * left out of every route. A target kept somewhere (panic mode: every target of that route is ejected) is served, so
 * it is not marked, and ejecting a target no route names changes nothing: the table's hash moves only when a route does.
 */
export function markGlobalEjections(
  providers: readonly (readonly [string, TableProvider])[], ejected: ReadonlySet<string> | undefined, routeObjects: readonly InputObject[], routes: readonly TableRoute[],
): (readonly [string, TableProvider])[] {
  if (ejected === undefined || ejected.size === 0) return [...providers];
  const named = referencedTargets(routeObjects);
  const served = servedTargets(routes);
  const byProvider = new Map<string, string[]>();
  for (const key of ejected) {
    if (!named.has(key) || served.has(key)) continue;
    const bar = key.indexOf('|');
    if (bar < 0) continue;
    const id = key.slice(0, bar);
    const list = byProvider.get(id);
    if (list === undefined) byProvider.set(id, [key.slice(bar + 1)]);
    else list.push(key.slice(bar + 1));
  }
  return providers.map(([id, p]) => {
    const models = byProvider.get(id);
    return models === undefined ? [id, p] as const : [id, { ...p, ejectedModels: models.sort() }] as const;
  });
}
