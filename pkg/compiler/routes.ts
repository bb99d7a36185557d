// ModelRoute → TableRoute candidate: bind targets and fallbacks to ready Providers, apply retry defaults,
// timeouts and access rules. Name conflicts between routes are settled afterwards (conflicts.ts).
import { ModelRoute } from '../api/modelroute.ts';
import type { ModelRouteSpec } from '../api/modelroute.ts';
import type { ObjectStatus, TableAccessRule, TableRetry, TableRoute, TableTarget } from '../table/types.ts';
import { durationMs } from '../api/duration.ts';
import { partialTimeouts } from './durations.ts';
import type { InputObject } from './objects.ts';
import type { ProviderState } from './providers.ts';
import { cond, formatIssues, makeStatus, refId, rejected } from './status.ts';
import type { Condition } from './status.ts';

/** A route that passed its own checks and now competes for its model names. */
export interface RouteCandidate {
  readonly obj: InputObject;
  readonly route: TableRoute;
  /** Model plus aliases, without repeats. */
  readonly names: readonly string[];
  readonly accepted: Condition;
  readonly resolvedRefs: Condition;
}

export interface RoutesResult {
  readonly candidates: RouteCandidate[];
  readonly statuses: ObjectStatus[];
}

interface RefIssue {
  readonly reason: string;
  readonly message: string;
}

interface Binding {
  readonly targets: TableTarget[];
  readonly fallback: TableTarget[];
  readonly issues: RefIssue[];
}

const NONE: ReadonlySet<string> = new Set();

export function compileRoutes(
  objs: readonly InputObject[],
  providers: ReadonlyMap<string, ProviderState>,
  principals: ReadonlySet<string>,
  ejected: ReadonlySet<string> = NONE,
): RoutesResult {
  const out: RoutesResult = { candidates: [], statuses: [] };
  for (const obj of objs) {
    const result = compileRoute(obj, providers, principals, ejected);
    if ('route' in result) out.candidates.push(result);
    else out.statuses.push(result);
  }
  return out;
}

function compileRoute(
  obj: InputObject,
  providers: ReadonlyMap<string, ProviderState>,
  principals: ReadonlySet<string>,
  ejected: ReadonlySet<string>,
): RouteCandidate | ObjectStatus {
  const parsed = ModelRoute.safeParse(obj.raw);
  if (!parsed.success) return rejected(obj, 'Invalid', formatIssues(parsed.error.issues));
  const spec = parsed.data.spec;
  const retry = tableRetry(spec);
  const bound = bindTargets(obj.namespace, spec, providers);
  const { binding, note } = withoutEjected(bound, ejected);
  const targetProblems = binding.issues.map((i) => i.message);
  const disabled = spec.targets.filter((t) => t.weight === 0).length;
  if (disabled > 0) targetProblems.push(`${disabled} target(s) have weight 0`);
  const access = tableAccess(obj.namespace, spec, principals, binding.issues);
  const resolvedRefs = refsCondition(binding.issues, spec);
  // Which routes with nothing to send to stay in the table (catalogue C7):
  // - every target has weight 0: a deliberate configuration, so Accepted=False/NoUsableTargets and the route is left
  //   out of the table (clients get 404 model_not_found; its names are free for other routes);
  // - otherwise, an empty binding means every positive-weight target and every fallback was dropped because its
  //   reference did not resolve (ProviderNotFound, ProviderNotAccepted — e.g. a missing Secret —, ModelNotListed;
  //   ejection never empties a route, see withoutEjected). Such a route is a temporary outage, not a bad spec: it is
  //   Accepted=True with ResolvedRefs=False, stays in the table with empty targets and fallback, keeps claiming its
  //   names, and the proxy answers 503 no_healthy_upstream with Retry-After until a reference resolves.
  if (spec.targets.every((t) => t.weight === 0)) {
    return makeStatus(obj, [cond('Accepted', 'False', 'NoUsableTargets', 'all targets have weight 0; give at least one target a positive weight'), resolvedRefs]);
  }
  const unresolved = binding.targets.length === 0 && binding.fallback.length === 0;
  const names = [...new Set([spec.model, ...(spec.aliases ?? [])])];
  const route: TableRoute = {
    id: refId(obj),
    namespace: obj.namespace,
    name: obj.name,
    model: spec.model,
    aliases: names.slice(1),
    strategy: spec.strategy,
    targets: binding.targets,
    fallback: binding.fallback,
    retry,
    timeouts: partialTimeouts(spec.timeouts),
    access,
  };
  const nobody = access !== null && access.length === 0 ? '; access.allow is empty, so no caller may use it' : '';
  const summary = unresolved
    ? `claims ${names.join(', ')} but no target or fallback resolved (${targetProblems.join('; ')}); requests get 503 no_healthy_upstream until a target resolves${nobody}`
    : `serves ${names.join(', ')} with ${binding.targets.length} target(s) and ${binding.fallback.length} fallback(s)${note}${nobody}`;
  return { obj, route, names, accepted: cond('Accepted', 'True', 'Accepted', summary), resolvedRefs };
}

function bindTargets(namespace: string, spec: ModelRouteSpec, providers: ReadonlyMap<string, ProviderState>): Binding {
  const out: Binding = { targets: [], fallback: [], issues: [] };
  for (const [i, t] of spec.targets.entries()) {
    const bound = bindOne(`targets[${i}]`, namespace, t.provider, t.model ?? spec.model, providers);
    if ('reason' in bound) out.issues.push(bound);
    else if (t.weight > 0) out.targets.push({ ...bound, weight: t.weight, priority: t.priority });
  }
  for (const [i, f] of (spec.fallback ?? []).entries()) {
    const bound = bindOne(`fallback[${i}]`, namespace, f.provider, f.model ?? spec.model, providers);
    if ('reason' in bound) out.issues.push(bound);
    else out.fallback.push({ ...bound, weight: 1, priority: i });
  }
  return out;
}

/** Leaves out ejected targets and fallbacks, unless that would leave none (panic mode: keep them all). */
function withoutEjected(bound: Binding, ejected: ReadonlySet<string>): { binding: Binding; note: string } {
  if (ejected.size === 0) return { binding: bound, note: '' };
  const isEjected = (t: TableTarget): boolean => ejected.has(`${t.provider}|${t.model}`);
  const all = [...bound.targets, ...bound.fallback];
  const out = all.filter(isEjected).length;
  if (out === 0) return { binding: bound, note: '' };
  if (out === all.length) {
    return { binding: bound, note: '; every target is ejected by the health check, so all are kept (panic mode)' };
  }
  return {
    binding: { ...bound, targets: bound.targets.filter((t) => !isEjected(t)), fallback: bound.fallback.filter((t) => !isEjected(t)) },
    note: ` (${out} ejected by the health check)`,
  };
}

function bindOne(
  where: string,
  namespace: string,
  providerName: string,
  model: string,
  providers: ReadonlyMap<string, ProviderState>,
): { provider: string; model: string } | RefIssue {
  const id = `${namespace}/${providerName}`;
  const state = providers.get(id);
  if (state === undefined) {
    return { reason: 'ProviderNotFound', message: `${where}: Provider ${id} not found; create it or fix the name` };
  }
  if (!state.ready) {
    return { reason: 'ProviderNotAccepted', message: `${where}: Provider ${id} is not ready (${state.reason}); see its status` };
  }
  const p = state.provider;
  if (p.modelsListed && !Object.hasOwn(p.models, model)) {
    const listed = Object.keys(p.models);
    const shown = listed.slice(0, 5).join(', ') + (listed.length > 5 ? ', …' : '');
    return { reason: 'ModelNotListed', message: `${where}: model ${model} is not listed by Provider ${id} (it lists ${shown}); add it to the Provider's models or fix the target model` };
  }
  return { provider: id, model };
}

/** Retry policy with defaults (the schema guarantees base <= max). */
function tableRetry(spec: ModelRouteSpec): TableRetry {
  const r = spec.retry;
  const on = new Set<string>(r?.retryOn ?? ['rate-limited', '5xx', 'timeout', 'connect']);
  return {
    attempts: r?.attempts ?? 2,
    baseBackoffMs: durationMs(r?.backoff?.base ?? '100ms'),
    maxBackoffMs: durationMs(r?.backoff?.max ?? '2s'),
    on429: on.has('rate-limited'),
    on5xx: on.has('5xx'),
    onTimeout: on.has('timeout'),
    onConnect: on.has('connect'),
  };
}

/** Access rules with key names turned into principal ids; unknown keys are reported (they still allow nobody). */
function tableAccess(namespace: string, spec: ModelRouteSpec, principals: ReadonlySet<string>, issues: RefIssue[]): TableAccessRule[] | null {
  const allow = spec.access?.allow;
  if (allow === undefined) return null;
  return allow.map((rule, i) => {
    const keys = rule.keys?.map((name) => `${namespace}/${name}`);
    for (const id of keys ?? []) {
      if (!principals.has(id)) {
        issues.push({ reason: 'SecretNotFound', message: `access.allow[${i}].keys: API-key Secret ${id} not found or not accepted` });
      }
    }
    return {
      ...(rule.teams === undefined ? {} : { teams: [...rule.teams] }),
      ...(rule.users === undefined ? {} : { users: [...rule.users] }),
      ...(keys === undefined ? {} : { keys }),
    };
  });
}

function refsCondition(issues: readonly RefIssue[], spec: ModelRouteSpec): Condition {
  const first = issues[0];
  if (first === undefined) {
    const count = spec.targets.length + (spec.fallback?.length ?? 0);
    return cond('ResolvedRefs', 'True', 'ResolvedRefs', `all ${count} provider reference(s) resolved`);
  }
  return cond('ResolvedRefs', 'False', first.reason, issues.map((i) => i.message).join('; '));
}
