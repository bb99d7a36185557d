// The what-if input of `switchyard validate`: the same objects with every referenced-but-missing Secret (or key of a
// Secret) and every unset `${env:NAME}` value supplied by a placeholder. Whatever still fails to compile is wrong in
// the manifests themselves; what fails only in the real compile is caused by a missing input (a warning).
// Placeholders never leave this process: they only feed the what-if compile, whose messages carry no values.
import { createHash } from 'node:crypto';
import { authSecretReferences } from '../api/provider.ts';
import { API_KEY_LABEL } from '../api/secret.ts';
import type { EnvPlaceholder } from '../config/env.ts';

const GROUP_VERSION = 'switchyard.dev/v1alpha1';

export interface AssumedInput {
  readonly objects: unknown[];
  /** "namespace/name" of the Secrets created from nothing (their own statuses and keys are not reported). */
  readonly stubs: ReadonlySet<string>;
}

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];
}

function identity(obj: Rec): { namespace: string; name: string } {
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
  return { namespace, name: typeof meta.name === 'string' ? meta.name : '' };
}

/** Unique values per reference, shaped to pass the API-key field rules (key ≥ 8 characters, keyHash 64 hex). */
export function envPlaceholder(): EnvPlaceholder {
  let n = 0;
  return (ref) => {
    n += 1;
    const text = `validate-placeholder-${n}`;
    if (ref.key === 'keyHash') return createHash('sha256').update(text).digest('hex');
    if (ref.key === 'expiresAt') return '9999-12-31T23:59:59Z';
    return text;
  };
}

interface Need {
  /** Keys a Provider reads from the Secret. */
  readonly keys: Set<string>;
  /** Of those, the keys that must hold a service-account JSON key. */
  readonly jsonKeys: Set<string>;
  /** Referenced as an API-key Secret (route access, quota subject). */
  apiKey: boolean;
}

/** Secrets the Switchyard objects reference: "namespace/name" → what is read from them. */
function referencedSecrets(objects: readonly unknown[]): Map<string, Need> {
  const needs = new Map<string, Need>();
  const need = (namespace: string, name: string): Need => {
    const id = `${namespace}/${name}`;
    const found = needs.get(id) ?? { keys: new Set<string>(), jsonKeys: new Set<string>(), apiKey: false };
    needs.set(id, found);
    return found;
  };
  for (const obj of objects) {
    if (!isRecord(obj) || obj.apiVersion !== GROUP_VERSION || !isRecord(obj.spec)) continue;
    const { namespace } = identity(obj);
    const spec = obj.spec;
    if (obj.kind === 'Provider') {
      for (const { name, key, json } of authSecretReferences(spec)) {
        const n = need(namespace, name);
        n.keys.add(key);
        if (json) n.jsonKeys.add(key);
      }
    } else if (obj.kind === 'ModelRoute' && isRecord(spec.access) && Array.isArray(spec.access.allow)) {
      for (const rule of spec.access.allow) {
        if (isRecord(rule)) for (const name of strings(rule.keys)) need(namespace, name).apiKey = true;
      }
    } else if (obj.kind === 'Quota' && isRecord(spec.subject) && spec.subject.kind === 'key' && typeof spec.subject.name === 'string') {
      need(namespace, spec.subject.name).apiKey = true;
    }
  }
  return needs;
}

function hasValue(secret: Rec, key: string): boolean {
  for (const field of ['data', 'stringData'] as const) {
    const map = secret[field];
    if (isRecord(map) && typeof map[key] === 'string' && map[key].trim() !== '') return true;
  }
  return false;
}

/** A stand-in value with the shape the key must have (a service-account JSON key, or a plain value). */
function placeholderFor(need: Need, key: string): string {
  if (!need.jsonKeys.has(key)) return 'validate-placeholder';
  return JSON.stringify({ type: 'service_account', client_email: 'validate-placeholder@example.iam.gserviceaccount.com', private_key: 'validate-placeholder' });
}

/** Supplies every Secret and Secret key the objects reference but the set lacks. `objects` is not modified. */
export function assumeSecrets(objects: readonly unknown[]): AssumedInput {
  const needs = referencedSecrets(objects);
  const present = new Map<string, number>();
  objects.forEach((obj, i) => {
    if (isRecord(obj) && obj.apiVersion === 'v1' && obj.kind === 'Secret') {
      const { namespace, name } = identity(obj);
      if (!present.has(`${namespace}/${name}`)) present.set(`${namespace}/${name}`, i);
    }
  });
  const out = [...objects];
  const stubs = new Set<string>();
  let n = 0;
  for (const [id, need] of needs) {
    const at = present.get(id);
    const existing = at === undefined ? undefined : out[at];
    if (isRecord(existing)) {
      const missing = [...need.keys].filter((k) => !hasValue(existing, k));
      if (missing.length === 0 || at === undefined) continue;
      const stringData = isRecord(existing.stringData) ? { ...existing.stringData } : {};
      for (const k of missing) stringData[k] = placeholderFor(need, k);
      out[at] = { ...existing, stringData };
      continue;
    }
    const [namespace = 'default', name = ''] = id.split('/');
    const stringData: Rec = Object.fromEntries([...need.keys].map((k) => [k, placeholderFor(need, k)]));
    n += 1;
    if (need.apiKey) stringData.key = `validate-placeholder-key-${n}`;
    const labels = need.apiKey ? { [API_KEY_LABEL]: 'true' } : {};
    out.push({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace, name, labels }, stringData });
    stubs.add(id);
  }
  return { objects: out, stubs };
}
