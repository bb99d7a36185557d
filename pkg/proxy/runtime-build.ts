// Building the runtime table (runtime-table.ts) from a RoutingTable, in proportion to what changed (ADR 0024).
// A table that shares its providers record and its quota plan with the table in use — what an applied delta of
// routes, models or keys gives, since applying keeps every unchanged object and record as the same JS object — is
// PATCHED: the previous table's maps are copied and only the routes whose TableRoute is not the same object are
// built (their model names replaced in the name map), keys re-read only when the keys record is another object.
// Anything else (a snapshot, a changed or removed provider, a quota change) is a FULL build, which still reuses a
// route whose TableRoute and providers are the same objects. Both give the same runtime table (property test).
// Each build also records which route entries it added and which of the previous table's it dropped, with the
// target-health entries they reference, so the holder keeps target health by reference count (no walk of the table).
import type { RoutingTable, TablePrincipal, TableRoute } from '../table/types.ts';
import { QuotaLedger } from '../quota/ledger.ts';
import { QuotaPlan } from '../quota/build.ts';
import { buildRoute } from './runtime-table.ts';
import type { BuildDeps, RuntimePrincipal, RuntimeRoute, RuntimeTable } from './runtime-table.ts';
import { TargetBinder } from './target-binder.ts';
import type { ProviderBinding } from './target-binder.ts';
import type { TargetHealth } from './target-health.ts';

/** One route of a built table: its data, its runtime form, the providers it references and their health entries. */
export interface RouteEntry {
  readonly route: TableRoute;
  readonly runtime: RuntimeRoute;
  readonly providers: readonly string[];
  /** The distinct target-health entries of the route (its rules' targets and fallbacks included). */
  readonly health: readonly TargetHealth[];
}

/** What a later build reuses from this one, and what this build changed against the previous one. */
interface BuildMemo {
  readonly providers: ReadonlyMap<string, ProviderBinding>;
  /** One entry per route, in table.routes order (a patch copies the array and replaces what changed). */
  readonly routes: readonly RouteEntry[];
  /** Route id → the model names (table.models) that map to it. */
  readonly names: ReadonlyMap<string, readonly string[]>;
  /** Provider id → number of routes referencing it (a provider nothing references has no binding). */
  readonly users: ReadonlyMap<string, number>;
  /** No two routes share an id (else a later build is a full one, which settles which of them a name maps to). */
  readonly unique: boolean;
  readonly added: readonly RouteEntry[];
  readonly dropped: readonly RouteEntry[];
}

const memos = new WeakMap<RuntimeTable, BuildMemo>();

/** Route entries `rt`'s build added and those of the table before it that it dropped (for target health). */
export function routeChanges(rt: RuntimeTable): { readonly added: readonly RouteEntry[]; readonly dropped: readonly RouteEntry[] } {
  const memo = memos.get(rt);
  return memo === undefined ? { added: [], dropped: [] } : { added: memo.added, dropped: memo.dropped };
}

/** Whether `rt` was patched from the previous table (for tests and the benchmark). */
export function wasPatched(rt: RuntimeTable): boolean {
  return patched.has(rt);
}
const patched = new WeakSet<RuntimeTable>();

function providerIds(route: TableRoute): string[] {
  const ids = new Set<string>();
  for (const t of route.targets) ids.add(t.provider);
  for (const t of route.fallback) ids.add(t.provider);
  for (const r of route.rules ?? []) for (const t of r.targets) ids.add(t.provider);
  return [...ids];
}

function healthOf(rr: RuntimeRoute): TargetHealth[] {
  const out: TargetHealth[] = [];
  const add = (h: TargetHealth): void => {
    if (!out.includes(h)) out.push(h);
  };
  for (const level of rr.levels) for (const t of level.targets) add(t.health);
  for (const t of rr.fallback) add(t.health);
  for (const rule of rr.rules ?? []) for (const level of rule.route.levels) for (const t of level.targets) add(t.health);
  return out;
}

function entryOf(route: TableRoute, binder: TargetBinder, quotas: QuotaPlan): RouteEntry {
  const runtime = buildRoute(route, binder, quotas);
  return { route, runtime, providers: providerIds(route), health: healthOf(runtime) };
}

/** Route ids a scoped quota covers under `models`. */
function coveredRoutes(q: RoutingTable['quotas'][number], models: Readonly<Record<string, string>>): string {
  const ids = new Set<string>();
  for (const m of q.models ?? []) {
    const r = Object.hasOwn(models, m) ? models[m] : undefined;
    if (r !== undefined) ids.add(r);
  }
  return [...ids].sort().join('\n');
}

/** Every route's quota stage would be the same: the same quota objects, each covering the same routes. */
function sameQuotaPlan(prev: RoutingTable, next: RoutingTable): boolean {
  if (prev.quotas.length !== next.quotas.length) return false;
  for (let i = 0; i < next.quotas.length; i++) {
    const q = next.quotas[i];
    if (q === undefined || q !== prev.quotas[i]) return false;
    if (q.models !== null && prev.models !== next.models && coveredRoutes(q, prev.models) !== coveredRoutes(q, next.models)) return false;
  }
  return true;
}

/** Model name → runtime route, and route id → names; throws on a model naming an unknown route. */
function routesFrom(
  models: Readonly<Record<string, string>>, entries: readonly RouteEntry[],
): { routes: Map<string, RuntimeRoute>; names: Map<string, string[]>; unique: boolean } {
  const byId = new Map<string, RouteEntry>();
  for (const e of entries) byId.set(e.route.id, e);
  const routes = new Map<string, RuntimeRoute>();
  const names = new Map<string, string[]>();
  for (const [name, routeId] of Object.entries(models)) {
    const e = byId.get(routeId);
    if (e === undefined) throw new Error(`model ${name}: unknown route ${routeId}`);
    routes.set(name, e.runtime);
    const list = names.get(routeId);
    if (list === undefined) names.set(routeId, [name]);
    else list.push(name);
  }
  return { routes, names, unique: byId.size === entries.length };
}

/** Principals by key hash; a principal that is the same object as in `previous` keeps its runtime form. */
function principalsFrom(keys: Readonly<Record<string, TablePrincipal>>, previous: ReadonlyMap<string, RuntimePrincipal> | null): Map<string, RuntimePrincipal> {
  const principals = new Map<string, RuntimePrincipal>();
  for (const [hash, principal] of Object.entries(keys)) {
    const old = previous?.get(hash);
    if (old !== undefined && old.principal === principal) {
      principals.set(hash, old);
      continue;
    }
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`principal ${principal.id}: key hash is not SHA-256 hex`);
    principals.set(hash, { principal, models: principal.models === null ? null : new Set(principal.models) });
  }
  return principals;
}

function countUsers(users: Map<string, number>, ids: readonly string[], by: number): void {
  for (const id of ids) {
    const n = (users.get(id) ?? 0) + by;
    if (n === 0) users.delete(id);
    else users.set(id, n);
  }
}

function finish(table: RoutingTable, deps: BuildDeps, parts: Omit<RuntimeTable, 'version' | 'hash' | 'table' | 'createdSec' | 'modelListCache'>, memo: BuildMemo): RuntimeTable {
  const out: RuntimeTable = {
    version: table.version,
    hash: table.hash,
    table,
    routes: parts.routes,
    principals: parts.principals,
    createdSec: Math.floor(deps.nowMs / 1000),
    modelListCache: new Map(),
  };
  memos.set(out, memo);
  return out;
}

/**
 * The new entry list with every route that is not the same TableRoute object as before marked for a build (null),
 * and the previous entries no longer present; null when routes repeat an id (a full build decides).
 */
function alignRoutes(
  prev: readonly TableRoute[], next: readonly TableRoute[], memo: BuildMemo,
): { slots: (RouteEntry | null)[]; removed: RouteEntry[]; byId: ReadonlyMap<string, RouteEntry> | null } | null {
  const old = memo.routes;
  if (prev.length === next.length && old.length === next.length) {
    const slots: (RouteEntry | null)[] = old.slice();
    let aligned = true;
    for (let i = 0; i < next.length; i++) {
      const n = next[i] as TableRoute;
      const p = prev[i] as TableRoute;
      if (n === p) continue;
      if (n.id !== p.id) {
        aligned = false;
        break;
      }
      slots[i] = null;
    }
    if (aligned) return { slots, removed: [], byId: null };
  }
  const byId = new Map<string, RouteEntry>();
  for (const e of old) byId.set(e.route.id, e);
  const slots: (RouteEntry | null)[] = [];
  const ids = new Set<string>();
  for (const n of next) {
    if (ids.has(n.id)) return null;
    ids.add(n.id);
    const e = byId.get(n.id);
    slots.push(e !== undefined && e.route === n ? e : null);
  }
  return { slots, removed: old.filter((e) => !ids.has(e.route.id)), byId };
}

/** The patched table, or null when `table` does not qualify (a full build follows). */
function patch(table: RoutingTable, deps: BuildDeps, previous: RuntimeTable, memo: BuildMemo): RuntimeTable | null {
  const ledger = deps.quotaLedger;
  if (ledger === undefined || !memo.unique || table.providers !== previous.table.providers || !sameQuotaPlan(previous.table, table)) return null;
  const diff = alignRoutes(previous.table.routes, table.routes, memo);
  if (diff === null) return null;
  const binder = new TargetBinder(table, deps, memo.providers);
  const quotas = new QuotaPlan(table.quotas, table.models, ledger);
  const { slots, removed, byId } = diff;
  const users = new Map(memo.users);
  const added: RouteEntry[] = [];
  const dropped: RouteEntry[] = [];
  let membership = removed.length > 0;
  for (const old of removed) {
    dropped.push(old);
    countUsers(users, old.providers, -1);
  }
  for (let i = 0; i < slots.length; i++) {
    if (slots[i] !== null) continue;
    const route = table.routes[i] as TableRoute;
    const e = entryOf(route, binder, quotas);
    slots[i] = e;
    added.push(e);
    countUsers(users, e.providers, 1);
    // The entry it replaces: at the same index when the lists are aligned, else by id.
    const old = byId === null ? memo.routes[i] : byId.get(route.id);
    if (old === undefined) membership = true;
    else {
      dropped.push(old);
      countUsers(users, old.providers, -1);
    }
  }
  const entries = slots as RouteEntry[];
  // The bindings of every provider still referenced (their credential sources marked wanted), and no other.
  for (const id of users.keys()) binder.reuse(id);
  let routes: Map<string, RuntimeRoute>;
  let names: ReadonlyMap<string, readonly string[]> = memo.names;
  let unique = true;
  if (table.models === previous.table.models && !membership) {
    routes = new Map(previous.routes);
    for (const e of added) for (const name of names.get(e.route.id) ?? []) routes.set(name, e.runtime);
  } else {
    ({ routes, names, unique } = routesFrom(table.models, entries));
  }
  const principals = table.keys === previous.table.keys ? previous.principals : principalsFrom(table.keys, previous.principals);
  const out = finish(table, deps, { routes, principals }, { providers: binder.bindings, routes: entries, names, users, unique, added, dropped });
  patched.add(out);
  return out;
}

/** Every route from the table (reusing the previous runtime form of a route whose data and providers are unchanged). */
function full(table: RoutingTable, deps: BuildDeps, previous: RuntimeTable | null, memo: BuildMemo | undefined): RuntimeTable {
  const binder = new TargetBinder(table, deps, memo?.providers ?? new Map());
  const quotas = new QuotaPlan(table.quotas, table.models, deps.quotaLedger ?? new QuotaLedger());
  const reusable = memo !== undefined && previous !== null && deps.quotaLedger !== undefined && sameQuotaPlan(previous.table, table);
  const before = new Map<string, RouteEntry>();
  if (reusable) for (const e of memo.routes) before.set(e.route.id, e);
  const entries: RouteEntry[] = [];
  const reused = new Set<RouteEntry>();
  const users = new Map<string, number>();
  const added: RouteEntry[] = [];
  for (const route of table.routes) {
    const old = before.get(route.id);
    let e: RouteEntry;
    if (old !== undefined && old.route === route && old.providers.every((id) => binder.unchanged(id))) {
      for (const id of old.providers) binder.reuse(id);
      e = old;
      reused.add(old);
    } else {
      e = entryOf(route, binder, quotas);
      added.push(e);
    }
    entries.push(e);
    countUsers(users, e.providers, 1);
  }
  const dropped = memo === undefined ? [] : memo.routes.filter((e) => !reused.has(e));
  const { routes, names, unique } = routesFrom(table.models, entries);
  const principals = principalsFrom(table.keys, null);
  return finish(table, deps, { routes, principals }, { providers: binder.bindings, routes: entries, names, users, unique, added, dropped });
}

/** Builds the runtime table; throws on an inconsistent table (the holder keeps the last good one). */
export function buildRuntimeTable(table: RoutingTable, deps: BuildDeps): RuntimeTable {
  if (!Number.isSafeInteger(table.version) || table.version < 0) throw new Error('table version must be a non-negative integer');
  const previous = deps.previous ?? null;
  const memo = previous === null ? undefined : memos.get(previous);
  if (previous !== null && memo !== undefined) {
    const out = patch(table, deps, previous, memo);
    if (out !== null) return out;
  }
  return full(table, deps, previous, memo);
}
