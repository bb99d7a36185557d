// The order in which one request tries targets (ADR 0021). The route's rules first (first match wins: its targets,
// then the route's fallbacks). Then per level (weighted, latency, least-busy: a single level; priority: by priority
// number; cost: by price tier) the strategy's picker puts one target first and the level's others after it as
// failover (routing/pick.ts). Fallbacks follow, in their declared order.
// Ejected targets are left out unless every target and fallback is (panic: then all are kept). A `spillover` target
// whose pool is saturated is left out, and the plan says it spilled, unless nothing else would be left.
// Hot path: a plain route (weighted/priority/cost, no spillover) with nothing ejected is planned as before this
// existed — its precomputed static plan, or one weighted draw per level.
import type { ClientApi } from '../../canonical/types.ts';
import type { RequestState } from '../request-state.ts';
import { requestFacts } from '../routing/facts.ts';
import type { RuntimeRoute, RuntimeTarget, TargetLevel } from '../runtime-table.ts';
import { orderLatency, orderLeastBusy, orderWeighted } from '../routing/pick.ts';
import { firstMatch } from '../routing/rules.ts';
import { monitorOf } from '../outlier/monitor.ts';
import type { Plan, RouteRequestFacts, TargetSignals } from '../routing/types.ts';
import type { Job } from './job.ts';

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

/** The plain plan (no signals): one weighted draw per level, the level's others by descending weight, then fallbacks. */
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

export interface PlanInput {
  /** The request's client API: a matched rule's view for it is used. */
  readonly api: ClientApi;
  /** Called at most once, only when the route has rules. */
  readonly facts: () => RouteRequestFacts;
  readonly signals: TargetSignals;
  readonly random: () => number;
}

/** The route a request is planned over: `view` itself, or the view of the first matching rule for the API. */
export function servingRoute(view: RuntimeRoute, input: Pick<PlanInput, 'api' | 'facts'>): { route: RuntimeRoute | null; rule: string | null } {
  const rules = view.rules;
  if (rules === null) return { route: view, rule: null };
  const i = firstMatch(rules, input.facts());
  if (i < 0) return { route: view, rule: null };
  const rule = rules[i];
  if (rule === undefined) return { route: view, rule: null };
  return { route: rule.route.byApi[input.api], rule: rule.name };
}

export function planRequest(view: RuntimeRoute, input: PlanInput): Plan {
  // No rules (the common case): no lookup, no allocation.
  let route: RuntimeRoute | null = view;
  let rule: string | null = null;
  if (view.rules !== null) ({ route, rule } = servingRoute(view, input));
  // A matched rule none of whose targets serves this API: only the route's fallbacks (already limited to the API).
  if (route === null) return withoutEjected({ targets: view.fallback, primaryCount: 0, rule, spilled: false }, input.signals);
  const signals = input.signals;
  if (route.plain && !signals.anyEjected()) {
    if (route.staticResult !== null) return route.staticResult;
    return { targets: planTargets(route, input.random), primaryCount: route.primaryCount, rule, spilled: false };
  }
  return planWithSignals(route, rule, signals, input.random);
}

/** Orders one level's candidates with the route's strategy. */
function orderLevel(route: RuntimeRoute, c: readonly RuntimeTarget[], signals: TargetSignals, random: () => number): RuntimeTarget[] {
  switch (route.strategy) {
    case 'latency':
      return orderLatency(c, signals, random);
    case 'least-busy':
      return orderLeastBusy(c, signals, random);
    default:
      return orderWeighted(c, random);
  }
}

function planWithSignals(route: RuntimeRoute, rule: string | null, signals: TargetSignals, random: () => number): Plan {
  const anyEjected = signals.anyEjected();
  const all = [...route.levels.flatMap((l) => l.targets), ...route.fallback];
  // Panic: when every target and fallback is ejected, none is left out.
  const skipEjected = anyEjected && !all.every((t) => signals.ejected(t));
  const usable = (t: RuntimeTarget): boolean => !skipEjected || !signals.ejected(t);
  let spilledOut: RuntimeTarget[] = [];
  const levels: RuntimeTarget[][] = [];
  let kept = 0;
  for (const level of route.levels) {
    const c: RuntimeTarget[] = [];
    for (const t of level.targets) {
      if (!usable(t)) continue;
      if (t.spillover && signals.saturated(t)) spilledOut.push(t);
      else c.push(t);
    }
    kept += c.length;
    levels.push(c);
  }
  const fallback = route.fallback.filter(usable);
  // Nothing else to send to: the saturated targets are kept (queued at the pool rather than refused), no spill.
  if (spilledOut.length > 0 && kept === 0 && fallback.length === 0) {
    levels.push(spilledOut);
    spilledOut = [];
  }
  const targets: RuntimeTarget[] = [];
  for (const c of levels) if (c.length > 0) targets.push(...orderLevel(route, c, signals, random));
  const primaryCount = targets.length;
  targets.push(...fallback);
  return { targets, primaryCount, rule, spilled: spilledOut.length > 0 };
}

/** A fallback-only plan without its ejected entries (unless all are). */
function withoutEjected(plan: Plan, signals: TargetSignals): Plan {
  if (!signals.anyEjected() || plan.targets.every((t) => signals.ejected(t))) return plan;
  return { ...plan, targets: plan.targets.filter((t) => !signals.ejected(t)) };
}

/** The plan of one request through the gateway; records the matched rule and a spill on the request state. */
export function planFor(st: RequestState, job: Job, view: RuntimeRoute): Plan {
  const core = st.core;
  const plan = planRequest(view, {
    api: job.req.api,
    facts: () => requestFacts(st.res.req.headers, job.req.body, st.principal),
    signals: core.signals,
    random: core.random,
  });
  st.routingRule = plan.rule;
  if (plan.spilled) {
    st.spilled = true;
    monitorOf(core.signals)?.countSpill(view.id, view, plan);
  }
  return plan;
}
