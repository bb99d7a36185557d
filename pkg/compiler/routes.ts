// ModelRoute → TableRoute candidate: bind targets and fallbacks to ready Providers (route-refs.ts), apply retry
// defaults, timeouts and access rules; a rejected edit falls back to the last accepted version (last-good.ts).
// Name conflicts between routes are settled afterwards (conflicts.ts).
import { Reason } from '../api/conditions.ts';
import { ModelRoute } from '../api/modelroute.ts';
import type { ModelRouteSpec } from '../api/modelroute.ts';
import type { ObjectStatus, TableAccessRule, TableMatch, TableRetry, TableRoute, TableRule, TableTarget } from '../table/types.ts';
import { durationMs } from '../api/duration.ts';
import { partialTimeouts } from './durations.ts';
import { keptMessage, previousVersion, rejection } from './last-good.ts';
import type { LastGood, PreviousVersion } from './last-good.ts';
import type { InputObject } from './objects.ts';
import { inputKey } from './objects.ts';
import { identical, lastGoodIsSelf, recording, sameReads, sameVersion, versionOf } from './memo.ts';
import type { RouteMemoEntry } from './memo.ts';
import type { ProviderState } from './providers.ts';
import { bindTargetList, bindTargets, capabilityIssue, clientApiCheck, refsCondition, unresolvedOf } from './route-refs.ts';
import type { Binding, RefIssue } from './route-refs.ts';
import { cond, formatIssues, makeStatus, refId, rejected } from './status.ts';
import type { Condition } from './status.ts';

/** A route that passed its own checks and now competes for its model names. */
export interface RouteCandidate {
  /** Current identity (status, precedence); `obj.raw` is the version compiled (the last accepted one when stale). */
  readonly obj: InputObject;
  readonly route: TableRoute;
  /** Model plus aliases, without repeats. */
  readonly names: readonly string[];
  readonly accepted: Condition;
  readonly resolvedRefs: Condition;
  /** Set when this candidate is the last accepted version serving in place of a rejected current one. */
  readonly stale?: { readonly prev: PreviousVersion; readonly rejection: Condition };
  /** The last accepted version (a different spec), tried when this one loses a model-name conflict. */
  readonly alternate?: { readonly prev: PreviousVersion; readonly candidate: RouteCandidate };
}

export interface RoutesResult {
  readonly candidates: RouteCandidate[];
  readonly statuses: ObjectStatus[];
  /** Routes compiled (or reused) this time that a later compile may reuse (memo.ts). */
  readonly memo: Map<string, RouteMemoEntry>;
}

const NONE: ReadonlySet<string> = new Set();

interface RouteInputs {
  readonly providers: ReadonlyMap<string, ProviderState>;
  readonly principals: ReadonlySet<string>;
  readonly ejected: ReadonlySet<string>;
}

export function compileRoutes(
  objs: readonly InputObject[],
  providers: ReadonlyMap<string, ProviderState>,
  principals: ReadonlySet<string>,
  ejected: ReadonlySet<string> = NONE,
  previous?: LastGood,
  memo?: ReadonlyMap<string, RouteMemoEntry>,
  /** The inputs every route depends on besides its Providers (principals, ejected targets), as one string. */
  context = '',
): RoutesResult {
  const out: RoutesResult = { candidates: [], statuses: [], memo: new Map() };
  const inputs: RouteInputs = { providers, principals, ejected };
  for (const obj of objs) {
    const version = versionOf(obj.raw);
    const key = version === null ? '' : inputKey(obj);
    if (version === null || !lastGoodIsSelf(key, obj.raw, previous)) {
      const result = withLastGood(obj, inputs, previous);
      if ('route' in result) out.candidates.push(result);
      else out.statuses.push(result);
      continue;
    }
    const e = memo?.get(key);
    if (e !== undefined && e.createdAt === obj.createdAt && e.context === context && sameVersion(e.raw, obj.raw) && sameReads(e.providers, providers, identical)) {
      if (e.candidate.obj === obj) {
        out.candidates.push(e.candidate);
        out.memo.set(key, e);
      } else {
        const candidate = { ...e.candidate, obj };
        out.candidates.push(candidate);
        out.memo.set(key, { ...e, raw: obj.raw, candidate });
      }
      continue;
    }
    const reads = new Map<string, ProviderState | undefined>();
    const result = withLastGood(obj, { ...inputs, providers: recording(providers, reads) }, previous);
    if (!('route' in result)) {
      out.statuses.push(result);
      continue;
    }
    out.candidates.push(result);
    if (result.stale === undefined && result.alternate === undefined) {
      out.memo.set(key, { raw: obj.raw, createdAt: obj.createdAt, context, providers: [...reads], candidate: result });
    }
  }
  return out;
}

/**
 * Rejected for its own content (not NoUsableTargets, a deliberate shutdown) with an accepted previous version: that
 * version competes in its place. Accepted with a changed spec: the previous version rides along as the alternate
 * to fall back on if the edit loses a model-name conflict (conflicts.ts).
 */
function withLastGood(obj: InputObject, inputs: RouteInputs, previous: LastGood | undefined): RouteCandidate | ObjectStatus {
  const now = compileRoute(obj, inputs);
  const prev = previousVersion(obj, previous);
  if (prev === undefined || prev.sameSpec) return now;
  const old = compileRoute(prev.obj, inputs);
  if (!('route' in old)) return now;
  if ('route' in now) return { ...now, alternate: { prev, candidate: old } };
  const refused = rejection(now.conditions);
  if (refused === undefined || refused.reason === Reason.NoUsableTargets) return now;
  const accepted = cond('Accepted', 'False', refused.reason, keptMessage(refused.message, prev));
  return { ...old, accepted, stale: { prev, rejection: refused } };
}

function compileRoute(obj: InputObject, inputs: RouteInputs): RouteCandidate | ObjectStatus {
  const parsed = ModelRoute.safeParse(obj.raw);
  if (!parsed.success) return rejected(obj, Reason.Invalid, formatIssues(parsed.error.issues));
  const spec = parsed.data.spec;
  const retry = tableRetry(spec);
  const bound = bindTargets(obj.namespace, spec, inputs.providers);
  const { binding, note } = withoutEjected(bound, inputs.ejected);
  const targetProblems = binding.issues.map((i) => i.message);
  const disabled = spec.targets.filter((t) => t.weight === 0).length;
  if (disabled > 0) targetProblems.push(`${disabled} target(s) have weight 0`);
  const unresolvedIssues = [...binding.issues];
  const access = tableAccess(obj.namespace, spec, inputs.principals, binding.issues);
  const capability = capabilityIssue(bound, inputs.providers);
  const apiCheck = clientApiCheck(bound, inputs.providers);
  const extra = [capability, apiCheck.issue].filter((i) => i !== null);
  const ruleIssues: RefIssue[] = [];
  const rules = tableRules(`${obj.namespace}/${obj.name}`, obj.namespace, spec, inputs, ruleIssues, binding.fallback.length > 0);
  const resolvedRefs = refsCondition([...binding.issues, ...ruleIssues, ...extra], spec);
  // Which routes with nothing to send to stay in the table (catalogue C7, ADR 0006 and 0011):
  // - every target has weight 0: a deliberate configuration, so Accepted=False/NoUsableTargets and the route is left
  //   out of the table (clients get 404 model_not_found; its names are free for other routes);
  // - otherwise, an empty binding means every positive-weight target and every fallback was dropped because its
  //   reference did not resolve (ejection never empties a route, see withoutEjected). The route is Accepted=True with
  //   ResolvedRefs=False, stays in the table with empty targets and fallback, keeps claiming its names, and carries
  //   `unresolved`: retryable (503 + Retry-After) only while it waits for a Secret; otherwise (Provider missing or
  //   rejected, model not listed) a configuration error the proxy answers with 500 route_misconfigured.
  if (spec.targets.every((t) => t.weight === 0)) {
    return makeStatus(obj, [cond('Accepted', 'False', Reason.NoUsableTargets, 'all targets have weight 0; give at least one target a positive weight'), resolvedRefs]);
  }
  const id = refId(obj);
  const unresolved = binding.targets.length === 0 && binding.fallback.length === 0 ? unresolvedOf(id, unresolvedIssues) : undefined;
  const names = [...new Set([spec.model, ...(spec.aliases ?? [])])];
  const route: TableRoute = {
    id,
    namespace: obj.namespace,
    name: obj.name,
    model: spec.model,
    aliases: names.slice(1),
    strategy: spec.strategy,
    ...(rules === undefined ? {} : { rules }),
    targets: binding.targets,
    fallback: binding.fallback,
    clientApis: apiCheck.apis,
    retry,
    timeouts: partialTimeouts(spec.timeouts),
    access,
    ...(unresolved === undefined ? {} : { unresolved }),
  };
  const nobody = access !== null && access.length === 0 ? '; access.allow is empty, so no caller may use it' : '';
  const answer = unresolved?.retryable === true
    ? 'requests get 503 no_healthy_upstream with Retry-After until a Secret resolves'
    : 'requests get 500 route_misconfigured until the configuration is fixed';
  const summary = unresolved !== undefined
    ? `claims ${names.join(', ')} but no target or fallback resolved (${targetProblems.join('; ')}); ${answer}${nobody}`
    : `serves ${names.join(', ')} with ${binding.targets.length} target(s)${rulesNote(rules)} and ${binding.fallback.length} fallback(s)${note}${nobody}`;
  return { obj, route, names, accepted: cond('Accepted', 'True', 'Accepted', summary), resolvedRefs };
}

function rulesNote(rules: readonly TableRule[] | undefined): string {
  return rules === undefined ? '' : `, ${rules.length} rule(s)`;
}

/**
 * The route's rules with their targets bound like the route's (ejected ones left out unless all are) and match keys
 * turned into principal ids. A rule whose targets all fail to resolve stays (matching requests get the fallbacks, or
 * an error), so a request meant for a rule never silently reaches the default targets; the issue shows in
 * ResolvedRefs. With no fallback either, the rule carries `unresolved` like a route: 500 route_misconfigured for a
 * configuration error, 503 only while it waits for a Secret (design §7, ADR 0011).
 */
function tableRules(
  routeId: string, namespace: string, spec: ModelRouteSpec, inputs: RouteInputs, issues: RefIssue[], hasFallback: boolean,
): TableRule[] | undefined {
  if (spec.rules === undefined || spec.rules.length === 0) return undefined;
  return spec.rules.map((rule, i) => {
    const own: RefIssue[] = [];
    const bound = bindTargetList(`rules[${i}].targets`, namespace, spec.model, rule.targets, inputs.providers, own, false);
    issues.push(...own);
    const { binding } = withoutEjected({ targets: bound, fallback: [], issues: [] }, inputs.ejected);
    const m = rule.match;
    const keys = m.keys?.map((name) => `${namespace}/${name}`);
    for (const id of keys ?? []) {
      if (!inputs.principals.has(id)) {
        issues.push({ reason: 'SecretNotFound', message: `rules[${i}].match.keys: API-key Secret ${id} not found or not accepted` });
      }
    }
    const match: TableMatch = {
      ...(m.headers === undefined ? {} : { headers: { ...m.headers } }),
      ...(m.metadata === undefined ? {} : { metadata: { ...m.metadata } }),
      ...(keys === undefined ? {} : { keys }),
      ...(m.teams === undefined ? {} : { teams: [...m.teams] }),
      ...(m.claims === undefined ? {} : { claims: { ...m.claims } }),
    };
    const unresolved = binding.targets.length === 0 && !hasFallback ? unresolvedOf(`${routeId} (rule ${rule.name})`, own) : undefined;
    return { name: rule.name, match, strategy: rule.strategy ?? spec.strategy, targets: binding.targets, ...(unresolved === undefined ? {} : { unresolved }) };
  });
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
      ...(rule.groups === undefined ? {} : { groups: [...rule.groups] }),
    };
  });
}
