// Gathering: sort raw objects into Providers, ModelRoutes, Quotas and Secrets, reject unknown switchyard.dev
// kinds, and settle duplicates (same kind/namespace/name) with a survivor that does not depend on input order.
import { API_VERSION, GROUP } from '../api/common.ts';
import { Reason } from '../api/conditions.ts';
import type { ObjectStatus } from '../table/types.ts';
import { canonicalJSON, compareStrings } from './hash.ts';
import { cond, makeStatus, refId, rejected } from './status.ts';
import type { ObjectRef } from './status.ts';

export interface InputObject extends ObjectRef {
  /**
   * Epoch ms of metadata.creationTimestamp, else of the first-seen time the caller supplied (standalone), else
   * +Infinity (newest).
   */
  readonly createdAt: number;
  /** Where createdAt came from (absent when it is +Infinity). */
  readonly createdBy?: 'creationTimestamp' | 'firstSeen';
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface Gathered {
  readonly providers: InputObject[];
  readonly routes: InputObject[];
  readonly quotas: InputObject[];
  readonly secrets: InputObject[];
  /** Unknown switchyard.dev kinds and duplicate losers. */
  readonly statuses: ObjectStatus[];
}

const KINDS = ['Provider', 'ModelRoute', 'Quota'] as const;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `firstSeen`: epoch ms by "Kind/namespace/name", used for objects without a creationTimestamp. */
export function gather(objects: readonly unknown[], firstSeen?: ReadonlyMap<string, number>): Gathered {
  const out: Gathered = { providers: [], routes: [], quotas: [], secrets: [], statuses: [] };
  // First copy of each kind/namespace/name in input order; the copies after it, only when there are any.
  const first = new Map<string, InputObject>();
  const named: { readonly obj: InputObject; readonly key: string }[] = [];
  let copies: Map<string, InputObject[]> | undefined;
  for (const raw of objects) {
    if (!isRecord(raw) || typeof raw.apiVersion !== 'string') continue;
    const isSwitchyard = raw.apiVersion === GROUP || raw.apiVersion.startsWith(`${GROUP}/`);
    const isSecret = raw.apiVersion === 'v1' && raw.kind === 'Secret';
    if (!isSwitchyard && !isSecret) continue;
    const { obj, key } = identified(raw, firstSeen);
    if (isSwitchyard && (raw.apiVersion !== API_VERSION || !(KINDS as readonly string[]).includes(obj.kind))) {
      out.statuses.push(rejected(obj, 'Invalid', unknownKindMessage(raw.apiVersion, obj.kind)));
      continue;
    }
    if (obj.name === '') {
      place(out, obj); // no usable identity: schema validation reports it
      continue;
    }
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, obj);
      named.push({ obj, key });
      continue;
    }
    copies ??= new Map();
    const bucket = copies.get(key);
    if (bucket === undefined) copies.set(key, [earlier, obj]);
    else bucket.push(obj);
  }
  for (const { obj, key } of named) {
    const bucket = copies?.get(key);
    if (bucket === undefined) {
      place(out, obj);
      continue;
    }
    const [survivor, ...losers] = orderDuplicates(bucket);
    if (survivor !== undefined) place(out, survivor);
    for (const loser of losers) out.statuses.push(duplicateStatus(loser, bucket.length));
  }
  return out;
}

interface Identified {
  readonly obj: InputObject;
  /** Duplicate bucket: kind and namespace/name. */
  readonly key: string;
  /** The first-seen time read (only used when the object has no creationTimestamp). */
  readonly seen: number | undefined;
}

/**
 * identify(), remembered per raw object (raw objects are never mutated: informer caches replace them): a compile
 * after one change gives every unchanged object the same InputObject as the previous compile (ADR 0024).
 */
const identities = new WeakMap<object, Identified>();

function identified(raw: Readonly<Record<string, unknown>>, firstSeen: ReadonlyMap<string, number> | undefined): Identified {
  const known = identities.get(raw);
  if (known !== undefined) {
    if (known.obj.createdBy === 'creationTimestamp') return known;
    const o = known.obj;
    if (firstSeen?.get(`${o.kind}/${o.namespace}/${o.name}`) === known.seen) return known;
  }
  const obj = identify(raw, firstSeen);
  const out = { obj, key: `${obj.kind}\u0000${refId(obj)}`, seen: firstSeen?.get(`${obj.kind}/${obj.namespace}/${obj.name}`) };
  identities.set(raw, out);
  return out;
}

const inputKeys = new WeakMap<InputObject, string>();

/**
 * objectKey(obj) ("Kind/namespace/name"), remembered per InputObject: gather hands unchanged objects the same
 * InputObject compile after compile, so the memo and last-good maps are looked up with the same string (its hash
 * computed once) instead of a new one per object per compile.
 */
export function inputKey(obj: InputObject): string {
  let k = inputKeys.get(obj);
  if (k === undefined) {
    k = `${obj.kind}/${obj.namespace}/${obj.name}`;
    inputKeys.set(obj, k);
  }
  return k;
}

function identify(raw: Readonly<Record<string, unknown>>, firstSeen: ReadonlyMap<string, number> | undefined): InputObject {
  const meta = isRecord(raw.metadata) ? raw.metadata : {};
  const kind = typeof raw.kind === 'string' ? raw.kind : '';
  const name = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
  const generation = Number.isSafeInteger(meta.generation) ? (meta.generation as number) : undefined;
  const parsed = typeof meta.creationTimestamp === 'string' ? Date.parse(meta.creationTimestamp) : Number.NaN;
  const seen = firstSeen?.get(`${kind}/${namespace}/${name}`);
  const created: Pick<InputObject, 'createdAt' | 'createdBy'> =
    !Number.isNaN(parsed) ? { createdAt: parsed, createdBy: 'creationTimestamp' }
    : seen !== undefined && Number.isFinite(seen) ? { createdAt: seen, createdBy: 'firstSeen' }
    : { createdAt: Number.POSITIVE_INFINITY };
  return generation === undefined ? { kind, namespace, name, ...created, raw } : { kind, namespace, name, generation, ...created, raw };
}

function place(out: Gathered, obj: InputObject): void {
  if (obj.kind === 'Provider') out.providers.push(obj);
  else if (obj.kind === 'ModelRoute') out.routes.push(obj);
  else if (obj.kind === 'Quota') out.quotas.push(obj);
  else out.secrets.push(obj);
}

function unknownKindMessage(apiVersion: string, kind: string): string {
  if (apiVersion !== API_VERSION) return `apiVersion ${apiVersion} is not served by this release; use ${API_VERSION}`;
  const shown = kind === '' ? 'a missing kind' : `kind ${kind}`;
  return `${shown} is not part of ${API_VERSION}; expected one of ${KINDS.join(', ')}`;
}

/** Oldest creationTimestamp first, then the smallest canonical content: independent of input order. */
function orderDuplicates(bucket: readonly InputObject[]): InputObject[] {
  const keyed = bucket.map((obj) => ({ obj, text: canonicalJSON(obj.raw) }));
  keyed.sort((a, b) => a.obj.createdAt - b.obj.createdAt || compareStrings(a.text, b.text));
  return keyed.map((k) => k.obj);
}

function duplicateStatus(obj: InputObject, count: number): ObjectStatus {
  const message =
    `${count} objects are named ${obj.kind} ${refId(obj)}; this copy was ignored ` +
    '(the one with the oldest creationTimestamp or first-seen time, then the smallest content, is kept). Remove or rename the duplicates';
  if (obj.kind === 'Secret') return makeStatus(obj, [cond('Accepted', 'False', Reason.Conflict, message)]);
  return rejected(obj, Reason.Conflict, message);
}
