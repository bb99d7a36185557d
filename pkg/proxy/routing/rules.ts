// Conditional routing (ModelRoute spec.rules): compiled once per table load into arrays and Sets; matched per
// request, first match wins, only on routes that have rules. Every field a rule gives must match: headers and
// metadata and claims by exact value, keys and teams by membership. A missing header, metadata entry or claim never
// matches, and neither does an anonymous caller for keys or teams.
import type { TableMatch } from '../../table/types.ts';
import type { RouteRequestFacts } from './types.ts';

export interface CompiledMatch {
  readonly headers: readonly (readonly [string, string])[];
  readonly metadata: readonly (readonly [string, string])[];
  readonly keys: ReadonlySet<string> | null;
  readonly teams: ReadonlySet<string> | null;
  readonly claims: readonly (readonly [string, string])[];
}

export function compileMatch(m: TableMatch): CompiledMatch {
  return {
    headers: Object.entries(m.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v] as const),
    metadata: Object.entries(m.metadata ?? {}),
    keys: m.keys === undefined ? null : new Set(m.keys),
    teams: m.teams === undefined ? null : new Set(m.teams),
    claims: Object.entries(m.claims ?? {}),
  };
}

/** A metadata value as text: strings as they are, numbers and booleans as JSON; anything else never matches. */
function metadataText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** The first field of `m` that does not match `f`, or null when all match (for /debug/explain's "why not"). */
export function mismatch(m: CompiledMatch, f: RouteRequestFacts): string | null {
  for (const [name, want] of m.headers) {
    const got = f.header(name);
    if (got !== want) return got === undefined ? `header ${name} is absent` : `header ${name} differs`;
  }
  for (const [key, want] of m.metadata) {
    const got = f.metadata === null || !Object.hasOwn(f.metadata, key) ? undefined : metadataText(f.metadata[key]);
    if (got !== want) return got === undefined ? `metadata ${key} is absent` : `metadata ${key} differs`;
  }
  if (m.keys !== null && (f.keyId === null || !m.keys.has(f.keyId))) return f.keyId === null ? 'no API key' : 'API key not listed';
  if (m.teams !== null && (f.team === null || !m.teams.has(f.team))) return f.team === null ? 'no team' : `team ${f.team} not listed`;
  for (const [claim, want] of m.claims) {
    const got = f.claims === null || !Object.hasOwn(f.claims, claim) ? undefined : f.claims[claim];
    if (got !== want) return got === undefined ? `claim ${claim} is absent` : `claim ${claim} differs`;
  }
  return null;
}

export function matches(m: CompiledMatch, f: RouteRequestFacts): boolean {
  return mismatch(m, f) === null;
}

/** Index of the first rule whose match holds, or -1. */
export function firstMatch(rules: readonly { readonly match: CompiledMatch }[], f: RouteRequestFacts): number {
  for (let i = 0; i < rules.length; i++) if (matches((rules[i] as { readonly match: CompiledMatch }).match, f)) return i;
  return -1;
}
