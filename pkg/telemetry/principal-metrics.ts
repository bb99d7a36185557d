// Tokens and spend by caller: switchyard_principal_tokens_total{team,key,route,model,direction} and
// switchyard_principal_cost_usd_total{team,key,route,model}. New metrics rather than new labels on
// switchyard_tokens_total / switchyard_cost_usd_total, whose series (and the dashboards over them) stay as they were.
// `key` is the non-secret principal id ("namespace/secret-name", "jwt:issuer-host/sub"), '_none' when the request
// carried no credential. Every label is bounded on its own (teams, keys, routes, models), and the combinations of
// each metric are capped: past the cap a new combination folds into team, key, route and model '_other'.
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import { FastCounter } from './fast-metrics.ts';
import { BoundedValues, ChildCache, CombinationCap, OTHER } from './labels.ts';
import { NanoTotals } from './nano-totals.ts';

export interface PrincipalLimits {
  /** Distinct `team` values before '_other'. */
  readonly maxTeams: number;
  /** Distinct `key` values before '_other'. */
  readonly maxKeys: number;
  /** Distinct label combinations per metric before they fold into '_other'. */
  readonly maxSeries: number;
}

export interface PrincipalUsage {
  readonly team: string;
  readonly key: string;
  readonly route: string;
  readonly model: string;
  readonly input: number;
  readonly output: number;
  readonly usd: number;
}

export type PrincipalRecorder = (u: PrincipalUsage) => void;

const NONE = '_none';

export function createPrincipalMetrics(
  registry: Registry, limits: PrincipalLimits, route: BoundedValues, model: BoundedValues,
): PrincipalRecorder {
  const nano = new NanoTotals();
  const registers = [registry];
  const tokens = new FastCounter(registry, {
    name: 'switchyard_principal_tokens_total',
    help: 'Tokens by calling team and key (principal id), route, client model and direction; bounded: excess values are _other.',
    labelNames: ['team', 'key', 'route', 'model', 'direction'],
  });
  new Counter({
    name: 'switchyard_principal_cost_usd_total',
    help: 'Estimated spend in USD by calling team and key (principal id), route and client model; bounded: excess values are _other.',
    labelNames: ['team', 'key', 'route', 'model'] as const, registers,
    collect(this: Counter<'team' | 'key' | 'route' | 'model'>): void {
      this.reset();
      for (const e of nano.entries()) if (e.nano > 0) this.labels(...e.labels).inc(e.nano / 1e9);
    },
  });
  const team = new BoundedValues(limits.maxTeams, [NONE]);
  const key = new BoundedValues(limits.maxKeys, [NONE]);
  const tokenCap = new CombinationCap(limits.maxSeries);
  const costCap = new CombinationCap(limits.maxSeries);
  const foldTokens = (l: readonly string[]): string[] => [OTHER, OTHER, OTHER, OTHER, l[4] ?? 'input'];
  const foldCost = (): string[] => [OTHER, OTHER, OTHER, OTHER];
  const clamp4 = (r: readonly string[]): string[] => [
    team.clamp(r[0] ?? ''), key.clamp(r[1] ?? ''), route.clamp(r[2] ?? ''), model.clamp(r[3] ?? ''),
  ];
  const tokenChildren = new ChildCache(limits.maxSeries, (v) => tokens.series(v));
  const costEntries = new ChildCache(limits.maxSeries, (v) => nano.entry(v));
  return (u: PrincipalUsage): void => {
    if (u.input > 0) {
      tokenChildren.get([u.team, u.key, u.route, u.model, 'input'], (r) => tokenCap.admit([...clamp4(r), 'input'], foldTokens)).inc(u.input);
    }
    if (u.output > 0) {
      tokenChildren.get([u.team, u.key, u.route, u.model, 'output'], (r) => tokenCap.admit([...clamp4(r), 'output'], foldTokens)).inc(u.output);
    }
    if (u.usd > 0) costEntries.get([u.team, u.key, u.route, u.model], (r) => costCap.admit(clamp4(r), foldCost)).nano += Math.round(u.usd * 1e9);
  };
}
