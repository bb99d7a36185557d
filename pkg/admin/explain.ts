// /debug/explain?model=…: how the loaded table would serve a model name — the route, its strategy, each target's
// share of traffic and effective timeouts, the fallback chain, retries and who may call it. Never a secret.
import type { RoutingTable, TableAccessRule, TableRoute, TableTarget, TableTimeouts } from '../table/types.ts';
import { describeCredential } from '../table/describe-credential.ts';
import type { AuthMode } from '../telemetry/types.ts';

export interface ExplainedTarget {
  readonly provider: string;
  readonly providerType: string | null;
  /** How the provider authenticates (describeCredential): the method, never a value. null when the provider is unknown. */
  readonly auth: string | null;
  readonly model: string;
  readonly weight: number;
  readonly priority: number;
  /** Share of first attempts this target gets while every target is healthy (0..1). */
  readonly share: number;
  readonly timeouts: TableTimeouts | null;
}

export interface Explanation {
  readonly model: string;
  readonly matchedBy: 'model' | 'alias';
  readonly route: { readonly id: string; readonly model: string; readonly aliases: readonly string[] };
  readonly strategy: TableRoute['strategy'];
  readonly selection: string;
  readonly targets: readonly ExplainedTarget[];
  readonly fallback: readonly ExplainedTarget[];
  readonly retry: TableRoute['retry'];
  readonly access: { readonly summary: string; readonly allow: readonly TableAccessRule[] | null };
  readonly table: { readonly version: number; readonly hash: string };
}

function shares(route: TableRoute): number[] {
  const targets = route.targets;
  if (route.strategy === 'weighted') {
    const total = targets.reduce((s, t) => s + t.weight, 0);
    return targets.map((t) => (total > 0 ? t.weight / total : 0));
  }
  const top = Math.min(...targets.map((t) => t.priority));
  const level = targets.filter((t) => t.priority === top);
  const total = level.reduce((s, t) => s + t.weight, 0);
  return targets.map((t) => {
    if (t.priority !== top) return 0;
    return total > 0 ? t.weight / total : 1 / level.length;
  });
}

function explainTarget(table: RoutingTable, route: TableRoute, t: TableTarget, share: number): ExplainedTarget {
  const p = table.providers[t.provider];
  return {
    provider: t.provider,
    providerType: p?.type ?? null,
    auth: p === undefined ? null : describeCredential(p.credential),
    model: t.model,
    weight: t.weight,
    priority: t.priority,
    share: Math.round(share * 10_000) / 10_000,
    timeouts: p ? { ...p.timeouts, ...route.timeouts } : null,
  };
}

function selectionText(route: TableRoute): string {
  if (route.strategy === 'weighted') {
    return 'weighted: each attempt picks a healthy target at random in proportion to its weight; ejected targets are skipped; after every target has failed the fallback chain is tried in order';
  }
  return 'priority: the healthy targets with the lowest priority number are used first (weighted among themselves); higher numbers only when all lower ones are ejected or failed; then the fallback chain in order';
}

/** `mode` null: the caller has no data port (the operator); the summary then speaks of keys only. */
function accessSummary(table: RoutingTable, route: TableRoute, mode: AuthMode | null): string {
  if (mode === 'required' && Object.keys(table.keys).length === 0) {
    return 'auth is required and no API keys are configured: every request gets 401 until an API-key Secret is added';
  }
  if (route.access === null) {
    const keyed = 'any valid API key whose allowed models include this route\'s model';
    return mode === 'open' ? `auth is open: callers without a key, and ${keyed}` : keyed;
  }
  return 'only API keys matching one of the allow rules (team, user or key id); callers without a key are refused';
}

/** null when the model name is not served by the table. */
export function explainModel(table: RoutingTable, model: string, mode: AuthMode | null): Explanation | null {
  if (!Object.hasOwn(table.models, model)) return null;
  const routeId = table.models[model];
  const route = table.routes.find((r) => r.id === routeId);
  if (route === undefined) return null;
  const s = shares(route);
  return {
    model,
    matchedBy: route.model === model ? 'model' : 'alias',
    route: { id: route.id, model: route.model, aliases: route.aliases },
    strategy: route.strategy,
    selection: selectionText(route),
    targets: route.targets.map((t, i) => explainTarget(table, route, t, s[i] ?? 0)),
    fallback: route.fallback.map((t) => explainTarget(table, route, t, 0)),
    retry: route.retry,
    access: { summary: accessSummary(table, route, mode), allow: route.access },
    table: { version: table.version, hash: table.hash },
  };
}
