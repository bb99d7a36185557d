// Client-facing model names are global across namespaces (catalogue C6, ADR 0003). Routes are taken in precedence
// order (oldest creationTimestamp — or first-seen time in standalone —, then "namespace/name"); a route claiming a
// name already held by an earlier route loses entirely, with reason Conflict naming the winner. An edit that makes a
// route lose falls back to its last accepted version when that version claims no held name (ADR 0012).
// The result depends only on the set of routes, never on the order they arrived in.
import { Reason } from '../api/conditions.ts';
import type { ObjectStatus, TableRoute } from '../table/types.ts';
import { compareStrings, sortedRecord } from './hash.ts';
import { keptMessage, staleObject } from './last-good.ts';
import type { StaleObject } from './last-good.ts';
import type { InputObject } from './objects.ts';
import type { RouteCandidate } from './routes.ts';
import { cond, makeStatus, rejected } from './status.ts';

export interface ConflictsResult {
  /** Accepted routes, sorted by id. */
  readonly routes: TableRoute[];
  /** Every name of every accepted route → route id. */
  readonly models: Record<string, string>;
  readonly statuses: ObjectStatus[];
  /** Routes served (accepted, or their last accepted version kept): for the next `previous`. */
  readonly kept: InputObject[];
  readonly stale: StaleObject[];
}

/**
 * `previousModels`: the previous compile's `models` (incremental compile, ADR 0024); when every name maps to the same
 * route again, that very record is returned, so its canonical JSON stays memoised.
 */
export function resolveConflicts(candidates: readonly RouteCandidate[], previousModels?: Readonly<Record<string, string>>): ConflictsResult {
  return withoutClashes(candidates, previousModels) ?? resolveInOrder(candidates);
}

/** Each candidate's status as claimed, remembered per candidate (a reused candidate keeps its status object). */
const claimedStatus = new WeakMap<RouteCandidate, ObjectStatus>();

function statusOf(c: RouteCandidate): ObjectStatus {
  let s = claimedStatus.get(c);
  if (s === undefined) {
    s = makeStatus(c.obj, [c.accepted, c.resolvedRefs]);
    claimedStatus.set(c, s);
  }
  return s;
}

/**
 * The common case: no two candidates share a name. Then precedence decides nothing, every candidate claims its names,
 * and the result is the one resolveInOrder gives (its lists are sorted afterwards, so order does not show). Undefined
 * at the first shared name.
 */
function withoutClashes(candidates: readonly RouteCandidate[], previousModels: Readonly<Record<string, string>> | undefined): ConflictsResult | undefined {
  const owner = new Map<string, string>();
  for (const c of candidates) {
    for (const n of c.names) {
      if (owner.has(n)) return undefined;
      owner.set(n, c.route.id);
    }
  }
  const out: ConflictsResult = { routes: [], models: {}, statuses: [], kept: [], stale: [] };
  for (const c of candidates) {
    out.routes.push(c.route);
    out.statuses.push(statusOf(c));
    out.kept.push(c.obj);
    if (c.stale !== undefined) out.stale.push(staleObject(c.obj, c.stale.prev, c.accepted));
  }
  out.routes.sort((a, b) => compareStrings(a.id, b.id));
  if (sameModels(previousModels, owner)) return { ...out, models: previousModels as Record<string, string> };
  const models = sortedRecord(owner);
  owners.set(models, owner);
  return { ...out, models };
}

/** The name → route id map each models record was built from (comparing two maps beats walking a 10k-key record). */
const owners = new WeakMap<object, ReadonlyMap<string, string>>();

function sameModels(previous: Readonly<Record<string, string>> | undefined, owner: ReadonlyMap<string, string>): previous is Readonly<Record<string, string>> {
  if (previous === undefined) return false;
  const before = owners.get(previous);
  if (before !== undefined) {
    if (before.size !== owner.size) return false;
    for (const [k, v] of owner) if (before.get(k) !== v) return false;
    return true;
  }
  let n = 0;
  for (const k in previous) {
    if (!Object.hasOwn(previous, k)) continue;
    if (owner.get(k) !== previous[k]) return false;
    n++;
  }
  return n === owner.size;
}

function resolveInOrder(candidates: readonly RouteCandidate[]): ConflictsResult {
  const ordered = [...candidates].sort(precedence);
  const owner = new Map<string, RouteCandidate>();
  const out: ConflictsResult = { routes: [], models: {}, statuses: [], kept: [], stale: [] };
  const winners: RouteCandidate[] = [];
  const holderOf = (c: RouteCandidate): { name: string; holder: RouteCandidate } | undefined => {
    for (const name of c.names) {
      const holder = owner.get(name);
      if (holder !== undefined) return { name, holder };
    }
    return undefined;
  };
  const claim = (c: RouteCandidate): void => {
    for (const n of c.names) owner.set(n, c);
    winners.push(c);
    out.statuses.push(statusOf(c));
    out.kept.push(c.obj);
    if (c.stale !== undefined) out.stale.push(staleObject(c.obj, c.stale.prev, c.accepted));
  };
  for (const c of ordered) {
    const clash = holderOf(c);
    if (clash === undefined) {
      claim(c);
      continue;
    }
    const message = conflictMessage(clash.name, clash.holder, c);
    const alt = c.alternate;
    if (alt !== undefined && holderOf(alt.candidate) === undefined) {
      const accepted = cond('Accepted', 'False', Reason.Conflict, keptMessage(message, alt.prev));
      claim({ ...alt.candidate, accepted, stale: { prev: alt.prev, rejection: accepted } });
    } else if (c.stale !== undefined) {
      // The last accepted version now loses a conflict too: nothing of this route is served.
      out.statuses.push(rejected(c.obj, c.stale.rejection.reason, `${c.stale.rejection.message}; the last accepted version is not served either: ${message}`));
    } else {
      out.statuses.push(makeStatus(c.obj, [cond('Accepted', 'False', Reason.Conflict, message), c.resolvedRefs]));
    }
  }
  return {
    ...out,
    routes: winners.map((c) => c.route).sort((a, b) => compareStrings(a.id, b.id)),
    models: sortedRecord([...owner].map(([name, c]) => [name, c.route.id] as const)),
  };
}

function precedence(a: RouteCandidate, b: RouteCandidate): number {
  return a.obj.createdAt - b.obj.createdAt || compareStrings(a.route.id, b.route.id);
}

function age(obj: InputObject): string {
  if (obj.createdBy === undefined) return 'no creation time';
  const when = new Date(obj.createdAt).toISOString();
  return obj.createdBy === 'creationTimestamp' ? `created ${when}` : `first seen ${when}`;
}

function conflictMessage(name: string, winner: RouteCandidate, loser: RouteCandidate): string {
  const w = winner.obj;
  const l = loser.obj;
  const why =
    w.createdAt < l.createdAt ? `it is older: ${age(w)}, this route ${age(l)}`
    : Number.isFinite(w.createdAt) ? `both have the same age (${age(w)}) and ${winner.route.id} sorts first`
    : `neither has a creationTimestamp or first-seen time and ${winner.route.id} sorts first`;
  return `model name ${name} is already served by ModelRoute ${winner.route.id} (${why}); rename the model or alias, or delete one of the routes`;
}
