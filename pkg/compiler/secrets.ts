// Secrets as the compiler reads them: decoded values per namespace/name, and whether they hold an API key.
import { API_KEY_LABEL, Secret, secretValues } from '../api/secret.ts';
import { Reason } from '../api/conditions.ts';
import type { InputObject } from './objects.ts';
import { isRecord } from './objects.ts';
import { formatIssues, refId } from './status.ts';
import { hasHeaderUnsafeChars } from './text.ts';

export interface SecretEntry {
  readonly obj: InputObject;
  /** Decoded values (data overlaid by stringData); null when the Secret is malformed. */
  readonly values: ReadonlyMap<string, string> | null;
  /** Why the Secret could not be read ("" when it could). Never contains a value. */
  readonly problem: string;
  /** Labelled switchyard.dev/api-key: "true". */
  readonly apiKey: boolean;
}

export type SecretIndex = ReadonlyMap<string, SecretEntry>;

/** readSecret per InputObject (gather hands an unchanged Secret the same one compile after compile; read-only). */
const entries = new WeakMap<InputObject, SecretEntry>();

export function readSecrets(objs: readonly InputObject[]): SecretIndex {
  const index = new Map<string, SecretEntry>();
  for (const obj of objs) {
    let entry = entries.get(obj);
    if (entry === undefined) {
      entry = readSecret(obj);
      entries.set(obj, entry);
    }
    index.set(refId(obj), entry);
  }
  return index;
}

function readSecret(obj: InputObject): SecretEntry {
  const meta = isRecord(obj.raw.metadata) ? obj.raw.metadata : {};
  const labels = isRecord(meta.labels) ? meta.labels : {};
  const apiKey = Object.hasOwn(labels, API_KEY_LABEL) && labels[API_KEY_LABEL] === 'true';
  const parsed = Secret.safeParse(obj.raw);
  if (!parsed.success) return { obj, values: null, problem: formatIssues(parsed.error.issues), apiKey };
  return { obj, values: new Map(Object.entries(secretValues(parsed.data))), problem: '', apiKey };
}

export type CredentialLookup =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly reason: string; readonly message: string };

/**
 * Look up one key of a Secret in a namespace; the value is trimmed (a trailing newline from a file is common).
 * Values are sent as header values unless `multiline` (a service-account JSON key), so control characters are
 * refused (InvalidSecretValue) by default.
 */
export function lookupSecretKey(index: SecretIndex, namespace: string, name: string, key: string, opts: { readonly multiline?: boolean } = {}): CredentialLookup {
  const id = `${namespace}/${name}`;
  const entry = index.get(id);
  if (entry === undefined) {
    return { ok: false, reason: 'SecretNotFound', message: `Secret ${id} not found; create it with key ${key}` };
  }
  if (entry.values === null) {
    return { ok: false, reason: 'SecretNotFound', message: `Secret ${id} could not be read (${entry.problem})` };
  }
  const value = entry.values.get(key)?.trim() ?? '';
  if (value === '') {
    const present = [...entry.values.keys()].sort().join(', ') || 'none';
    const what = entry.values.has(key) ? `has an empty key ${key}` : `has no key ${key} (keys present: ${present})`;
    return { ok: false, reason: 'SecretKeyNotFound', message: `Secret ${id} ${what}` };
  }
  if (opts.multiline !== true && hasHeaderUnsafeChars(value)) {
    return { ok: false, reason: Reason.InvalidSecretValue, message: `key ${key} of Secret ${id} contains control characters (a line break inside the value?) and cannot be sent as a header` };
  }
  return { ok: true, value };
}
