// Table deltas (ADR 0024): what changed between two table versions, and how a proxy applies it.
// A delta lists, per content field, the objects added or changed (whole objects) and the ids removed:
//   {routes:{set:[route...], remove:[id...]}, providers:{set:{id:provider}, remove:[id...]},
//    keys:{set:{hash:principal}, remove:[hash...]}, quotas:{set:[quota...], remove:[id...]},
//    models:{set:{name:routeId}, remove:[name...]}}
// Routes and quotas stay sorted by id (the compiler's order), so applying a delta gives the same content as the new
// version; the receiver proves it by the sha256 of the resulting canonical content against the message's hash.
// Applying keeps every unchanged object as the same JS object, which lets the proxy keep their runtime forms.
import { objectJSON } from '../compiler/content-json.ts';
import { canonicalJSON, compareStrings } from '../compiler/hash.ts';
import type { RoutingTable, RoutingTableContent, TablePrincipal, TableProvider, TableQuota, TableRoute } from '../table/types.ts';
import { ProviderSchema, RouteSchema } from './table-schema.ts';

export interface RecordDelta<T> {
  readonly set: Readonly<Record<string, T>>;
  readonly remove: readonly string[];
}

export interface ListDelta<T> {
  readonly set: readonly T[];
  readonly remove: readonly string[];
}

export interface TableDelta {
  readonly routes: ListDelta<TableRoute>;
  readonly providers: RecordDelta<TableProvider>;
  readonly keys: RecordDelta<TablePrincipal>;
  readonly quotas: ListDelta<TableQuota>;
  readonly models: RecordDelta<string>;
}

/** Same object, or the same canonical JSON (memoised per object, so comparing a shared table costs lookups). */
function same(a: object, b: object): boolean {
  return a === b || objectJSON(a) === objectJSON(b);
}

const NO_CHANGE: RecordDelta<never> = Object.freeze({ set: Object.freeze({}), remove: Object.freeze([]) });

function recordDelta<T extends object>(prev: Readonly<Record<string, T>>, next: Readonly<Record<string, T>>): RecordDelta<T> {
  if (prev === next) return NO_CHANGE; // the compiler and applyDelta hand an unchanged record on as the same object
  const set: Record<string, T> = {};
  const remove: string[] = [];
  for (const k of Object.keys(next)) {
    const n = next[k] as T;
    const p = Object.hasOwn(prev, k) ? prev[k] : undefined;
    if (p === undefined || !same(p, n)) Object.defineProperty(set, k, { value: n, enumerable: true, writable: true, configurable: true });
  }
  for (const k of Object.keys(prev)) if (!Object.hasOwn(next, k)) remove.push(k);
  return { set, remove: remove.sort(compareStrings) };
}

function modelsDelta(prev: Readonly<Record<string, string>>, next: Readonly<Record<string, string>>): RecordDelta<string> {
  if (prev === next) return NO_CHANGE;
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const k of Object.keys(next)) {
    const n = next[k] as string;
    if (!Object.hasOwn(prev, k) || prev[k] !== n) Object.defineProperty(set, k, { value: n, enumerable: true, writable: true, configurable: true });
  }
  for (const k of Object.keys(prev)) if (!Object.hasOwn(next, k)) remove.push(k);
  return { set, remove: remove.sort(compareStrings) };
}

/** Both lists sorted by id without repeats (as tables keep them): a merge walk, no map of either. */
function sortedById<T extends { readonly id: string }>(list: readonly T[]): boolean {
  for (let i = 1; i < list.length; i++) if (!((list[i - 1] as T).id < (list[i] as T).id)) return false;
  return true;
}

function listDelta<T extends { readonly id: string }>(prev: readonly T[], next: readonly T[]): ListDelta<T> {
  if (prev === next) return { set: [], remove: [] };
  if (sortedById(prev) && sortedById(next)) {
    const set: T[] = [];
    const remove: string[] = [];
    let i = 0;
    let k = 0;
    while (i < prev.length || k < next.length) {
      const p = prev[i];
      const n = next[k];
      if (n === undefined || (p !== undefined && p.id < n.id)) {
        remove.push((p as T).id);
        i++;
      } else if (p === undefined || n.id < p.id) {
        set.push(n);
        k++;
      } else {
        if (!same(p, n)) set.push(n);
        i++;
        k++;
      }
    }
    return { set, remove };
  }
  const before = new Map<string, T>();
  for (const o of prev) before.set(o.id, o);
  const set: T[] = [];
  const ids = new Set<string>();
  for (const o of next) {
    ids.add(o.id);
    const p = before.get(o.id);
    if (p === undefined || !same(p, o)) set.push(o);
  }
  const remove = prev.filter((o) => !ids.has(o.id)).map((o) => o.id).sort(compareStrings);
  return { set, remove };
}

/** What turns `prev`'s content into `next`'s. */
export function computeDelta(prev: RoutingTableContent, next: RoutingTableContent): TableDelta {
  return {
    routes: listDelta(prev.routes, next.routes),
    providers: recordDelta(prev.providers, next.providers),
    keys: recordDelta(prev.keys, next.keys),
    quotas: listDelta(prev.quotas, next.quotas),
    models: modelsDelta(prev.models, next.models),
  };
}

/** Objects the delta adds or changes (its size in objects). */
export function deltaSize(d: TableDelta): number {
  return d.routes.set.length + d.routes.remove.length + Object.keys(d.providers.set).length + d.providers.remove.length
    + Object.keys(d.keys.set).length + d.keys.remove.length + d.quotas.set.length + d.quotas.remove.length
    + Object.keys(d.models.set).length + d.models.remove.length;
}

/** Canonical JSON of a delta (what a delta message carries, gzip+base64). */
export function deltaJSON(d: TableDelta): string {
  return canonicalJSON(d);
}

function applyRecord<T>(base: Readonly<Record<string, T>>, d: RecordDelta<T>): Readonly<Record<string, T>> {
  // Unchanged: the very same record (its canonical JSON stays memoised).
  if (d.remove.length === 0 && Object.keys(d.set).length === 0) return base;
  const removed = new Set(d.remove);
  const entries: [string, T][] = [];
  for (const k of Object.keys(base)) if (!removed.has(k) && !Object.hasOwn(d.set, k)) entries.push([k, base[k] as T]);
  for (const k of Object.keys(d.set)) entries.push([k, d.set[k] as T]);
  entries.sort((a, b) => compareStrings(a[0], b[0]));
  const out: Record<string, T> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Index of `id` in a list sorted by id, or -1. */
function indexOf<T extends { readonly id: string }>(list: readonly T[], id: string): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = (list[mid] as T).id;
    if (at === id) return mid;
    if (at < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function applyList<T extends { readonly id: string }>(base: readonly T[], d: ListDelta<T>): readonly T[] {
  if (d.remove.length === 0 && d.set.length === 0) return base;
  if (d.remove.length === 0) {
    // Changes only (the common case): replace in place, found by binary search in the sorted list.
    const out = base.slice();
    let replaced = true;
    for (const o of d.set) {
      const i = indexOf(out, o.id);
      if (i < 0) {
        replaced = false;
        break;
      }
      out[i] = o;
    }
    if (replaced) return out;
  }
  const removed = new Set(d.remove);
  const byId = new Map<string, T>();
  for (const o of base) if (!removed.has(o.id)) byId.set(o.id, o);
  for (const o of d.set) byId.set(o.id, o);
  return [...byId.values()].sort((a, b) => compareStrings(a.id, b.id));
}

/** The content of `base` with `d` applied; unchanged objects are the same objects as in `base`. */
export function applyDelta(base: RoutingTableContent, d: TableDelta): RoutingTableContent {
  return {
    providers: applyRecord(base.providers, d.providers),
    routes: applyList(base.routes, d.routes),
    models: applyRecord(base.models, d.models),
    keys: applyRecord(base.keys, d.keys),
    quotas: applyList(base.quotas, d.quotas),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const ROUTE_KEYS: ReadonlySet<string> = new Set(Object.keys(RouteSchema.shape));
const PROVIDER_KEYS: ReadonlySet<string> = new Set(Object.keys(ProviderSchema.shape));
const FIELDS = ['routes', 'providers', 'keys', 'quotas', 'models'] as const;
const LISTS: ReadonlySet<string> = new Set(['routes', 'quotas']);

function unknownKey(obj: Record<string, unknown>, known: ReadonlySet<string>): string | undefined {
  for (const k in obj) if (!known.has(k)) return k;
  return undefined;
}

/**
 * Problem with `json` as a TableDelta, or null. Structural only, like tableShapeProblem for snapshots: the hash of the
 * resulting content proves the rest. Never quotes values.
 */
export function deltaShapeProblem(json: unknown): string | null {
  if (!isRecord(json)) return '(root): expected an object';
  for (const k in json) if (!(FIELDS as readonly string[]).includes(k)) return `(root): unknown field "${k.slice(0, 64)}"`;
  for (const f of FIELDS) {
    const part = json[f];
    if (!isRecord(part)) return `${f}: expected an object`;
    for (const k in part) if (k !== 'set' && k !== 'remove') return `${f}: unknown field "${k.slice(0, 64)}"`;
    if (!Array.isArray(part.remove) || !part.remove.every((x) => typeof x === 'string')) return `${f}.remove: expected an array of strings`;
    if (LISTS.has(f) ? !Array.isArray(part.set) : !isRecord(part.set)) return `${f}.set: expected ${LISTS.has(f) ? 'an array' : 'an object'}`;
    const items: [string, unknown][] = Array.isArray(part.set) ? part.set.map((v, i) => [String(i), v]) : Object.entries(part.set as Record<string, unknown>);
    for (const [k, v] of items) {
      if (f === 'models') {
        if (typeof v !== 'string') return `models.set.${k.slice(0, 128)}: expected a string`;
        continue;
      }
      if (!isRecord(v)) return `${f}.set.${k.slice(0, 128)}: expected an object`;
      if (LISTS.has(f) && typeof v.id !== 'string') return `${f}.set.${k}: expected an id`;
      const known = f === 'routes' ? ROUTE_KEYS : f === 'providers' ? PROVIDER_KEYS : null;
      if (known === null) continue;
      const extra = unknownKey(v, known);
      if (extra !== undefined) return `${f}.set.${k.slice(0, 128)}: unknown field "${extra.slice(0, 64)}"`;
      if (f === 'routes' && (!Array.isArray(v.targets) || !Array.isArray(v.fallback))) return `routes.set.${k}: targets and fallback must be arrays`;
    }
  }
  return null;
}

/** A table with `content` under `version` and `hash` (the caller verified the hash). */
export function tableWith(content: RoutingTableContent, version: number, hash: string): RoutingTable {
  return { version, hash, ...content };
}
