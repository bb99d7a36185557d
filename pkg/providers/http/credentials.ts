// Putting a Provider's credential on an upstream request: one place for every kind of TableCredential, so adapters
// never look inside one. The value is a secret: it goes into the headers or URL handed to undici and nowhere else.
import { GatewayError } from '../../errors/errors.ts';
import type { TableCredential } from '../../table/types.ts';

/**
 * Applies `credential` to a request in place: a `header` credential sets its (lower-case) header, a `query`
 * credential sets its query parameter on `url`. `null` (no credentials, e.g. fake or a keyless local server) changes
 * nothing. `sigv4` and `oauth` are typed for providers still to come and throw a GatewayError (internal_error, whose
 * message names the kind, never the secret) until a provider implements signing or token sources.
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
    case 'oauth':
      throw new GatewayError('internal_error', { message: notImplemented(credential.kind) });
  }
}

/** The message for a credential kind no provider implements yet; exported for tests. */
export function notImplemented(kind: 'sigv4' | 'oauth'): string {
  const what = kind === 'sigv4' ? 'AWS SigV4 request signing' : 'OAuth token sources';
  return `credential kind ${kind} is not implemented in this release (${what} come with the providers that need them)`;
}

/**
 * Every secret string a credential holds (the formatted value, and for header credentials the bare key after a
 * "Bearer " prefix), for checks that keep secrets out of messages and logs.
 */
export function credentialSecrets(credential: TableCredential | null): string[] {
  if (credential === null) return [];
  const out = [credential.value];
  if (credential.kind === 'header' && /^bearer /i.test(credential.value)) out.push(credential.value.slice('bearer '.length));
  if (credential.kind === 'sigv4' && credential.sessionToken !== undefined) out.push(credential.sessionToken);
  return out.filter((s) => s !== '');
}
