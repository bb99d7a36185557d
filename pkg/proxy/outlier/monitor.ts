// The proxy's health signals for the pickers (routing/types.ts HealthSignals): local outlier ejection (detector.ts,
// per target, driven by the outcome of every real attempt) and pool saturation (limits.maxConcurrent, the scraped
// model-server queue and KV-cache figures, the latency average). Composition with the operator's global ejection:
// a globally ejected target is already out of the table (the compiler leaves it out of every route where a
// neighbour is left); the table marks those on their Provider (ejectedModels) and this monitor reports them beside
// the local ones (metrics, /debug/explain). Local ejection then works on what the table serves, under a cap per
// route (maxEjectedPercent of its targets and fallbacks; never all of them). Everything is memory reads on the
// request path; the scrapers run in the background and follow the table in use (like the credential sources).
import type { Logger } from 'pino';
import type { TableOutlierDetection, TableProvider, RoutingTable } from '../../table/types.ts';
import type { HealthMetrics, EjectionFigure } from '../../telemetry/health-metrics.ts';
import { OUTLIER_DEFAULTS } from '../../compiler/provider-health.ts';
import type { FailureKind } from '../../providers/types.ts';
import type { RuntimeRoute, RuntimeTable, RuntimeTarget } from '../runtime-table.ts';
import type { HealthSignals, Plan } from '../routing/types.ts';
import type { TargetHealth } from '../target-health.ts';
import { PoolScrapers } from '../pool-metrics/scraper.ts';
import type { PoolSample, PoolScrapersOptions } from '../pool-metrics/scraper.ts';
import { OutlierState, beginAttempt, isEjected, phaseOf, recordFailure, recordSuccess, releaseProbe } from './detector.ts';
import type { EjectReason, OutlierPhase, Transition } from './detector.ts';

/** In-flight and latency per target: the pickers' own stats (routing/target-stats.ts ProxySignals). */
export interface LoadReader {
  inFlight(t: RuntimeTarget): number;
  latencyEwmaMs(t: RuntimeTarget): number | null;
}

/** Failure kinds that count against a target. Not: the request's own 4xx, 429 (the Retry-After cooldown handles it). */
const TARGET_FAILURES: ReadonlySet<FailureKind> = new Set<FailureKind>(['connect', 'timeout', 'server', 'auth', 'invalid', 'tls']);

export type AttemptOutcome = { readonly kind: 'ok' } | { readonly kind: 'failed'; readonly failure: { readonly kind: FailureKind } } | { readonly kind: 'aborted' };

/** What attemptStarted hands back, to pass to attemptFinished. */
export interface AttemptToken {
  readonly target: RuntimeTarget;
  readonly startedAt: number;
  readonly probe: boolean;
}

export interface TargetHealthView {
  readonly provider: string;
  readonly model: string;
  /** Local outlier detection on this proxy. */
  readonly local: {
    readonly phase: OutlierPhase;
    readonly reason: EjectReason | null;
    /** Epoch ms the ejection ends (then one request probes the target); null when not ejected. */
    readonly until: number | null;
    readonly consecutiveFailures: number;
    /** Local ejections of this target so far. */
    readonly ejections: number;
    /** A trigger fired but the route cap (maxEjectedPercent) kept the target in. */
    readonly capped: boolean;
  };
  /** The operator's global health check ejected this target (the table marks it; the routes leave it out). */
  readonly global: boolean;
  readonly saturation: {
    readonly saturated: boolean;
    /** Each condition that holds now, in words. */
    readonly why: readonly string[];
    readonly inFlight: number;
    readonly maxConcurrent: number | null;
    /** The last scraped figures, fresh or not; null when the Provider is not scraped or no answer came yet. */
    readonly pool: (PoolSample & { readonly fresh: boolean }) | null;
    readonly latencyEwmaMs: number | null;
  };
}

export interface TargetHealthMonitorOptions {
  /** Epoch ms. Default Date.now. Must be the clock of the proxy core (ProxyCore.now). */
  readonly now?: () => number;
  readonly metrics?: HealthMetrics | null;
  readonly logger?: Pick<Logger, 'debug' | 'info' | 'warn'>;
  /** Options of the pool scrapers (tests inject fetch, timers, a clock). */
  readonly scrapers?: PoolScrapersOptions;
}

const cfgCache = new WeakMap<TableProvider, TableOutlierDetection>();

/** The provider's outlier settings (the table's, or the defaults). */
export function outlierConfig(p: TableProvider): TableOutlierDetection {
  return p.outlierDetection ?? OUTLIER_DEFAULTS;
}

function cfgOf(p: TableProvider): TableOutlierDetection {
  let c = cfgCache.get(p);
  if (c === undefined) {
    c = outlierConfig(p);
    cfgCache.set(p, c);
  }
  return c;
}

const NO_LOAD: LoadReader = { inFlight: () => 0, latencyEwmaMs: () => null };

export class TargetHealthMonitor implements HealthSignals {
  readonly #now: () => number;
  readonly #metrics: HealthMetrics | null;
  readonly #logger: TargetHealthMonitorOptions['logger'];
  readonly #scrapers: PoolScrapers;
  #load: LoadReader = NO_LOAD;
  /** Targets ejected now (their state says so), for anyEjected(). */
  readonly #ejected = new Set<TargetHealth>();
  /** Per target: the member lists (targets + fallbacks of a route or a rule) it belongs to, for the cap. */
  #groups = new Map<TargetHealth, (readonly TargetHealth[])[]>();
  /** Per provider id: one target per distinct (provider, model), for the provider's in-flight sum. */
  #byProvider = new Map<string, readonly RuntimeTarget[]>();
  #table: RoutingTable | null = null;
  #closed = false;

  constructor(o: TargetHealthMonitorOptions = {}) {
    this.#now = o.now ?? Date.now;
    this.#metrics = o.metrics ?? null;
    this.#logger = o.logger;
    this.#scrapers = new PoolScrapers({ ...(o.logger === undefined ? {} : { logger: o.logger }), ...o.scrapers });
    this.#metrics?.watch(() => this.figures());
  }

  /** The in-flight and latency source (the proxy's ProxySignals); bound by the first attempt if not given here. */
  bindLoad(load: LoadReader): void {
    this.#load = load;
  }

  get boundLoad(): boolean {
    return this.#load !== NO_LOAD;
  }

  /** Follows the table in use: call after every swap (TableHolder.onSwap) and with the table loaded before. */
  useTable(rt: RuntimeTable): void {
    if (this.#closed) return;
    this.#table = rt.table;
    const groups = new Map<TargetHealth, (readonly TargetHealth[])[]>();
    const byProvider = new Map<string, Map<TargetHealth, RuntimeTarget>>();
    const addGroup = (route: RuntimeRoute): void => {
      const members = new Set<TargetHealth>();
      for (const t of [...route.levels.flatMap((l) => l.targets), ...route.fallback]) {
        members.add(t.health);
        let m = byProvider.get(t.providerId);
        if (m === undefined) byProvider.set(t.providerId, (m = new Map()));
        if (!m.has(t.health)) m.set(t.health, t);
      }
      const list = [...members];
      for (const h of list) {
        const g = groups.get(h);
        if (g === undefined) groups.set(h, [list]);
        else g.push(list);
      }
    };
    for (const route of new Set(rt.routes.values())) {
      addGroup(route);
      for (const rule of route.rules ?? []) addGroup(rule.route);
    }
    this.#groups = groups;
    this.#byProvider = new Map([...byProvider].map(([id, m]) => [id, [...m.values()]]));
    for (const h of this.#ejected) if (!groups.has(h)) this.#ejected.delete(h);
    this.#scrapers.sync(Object.values(rt.table.providers));
  }

  // ---- HealthSignals (request path: memory reads only) ----

  ejected(t: RuntimeTarget): boolean {
    const s = t.health.outlier;
    return s !== null && s.ejected && isEjected(s, cfgOf(t.bound.provider), this.#now());
  }

  anyEjected(): boolean {
    return this.#ejected.size > 0;
  }

  saturated(t: RuntimeTarget): boolean {
    return this.#saturation(t, this.#now(), false).saturated;
  }

  // ---- attempt outcomes (dispatch/attempt.ts) ----

  /** An attempt on `t` starts; when its ejection has passed, this attempt is the probe. */
  attemptStarted(t: RuntimeTarget): AttemptToken {
    const now = this.#now();
    const s = t.health.outlier;
    const probe = s !== null && s.ejected && beginAttempt(s, cfgOf(t.bound.provider), now);
    if (probe) this.#logger?.info({ provider: t.providerId, model: t.bound.model }, 'ejected target: its ejection time has passed, one request probes it');
    return { target: t, startedAt: now, probe };
  }

  /** The attempt ended: its outcome feeds the target's outlier detection. */
  attemptFinished(token: AttemptToken, outcome: AttemptOutcome): void {
    const t = token.target;
    const cfg = cfgOf(t.bound.provider);
    let s = t.health.outlier;
    const failed = outcome.kind === 'failed' && TARGET_FAILURES.has(outcome.failure.kind);
    const ok = outcome.kind === 'ok';
    if (!failed && !ok) {
      if (token.probe && s !== null) releaseProbe(s);
      return;
    }
    if (s === null) {
      if (ok && cfg.errorRate === undefined) return; // nothing to remember about a healthy target yet
      s = t.health.outlier = new OutlierState();
    }
    const now = this.#now();
    const tr = ok
      ? recordSuccess(s, cfg, now, token.probe, token.startedAt)
      : recordFailure(s, cfg, now, token.probe, () => this.#mayEject(t.health, cfg));
    this.#after(t, s, tr, now);
  }

  #after(t: RuntimeTarget, s: OutlierState, tr: Transition, now: number): void {
    if (tr === null) return;
    const where = { provider: t.providerId, model: t.bound.model };
    switch (tr) {
      case 'ejected':
      case 'reejected':
        this.#ejected.add(t.health);
        this.#metrics?.ejection(t.providerId, t.bound.model);
        this.#logger?.warn(
          { ...where, reason: s.reason, ejectionMs: s.ejectedUntil - now, ejections: s.ejections },
          tr === 'ejected' ? 'target ejected on this proxy (outlier detection)' : 'ejected target failed its probe; ejected again for longer',
        );
        return;
      case 'restored':
        this.#ejected.delete(t.health);
        this.#logger?.info(where, 'ejected target answered; back in use');
        return;
      case 'capped':
        this.#logger?.debug(where, 'target keeps failing but is not ejected: too many of its route\'s targets are ejected already (maxEjectedPercent)');
        return;
    }
  }

  /** The route cap: ejecting `h` must leave, in every route and rule it serves, at most maxEjectedPercent ejected. */
  #mayEject(h: TargetHealth, cfg: TableOutlierDetection): boolean {
    const groups = this.#groups.get(h);
    if (groups === undefined) return false;
    const pct = cfg.maxEjectedPercent;
    for (const members of groups) {
      const n = members.length;
      if (n < 2) continue; // alone in a route: ejection could not send anything elsewhere there
      const allowed = pct <= 0 ? 0 : Math.min(n - 1, Math.max(1, Math.floor((pct * n) / 100)));
      let out = 1;
      for (const m of members) if (m !== h && m.outlier?.ejected === true) out++;
      if (out > allowed) return false;
    }
    return true;
  }

  // ---- saturation ----

  #providerInFlight(providerId: string): number {
    let n = 0;
    for (const t of this.#byProvider.get(providerId) ?? []) n += this.#load.inFlight(t);
    return n;
  }

  #saturation(t: RuntimeTarget, now: number, explain: boolean): TargetHealthView['saturation'] {
    const p = t.bound.provider;
    const why: string[] = [];
    const max = p.limits.maxConcurrent ?? null;
    const needInFlight = max !== null || explain;
    const inFlight = needInFlight ? this.#providerInFlight(p.id) : 0;
    if (max !== null && inFlight >= max) why.push(`${inFlight} requests in flight (limits.maxConcurrent ${max})`);
    const sat = p.saturation;
    const latency = sat?.maxLatencyMs !== undefined || explain ? this.#load.latencyEwmaMs(t) : null;
    if (sat?.maxLatencyMs !== undefined && latency !== null && latency >= sat.maxLatencyMs) {
      why.push(`latency average ${Math.round(latency)} ms (saturation.maxLatency ${sat.maxLatencyMs} ms)`);
    }
    const sample = sat !== undefined || explain ? this.#scrapers.sample(p.id, now) : null;
    if (sample !== null && sat !== undefined) {
      if (sat.maxQueueDepth !== undefined && sample.queueDepth !== null && sample.queueDepth >= sat.maxQueueDepth) {
        why.push(`${sample.queueDepth} requests queued at the model server (saturation.maxQueueDepth ${sat.maxQueueDepth})`);
      }
      if (sat.maxKVCacheUsage !== undefined && sample.kvCacheUsage !== null && sample.kvCacheUsage >= sat.maxKVCacheUsage) {
        why.push(`KV cache ${Math.round(sample.kvCacheUsage * 100)}% used (saturation.maxKVCacheUsage ${Math.round(sat.maxKVCacheUsage * 100)}%)`);
      }
    }
    if (!explain) return { saturated: why.length > 0, why, inFlight, maxConcurrent: max, pool: null, latencyEwmaMs: latency };
    const last = this.#scrapers.last(p.id);
    return {
      saturated: why.length > 0, why, inFlight, maxConcurrent: max, latencyEwmaMs: latency,
      pool: last === null ? null : { ...last, fresh: sample !== null },
    };
  }

  // ---- spills, explain, metrics ----

  /** Counts a planned request that skipped saturated spillover targets (called when `plan.spilled`). */
  countSpill(routeId: string, view: RuntimeRoute, plan: Plan): void {
    if (this.#metrics === null || !plan.spilled) return;
    const to = plan.targets[0]?.providerId ?? '_none';
    const tried = new Set(plan.targets);
    const from = new Set<string>();
    const routes = [view, ...(view.rules ?? []).map((r) => r.route)];
    for (const r of routes) {
      for (const l of r.levels) for (const t of l.targets) if (t.spillover && !tried.has(t) && this.saturated(t)) from.add(t.providerId);
    }
    if (from.size === 0) from.add('_unknown');
    for (const f of from) this.#metrics.spill(routeId, f, to);
  }

  /** Everything this proxy knows about the target's health, for /debug/explain. */
  explainTarget(t: RuntimeTarget): TargetHealthView {
    const now = this.#now();
    const s = t.health.outlier;
    const cfg = cfgOf(t.bound.provider);
    const phase = s === null ? 'healthy' : phaseOf(s, cfg, now);
    return {
      provider: t.providerId,
      model: t.bound.model,
      local: {
        phase,
        reason: s?.ejected === true ? s.reason : null,
        until: s?.ejected === true ? s.ejectedUntil : null,
        consecutiveFailures: s?.consecutive ?? 0,
        ejections: s?.ejections ?? 0,
        capped: s?.capped ?? false,
      },
      global: t.bound.provider.ejectedModels?.includes(t.bound.model) === true,
      saturation: this.#saturation(t, now, true),
    };
  }

  /** The operator's global ejections in the table in use: targets out of every route, by provider id and model. */
  globalEjections(): { provider: string; model: string }[] {
    return globalEjectionsOf(this.#table);
  }

  /** The ejected gauge's figures: every target the table serves (local, 0 or 1) and every global ejection (1). */
  figures(): EjectionFigure[] {
    const out: EjectionFigure[] = [];
    for (const targets of this.#byProvider.values()) {
      for (const t of targets) {
        const s = t.health.outlier;
        // Ejected until restored: half-open (waiting for its probe) counts.
        out.push({ provider: t.providerId, model: t.bound.model, source: 'local', ejected: s !== null && s.ejected ? 1 : 0 });
      }
    }
    for (const g of this.globalEjections()) out.push({ ...g, source: 'global', ejected: 1 });
    return out;
  }

  /** Resolves once every pool scraper made its first attempt. */
  scrapersReady(): Promise<void> {
    return this.#scrapers.ready();
  }

  /** Stops the scrapers (shutdown). */
  close(): void {
    this.#closed = true;
    this.#scrapers.stopAll();
    this.#metrics?.watch(null);
  }
}

/** The targets the operator's global health check took out of every route of `table`. */
export function globalEjectionsOf(table: RoutingTable | null): { provider: string; model: string }[] {
  if (table === null) return [];
  const out: { provider: string; model: string }[] = [];
  for (const p of Object.values(table.providers)) for (const model of p.ejectedModels ?? []) out.push({ provider: p.id, model });
  return out;
}

/** The monitor behind a ProxySignals-like object's `health`, or null (another HealthSignals, or none). */
export function monitorOf(signals: { readonly health: unknown }): TargetHealthMonitor | null {
  return signals.health instanceof TargetHealthMonitor ? signals.health : null;
}

/**
 * Attempt hook for dispatch/attempt.ts: null when the signals carry no monitor. Binds the signals as the monitor's
 * in-flight and latency source on first use.
 */
export function attemptStarted(signals: LoadReader & { readonly health: unknown }, t: RuntimeTarget): AttemptToken | null {
  const m = monitorOf(signals);
  if (m === null) return null;
  if (!m.boundLoad) m.bindLoad(signals);
  return m.attemptStarted(t);
}

export function attemptFinished(signals: { readonly health: unknown }, token: AttemptToken | null, outcome: AttemptOutcome): void {
  if (token === null) return;
  monitorOf(signals)?.attemptFinished(token, outcome);
}
