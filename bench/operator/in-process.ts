// The benchmark's objects for in-process runs without a cluster (compile-only.ts, load-delta.ts): listed as the
// operator's informers see them (uid, resourceVersion, generation, creationTimestamp), a one-route weight change
// applied the way the API server would record it, and the median the scripts print.
import { benchObjects, routeName, weightPatch } from './objects.ts';

type Obj = Record<string, unknown>;

export interface ListedObjects {
  readonly objects: Obj[];
  /**
   * Change #`n` (0-based): route r-<(n × 7919) mod routes> sends weight 10 + n to its second provider, with a new
   * resourceVersion and generation 2 + n. Returns the route index changed.
   */
  changeRoute(n: number): number;
}

export function listedObjects(providers: number, routes: number): ListedObjects {
  let rv = 1000;
  const objects: Obj[] = benchObjects(providers, routes).map((o, i) => ({
    ...o,
    metadata: {
      ...o.metadata, uid: `uid-${i}`, resourceVersion: String(rv++), generation: 1,
      creationTimestamp: new Date(Date.UTC(2026, 11, 1, 0, 0, Math.floor(i / 50))).toISOString().replace('.000Z', 'Z'),
    },
  }));
  return {
    objects,
    changeRoute(n: number): number {
      const index = (n * 7919) % routes;
      const at = objects.findIndex((o) => o.kind === 'ModelRoute' && (o.metadata as { name: string }).name === routeName(index));
      const target = objects[at] as { metadata: Obj; spec: Obj };
      objects[at] = {
        ...target, metadata: { ...target.metadata, resourceVersion: String(rv++), generation: 2 + n },
        spec: { ...target.spec, ...(weightPatch(index, providers, 10 + n).spec as object) },
      };
      return index;
    },
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.floor(s.length / 2)] ?? Number.NaN) * 10) / 10;
}
