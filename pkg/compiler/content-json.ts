// The canonical JSON of a table's content, assembled from the canonical JSON of each object (ADR 0024).
// The text is exactly canonicalJSON({providers, routes, models, keys, quotas}) — same bytes, same sha256, so the
// protocol's hash keeps its meaning — but each route, provider, principal and quota is serialised once per object
// identity and remembered (a WeakMap: objects are read-only plain data). A table that shares most of its objects with
// the previous one (incremental compile on the operator, an applied delta on a proxy) costs one string join and one
// sha256 instead of a full serialisation.
import type { RoutingTableContent } from '../table/types.ts';
import { canonicalJSON, sha256Hex } from './hash.ts';

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

/** SHA-256 hex of contentJSONOf(content). */
export function contentHashOf(content: RoutingTableContent): string {
  return sha256Hex(contentJSONOf(content));
}
