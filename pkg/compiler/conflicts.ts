// Client-facing model names are global across namespaces (catalogue C6). Routes are taken in precedence order
// (oldest creationTimestamp, then "namespace/name"); a route claiming a name already held by an earlier route
// loses entirely. The result depends only on the set of routes, never on the order they arrived in.
import type { ObjectStatus, TableRoute } from '../table/types.ts';
import { compareStrings, sortedRecord } from './hash.ts';
import type { RouteCandidate } from './routes.ts';
import { cond, makeStatus } from './status.ts';

export interface ConflictsResult {
  /** Accepted routes, sorted by id. */
  readonly routes: TableRoute[];
  /** Every name of every accepted route → route id. */
  readonly models: Record<string, string>;
  readonly statuses: ObjectStatus[];
}

export function resolveConflicts(candidates: readonly RouteCandidate[]): ConflictsResult {
  const ordered = [...candidates].sort(precedence);
  const owner = new Map<string, RouteCandidate>();
  const winners: RouteCandidate[] = [];
  const statuses: ObjectStatus[] = [];
  for (const c of ordered) {
    const clash = c.names.find((n) => owner.has(n));
    const holder = clash === undefined ? undefined : owner.get(clash);
    if (clash !== undefined && holder !== undefined) {
      statuses.push(makeStatus(c.obj, [cond('Accepted', 'False', 'Conflicted', conflictMessage(clash, holder, c)), c.resolvedRefs]));
      continue;
    }
    for (const n of c.names) owner.set(n, c);
    winners.push(c);
    statuses.push(makeStatus(c.obj, [c.accepted, c.resolvedRefs]));
  }
  return {
    routes: winners.map((c) => c.route).sort((a, b) => compareStrings(a.id, b.id)),
    models: sortedRecord([...owner].map(([name, c]) => [name, c.route.id] as const)),
    statuses,
  };
}

function precedence(a: RouteCandidate, b: RouteCandidate): number {
  return a.obj.createdAt - b.obj.createdAt || compareStrings(a.route.id, b.route.id);
}

function conflictMessage(name: string, winner: RouteCandidate, loser: RouteCandidate): string {
  const w = winner.obj.createdAt;
  const l = loser.obj.createdAt;
  const why =
    w < l ? 'it was created earlier'
    : Number.isFinite(w) ? `both have the same creationTimestamp and ${winner.route.id} sorts first`
    : `neither has a creationTimestamp and ${winner.route.id} sorts first`;
  return `model name ${name} is already served by ModelRoute ${winner.route.id} (${why}); rename the model or alias, or delete one of the routes`;
}
