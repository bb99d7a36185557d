// A view of the RoutingTable that is safe to show on /debug/table: no credential values, no API-key hashes, no
// secret-looking header values, no userinfo or query values in URLs (E11: a canary must not appear in any sink).
import type { RoutingTable, TableCredential, TablePrincipal, TableProvider } from '../table/types.ts';

export const REDACTED = '<redacted>';

/** Header names whose values may carry credentials even when configured as plain `headers`. */
const SENSITIVE_HEADER = /auth|key|token|secret|cookie|session|signature|password|credential/i;

/** A URL with userinfo and query values replaced (Gemini-style `?key=…`, `https://user:pass@host`). */
export function redactUrl(raw: string): string {
  if (raw === '') return raw;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return REDACTED;
  }
  if (u.username !== '' || u.password !== '') {
    u.username = 'redacted';
    u.password = '';
  }
  for (const name of [...new Set(u.searchParams.keys())]) u.searchParams.set(name, REDACTED);
  return u.toString().replace(/\/$/, raw.endsWith('/') ? '/' : '');
}

export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = SENSITIVE_HEADER.test(name) ? REDACTED : value;
  return out;
}

/**
 * A credential with every secret field replaced: the kind and where it goes (header, parameter, service, region,
 * tenant, scopes) stay visible. The AWS access key id is redacted too (it names the account's key). File paths and
 * role ARNs are not secrets and stay.
 */
export type RedactedCredential =
  | { readonly kind: 'header'; readonly header: string; readonly value: typeof REDACTED }
  | { readonly kind: 'query'; readonly param: string; readonly value: typeof REDACTED }
  | {
    readonly kind: 'sigv4'; readonly service: string; readonly region: string; readonly accessKeyId: typeof REDACTED; readonly value: typeof REDACTED;
    readonly sessionToken?: typeof REDACTED;
  }
  | { readonly kind: 'aws-web-identity'; readonly service: string; readonly region: string; readonly roleArn?: string; readonly tokenFile?: string }
  | { readonly kind: 'google'; readonly source: 'service-account'; readonly scopes: readonly string[]; readonly value: typeof REDACTED }
  | { readonly kind: 'google'; readonly source: 'default'; readonly scopes: readonly string[] }
  | {
    readonly kind: 'entra'; readonly tenantId: string; readonly clientId: string; readonly authorityHost: string; readonly scopes: readonly string[];
    readonly value?: typeof REDACTED; readonly federatedTokenFile?: string;
  };

export function redactCredential(c: TableCredential): RedactedCredential {
  switch (c.kind) {
    case 'header':
      return { kind: 'header', header: c.header, value: REDACTED };
    case 'query':
      return { kind: 'query', param: c.param, value: REDACTED };
    case 'sigv4':
      return {
        kind: 'sigv4', service: c.service, region: c.region, accessKeyId: REDACTED, value: REDACTED,
        ...(c.sessionToken === undefined ? {} : { sessionToken: REDACTED }),
      };
    case 'aws-web-identity':
      return {
        kind: 'aws-web-identity', service: c.service, region: c.region,
        ...(c.roleArn === undefined ? {} : { roleArn: c.roleArn }),
        ...(c.tokenFile === undefined ? {} : { tokenFile: c.tokenFile }),
      };
    case 'google':
      return c.source === 'service-account'
        ? { kind: 'google', source: 'service-account', scopes: c.scopes, value: REDACTED }
        : { kind: 'google', source: 'default', scopes: c.scopes };
    case 'entra':
      return {
        kind: 'entra', tenantId: c.tenantId, clientId: c.clientId, authorityHost: redactUrl(c.authorityHost), scopes: c.scopes,
        ...(c.value === undefined ? {} : { value: REDACTED }),
        ...(c.federatedTokenFile === undefined ? {} : { federatedTokenFile: c.federatedTokenFile }),
      };
  }
}

export interface RedactedProvider extends Omit<TableProvider, 'credential'> {
  readonly credential: RedactedCredential | null;
}

export function redactProvider(p: TableProvider): RedactedProvider {
  return {
    ...p,
    baseURL: redactUrl(p.baseURL),
    headers: redactHeaders(p.headers),
    credential: p.credential === null ? null : redactCredential(p.credential),
  };
}

export interface RedactedTable extends Omit<RoutingTable, 'providers' | 'keys'> {
  readonly providers: Readonly<Record<string, RedactedProvider>>;
  /** API-key principals by id; the key hashes are left out. */
  readonly keys: readonly TablePrincipal[];
}

export function redactTable(table: RoutingTable): RedactedTable {
  const providers: Record<string, RedactedProvider> = {};
  for (const [id, p] of Object.entries(table.providers)) providers[id] = redactProvider(p);
  const keys = Object.values(table.keys).map((k) => ({ ...k })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    version: table.version,
    hash: table.hash,
    providers,
    routes: table.routes,
    models: table.models,
    keys,
    quotas: table.quotas,
  };
}
