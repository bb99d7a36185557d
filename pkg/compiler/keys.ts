// API keys: Secrets labelled switchyard.dev/api-key: "true" → principals keyed by the SHA-256 of the key.
// Messages never contain a key or key hash value.
import { Reason } from '../api/conditions.ts';
import { ApiKeyFields } from '../api/secret.ts';
import type { ObjectStatus, TablePrincipal } from '../table/types.ts';
import { compareStrings, sha256Hex } from './hash.ts';
import type { SecretEntry, SecretIndex } from './secrets.ts';
import { cond, formatIssues, makeStatus, refId } from './status.ts';

export interface KeysResult {
  /** Key hash → principal. */
  readonly keys: ReadonlyMap<string, TablePrincipal>;
  /** Ids ("ns/name") of accepted API-key Secrets. */
  readonly principals: ReadonlySet<string>;
  readonly statuses: ObjectStatus[];
}

interface Candidate {
  readonly entry: SecretEntry;
  readonly hash: string;
  readonly principal: TablePrincipal;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export function compileKeys(index: SecretIndex): KeysResult {
  const statuses: ObjectStatus[] = [];
  const byHash = new Map<string, Candidate[]>();
  for (const entry of index.values()) {
    if (!entry.apiKey) continue;
    const result = readKey(entry);
    if (typeof result === 'string') {
      statuses.push(makeStatus(entry.obj, [cond('Accepted', 'False', 'Invalid', redact(result, entry))]));
      continue;
    }
    const list = byHash.get(result.hash) ?? [];
    list.push(result);
    byHash.set(result.hash, list);
  }
  const keys = new Map<string, TablePrincipal>();
  const principals = new Set<string>();
  for (const [hash, list] of byHash) {
    const [winner, ...losers] = list.sort(precedence);
    if (winner === undefined) continue;
    keys.set(hash, winner.principal);
    principals.add(winner.principal.id);
    statuses.push(makeStatus(winner.entry.obj, [cond('Accepted', 'True', 'Accepted', acceptedMessage(winner.principal))]));
    for (const loser of losers) {
      const message = `this Secret holds the same key as ${winner.principal.id}, which is kept (older creationTimestamp or first-seen time, then namespace/name); generate a new key for one of them`;
      statuses.push(makeStatus(loser.entry.obj, [cond('Accepted', 'False', Reason.Conflict, message)]));
    }
  }
  return { keys, principals, statuses };
}

function precedence(a: Candidate, b: Candidate): number {
  return a.entry.obj.createdAt - b.entry.obj.createdAt || compareStrings(a.principal.id, b.principal.id);
}

/** A candidate, or a problem description. */
function readKey(entry: SecretEntry): Candidate | string {
  if (entry.values === null) return `the Secret is malformed: ${entry.problem}`;
  const fields = Object.fromEntries([...entry.values].map(([k, v]) => [k, v.trim()]));
  const parsed = ApiKeyFields.safeParse(fields);
  if (!parsed.success) return `invalid API-key Secret: ${formatIssues(parsed.error.issues)}`;
  const { key, keyHash, team, user, models, expiresAt } = parsed.data;
  let expires: number | null = null;
  if (expiresAt !== undefined) {
    expires = RFC3339.test(expiresAt) ? Date.parse(expiresAt) : Number.NaN;
    if (Number.isNaN(expires)) return 'expiresAt is not an RFC 3339 timestamp (for example 2026-01-31T00:00:00Z)';
  }
  const hash = key !== undefined ? sha256Hex(key) : (keyHash ?? '');
  const id = refId(entry.obj);
  const principal: TablePrincipal = {
    id,
    name: entry.obj.name,
    namespace: entry.obj.namespace,
    ...(team === undefined ? {} : { team }),
    ...(user === undefined ? {} : { user }),
    models: models === undefined ? null : splitList(models),
    expiresAt: expires,
  };
  return { entry, hash, principal };
}

function splitList(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const name = part.trim();
    if (name !== '') seen.add(name);
  }
  return [...seen];
}

function acceptedMessage(p: TablePrincipal): string {
  const who = [p.team === undefined ? '' : `team ${p.team}`, p.user === undefined ? '' : `user ${p.user}`].filter(Boolean).join(', ');
  const models = p.models === null ? 'all models' : p.models.length === 0 ? 'no models (models is empty)' : `models ${p.models.join(', ')}`;
  const expiry = p.expiresAt === null ? 'no expiry' : `expires ${new Date(p.expiresAt).toISOString()}`;
  return `API key ${p.id} accepted${who === '' ? '' : ` (${who})`}: ${models}, ${expiry}`;
}

/** Belt and braces: remove any key material that might have slipped into a message. */
function redact(message: string, entry: SecretEntry): string {
  let out = message;
  for (const field of ['key', 'keyHash']) {
    const value = entry.values?.get(field);
    for (const v of [value, value?.trim()]) {
      if (v !== undefined && v.length >= 4) out = out.split(v).join('[redacted]');
    }
  }
  return out;
}
