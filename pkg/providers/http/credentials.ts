// Putting a Provider's credential on an upstream request: one place for the kinds that are plain values, so adapters
// never look inside one. Secret values go into the headers or URL handed to undici and nowhere else.
import type { TableCredential } from '../../table/types.ts';

/**
 * Applies `credential` to a request in place: a `header` credential sets its (lower-case) header, a `query`
 * credential sets its query parameter on `url`. `null` (no credentials, e.g. fake or a keyless local server) changes
 * nothing. The other kinds (`sigv4`, `aws-web-identity`, `google`, `entra`) change nothing here either: the provider
 * adapter's own transport signs the request (SigV4) or adds the bearer token its background source fetched
 * (pkg/providers/http/credential-sources.ts), because only it knows the final bytes and the token in use.
 */
export function applyCredential(credential: TableCredential | null, headers: Record<string, string>, url: URL): void {
  if (credential === null) return;
  switch (credential.kind) {
    case 'header':
      headers[credential.header] = credential.value;
      return;
    case 'query':
      url.searchParams.set(credential.param, credential.value);
      return;
    case 'sigv4':
    case 'aws-web-identity':
    case 'google':
    case 'entra':
      return;
  }
}

/**
 * Every secret string a credential holds, for checks that keep secrets out of messages and logs: the formatted
 * value, and for header credentials the bare key after a "Bearer " prefix; the SigV4 session token; a service-account
 * key's private key and key id (as well as the whole JSON); the Entra client secret.
 */
export function credentialSecrets(credential: TableCredential | null): string[] {
  if (credential === null) return [];
  const out: string[] = [];
  switch (credential.kind) {
    case 'header':
      out.push(credential.value);
      if (/^bearer /i.test(credential.value)) out.push(credential.value.slice('bearer '.length));
      break;
    case 'query':
      out.push(credential.value);
      break;
    case 'sigv4':
      out.push(credential.value);
      if (credential.sessionToken !== undefined) out.push(credential.sessionToken);
      break;
    case 'aws-web-identity':
      break;
    case 'google':
      if (credential.source === 'service-account') out.push(credential.value, ...serviceAccountSecrets(credential.value));
      break;
    case 'entra':
      if (credential.value !== undefined) out.push(credential.value);
      break;
  }
  return out.filter((s) => s !== '');
}

/** The private key and its id inside a service-account key JSON (empty when the JSON does not parse). */
function serviceAccountSecrets(json: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  const rec = parsed as Record<string, unknown>;
  return ['private_key', 'private_key_id'].flatMap((k) => (typeof rec[k] === 'string' ? [rec[k]] : []));
}
