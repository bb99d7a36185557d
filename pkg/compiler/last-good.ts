// Per-object last-known-good (design §7, ADR 0012). The previous compile's accepted objects are an input
// (CompileOptions.previous), never hidden state: when the current version of a Provider, ModelRoute or Quota is
// rejected for its own content, the last accepted version is compiled in its place against the current inputs,
// and the status says which generation is still served.
import { canonicalJSON, compareStrings } from './hash.ts';
import type { InputObject } from './objects.ts';
import { inputKey, isRecord } from './objects.ts';
import type { Condition } from './status.ts';

/** "Kind/namespace/name" → the last accepted raw object (Providers, ModelRoutes and Quotas only). */
export type LastGood = ReadonlyMap<string, Readonly<Record<string, unknown>>>;

/** An object whose current version is not accepted while its last accepted version keeps serving. */
export interface StaleObject {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** metadata.generation of the version still served (absent for standalone objects). */
  readonly generation?: number;
  readonly reason: string;
  readonly message: string;
}

/** The last accepted version of an object, carrying the current identity (status, precedence) and the old raw. */
export interface PreviousVersion {
  readonly obj: InputObject;
  readonly generation?: number;
  /** The old and the current spec are the same (compiling the old one cannot give a different answer). */
  readonly sameSpec: boolean;
}

export function objectKey(ref: { readonly kind: string; readonly namespace: string; readonly name: string }): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

function metadataOf(raw: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  return isRecord(raw.metadata) ? raw.metadata : {};
}

/** The previous accepted version of obj, unless there is none or it belonged to another object (uid differs). */
export function previousVersion(obj: InputObject, previous: LastGood | undefined): PreviousVersion | undefined {
  const raw = previous?.get(inputKey(obj));
  if (raw === undefined) return undefined;
  const uidNow = metadataOf(obj.raw).uid;
  const uidThen = metadataOf(raw).uid;
  if (typeof uidNow === 'string' && typeof uidThen === 'string' && uidNow !== uidThen) return undefined;
  const generation = metadataOf(raw).generation;
  const sameSpec = canonicalJSON(raw.spec ?? null) === canonicalJSON(obj.raw.spec ?? null);
  const old = { obj: { ...obj, raw }, sameSpec };
  return Number.isSafeInteger(generation) ? { ...old, generation: generation as number } : old;
}

/** "<problem>; generation 3 (the last accepted) keeps serving until this is fixed". */
export function keptMessage(problem: string, prev: Pick<PreviousVersion, 'generation'>): string {
  const which = prev.generation === undefined ? 'the last accepted version' : `generation ${prev.generation} (the last accepted)`;
  return `${problem}; ${which} keeps serving until this is fixed`;
}

export function staleObject(obj: InputObject, prev: Pick<PreviousVersion, 'generation'>, accepted: Condition): StaleObject {
  const base = { kind: obj.kind, namespace: obj.namespace, name: obj.name };
  const served = prev.generation === undefined ? base : { ...base, generation: prev.generation };
  return { ...served, reason: accepted.reason, message: accepted.message };
}

/** The Accepted condition when it is False (a rejection for the object's own content at this stage), else undefined. */
export function rejection(conditions: readonly Condition[]): Condition | undefined {
  return conditions.find((c) => c.type === 'Accepted' && c.status === 'False');
}

/**
 * Sorted map of what was accepted (or kept) in this compile: the next compile's `previous`. When `previous` (this
 * compile's input) holds exactly the same keys, it is copied (already in order) with the changed objects replaced,
 * instead of sorting again: the same map.
 */
export function buildLastGood(kept: readonly InputObject[], previous?: LastGood): LastGood {
  // Named objects have one key each (gather settles duplicates), so same count + every key known = the same key set.
  if (previous !== undefined && previous.size === kept.length && kept.every((o) => o.name !== '' && previous.has(inputKey(o)))) {
    const out = new Map(previous);
    for (const o of kept) if (out.get(inputKey(o)) !== o.raw) out.set(inputKey(o), o.raw);
    return out;
  }
  const entries = kept.map((o) => [inputKey(o), o.raw] as const).sort((a, b) => compareStrings(a[0], b[0]));
  return new Map(entries);
}

export function sortStale(stale: readonly StaleObject[]): StaleObject[] {
  return [...stale].sort((a, b) => compareStrings(a.kind, b.kind) || compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name));
}
