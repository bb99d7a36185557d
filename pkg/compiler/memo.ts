// Incremental compile (ADR 0024): what one compile hands the next so unchanged objects reuse their compiled form.
// compile() stays a pure function: the memo is an input (`CompileOptions.memo`) and a new memo is part of the result,
// like `previous`/`lastGood`; the memo passed in is never modified. An entry is reused only when the object is the
// same version (same uid and resourceVersion: the API server changes resourceVersion on every write) and every input
// its compiled form was computed from is the same: the Providers (ProviderState objects) and Secrets it read, the
// set of API-key principals, the ejected targets, its creation time and its last-good entry. Objects without a
// uid and resourceVersion (standalone files) are always compiled. The property test (test/compiler/incremental.test.ts)
// checks that an incremental compile equals a full one.
import type { ObjectStatus, RoutingTableContent } from '../table/types.ts';
import type { LastGood } from './last-good.ts';
import { Status } from '../api/common.ts';
import { canonicalJSON } from './hash.ts';
import { isRecord } from './objects.ts';
import type { ProviderState } from './providers.ts';
import type { SecretEntry } from './secrets.ts';
import type { RouteCandidate } from './routes.ts';

export interface RouteMemoEntry {
  /** The raw object compiled (a later one of the same version reuses the entry: sameVersion). */
  readonly raw: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly context: string;
  /** Provider id → the state read (undefined: not found), in the order read. */
  readonly providers: Reads<ProviderState>;
  readonly candidate: RouteCandidate;
}

export interface ProviderMemoEntry {
  readonly raw: Readonly<Record<string, unknown>>;
  /** Secret id → the canonical entry read (undefined: not found), in the order read. */
  readonly secrets: Reads<SecretEntry>;
  readonly state: ProviderState;
  readonly status: ObjectStatus;
}

/** What a compile stage read: [key, value] pairs (an array: checked once per object per compile). */
export type Reads<V> = readonly (readonly [string, V | undefined])[];

export interface CompileMemo {
  readonly routes: ReadonlyMap<string, RouteMemoEntry>;
  readonly providers: ReadonlyMap<string, ProviderMemoEntry>;
  /** The table's model-name record: returned again (the same object) when every name maps to the same route. */
  readonly models?: Readonly<Record<string, string>>;
  /** The compiled content: the next content hash resumes from it where the routes start to differ. */
  readonly content?: RoutingTableContent;
}

export const EMPTY_MEMO: CompileMemo = { routes: new Map(), providers: new Map() };

const versions = new WeakMap<object, string | null>();

/** "uid@resourceVersion", or null when the object lacks either (never memoised). Remembered per raw object. */
export function versionOf(raw: Readonly<Record<string, unknown>>): string | null {
  let v = versions.get(raw);
  if (v !== undefined) return v;
  const m = isRecord(raw.metadata) ? raw.metadata : undefined;
  const uid = m?.uid;
  const rv = m?.resourceVersion;
  v = typeof uid === 'string' && uid !== '' && typeof rv === 'string' && rv !== '' ? `${uid}@${rv}` : null;
  versions.set(raw, v);
  return v;
}

/** True when the object's last-good entry (under `key`, its objectKey) is absent or the same version as `raw`. */
export function lastGoodIsSelf(key: string, raw: Readonly<Record<string, unknown>>, previous: LastGood | undefined): boolean {
  const kept = previous?.get(key);
  return kept === undefined || sameVersion(kept, raw);
}

const fingerprints = new WeakMap<object, string>();

/**
 * Everything of a raw object the compiler reads, which is all of it but metadata.resourceVersion (and
 * managedFields), and status but for whether it is valid: canonical JSON of the rest, prefixed by that bit. A status
 * write (the operator's own, after every change) moves resourceVersion and status and nothing the compiled form is
 * made of; the compile stages read status only through the schema, which refuses an invalid one.
 */
function fingerprint(raw: Readonly<Record<string, unknown>>): string {
  let f = fingerprints.get(raw);
  if (f === undefined) {
    const { status, metadata, ...rest } = raw;
    const meta: Record<string, unknown> = isRecord(metadata) ? { ...metadata } : {};
    delete meta.resourceVersion;
    delete meta.managedFields;
    f = `${status === undefined || Status.safeParse(status).success ? 1 : 0}${canonicalJSON({ ...rest, metadata: meta })}`;
    fingerprints.set(raw, f);
  }
  return f;
}

/**
 * Two raw versions of one object that compile alike: the same uid@resourceVersion, or (a status write in between)
 * the same uid and the same fingerprint. Only for objects that have a version (versionOf not null).
 */
export function sameVersion(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  if (a === b) return true;
  const va = versionOf(a);
  const vb = versionOf(b);
  if (va === null || vb === null) return false;
  if (va === vb) return true;
  return va.slice(0, va.lastIndexOf('@')) === vb.slice(0, vb.lastIndexOf('@')) && fingerprint(a) === fingerprint(b);
}

/** A map view recording every key read with get() (the compile stages read Providers and Secrets only that way). */
export function recording<V>(map: ReadonlyMap<string, V>, reads: Map<string, V | undefined>): ReadonlyMap<string, V> {
  return new RecordingMap(map, reads);
}

class RecordingMap<V> implements ReadonlyMap<string, V> {
  readonly #map: ReadonlyMap<string, V>;
  readonly #reads: Map<string, V | undefined>;
  constructor(map: ReadonlyMap<string, V>, reads: Map<string, V | undefined>) {
    this.#map = map;
    this.#reads = reads;
  }
  get(key: string): V | undefined {
    const v = this.#map.get(key);
    this.#reads.set(key, v);
    return v;
  }
  has(key: string): boolean {
    this.#reads.set(key, this.#map.get(key));
    return this.#map.has(key);
  }
  get size(): number {
    throw new Error('memo: a compile stage read the whole map; record it as a dependency first');
  }
  forEach(): void {
    throw new Error('memo: a compile stage iterated the map; record it as a dependency first');
  }
  entries(): MapIterator<[string, V]> {
    throw new Error('memo: a compile stage iterated the map; record it as a dependency first');
  }
  keys(): MapIterator<string> {
    throw new Error('memo: a compile stage iterated the map; record it as a dependency first');
  }
  values(): MapIterator<V> {
    throw new Error('memo: a compile stage iterated the map; record it as a dependency first');
  }
  [Symbol.iterator](): MapIterator<[string, V]> {
    throw new Error('memo: a compile stage iterated the map; record it as a dependency first');
  }
}

/** Same Secret: both absent, or the same version of the same object. */
export function sameSecret(a: SecretEntry | undefined, b: SecretEntry | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const v = versionOf(a.obj.raw);
  return v !== null && v === versionOf(b.obj.raw);
}

/** Whether every key read then gives the same value now. */
export function sameReads<V>(reads: Reads<V>, now: ReadonlyMap<string, V>, equal: (a: V | undefined, b: V | undefined) => boolean): boolean {
  for (let i = 0; i < reads.length; i++) {
    const [k, v] = reads[i] as readonly [string, V | undefined];
    if (!equal(v, now.get(k))) return false;
  }
  return true;
}

export function identical<V>(a: V | undefined, b: V | undefined): boolean {
  return a === b;
}

