// Why a request would go where it goes (issue 11): which rule matches it (and why the others do not), the strategy,
// each candidate with its signals (in flight, latency, ejected, saturated) and the ones skipped, and the order the
// picker prefers right now. Pure: the table, the request's facts and — on a running proxy — a lookup of live
// signals; without signals (offline `switchyard explain`) every target is taken as idle, healthy and unsaturated.
// Used by /debug/explain (pkg/admin/server.ts) and the CLI. Never a secret: object names, numbers and our own text.
import { compileMatch, mismatch } from '../proxy/routing/rules.ts';
import { givenFacts } from '../proxy/routing/facts.ts';
import type { GivenFacts } from '../proxy/routing/facts.ts';
import type { RoutingTable, TableRoute, TableStrategy, TableTarget } from '../table/types.ts';

/** One target's live state on this proxy. */
export interface LiveTargetSignals {
  readonly inFlight: number;
  readonly latencyEwmaMs: number | null;
  readonly ejected: boolean;
  readonly saturated: boolean;
}

/** Live signals by provider id and upstream model; null when the proxy has none for it. */
export type SignalLookup = (provider: string, model: string) => LiveTargetSignals | null;

export interface RoutingCandidate extends LiveTargetSignals {
  readonly provider: string;
  readonly model: string;
  readonly weight: number;
  readonly priority: number;
  /** USD per 1M input + output tokens (the cost strategy's key); null when unknown. */
  readonly pricePer1M: number | null;
  readonly spillover: boolean;
  /** Why the picker leaves it out now: 'ejected', 'saturated' (a spill); null when it is a candidate. */
  readonly skipped: 'ejected' | 'saturated' | null;
}

export interface RuleVerdict {
  readonly name: string;
  readonly matched: boolean;
  /** The first condition that fails; null when it matches (or was not reached after an earlier match). */
  readonly why: string | null;
}

export interface RoutingExplanation {
  /** The strategy in effect (the matched rule's). */
  readonly strategy: TableStrategy;
  /** The rule that matched, null when the route's own targets apply. */
  readonly rule: string | null;
  readonly rules: readonly RuleVerdict[];
  readonly candidates: readonly RoutingCandidate[];
  readonly fallback: readonly RoutingCandidate[];
  /** provider/model in the order the strategy prefers them now (skipped ones left out), then the fallbacks. */
  readonly preferred: readonly string[];
  /** A `spillover` target is skipped because its pool is saturated: requests spill. */
  readonly spills: boolean;
  /** One sentence: why the request goes where it goes. */
  readonly why: string;
}

const IDLE: LiveTargetSignals = { inFlight: 0, latencyEwmaMs: null, ejected: false, saturated: false };

function pricePer1M(t: TableTarget): number | null {
  const p = t.pricing;
  if (p === undefined || (p.input === undefined && p.output === undefined)) return null;
  return (p.input ?? 0) + (p.output ?? 0);
}

function candidates(targets: readonly TableTarget[], lookup: SignalLookup | undefined, panic: boolean): RoutingCandidate[] {
  return targets.map((t) => {
    const s = lookup?.(t.provider, t.model) ?? IDLE;
    const skipped = s.ejected && !panic ? 'ejected' : t.spillover === true && s.saturated ? 'saturated' : null;
    return {
      provider: t.provider, model: t.model, weight: t.weight, priority: t.priority, pricePer1M: pricePer1M(t),
      spillover: t.spillover === true, ...s, skipped,
    };
  });
}

/** The preference order of the strategy over the usable candidates (what the picker favours; weighted draws vary). */
function preferenceOrder(strategy: TableStrategy, c: readonly RoutingCandidate[]): RoutingCandidate[] {
  const byWeight = (a: RoutingCandidate, b: RoutingCandidate): number => b.weight - a.weight;
  const sorted = [...c];
  switch (strategy) {
    case 'priority':
      return sorted.sort((a, b) => a.priority - b.priority || byWeight(a, b));
    case 'cost':
      return sorted.sort((a, b) => (a.pricePer1M ?? Infinity) - (b.pricePer1M ?? Infinity) || byWeight(a, b));
    case 'least-busy':
      return sorted.sort((a, b) => a.inFlight - b.inFlight || byWeight(a, b));
    case 'latency': {
      const known = Math.min(...c.map((x) => x.latencyEwmaMs ?? Infinity));
      const base = Number.isFinite(known) ? known : 1;
      const cost = (x: RoutingCandidate): number => (x.latencyEwmaMs ?? base) * (x.inFlight + 1);
      return sorted.sort((a, b) => cost(a) - cost(b) || byWeight(a, b));
    }
    default:
      return sorted.sort(byWeight);
  }
}

const HOW: Readonly<Record<TableStrategy, string>> = {
  weighted: 'one target at random in proportion to weight, the others as failover',
  priority: 'the lowest priority number first (weighted within a level)',
  cost: 'the cheapest price tier first (weighted within a tier, unknown prices last)',
  'least-busy': 'the fewest requests in flight on this proxy (ties by weight)',
  latency: 'the lower peak-EWMA latency × (in flight + 1) of two targets drawn by weight',
};

const key = (c: RoutingCandidate): string => `${c.provider}/${c.model}`;

/** Key names without a namespace are taken in the route's namespace, as the compiler does. */
function normalised(facts: GivenFacts, namespace: string): GivenFacts {
  if (facts.key === undefined || facts.key.includes('/')) return facts;
  return { ...facts, key: `${namespace}/${facts.key}` };
}

export function explainRouting(_table: RoutingTable, route: TableRoute, facts: GivenFacts = {}, lookup?: SignalLookup): RoutingExplanation {
  const f = givenFacts(normalised(facts, route.namespace));
  const rules: RuleVerdict[] = [];
  let matched: { name: string; strategy: TableStrategy; targets: readonly TableTarget[] } | null = null;
  for (const r of route.rules ?? []) {
    if (matched !== null) {
      rules.push({ name: r.name, matched: false, why: `not reached: rule ${matched.name} matched first` });
      continue;
    }
    const why = mismatch(compileMatch(r.match), f);
    rules.push({ name: r.name, matched: why === null, why });
    if (why === null) matched = { name: r.name, strategy: r.strategy, targets: r.targets };
  }
  const strategy = matched?.strategy ?? route.strategy;
  const targets = matched?.targets ?? route.targets;
  const all = [...targets, ...route.fallback].map((t) => lookup?.(t.provider, t.model) ?? IDLE);
  const panic = all.length > 0 && all.every((s) => s.ejected);
  const cands = candidates(targets, lookup, panic);
  const fallback = candidates(route.fallback, lookup, panic).map((c) => (c.skipped === 'saturated' ? { ...c, skipped: null } : c));
  let usable = cands.filter((c) => c.skipped === null);
  const usableFallback = fallback.filter((c) => c.skipped === null);
  let spills = cands.some((c) => c.skipped === 'saturated');
  if (spills && usable.length === 0 && usableFallback.length === 0) {
    usable = cands.filter((c) => c.skipped === 'saturated');
    spills = false;
  }
  const preferred = [...preferenceOrder(strategy, usable).map(key), ...usableFallback.map(key)];
  const parts = [matched === null ? (rules.length > 0 ? 'no rule matches, so the route\'s targets apply' : 'the route\'s targets apply') : `rule ${matched.name} matches`];
  parts.push(`strategy ${strategy}: ${HOW[strategy]}`);
  const ejected = cands.filter((c) => c.skipped === 'ejected').map(key);
  if (ejected.length > 0) parts.push(`skipped as ejected: ${ejected.join(', ')}`);
  if (panic) parts.push('every target and fallback is ejected, so none is skipped (panic)');
  if (spills) parts.push(`spilling: ${cands.filter((c) => c.skipped === 'saturated').map(key).join(', ')} saturated`);
  parts.push(preferred.length > 0 ? `preferred now: ${preferred[0]}` : 'nothing to send to');
  return { strategy, rule: matched?.name ?? null, rules, candidates: cands, fallback, preferred, spills, why: `${parts.join('; ')}.` };
}
