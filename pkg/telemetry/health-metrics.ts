// Target health on this proxy (pkg/proxy/outlier): which targets are ejected now, locally or by the operator's
// global health check (read at scrape time), how many local ejections happened, and how many requests spilled from
// a saturated self-hosted pool to another target. Label values come from the routing table (ids), bounded.
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { BoundedValues } from './labels.ts';

export interface EjectionFigure {
  readonly provider: string;
  readonly model: string;
  readonly source: 'local' | 'global';
  /** 1 while ejected, 0 otherwise. */
  readonly ejected: 0 | 1;
}

export interface HealthMetrics {
  /** One local ejection of a target (a first one, or again after a failed probe). */
  ejection(provider: string, model: string): void;
  /** One request that skipped a saturated spillover target of `fromProvider` and was sent to `toProvider`. */
  spill(route: string, fromProvider: string, toProvider: string): void;
  /** The source of the ejected gauge, read at scrape time; null stops reporting. */
  watch(source: (() => readonly EjectionFigure[]) | null): void;
}

export function createHealthMetrics(registry: Registry, maxValues = 1000): HealthMetrics {
  const registers = [registry];
  const providers = new BoundedValues(maxValues, ['_none']);
  const models = new BoundedValues(maxValues);
  const routes = new BoundedValues(maxValues, ['_none']);
  let source: (() => readonly EjectionFigure[]) | null = null;
  new Gauge({
    name: 'switchyard_target_ejected',
    help: 'Whether a target (provider, upstream model) is ejected on this proxy: source="local" by its own outlier detection, source="global" by the operator\'s health check.',
    labelNames: ['provider', 'model', 'source'] as const,
    registers,
    collect(this: Gauge<'provider' | 'model' | 'source'>): void {
      this.reset();
      if (source === null) return;
      for (const f of source()) this.labels(providers.clamp(f.provider), models.clamp(f.model), f.source).set(f.ejected);
    },
  });
  const ejections = new Counter({
    name: 'switchyard_target_ejections_total',
    help: 'Local outlier ejections of a target on this proxy (each failed probe counts again).',
    labelNames: ['provider', 'model'] as const,
    registers,
  });
  const spills = new Counter({
    name: 'switchyard_spillover_total',
    help: 'Requests that skipped a saturated self-hosted pool (a spillover target) and went to another target.',
    labelNames: ['route', 'from_provider', 'to_provider'] as const,
    registers,
  });
  return {
    ejection(provider, model) {
      ejections.labels(providers.clamp(provider), models.clamp(model)).inc();
    },
    spill(route, fromProvider, toProvider) {
      spills.labels(routes.clamp(route), providers.clamp(fromProvider), providers.clamp(toProvider)).inc();
    },
    watch(s) {
      source = s;
    },
  };
}
