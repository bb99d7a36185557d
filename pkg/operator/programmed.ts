// For each object, the first published table version that carries its current metadata.generation: the version
// every proxy must have acknowledged before the object is Programmed.
import type { ObjectStatus } from '../table/types.ts';

interface Carried {
  readonly generation: number | undefined;
  readonly version: number;
}

export function statusKey(s: { readonly kind: string; readonly namespace: string; readonly name: string }): string {
  return `${s.kind}/${s.namespace}/${s.name}`;
}

const keys = new WeakMap<ObjectStatus, string>();

/**
 * statusKey of a compiled status, remembered per status object (compiled statuses are never mutated, and an
 * incremental compile hands unchanged objects the same status object): maps are then looked up with the same string,
 * whose hash is computed once, instead of a new string per object per run.
 */
export function compiledKey(s: ObjectStatus): string {
  let k = keys.get(s);
  if (k === undefined) {
    k = statusKey(s);
    keys.set(s, k);
  }
  return k;
}

export class CarriedVersions {
  readonly #byKey = new Map<string, Carried>();

  /**
   * After `version` was published (or confirmed unchanged): objects seen for the first time or at a new generation
   * are carried by `version`; objects no longer compiled are forgotten.
   */
  update(statuses: readonly ObjectStatus[], version: number): void {
    const seen = new Set<string>();
    for (const s of statuses) {
      const key = compiledKey(s);
      seen.add(key);
      const prev = this.#byKey.get(key);
      if (prev === undefined || prev.generation !== s.generation) this.#byKey.set(key, { generation: s.generation, version });
    }
    for (const key of this.#byKey.keys()) if (!seen.has(key)) this.#byKey.delete(key);
  }

  get(s: ObjectStatus): number | null {
    const c = this.#byKey.get(compiledKey(s));
    return c !== undefined && c.generation === s.generation ? c.version : null;
  }

  clear(): void {
    this.#byKey.clear();
  }
}
