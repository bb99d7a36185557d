// Structural OpenAPI v3 schemas (as CustomResourceDefinitions need them) from zod schemas. z.toJSONSchema does the
// walk; this module translates its JSON Schema into the Kubernetes dialect and refuses anything non-structural,
// undescribed or unbounded, naming the path, so a bad schema fails `npm run gen:crds` instead of `kubectl apply`.
import { z } from 'zod';

/** One node of a CRD's openAPIV3Schema. */
export type SchemaNode = { readonly [key: string]: unknown };

/** Output key order, so that generated YAML reads the same way for every node. */
const KEY_ORDER = [
  'type', 'description', 'format', 'default', 'enum',
  'minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'minProperties', 'maxProperties',
  'items', 'properties', 'required', 'additionalProperties',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-validations',
] as const;

/** Keywords copied as they are (after the translations below). */
const PLAIN_KEYS = new Set<string>([
  'type', 'description', 'default', 'enum', 'minimum', 'maximum', 'multipleOf', 'minLength', 'maxLength', 'pattern',
  'minItems', 'maxItems', 'minProperties', 'maxProperties', 'required',
  'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-validations',
]);
const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(path: string, problem: string): never {
  throw new Error(`CRD schema at ${path || '<root>'}: ${problem}`);
}

/** JSON Schema 2020-12 writes exclusive bounds as numbers; OpenAPI v3 as booleans beside minimum/maximum. */
function translateExclusive(node: Json, out: Json, key: 'exclusiveMinimum' | 'exclusiveMaximum', plain: 'minimum' | 'maximum', path: string): void {
  const v = node[key];
  if (typeof v !== 'number') fail(path, `${key} must be a number`);
  if (node[plain] !== undefined) fail(path, `both ${key} and ${plain}`);
  out[plain] = v;
  out[key] = true;
}

function translateObjectKeywords(node: Json, out: Json, path: string): void {
  const props = node['properties'];
  if (props !== undefined) {
    if (!isObject(props)) fail(path, 'properties must be an object');
    out['properties'] = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, structural(v, `${path}.${k}`)]));
  }
  const extra = node['additionalProperties'];
  if (isObject(extra) && Object.keys(extra).length === 0) {
    out['x-kubernetes-preserve-unknown-fields'] = true; // a loose object: listed fields plus anything else
  } else if (isObject(extra)) {
    if (props !== undefined) fail(path, 'a map cannot also list properties');
    out['additionalProperties'] = structural(extra, `${path}[*]`);
  } else if (extra !== undefined && extra !== false) {
    fail(path, 'additionalProperties must be false, {} or a schema');
  }
  const names = node['propertyNames'];
  if (names !== undefined && !(isObject(names) && names['type'] === 'string' && Object.keys(names).length === 1)) {
    fail(path, 'map keys cannot be constrained by the key schema; use withRules with self.all(k, ...)');
  }
}

function translate(node: Json, path: string): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (PLAIN_KEYS.has(key)) out[key] = value;
    else if (key === 'const') out['enum'] = [value];
    else if (key === 'exclusiveMinimum') translateExclusive(node, out, key, 'minimum', path);
    else if (key === 'exclusiveMaximum') translateExclusive(node, out, key, 'maximum', path);
    else if (key === 'items') out['items'] = structural(value, `${path}[]`);
    else if (!['properties', 'additionalProperties', 'propertyNames'].includes(key)) {
      fail(path, `keyword ${key} is not allowed in a structural schema`);
    }
  }
  translateObjectKeywords(node, out, path);
  return out;
}

function checkNode(out: Json, path: string): void {
  const type = out['type'];
  if (typeof type !== 'string' || !TYPES.has(type)) fail(path, `missing or unsupported type ${JSON.stringify(type)}`);
  if (typeof out['description'] !== 'string' || out['description'] === '') fail(path, 'missing description');
  if (type === 'string' && out['maxLength'] === undefined && out['enum'] === undefined) fail(path, 'string without maxLength or enum');
  if (type === 'array' && (out['maxItems'] === undefined || out['items'] === undefined)) fail(path, 'array without maxItems or items');
  const required = out['required'];
  if (required !== undefined) {
    const props = isObject(out['properties']) ? out['properties'] : {};
    for (const r of required as unknown[]) if (typeof r !== 'string' || !(r in props)) fail(path, `required ${String(r)} is not a property`);
  }
}

function ordered(out: Json, path: string): SchemaNode {
  const known = new Set<string>(KEY_ORDER);
  for (const key of Object.keys(out)) if (!known.has(key)) fail(path, `unexpected key ${key}`);
  const result: Json = {};
  for (const key of KEY_ORDER) if (out[key] !== undefined) result[key] = out[key];
  return result;
}

function structural(node: unknown, path: string): SchemaNode {
  if (!isObject(node)) fail(path, 'schema must be an object');
  const out = translate(node, path);
  checkNode(out, path);
  return ordered(out, path);
}

/**
 * The structural schema of a zod schema's input side (fields with defaults are optional, defaults included).
 * Throws, naming the path, on anything a CRD cannot express or that lacks a description or a size bound.
 */
export function structuralSchema(schema: z.ZodType, path = ''): SchemaNode {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw', cycles: 'throw', reused: 'inline' });
  return structural(json, path);
}
