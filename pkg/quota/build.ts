// Table quotas → the quota stage of each route, built once per table load. A quota covers a route when it has no
// model scope or when one of its models (route model or alias, as clients call it) resolves to that route. Limits of
// one quota on the same window and metric share one counter and the tightest figure.
import type { TableQuota, TableQuotaLimit } from '../table/types.ts';
import type { Metric, QuotaLedger } from './ledger.ts';
import { QuotaStage } from './stage.ts';
import type { CompiledLimit, CompiledQuota, EstimatePrice } from './stage.ts';
import { isValidTimeZone, ZoneClock } from './window.ts';

function metricOf(l: TableQuotaLimit): { metric: Metric; limit: number } | null {
  if (l.requests !== undefined) return { metric: 'requests', limit: l.requests };
  if (l.tokens !== undefined) return { metric: `tokens-${l.tokenType ?? 'total'}`, limit: l.tokens };
  if (l.costUSD !== undefined) return { metric: 'cost', limit: l.costUSD };
  return null;
}

function compileLimits(limits: readonly TableQuotaLimit[]): CompiledLimit[] {
  const byKey = new Map<string, CompiledLimit>();
  for (const l of limits) {
    const m = metricOf(l);
    if (m === null) continue;
    const key = `${l.window}/${m.metric}`;
    const prev = byKey.get(key);
    if (prev === undefined || m.limit < prev.limit) byKey.set(key, { window: l.window, ...m });
  }
  return [...byKey.values()];
}

/** Quotas per route id, compiled once per table. */
export class QuotaPlan {
  readonly #byRoute = new Map<string, CompiledQuota[]>();
  readonly #all: CompiledQuota[] = [];
  /** Quotas without a model scope: they cover every route. */
  readonly #unscoped: CompiledQuota[] = [];
  readonly #ledger: QuotaLedger;

  constructor(quotas: readonly TableQuota[], models: Readonly<Record<string, string>>, ledger: QuotaLedger) {
    this.#ledger = ledger;
    const clocks = new Map<string, ZoneClock>();
    for (const q of quotas) {
      // The compiler validated the zone; a table from an older operator has none (UTC).
      const zone = typeof q.timeZone === 'string' && isValidTimeZone(q.timeZone) ? q.timeZone : 'UTC';
      let clock = clocks.get(zone);
      if (clock === undefined) {
        clock = new ZoneClock(zone);
        clocks.set(zone, clock);
      }
      const c: CompiledQuota = { id: q.id, subject: q.subject, limits: compileLimits(q.limits), action: q.action, shadow: q.shadow === true, clock };
      this.#all.push(c);
      if (q.models === null) {
        this.#unscoped.push(c);
        continue;
      }
      const routes = new Set<string>();
      for (const m of q.models) {
        const r = models[m];
        if (r !== undefined) routes.add(r);
      }
      for (const r of routes) {
        const list = this.#byRoute.get(r);
        if (list === undefined) this.#byRoute.set(r, [c]);
        else list.push(c);
      }
    }
  }

  /** The stage of route `routeId`, or null when no quota covers it (the route pays one null check). */
  stageFor(routeId: string, price: EstimatePrice | null): QuotaStage | null {
    const scoped = this.#byRoute.get(routeId) ?? [];
    const quotas = [...this.#unscoped, ...scoped];
    return quotas.length === 0 ? null : new QuotaStage(quotas, this.#ledger, price);
  }

  /** Ids of every quota in the table (the ledger keeps their counters across the swap). */
  ids(): Set<string> {
    return new Set(this.#all.map((q) => q.id));
  }
}
