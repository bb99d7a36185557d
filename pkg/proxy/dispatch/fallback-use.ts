// When each fallback of a route may be used (ModelRoute spec.fallback[].when, ADR 0023), read from the table once per
// table and route, and looked up by provider and upstream model — so a rule's view or an API view of the route finds
// the same answer. (A route listing one provider+model twice as fallbacks uses the first entry's `on`.) A route
// whose fallbacks all use the default ([error]) costs two map reads.
import type { RuntimeTable, RuntimeRoute, RuntimeTarget } from '../runtime-table.ts';
import { ON_ERROR, fallbackUse } from './retry-policy.ts';
import type { FallbackUse } from './retry-policy.ts';

/** provider id → upstream model → use; null when no fallback of the route sets `on`. */
type Uses = ReadonlyMap<string, ReadonlyMap<string, FallbackUse>> | null;

const cache = new WeakMap<RuntimeTable, Map<string, Uses>>();

function build(rt: RuntimeTable, routeId: string): Uses {
  const entries = rt.table.routes.find((r) => r.id === routeId)?.fallback;
  if (entries === undefined || entries.every((e) => e.when === undefined)) return null;
  const out = new Map<string, Map<string, FallbackUse>>();
  for (const e of entries) {
    let models = out.get(e.provider);
    if (models === undefined) {
      models = new Map();
      out.set(e.provider, models);
    }
    if (!models.has(e.model)) models.set(e.model, fallbackUse(e.when));
  }
  return out;
}

/** How `target`, a fallback of `route`, may be used for a request that arrived with table `rt`. */
export function fallbackUseOf(rt: RuntimeTable | null, route: RuntimeRoute, target: RuntimeTarget): FallbackUse {
  if (rt === null) return ON_ERROR;
  let perRoute = cache.get(rt);
  if (perRoute === undefined) {
    perRoute = new Map();
    cache.set(rt, perRoute);
  }
  let uses = perRoute.get(route.id);
  if (uses === undefined) {
    uses = build(rt, route.id);
    perRoute.set(route.id, uses);
  }
  return uses?.get(target.providerId)?.get(target.bound.model) ?? ON_ERROR;
}
