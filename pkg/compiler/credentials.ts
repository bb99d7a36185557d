// Provider spec.auth → TableCredential: the one place that turns each auth method into the table's credential,
// reading the Secret keys it names. Secret values never reach a message; messages name Secrets and keys only.
import { Reason } from '../api/conditions.ts';
import type { ProviderSpec } from '../api/provider.ts';
import type { ProviderDescriptor } from '../providers/descriptor-types.ts';
import type { TableCredential } from '../table/types.ts';
import { lookupSecretKey } from './secrets.ts';
import type { SecretIndex } from './secrets.ts';

export const GOOGLE_CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const AZURE_COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';
export const ENTRA_DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';
/** The SigV4 service when the descriptor does not name one. */
const DEFAULT_SIGV4_SERVICE = 'bedrock';

type Auth = NonNullable<ProviderSpec['auth']>;
type Ref = { readonly name: string; readonly key: string };

export type AuthResolution =
  | { readonly ok: true; readonly credential: TableCredential; /** What was resolved, for the ResolvedRefs message. */ readonly refs: string }
  | { readonly ok: false; readonly reason: string; readonly message: string };

/** Every Secret key an auth method reads, with whether its value may span lines (a JSON key). */
export function authSecretRefs(auth: Auth): { readonly ref: Ref; readonly multiline: boolean }[] {
  const out: { ref: Ref; multiline: boolean }[] = [];
  if (auth.secretRef !== undefined) out.push({ ref: auth.secretRef, multiline: false });
  if (auth.aws !== undefined) {
    out.push({ ref: auth.aws.accessKeyId, multiline: false }, { ref: auth.aws.secretAccessKey, multiline: false });
    if (auth.aws.sessionToken !== undefined) out.push({ ref: auth.aws.sessionToken, multiline: false });
  }
  if (auth.googleServiceAccount !== undefined) out.push({ ref: auth.googleServiceAccount, multiline: true });
  if (auth.entra?.clientSecret !== undefined) out.push({ ref: auth.entra.clientSecret, multiline: false });
  return out;
}

/**
 * The credential for spec.auth: reads every Secret key the method names (the first that does not resolve gives
 * SecretNotFound, SecretKeyNotFound or InvalidSecretValue), then builds the method's kind.
 */
export function resolveAuth(spec: ProviderSpec, auth: Auth, d: ProviderDescriptor, namespace: string, secrets: SecretIndex): AuthResolution {
  const values: string[] = [];
  const described: string[] = [];
  for (const { ref, multiline } of authSecretRefs(auth)) {
    const found = lookupSecretKey(secrets, namespace, ref.name, ref.key, { multiline });
    if (!found.ok) return found;
    values.push(found.value);
    described.push(`key ${ref.key} of Secret ${namespace}/${ref.name}`);
  }
  const refs = described.length === 0 ? '' : `${described.join(', ')} resolved`;
  const [first = '', second = '', third] = values;
  if (auth.secretRef !== undefined) return { ok: true, credential: apiKeyCredential(d, auth.header, first), refs };
  if (auth.aws !== undefined) {
    return {
      ok: true,
      refs,
      credential: {
        kind: 'sigv4', service: sigv4Service(d), region: spec.region ?? '', accessKeyId: first, value: second,
        ...(third === undefined ? {} : { sessionToken: third }),
      },
    };
  }
  if (auth.awsWebIdentity !== undefined) {
    const w = auth.awsWebIdentity;
    return {
      ok: true,
      refs: 'AWS web identity of the proxy pod (no Secret to resolve)',
      credential: {
        kind: 'aws-web-identity', service: sigv4Service(d), region: spec.region ?? '',
        ...(w.roleArn === undefined ? {} : { roleArn: w.roleArn }),
        ...(w.tokenFile === undefined ? {} : { tokenFile: w.tokenFile }),
      },
    };
  }
  if (auth.googleServiceAccount !== undefined) {
    const { name, key } = auth.googleServiceAccount;
    const problem = serviceAccountProblem(first);
    if (problem !== null) {
      return { ok: false, reason: Reason.InvalidSecretValue, message: `key ${key} of Secret ${namespace}/${name} is not a Google service-account JSON key (${problem})` };
    }
    return { ok: true, refs, credential: { kind: 'google', source: 'service-account', value: first, scopes: oauthScopes(d, GOOGLE_CLOUD_PLATFORM_SCOPE) } };
  }
  if (auth.googleDefault !== undefined) {
    return {
      ok: true,
      refs: 'application default credentials of the proxy pod (no Secret to resolve)',
      credential: { kind: 'google', source: 'default', scopes: oauthScopes(d, GOOGLE_CLOUD_PLATFORM_SCOPE) },
    };
  }
  const e = auth.entra;
  if (e === undefined) throw new Error('resolveAuth: spec.auth sets no method (the schema requires exactly one)');
  return {
    ok: true,
    refs: e.clientSecret === undefined ? 'workload identity of the proxy pod (no Secret to resolve)' : refs,
    credential: {
      kind: 'entra',
      tenantId: e.tenantId,
      clientId: e.clientId,
      authorityHost: (e.authorityHost ?? ENTRA_DEFAULT_AUTHORITY).replace(/\/+$/, ''),
      scopes: oauthScopes(d, AZURE_COGNITIVE_SERVICES_SCOPE),
      ...(e.clientSecret === undefined ? {} : { value: first }),
      ...(e.federatedTokenFile === undefined ? {} : { federatedTokenFile: e.federatedTokenFile }),
    },
  };
}

function sigv4Service(d: ProviderDescriptor): string {
  return d.auth.kind === 'sigv4' ? d.auth.service : DEFAULT_SIGV4_SERVICE;
}

/** The descriptor's OAuth scopes when it declares them, else the method's default scope. */
function oauthScopes(d: ProviderDescriptor, fallback: string): string[] {
  return d.auth.kind === 'oauth' && d.auth.scopes.length > 0 ? [...d.auth.scopes] : [fallback];
}

/** Why `json` is not a usable service-account key, or null. Never quotes the value. */
function serviceAccountProblem(json: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return 'the value is not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'the value is not a JSON object';
  const rec = parsed as Record<string, unknown>;
  if (rec.type !== 'service_account') return 'expected "type": "service_account"';
  const missing = ['client_email', 'private_key'].filter((k) => typeof rec[k] !== 'string' || rec[k] === '');
  return missing.length === 0 ? null : `missing ${missing.join(' and ')}`;
}

/**
 * The table credential for an API key. Header schemes: the Authorization header always carries "Bearer <key>";
 * the descriptor's own header uses the descriptor's format; any other header named by spec.auth.header the raw key.
 * Query schemes put the key in the descriptor's parameter. Types without a key scheme (fake) use Authorization.
 */
export function apiKeyCredential(d: ProviderDescriptor, headerOverride: string | undefined, key: string): TableCredential {
  if (d.auth.kind === 'query' && headerOverride === undefined) return { kind: 'query', param: d.auth.param, value: key };
  const scheme = d.auth.kind === 'header' ? d.auth : { header: 'authorization', format: 'bearer' as const };
  const header = (headerOverride ?? scheme.header).toLowerCase();
  const bearer = header === scheme.header ? scheme.format === 'bearer' : header === 'authorization';
  return { kind: 'header', header, value: bearer ? `Bearer ${key}` : key };
}
