// When each fallback of a route may be used (ModelRoute spec.fallback[].on, ADR 0023), looked up from the table once
// per runtime route (or view) and kept beside it. A fallback is matched to its table entry by provider and upstream
// model, in declared order; a route whose fallbacks all use the default ([error]) costs one map read.
import type { TableRoute } from '../../table/types.ts';
import type { RuntimeRoute, RuntimeTable, RuntimeTarget } from '../runtime-table.ts';
import { ON_ERROR, fallbackUse } from './retry-policy.ts';
import type { FallbackUse } from './retry-policy.ts';

const cache = new WeakMap<RuntimeRoute, ReadonlyMap<RuntimeTarget, FallbackUse> | null>();

function tableRouteOf(rt: RuntimeTable | null, id: string): TableRoute | undefined {
  return rt?.table.routes.find((r) => r.id === id);
}

function build(rt: RuntimeTable | null, route: RuntimeRoute): ReadonlyMap<RuntimeTarget, FallbackUse> | null {
  const entries = tableRouteOf(rt, route.id)?.fallback;
  if (entries === undefined || entries.every((e) => e.on === undefined)) return null;
  const taken = new Set<number>();
  const out = new Map<RuntimeTarget, FallbackUse>();
  for (const t of route.fallback) {
    const j = entries.findIndex((e, k) => !taken.has(k) && e.provider === t.providerId && e.model === t.bound.model);
    if (j < 0) continue;
    taken.add(j);
    out.set(t, fallbackUse(entries[j]?.on));
  }
  return out;
}

/** How `target`, a fallback of `route`, may be used for a request that arrived with table `rt`. */
export function fallbackUseOf(rt: RuntimeTable | null, route: RuntimeRoute, target: RuntimeTarget): FallbackUse {
  let uses = cache.get(route);
  if (uses === undefined) {
    uses = build(rt, route);
    cache.set(route, uses);
  }
  return uses?.get(target) ?? ON_ERROR;
}
