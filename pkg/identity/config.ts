// OIDC issuer settings (`--oidc-config FILE`, YAML or JSON): which issuers' JWT bearer tokens the data port accepts
// and how their claims map to a principal (ADR 0017). Pure: text in, validated settings or a readable error out.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * Asymmetric JWS algorithms only. `none` is never accepted and HS* (shared secrets) are not supported: a JWKS is
 * public, so an HMAC "key" from it would let anyone mint tokens (key confusion).
 */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
] as const;

export type JwsAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

const DEFAULT_ALGORITHMS: readonly JwsAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https, or http to a loopback address (tests, sidecars). */
function secureUrl(what: string) {
  return z.string().min(1).max(2048).superRefine((v, ctx) => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${what} is not a URL` });
      return;
    }
    if (u.username !== '' || u.password !== '') ctx.addIssue({ code: 'custom', message: `${what} must not hold credentials` });
    if (u.protocol === 'https:') return;
    if (u.protocol === 'http:' && LOOPBACK.has(u.hostname)) return;
    ctx.addIssue({ code: 'custom', message: `${what} must be https (plain http only to a loopback address)` });
  });
}

const ClaimName = z.string().min(1).max(128);

const Issuer = z.object({
  issuer: secureUrl('issuer'),
  audiences: z.array(z.string().min(1).max(512)).min(1).max(32),
  jwksUri: secureUrl('jwksUri').optional(),
  algorithms: z.array(z.enum(ASYMMETRIC_ALGORITHMS, { message: `algorithms may only hold ${ASYMMETRIC_ALGORITHMS.join(', ')} (never none or HS*)` })).min(1).max(16).optional(),
  clockSkewSeconds: z.number().int().min(0).max(600).default(60),
  refreshIntervalSeconds: z.number().int().min(10).max(86_400).default(600),
  unknownKidCooldownSeconds: z.number().min(0).max(3600).default(30),
  claims: z.object({
    user: ClaimName.default('sub'),
    team: ClaimName.optional(),
    groups: ClaimName.default('groups'),
  }).strict().default({ user: 'sub', groups: 'groups' }),
}).strict();

const OidcFile = z.object({ issuers: z.array(Issuer).min(1).max(16) }).strict();

export interface IssuerConfig {
  /** The exact `iss` value tokens carry. */
  readonly issuer: string;
  readonly audiences: readonly string[];
  /** null = discovered from <issuer>/.well-known/openid-configuration (in the background). */
  readonly jwksUri: string | null;
  readonly algorithms: readonly JwsAlgorithm[];
  readonly clockSkewSeconds: number;
  readonly refreshIntervalSeconds: number;
  /** Least time between two refreshes triggered by an unknown `kid`. */
  readonly unknownKidCooldownSeconds: number;
  /** Claim names: user (default sub), team (default none), groups (default groups). */
  readonly claims: { readonly user: string; readonly team: string | null; readonly groups: string };
}

export interface IdentityConfig {
  readonly issuers: readonly IssuerConfig[];
}

export class IdentityConfigError extends Error {}

function issueText(err: z.ZodError): string {
  return err.issues.slice(0, 5).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(top)'}: ${i.message}`).join('; ');
}

/** Parses and validates an OIDC settings document (YAML or JSON, which is YAML). */
export function parseIdentityConfig(text: string): IdentityConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 10 });
  } catch (err) {
    throw new IdentityConfigError(`not valid YAML or JSON (${err instanceof Error ? err.message.split('\n')[0] : 'parse error'})`);
  }
  const parsed = OidcFile.safeParse(doc);
  if (!parsed.success) throw new IdentityConfigError(issueText(parsed.error));
  const seen = new Set<string>();
  const issuers = parsed.data.issuers.map((i): IssuerConfig => {
    if (seen.has(i.issuer)) throw new IdentityConfigError(`issuer ${i.issuer} is listed twice`);
    seen.add(i.issuer);
    return Object.freeze({
      issuer: i.issuer,
      audiences: Object.freeze([...i.audiences]),
      jwksUri: i.jwksUri ?? null,
      algorithms: Object.freeze([...(i.algorithms ?? DEFAULT_ALGORITHMS)]),
      clockSkewSeconds: i.clockSkewSeconds,
      refreshIntervalSeconds: i.refreshIntervalSeconds,
      unknownKidCooldownSeconds: i.unknownKidCooldownSeconds,
      claims: Object.freeze({ user: i.claims.user, team: i.claims.team ?? null, groups: i.claims.groups }),
    });
  });
  return Object.freeze({ issuers: Object.freeze(issuers) });
}

/** The discovery document's address for an issuer (OpenID Connect Discovery 1.0 §4). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}
