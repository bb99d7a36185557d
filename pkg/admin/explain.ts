// How a routing table would serve a model name — the route, its strategy, each target's share of traffic and
// effective timeouts, the fallback chain, retries, who may call it and the quotas that count its requests; for one
// caller (a key, a team, a user) also whether it may call and which quotas count it. One function, two front ends:
// /debug/explain?model=…[&key=|&team=&user=] on the admin port and the offline `switchyard explain`. Never a secret.
import { compileAccess } from '../proxy/runtime-table.ts';
import { mayUse } from '../proxy/auth.ts';
import type { RuntimePrincipal } from '../proxy/runtime-table.ts';
import { subjectOf } from '../quota/stage.ts';
import type {
  RoutingTable, TableAccessRule, TablePrincipal, TableQuota, TableQuotaLimit, TableRoute, TableTarget, TableTimeouts, TableUnresolved,
} from '../table/types.ts';
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
  /** Why the route has nothing to send to (it then answers 500 or 503); null when it has targets. */
  readonly unresolved: TableUnresolved | null;
  readonly retry: TableRoute['retry'];
  readonly access: { readonly summary: string; readonly allow: readonly TableAccessRule[] | null };
  /** Every quota that counts requests to this route (no model scope, or a scoped model resolving to it). */
  readonly quotas: readonly ExplainedQuota[];
  /** Present when a caller was given: whether it may call the route, and why. */
  readonly caller?: CallerVerdict;
  readonly table: { readonly version: number; readonly hash: string };
}

/** A caller to explain for: an API key by its Secret ("namespace/name", or a name), or a team and/or a user. */
export interface ExplainCaller {
  readonly key?: string;
  readonly team?: string;
  readonly user?: string;
}

export interface CallerVerdict {
  /** Principal id ("namespace/name" of the API-key Secret); null for a team or user given alone. */
  readonly key: string | null;
  readonly team: string | null;
  readonly user: string | null;
  /** The key is in the table, so its team, user and allowed models come from its Secret. */
  readonly keyKnown: boolean;
  /** The key's allowed models; null = all (or not known). */
  readonly models: readonly string[] | null;
  readonly allowed: boolean;
  readonly reason: string;
}

export interface ExplainedQuota {
  readonly id: string;
  readonly subject: TableQuota['subject'];
  /** The quota's model scope as written (client names); null = every model. */
  readonly models: readonly string[] | null;
  readonly limits: readonly TableQuotaLimit[];
  readonly action: TableQuota['action'];
  readonly shadow: boolean;
  readonly timeZone: string;
  /** Whether it counts the caller's requests; null when no caller was given (or the caller has no user for each-user). */
  readonly appliesToCaller: boolean | null;
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

/** Quotas counting requests to `route` — the same cover rule as pkg/quota/build.ts QuotaPlan. */
function coveringQuotas(table: RoutingTable, route: TableRoute): TableQuota[] {
  return table.quotas.filter((q) => q.models === null || q.models.some((m) => Object.hasOwn(table.models, m) && table.models[m] === route.id));
}

/** The key's principal: by id, or by name when `key` has no namespace and exactly one key of that name exists. */
function findPrincipal(table: RoutingTable, key: string): TablePrincipal | null {
  const all = Object.values(table.keys);
  const byId = all.find((p) => p.id === key);
  if (byId !== undefined) return byId;
  if (key.includes('/')) return null;
  const byName = all.filter((p) => p.name === key);
  return byName.length === 1 ? (byName[0] ?? null) : null;
}

interface ResolvedCaller {
  readonly principal: RuntimePrincipal;
  readonly keyKnown: boolean;
}

function resolveCaller(table: RoutingTable, caller: ExplainCaller): ResolvedCaller {
  if (caller.key !== undefined) {
    const found = findPrincipal(table, caller.key);
    if (found !== null) return { principal: { principal: found, models: found.models === null ? null : new Set(found.models) }, keyKnown: true };
    const id = caller.key.includes('/') ? caller.key : `default/${caller.key}`;
    const [namespace = 'default', name = ''] = id.split('/');
    return { principal: { principal: { id, namespace, name, models: null, expiresAt: null }, models: null }, keyKnown: false };
  }
  const p: TablePrincipal = {
    id: '', namespace: '', name: '', models: null, expiresAt: null,
    ...(caller.team === undefined ? {} : { team: caller.team }),
    ...(caller.user === undefined ? {} : { user: caller.user }),
  };
  return { principal: { principal: p, models: null }, keyKnown: false };
}

function who(p: TablePrincipal): string {
  const parts = [p.id === '' ? null : `key ${p.id}`, p.team === undefined ? null : `team ${p.team}`, p.user === undefined ? null : `user ${p.user}`];
  return parts.filter((x) => x !== null).join(', ') || 'this caller';
}

/** Whether the caller may use the route under `requested` (pkg/proxy/auth.ts mayUse, the data plane's check), and why. */
function verdict(table: RoutingTable, route: TableRoute, requested: string, resolved: ResolvedCaller): CallerVerdict {
  const rp = resolved.principal;
  const p = rp.principal;
  const runtimeRoute = { model: route.model, access: compileAccess(route.access) };
  const allowed = mayUse(rp, requested, runtimeRoute);
  let reason: string;
  if (allowed) {
    reason = route.access === null ? 'the route has no access rules: any valid API key may call it' : `an allow rule matches ${who(p)}`;
    if (p.models !== null) reason += `, and the key's allowed models include ${requested}`;
  } else if (!mayUse({ ...rp, models: null }, requested, runtimeRoute)) {
    reason = `no allow rule matches ${who(p)}`;
  } else {
    reason = `the key's allowed models (${(p.models ?? []).join(', ')}) do not include ${requested === route.model ? requested : `both ${requested} and ${route.model}`}`;
  }
  if (p.id !== '' && !resolved.keyKnown) reason += '; the key\'s Secret is not in the set, so its team, user and allowed models are unknown';
  if (Object.keys(table.keys).length === 0 && p.id !== '') reason += '; the table holds no API keys';
  return {
    key: p.id === '' ? null : p.id,
    team: p.team ?? null,
    user: p.user ?? null,
    keyKnown: resolved.keyKnown,
    models: p.models,
    allowed,
    reason,
  };
}

function explainQuota(q: TableQuota, resolved: ResolvedCaller | null): ExplainedQuota {
  let applies: boolean | null = null;
  if (resolved !== null) {
    const p = resolved.principal.principal;
    const counted = subjectOf(q, { keyId: p.id === '' ? null : p.id, team: p.team, user: p.user }) !== null;
    // A field the caller description leaves open makes the answer "it depends" (null): the key of a team given alone,
    // the team and user of a key whose Secret is not in the set, a JWT claim (API keys carry none).
    const k = q.subject.kind;
    const known = resolved.keyKnown
      || (k === 'key' && p.id !== '')
      || (k === 'team' && p.team !== undefined)
      || ((k === 'user' || k === 'each-user') && p.user !== undefined);
    applies = known ? counted : null;
  }
  return {
    id: q.id,
    subject: q.subject,
    models: q.models,
    limits: q.limits,
    action: q.action,
    shadow: q.shadow,
    timeZone: q.timeZone,
    appliesToCaller: applies,
  };
}

/** null when the model name is not served by the table. `caller`: also say whether that caller may call, and which quotas count it. */
export function explainModel(table: RoutingTable, model: string, mode: AuthMode | null, caller?: ExplainCaller): Explanation | null {
  if (!Object.hasOwn(table.models, model)) return null;
  const routeId = table.models[model];
  const route = table.routes.find((r) => r.id === routeId);
  if (route === undefined) return null;
  const s = shares(route);
  const resolved = caller === undefined ? null : resolveCaller(table, caller);
  return {
    model,
    matchedBy: route.model === model ? 'model' : 'alias',
    route: { id: route.id, model: route.model, aliases: route.aliases },
    strategy: route.strategy,
    selection: selectionText(route),
    targets: route.targets.map((t, i) => explainTarget(table, route, t, s[i] ?? 0)),
    fallback: route.fallback.map((t) => explainTarget(table, route, t, 0)),
    unresolved: route.unresolved ?? null,
    retry: route.retry,
    access: { summary: accessSummary(table, route, mode), allow: route.access },
    quotas: coveringQuotas(table, route).map((q) => explainQuota(q, resolved)),
    ...(resolved === null ? {} : { caller: verdict(table, route, model, resolved) }),
    table: { version: table.version, hash: table.hash },
  };
}
