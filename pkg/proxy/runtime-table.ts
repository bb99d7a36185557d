// The runtime form of a RoutingTable: everything a request needs, precomputed once at load (design §3, style 4/8).
// Targets are pre-bound to an adapter instance, merged timeouts, per-token prices and header values; principals are
// keyed by key hash with their allowed models as a Set; access rules are compiled into Sets; each route carries one
// view per operation holding only the targets that can serve it (declared capabilities, capabilities.ts).
// Whether requests without a key are served is NOT here: it is the process's auth mode (ADR 0013). Target binding
// (adapters, timeouts, prices, header values) is in target-binder.ts.
import type { AdapterDeps, AdapterFactory, BoundTarget, Operation, ProviderAdapter } from '../providers/types.ts';
import type {
  RoutingTable, TableAccessRule, TablePrincipal, TableRetry, TableRoute, TableStrategy,
  TableUnresolved,
} from '../table/types.ts';
import { compileMatch } from './routing/rules.ts';
import type { CompiledMatch } from './routing/rules.ts';
import type { Plan } from './routing/types.ts';
import { CLIENT_APIS } from '../canonical/types.ts';
import type { ClientApi } from '../canonical/types.ts';
import { OPERATIONS } from './capabilities.ts';
import type { ApiSet, OperationSet } from './capabilities.ts';
import type { TargetHealth, TargetHealthStore } from './target-health.ts';
import type { QuotaLedger } from '../quota/ledger.ts';
import type { QuotaPlan } from '../quota/build.ts';
import type { QuotaStage } from '../quota/stage.ts';
import { headerSafe } from './target-binder.ts';
import type { TargetBinder } from './target-binder.ts';

/** USD per token (the table's prices are per 1M tokens); unset table fields take their documented default. */
export interface TargetPrice {
  readonly input: number;
  readonly output: number;
  /** Default: input. */
  readonly cachedInput: number;
  /** Default: input. */
  readonly cacheWrite: number;
  /** Default: output. */
  readonly reasoning: number;
}

export interface RuntimeTarget {
  readonly bound: BoundTarget;
  readonly adapter: ProviderAdapter;
  readonly providerId: string;
  readonly weight: number;
  readonly priority: number;
  readonly price: TargetPrice | null;
  /** Cooldown state shared across table loads (keyed by provider id + upstream model). */
  readonly health: TargetHealth;
  /** Header-safe values for x-switchyard-provider / x-switchyard-model. */
  readonly providerHeader: string;
  readonly modelHeader: string;
  /** Upstream host for tracing (server.address); never sent to clients. */
  readonly serverAddress: string;
  /** Operations this target can serve (from the model's declared capabilities). */
  readonly ops: OperationSet;
  /** The model's declared capabilities; null = none declared (any operation). */
  readonly capabilities: readonly string[] | null;
  /** How this target serves each client API (native, translated or not at all). */
  readonly apis: ApiSet;
  /** Skipped while its pool is saturated (routing/types.ts TargetSignals.saturated); fallbacks never are. */
  readonly spillover: boolean;
}

/** A conditional-routing rule (pkg/proxy/routing): requests matching it use `route` (its targets, the route's fallbacks). */
export interface RuntimeRule {
  readonly name: string;
  readonly match: CompiledMatch;
  /** The rule's targets and the route's fallbacks, with their own per-operation and per-API views. */
  readonly route: RuntimeRoute;
}

/** Targets of one priority level (weighted strategy: one level holding every target), sorted by weight desc. */
export interface TargetLevel {
  readonly targets: readonly RuntimeTarget[];
  /** cumulative[i] = sum of weights of targets[0..i]. */
  readonly cumulative: readonly number[];
  readonly totalWeight: number;
}

export interface CompiledAccess {
  readonly teams: ReadonlySet<string>;
  readonly users: ReadonlySet<string>;
  readonly keys: ReadonlySet<string>;
  /** JWT principals' groups (ADR 0017). */
  readonly groups: ReadonlySet<string>;
}

/**
 * The per-route stage list (design §3), built at table load. Each slot is null when nothing is configured for the
 * route, so an unconfigured feature costs one null check. Dispatch runs the stages; it knows their interface, not
 * what they enforce. Planned slots, same shape: `cache` (lookup before the upstream call, store after) and
 * `guardrails` (pre-check of the request, post-check of the answer).
 */
export interface RouteStages {
  /** Quota admission (check + reserve) before the upstream call, settlement after (pkg/quota). */
  readonly quota: QuotaStage | null;
}

export interface RuntimeRoute {
  readonly id: string;
  readonly name: string;
  /** Canonical client-facing model of the route. */
  readonly model: string;
  readonly levels: readonly TargetLevel[];
  readonly fallback: readonly RuntimeTarget[];
  /** The whole attempt order when it involves no random choice (one target per level), else null. */
  readonly staticPlan: readonly RuntimeTarget[] | null;
  /** Number of entries of a plan that are primary targets (the rest are fallbacks). */
  readonly primaryCount: number;
  readonly retry: TableRetry;
  /** null = any authenticated caller (and anonymous callers in open mode). */
  readonly access: CompiledAccess | null;
  readonly routeHeader: string;
  /** Why the route has nothing to send to (from the table); null when it has targets or the table predates it. */
  readonly unresolved: TableUnresolved | null;
  /**
   * The route restricted to the targets (and fallbacks) that can serve each operation: the route itself when all
   * can, null when none can (400 unsupported_operation). A route without any target maps to itself.
   */
  readonly byOperation: Readonly<Record<Operation, RuntimeRoute | null>>;
  /** Union of the targets' declared capabilities, for the 400 message. */
  readonly capabilities: readonly string[];
  /**
   * The route restricted to the targets (and fallbacks) that can serve each client API (its operation included):
   * the route itself when all can, null when none can (400 unsupported_operation).
   */
  readonly byApi: Readonly<Record<ClientApi, RuntimeRoute | null>>;
  /** The targets' provider types, sorted, for the 400 message. */
  readonly providerTypes: readonly string[];
  /** Stages run around the upstream call; shared by every view of the route. */
  readonly stages: RouteStages;
  /** How targets are chosen (the rule's strategy on a rule's route). */
  readonly strategy: TableStrategy;
  /** Conditional routing, first match wins; null when the route has none (and on a rule's own route). */
  readonly rules: readonly RuntimeRule[] | null;
  /** Name of the rule this route serves; null on the route itself. */
  readonly ruleName: string | null;
  /**
   * Planning needs no live signal beyond ejection: weighted, priority or cost with no spillover target. Such a route
   * is planned from its levels alone (and `staticResult` when there is no random choice).
   */
  readonly plain: boolean;
  /** `staticPlan` as a Plan, built once (no allocation per request); null when staticPlan is. */
  readonly staticResult: Plan | null;
}

export interface RuntimePrincipal {
  readonly principal: TablePrincipal;
  /** null = all models. */
  readonly models: ReadonlySet<string> | null;
  /** JWT principals only (pkg/identity): the verified token's claims with string, number or boolean values, frozen. */
  readonly claims?: Readonly<Record<string, string>>;
  /** JWT principals only: the groups claim. */
  readonly groups?: ReadonlySet<string>;
}

export interface RuntimeTable {
  readonly version: number;
  readonly hash: string;
  readonly table: RoutingTable;
  /** Client-facing model name (route model or alias) → route. */
  readonly routes: ReadonlyMap<string, RuntimeRoute>;
  /** SHA-256 hex of an API key → principal. */
  readonly principals: ReadonlyMap<string, RuntimePrincipal>;
  /** Epoch seconds of the load, reported as `created` by /v1/models. */
  readonly createdSec: number;
  /** /v1/models bodies per principal id ('' = anonymous), filled lazily; valid for the life of this table. */
  readonly modelListCache: Map<string, string>;
}

export interface BuildDeps {
  readonly adapterFactory: AdapterFactory;
  readonly adapterDeps: AdapterDeps;
  readonly health: TargetHealthStore;
  readonly nowMs: number;
  /** Quota counters that outlive this table (the holder's); a fresh ledger when absent. */
  readonly quotaLedger?: QuotaLedger;
  /**
   * The runtime table in use (ADR 0024): a route whose TableRoute is the same object as in `previous.table`, whose
   * providers are the same objects and whose quotas did not change keeps its RuntimeRoute (and with it its bound
   * targets and adapters). Applied deltas keep unchanged objects identical, so only changed routes are rebuilt.
   */
  readonly previous?: RuntimeTable | null;
}

function hasOwnKeys(o: object): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
}

function levelOf(targets: RuntimeTarget[]): TargetLevel {
  const sorted = targets.length < 2 ? targets : [...targets].sort((a, b) => b.weight - a.weight);
  const cumulative: number[] = [];
  let sum = 0;
  for (const t of sorted) {
    sum += t.weight;
    cumulative.push(sum);
  }
  return { targets: sorted, cumulative, totalWeight: sum };
}

/** Price tier for the cost strategy: USD per input plus output token; unknown prices last. */
function priceKey(t: RuntimeTarget): number {
  return t.price === null ? Infinity : t.price.input + t.price.output;
}

/**
 * Levels tried in order: priority by priority number, cost by price tier (cheapest first); the other strategies
 * one level holding every target (the picker chooses within a level, routing/pick.ts).
 */
function levelsOf(strategy: TableStrategy, targets: RuntimeTarget[]): TargetLevel[] {
  if (targets.length === 0) return [];
  if (strategy !== 'priority' && strategy !== 'cost') return [levelOf(targets)];
  const keyOf = strategy === 'priority' ? (t: RuntimeTarget): number => t.priority : priceKey;
  const byKey = new Map<number, RuntimeTarget[]>();
  for (const t of targets) {
    const k = keyOf(t);
    const list = byKey.get(k);
    if (list === undefined) byKey.set(k, [t]);
    else list.push(t);
  }
  return [...byKey.keys()].sort((a, b) => a - b).map((p) => levelOf(byKey.get(p) ?? []));
}

export function compileAccess(rules: readonly TableAccessRule[] | null): CompiledAccess | null {
  if (rules === null) return null;
  const teams = new Set<string>();
  const users = new Set<string>();
  const keys = new Set<string>();
  const groups = new Set<string>();
  // "Callers matching any listed field are allowed" (pkg/api AccessRule): a union over every rule and field.
  for (const r of rules) {
    for (const t of r.teams ?? []) teams.add(t);
    for (const u of r.users ?? []) users.add(u);
    for (const k of r.keys ?? []) keys.add(k);
    for (const g of r.groups ?? []) groups.add(g);
  }
  return { teams, users, keys, groups };
}

type RouteShared = Omit<
  RuntimeRoute, 'levels' | 'fallback' | 'staticPlan' | 'primaryCount' | 'byOperation' | 'byApi' | 'strategy' | 'ruleName' | 'plain' | 'staticResult'
>;

/** Who a route (or view) serves: the route itself, or one of its rules with that rule's strategy. */
interface Serving {
  readonly strategy: TableStrategy;
  readonly ruleName: string | null;
}

interface MutableRoute extends Omit<RuntimeRoute, 'byOperation' | 'byApi'> {
  byOperation: Record<Operation, RuntimeRoute | null>;
  byApi: Record<ClientApi, RuntimeRoute | null>;
}

function routeOver(serving: Serving, shared: RouteShared, targets: RuntimeTarget[], fallback: RuntimeTarget[]): MutableRoute {
  const { strategy, ruleName } = serving;
  const levels = levelsOf(strategy, targets);
  const plain = (strategy === 'weighted' || strategy === 'priority' || strategy === 'cost') && !targets.some((t) => t.spillover);
  const deterministic = levels.every((l) => l.targets.length === 1) && (plain || targets.length < 2);
  const staticPlan = deterministic ? [...levels.map((l) => l.targets[0] as RuntimeTarget), ...fallback] : null;
  return {
    ...shared,
    strategy,
    ruleName,
    plain: plain || (targets.length < 2 && !targets.some((t) => t.spillover)),
    levels,
    fallback,
    staticPlan,
    staticResult: staticPlan === null ? null : { targets: staticPlan, primaryCount: targets.length, rule: ruleName, spilled: false },
    primaryCount: targets.length,
    byOperation: { chat: null, embeddings: null },
    byApi: { 'openai-chat': null, 'openai-completions': null, 'openai-embeddings': null, 'openai-responses': null, 'anthropic-messages': null },
  };
}

function declaredCapabilities(targets: readonly RuntimeTarget[]): string[] {
  const out = new Set<string>();
  for (const t of targets) for (const c of t.capabilities ?? []) out.add(c);
  return [...out].sort();
}

/** The highest per-token rates of a route's targets: the quota estimate prices a request before a target is chosen. */
function estimatePrice(targets: readonly RuntimeTarget[]): { input: number; output: number } | null {
  let out: { input: number; output: number } | null = null;
  for (const t of targets) {
    const p = t.price;
    if (p === null) continue;
    out = out === null ? { input: p.input, output: p.output } : { input: Math.max(out.input, p.input), output: Math.max(out.output, p.output) };
  }
  return out;
}

/** The runtime form of one route, its targets bound by `binder` (runtime-build.ts builds the table). */
export function buildRoute(route: TableRoute, binder: TargetBinder, quotas: QuotaPlan): RuntimeRoute {
  const own = hasOwnKeys(route.timeouts);
  const targets = route.targets.map((t) => binder.bind(route, t, own));
  const fallback = route.fallback.map((t) => binder.bind(route, t, own));
  const base: RouteShared = {
    id: route.id,
    name: route.name,
    model: route.model,
    retry: route.retry,
    access: compileAccess(route.access),
    routeHeader: headerSafe(route.name),
    unresolved: route.unresolved ?? null,
    capabilities: declaredCapabilities([...targets, ...fallback]),
    providerTypes: [...new Set([...targets, ...fallback].map((t) => t.bound.provider.type))].sort(),
    stages: { quota: quotas.stageFor(route.id, estimatePrice([...targets, ...fallback])) },
    rules: null,
  };
  const rules = (route.rules ?? []).map((r): RuntimeRule => {
    const ruleTargets = r.targets.map((t) => binder.bind(route, t, own));
    const shared = r.unresolved === undefined ? base : { ...base, unresolved: r.unresolved };
    return { name: r.name, match: compileMatch(r.match), route: withViews({ strategy: r.strategy, ruleName: r.name }, shared, ruleTargets, fallback) };
  });
  return withViews({ strategy: route.strategy, ruleName: null }, rules.length === 0 ? base : { ...base, rules }, targets, fallback);
}

/** The route over `targets` and `fallback`, with its per-operation and per-API views. */
function withViews(serving: Serving, shared: RouteShared, targets: RuntimeTarget[], fallback: RuntimeTarget[]): RuntimeRoute {
  const full = routeOver(serving, shared, targets, fallback);
  const empty = targets.length === 0 && fallback.length === 0;
  for (const op of OPERATIONS) {
    if (empty || (targets.every((t) => t.ops[op]) && fallback.every((t) => t.ops[op]))) {
      full.byOperation[op] = full;
      continue;
    }
    const opTargets = targets.filter((t) => t.ops[op]);
    const opFallback = fallback.filter((t) => t.ops[op]);
    if (opTargets.length === 0 && opFallback.length === 0) continue;
    const view = routeOver(serving, shared, opTargets, opFallback);
    view.byOperation = full.byOperation;
    view.byApi = full.byApi;
    full.byOperation[op] = view;
  }
  for (const api of CLIENT_APIS) {
    if (empty || (targets.every((t) => t.apis[api] !== null) && fallback.every((t) => t.apis[api] !== null))) {
      full.byApi[api] = full;
      continue;
    }
    const apiTargets = targets.filter((t) => t.apis[api] !== null);
    const apiFallback = fallback.filter((t) => t.apis[api] !== null);
    if (apiTargets.length === 0 && apiFallback.length === 0) continue;
    const view = routeOver(serving, shared, apiTargets, apiFallback);
    view.byOperation = full.byOperation;
    view.byApi = full.byApi;
    full.byApi[api] = view;
  }
  return full;
}

// The table build (full, or patched from the table in use: ADR 0024) lives in runtime-build.ts.
export { buildRuntimeTable } from './runtime-build.ts';
