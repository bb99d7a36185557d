// The facts a routing rule matches on, read from a request lazily: built only for routes that have rules.
import type { IncomingHttpHeaders } from 'node:http';
import type { RuntimePrincipal } from '../runtime-table.ts';
import type { RouteRequestFacts } from './types.ts';

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Facts from the request's headers, its parsed body and the authenticated principal (null when anonymous). */
export function requestFacts(headers: IncomingHttpHeaders, body: Readonly<Record<string, unknown>> | null, principal: RuntimePrincipal | null): RouteRequestFacts {
  const metadata = body !== null && isRecord(body['metadata']) ? body['metadata'] : null;
  const p = principal?.principal;
  const jwt = principal?.claims !== undefined;
  return {
    header(name: string): string | undefined {
      const v = headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    },
    metadata,
    keyId: p === undefined || jwt || p.id === '' ? null : p.id,
    team: p?.team ?? null,
    claims: principal?.claims ?? null,
  };
}

/** Facts given explicitly (/debug/explain, `switchyard explain`): absent fields are absent. */
export interface GivenFacts {
  readonly headers?: Readonly<Record<string, string>>;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly key?: string;
  readonly team?: string;
  readonly claims?: Readonly<Record<string, string>>;
}

export function givenFacts(g: GivenFacts): RouteRequestFacts {
  const headers = new Map(Object.entries(g.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    header: (name) => headers.get(name),
    metadata: g.metadata ?? null,
    keyId: g.key ?? null,
    team: g.team ?? null,
    claims: g.claims ?? null,
  };
}
