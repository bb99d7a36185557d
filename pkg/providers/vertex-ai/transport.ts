// How a vertex-ai request is sent: the core's HTTP send on the provider's pool, with `authorization: Bearer <token>`
// added from the provider's background token source (one per provider and credential, kept across table swaps by
// AdapterDeps.sources). A request never waits for a token: without one in hand it fails with kind `auth` at once,
// and the core fails over like for any other failed attempt.
import type { TableProvider } from '../../table/types.ts';
import { credentialKey, refreshingSource } from '../http/credential-sources.ts';
import type { RefreshingSource, RefreshingSourceOptions } from '../http/credential-sources.ts';
import { credentialSecrets } from '../http/credentials.ts';
import { httpTransport } from '../http/send.ts';
import { UpstreamFailureError } from '../types.ts';
import type { AdapterDeps, Transport } from '../types.ts';
import { googleTokenFetcher } from './auth.ts';

/** Schedule settings of the token source (tests shorten them); the defaults are refreshingSource's. */
export type TokenSourceTuning = Pick<RefreshingSourceOptions, 'refreshBeforeMs' | 'minRefreshMs' | 'retryMinMs' | 'retryMaxMs' | 'fetchTimeoutMs' | 'clock' | 'timers' | 'log'>;

/** The provider's token source (created on first use of this provider + credential, shared afterwards). Null without Google credentials. */
export function vertexTokenSource(provider: TableProvider, deps: AdapterDeps, tuning: TokenSourceTuning = {}): RefreshingSource<string> | null {
  const cred = provider.credential;
  if (cred === null || cred.kind !== 'google') return null;
  return deps.sources.get(credentialKey(provider), () =>
    refreshingSource(googleTokenFetcher(cred), { log: deps.sources.log, ...tuning, what: `vertex-ai access token for ${provider.id}`, secrets: credentialSecrets(cred) }),
  );
}

/** The message of the `auth` failure a request gets when no token is in hand (names no secret). */
export function tokenUnavailable(provider: Pick<TableProvider, 'id'>, source: RefreshingSource<string> | null): string {
  if (source === null) return `vertex-ai credentials are not available: provider ${provider.id} has no Google credentials (spec.auth.googleServiceAccount or googleDefault)`;
  const why = source.lastError();
  return `vertex-ai credentials are not available yet: ${why ?? 'the first access token has not been fetched'}`;
}

export function vertexTransport(provider: TableProvider, deps: AdapterDeps, tuning: TokenSourceTuning = {}): Transport {
  const source = vertexTokenSource(provider, deps, tuning);
  const send = httpTransport(provider, deps);
  return async (req, timeouts, signal) => {
    const token = source?.current() ?? null;
    if (token === null) throw new UpstreamFailureError({ kind: 'auth', message: tokenUnavailable(provider, source) });
    return await send({ ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } }, timeouts, signal);
  };
}
