// Live signals of a running proxy by provider id and upstream model, for /debug/explain (pkg/admin/explain-routing.ts).
// Built per explain call from the table in use; never on the request path.
import type { LiveTargetSignals, SignalLookup } from '../../admin/explain-routing.ts';
import type { RuntimeRoute, RuntimeTable, RuntimeTarget } from '../runtime-table.ts';
import type { TargetSignals } from './types.ts';

function collect(route: RuntimeRoute, out: Map<string, RuntimeTarget>): void {
  for (const level of route.levels) for (const t of level.targets) out.set(`${t.providerId}\n${t.bound.model}`, t);
  for (const t of route.fallback) out.set(`${t.providerId}\n${t.bound.model}`, t);
}

export function liveLookup(rt: RuntimeTable, signals: TargetSignals): SignalLookup {
  const byKey = new Map<string, RuntimeTarget>();
  for (const route of rt.routes.values()) {
    collect(route, byKey);
    for (const rule of route.rules ?? []) collect(rule.route, byKey);
  }
  return (provider: string, model: string): LiveTargetSignals | null => {
    const t = byKey.get(`${provider}\n${model}`);
    if (t === undefined) return null;
    return { inFlight: signals.inFlight(t), latencyEwmaMs: signals.latencyEwmaMs(t), ejected: signals.ejected(t), saturated: signals.saturated(t) };
  };
}
