// The order in which one request tries targets. Per level (weighted: a single level; priority: lowest number first):
// one target drawn at random in proportion to weight, then the level's other targets by descending weight as
// failover. Fallbacks follow, in their declared order.
import type { RuntimeRoute, RuntimeTarget, TargetLevel } from '../runtime-table.ts';

/** Index of the target whose cumulative-weight slot contains r ∈ [0, total): binary search, O(log n). */
export function pickIndex(level: TargetLevel, r: number): number {
  const cum = level.cumulative;
  if (level.totalWeight <= 0) return 0;
  const x = r * level.totalWeight;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x < (cum[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function planTargets(route: RuntimeRoute, random: () => number): readonly RuntimeTarget[] {
  if (route.staticPlan !== null) return route.staticPlan;
  const plan: RuntimeTarget[] = [];
  for (const level of route.levels) {
    const targets = level.targets;
    if (targets.length === 1) {
      plan.push(targets[0] as RuntimeTarget);
      continue;
    }
    const picked = pickIndex(level, random());
    plan.push(targets[picked] as RuntimeTarget);
    for (let i = 0; i < targets.length; i++) if (i !== picked) plan.push(targets[i] as RuntimeTarget);
  }
  for (const f of route.fallback) plan.push(f);
  return plan;
}
