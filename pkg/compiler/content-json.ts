// The canonical JSON of a table's content, assembled from the canonical JSON of each object (ADR 0024).
// The text is exactly canonicalJSON({providers, routes, models, keys, quotas}) — same bytes, same sha256, so the
// protocol's hash keeps its meaning — but each route, provider, principal and quota is serialised once per object
// identity and remembered (a WeakMap: objects are read-only plain data). A table that shares most of its objects with
// the previous one (incremental compile on the operator, an applied delta on a proxy) costs one string join and one
// sha256 instead of a full serialisation.
import type { RoutingTableContent } from '../table/types.ts';
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { canonicalJSON } from './hash.ts';

const texts = new WeakMap<object, string>();

/** canonicalJSON(value), remembered per object identity. Only for values never mutated after creation. */
export function objectJSON(value: object): string {
  let t = texts.get(value);
  if (t === undefined) {
    t = canonicalJSON(value);
    texts.set(value, t);
  }
  return t;
}

/** Assembled text of records and lists (tables share the whole record or list when nothing in it changed). */
const assembled = new WeakMap<object, string>();

function recordJSON(record: Readonly<Record<string, object | undefined>>): string {
  const known = assembled.get(record);
  if (known !== undefined) return known;
  const text = assembleRecord(record);
  assembled.set(record, text);
  return text;
}

function assembleRecord(record: Readonly<Record<string, object | undefined>>): string {
  const keys = Object.keys(record);
  keys.sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = record[k];
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${objectJSON(v)}`);
  }
  return `{${parts.join(',')}}`;
}

function arrayJSON(list: readonly object[]): string {
  const known = assembled.get(list);
  if (known !== undefined) return known;
  const parts = new Array<string>(list.length);
  for (let i = 0; i < list.length; i++) parts[i] = objectJSON(list[i] as object);
  const text = `[${parts.join(',')}]`;
  assembled.set(list, text);
  return text;
}

/** Canonical JSON of the content (identical to canonicalJSON of the five fields), per-object memoised. */
export function contentJSONOf(content: RoutingTableContent): string {
  // Top-level keys in code-unit order: keys, models, providers, quotas, routes.
  return `{"keys":${recordJSON(content.keys)},"models":${objectJSON(content.models)},"providers":${recordJSON(content.providers)},`
    + `"quotas":${arrayJSON(content.quotas)},"routes":${arrayJSON(content.routes)}}`;
}

/** Elements of a list hashed per group: small joins (cache-friendly) and few hash updates; ~2.5x one 6 MB string. */
const HASH_GROUP = 64;

function hashList(h: Hash, list: readonly object[]): void {
  const known = assembled.get(list);
  if (known !== undefined && known.length < 65_536) {
    h.update(known);
    return;
  }
  h.update('[');
  const group: string[] = [];
  for (let i = 0; i < list.length; i += HASH_GROUP) {
    const end = Math.min(list.length, i + HASH_GROUP);
    group.length = 0;
    for (let k = i; k < end; k++) group.push(objectJSON(list[k] as object));
    h.update(i === 0 ? group.join(',') : `,${group.join(',')}`);
  }
  h.update(']');
}

interface HashedContent {
  readonly keys: object;
  readonly models: object;
  readonly providers: object;
  readonly quotas: object;
  readonly routes: readonly object[];
  readonly hash: string;
  /** marks[g]: the hash state before group g of the routes (never updated: resumed from a copy). */
  readonly marks: readonly Hash[];
}

/** Hash of a content, by its routes list (the other four fields are checked by identity). */
const hashes = new WeakMap<object, HashedContent>();

function samePrefix(a: RoutingTableContent | HashedContent, b: RoutingTableContent): boolean {
  return a.keys === b.keys && a.models === b.models && a.providers === b.providers && a.quotas === b.quotas;
}

/**
 * SHA-256 hex of contentJSONOf(content), fed to the hash in pieces without assembling the whole text (the operator
 * and every proxy applying a delta need the hash; only a snapshot needs the text). Remembered per content (the same
 * five objects give the same hash: table objects are never mutated), so verifying a table compile() just hashed is
 * free. With `base` (the content this one was derived from: the previous compile, the table a delta applies to),
 * hashed before and sharing every field but some routes, the hash resumes from the state kept before the group of 64
 * routes holding the first changed one: same bytes hashed, about half as many on average.
 */
export function contentHashOf(content: RoutingTableContent, base?: RoutingTableContent): string {
  const known = hashes.get(content.routes);
  if (known !== undefined && samePrefix(known, content)) return known.hash;
  const from = base === undefined ? undefined : hashes.get(base.routes);
  const routes = content.routes;
  let first = 0;
  let h: Hash;
  const marks: Hash[] = [];
  if (from !== undefined && samePrefix(from, content) && from.routes.length === routes.length && from.marks.length > 0) {
    while (first < routes.length && routes[first] === from.routes[first]) first++;
    if (first === routes.length) first = Math.max(0, routes.length - 1); // same routes, another list: redo the last group
    const g = Math.floor(first / HASH_GROUP);
    for (let k = 0; k < g; k++) marks.push(from.marks[k] as Hash);
    h = (from.marks[g] as Hash).copy();
    first = g * HASH_GROUP;
  } else {
    h = createHash('sha256');
    h.update(`{"keys":${recordJSON(content.keys)},"models":${objectJSON(content.models)},"providers":${recordJSON(content.providers)},"quotas":`);
    hashList(h, content.quotas);
    h.update(',"routes":[');
  }
  const group: string[] = [];
  for (let i = first; i < routes.length; i += HASH_GROUP) {
    marks.push(h.copy());
    const end = Math.min(routes.length, i + HASH_GROUP);
    group.length = 0;
    for (let k = i; k < end; k++) group.push(objectJSON(routes[k] as object));
    h.update(i === 0 ? group.join(',') : `,${group.join(',')}`);
  }
  h.update(']}');
  const hash = h.digest('hex');
  hashes.set(routes, { keys: content.keys, models: content.models, providers: content.providers, quotas: content.quotas, routes, hash, marks });
  return hash;
}
