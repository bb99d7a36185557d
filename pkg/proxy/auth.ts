// Client authentication (E1, E3, E6) and model access (E5).
//
// Credential precedence — the one place it is defined:
//   1. `Authorization: Bearer <key>` (scheme case-insensitive);
//   2. `x-api-key: <key>` (Anthropic-style clients).
//   Both present with different keys → 400 conflicting_credentials. Both equal → that key.
//   `api-key` (Azure-style) and `?key=` are NOT credentials here: they are ignored, so such a request has no key.
// Lookup is SHA-256(key) → Map; unknown, malformed, revoked and expired keys all get the same 401 body.
// JWT bearer tokens (ADR 0017): when OIDC issuers are configured, an `Authorization: Bearer` credential shaped like a
// JWT (three base64url segments) is verified by pkg/identity instead of looked up (asynchronously, keys in memory);
// everything else — other bearers, x-api-key — goes to the key table. Without issuers a JWT is just an unknown key.
//
// The auth mode is a property of the process, set at startup (ADR 0013), never derived from the table:
//   required — every request needs a valid key; a table with zero keys answers 401 to everyone, with the same bodies
//              as any missing or unknown key (a client cannot tell "no keys configured" from "wrong key");
//   open     — a request without a key is served anonymously (principal null); a presented key is still checked
//              (an invalid one gets 401) so keyed callers keep their model lists; anonymous callers may not use
//              routes that carry access rules.
import { hash as digest } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors/errors.ts';
import { looksLikeJwt } from '../identity/verifier.ts';
import type { IdentityVerifier } from '../identity/verifier.ts';
import type { AuthMode } from '../telemetry/types.ts';
import type { RuntimePrincipal, RuntimeRoute, RuntimeTable } from './runtime-table.ts';

/** Longest key we hash; longer values are refused with the same 401 as any unknown key. */
const MAX_KEY_CHARS = 4096;

function bearer(value: string | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  if (value.length > 7 && value.charCodeAt(6) === 32 && value.slice(0, 6).toLowerCase() === 'bearer') return value.slice(7).trim();
  return null; // present but not a Bearer credential
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** The presented key, undefined when none, or a GatewayError. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined | GatewayError {
  const fromAuth = bearer(headers.authorization);
  const fromHeader = single(headers['x-api-key'])?.trim();
  if (fromAuth === null) return new GatewayError('invalid_api_key');
  if (fromAuth !== undefined && fromHeader !== undefined && fromHeader !== fromAuth) return new GatewayError('conflicting_credentials');
  const key = fromAuth ?? fromHeader;
  return key === '' ? undefined : key;
}

/**
 * Resolves the principal for a request; null = an anonymous caller (only in open mode, only without a key). A JWT
 * bearer (with `identity` configured) resolves through a promise that never rejects; API keys stay synchronous.
 */
export function authenticate(
  mode: AuthMode, rt: RuntimeTable, headers: IncomingHttpHeaders, nowMs: number, identity: IdentityVerifier | null = null,
): RuntimePrincipal | null | GatewayError | Promise<RuntimePrincipal | GatewayError> {
  const key = presentedKey(headers);
  if (key instanceof GatewayError) return key;
  if (key === undefined) return mode === 'open' ? null : new GatewayError('missing_api_key');
  if (identity !== null && headers.authorization !== undefined && looksLikeJwt(key)) return identity.verify(key);
  if (key.length > MAX_KEY_CHARS) return new GatewayError('invalid_api_key');
  // One-shot digest: no Hash object per request (issue 12).
  const hash = digest('sha256', key, 'hex');
  const p = rt.principals.get(hash);
  if (p === undefined) return new GatewayError('invalid_api_key');
  const exp = p.principal.expiresAt;
  if (exp !== null && exp < nowMs) return new GatewayError('invalid_api_key');
  return p;
}

/**
 * May `principal` call `route` under the name `requested`? The key's model list is checked against both the
 * requested name and the route's canonical model (so an alias cannot reach a model the key may not use), then the
 * route's access rules (any matching team, user or key id, or — for JWT principals — group). An anonymous caller (open mode) may use only routes
 * without access rules.
 */
export function mayUse(principal: RuntimePrincipal | null, requested: string, route: Pick<RuntimeRoute, 'model' | 'access'>): boolean {
  if (principal === null) return route.access === null;
  const models = principal.models;
  if (models !== null && !(models.has(requested) && (requested === route.model || models.has(route.model)))) return false;
  const access = route.access;
  if (access === null) return true;
  const p = principal.principal;
  if (access.keys.has(p.id) || (p.team !== undefined && access.teams.has(p.team)) || (p.user !== undefined && access.users.has(p.user))) return true;
  const groups = principal.groups;
  if (groups === undefined || access.groups.size === 0) return false;
  for (const g of groups) if (access.groups.has(g)) return true;
  return false;
}
