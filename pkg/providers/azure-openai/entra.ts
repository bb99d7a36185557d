// Microsoft Entra ID bearer tokens for Azure OpenAI, fetched with @azure/identity (MSAL underneath) and kept fresh
// by a background RefreshingSource (pkg/providers/http/credential-sources.ts): one per provider and credential,
// shared across table swaps. A request only reads the token in hand: without one it fails at once with kind `auth`
// (the core fails over), it never waits on the token endpoint.
//   - client secret (spec.auth.entra.clientSecret): ClientSecretCredential, the client-credentials grant;
//   - workload identity (no secret): WorkloadIdentityCredential, which presents the federated token file
//     (spec.auth.entra.federatedTokenFile, else the pod's AZURE_FEDERATED_TOKEN_FILE, as the AKS workload identity
//     webhook sets it) as the client assertion.
// The scope is https://cognitiveservices.azure.com/.default (the table credential's scopes). `authorityHost` defaults
// to https://login.microsoftonline.com; for a host outside Azure's public and sovereign clouds (a private authority,
// a test endpoint) MSAL's instance discovery is turned off, as @azure/identity documents for such authorities.
// @azure/identity (about 25 MB of RSS with MSAL) is imported by the background fetch, the first time an Entra
// credential is used: a proxy without one never loads it (ADR 0025), and no request waits for it (it has no token
// before the first fetch either way).
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import type { TableEntraCredential, TableProvider } from '../../table/types.ts';
import { credentialKey, refreshingSource } from '../http/credential-sources.ts';
import type { Refreshable, RefreshingSource } from '../http/credential-sources.ts';
import { credentialSecrets } from '../http/credentials.ts';
import { httpTransport } from '../http/send.ts';
import { UpstreamFailureError } from '../types.ts';
import type { AdapterDeps, Transport } from '../types.ts';

/** Authority hosts MSAL knows (public, US Government and China clouds): instance discovery stays on for these. */
const KNOWN_AUTHORITIES = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn']);

export interface EntraEnv {
  /** The pod's AZURE_FEDERATED_TOKEN_FILE, used when the credential names no file. */
  readonly AZURE_FEDERATED_TOKEN_FILE?: string | undefined;
}

/**
 * The @azure/identity credential for a table credential. Throws when workload identity has no token file. The
 * library is imported by the first getToken() (in the background fetch), then the credential is built as before.
 */
export function entraCredential(cred: TableEntraCredential, env: EntraEnv = process.env): TokenCredential {
  const options = {
    authorityHost: cred.authorityHost,
    disableInstanceDiscovery: !KNOWN_AUTHORITIES.has(new URL(cred.authorityHost).hostname.toLowerCase()),
  };
  let create: (lib: typeof import('@azure/identity')) => TokenCredential;
  const secret = cred.value;
  if (secret !== undefined) create = (lib) => new lib.ClientSecretCredential(cred.tenantId, cred.clientId, secret, options);
  else {
    const tokenFilePath = cred.federatedTokenFile ?? env.AZURE_FEDERATED_TOKEN_FILE;
    if (tokenFilePath === undefined || tokenFilePath === '') {
      throw new Error('workload identity needs a federated token file: set spec.auth.entra.federatedTokenFile or AZURE_FEDERATED_TOKEN_FILE in the proxy pod');
    }
    create = (lib) => new lib.WorkloadIdentityCredential({ ...options, tenantId: cred.tenantId, clientId: cred.clientId, tokenFilePath });
  }
  let made: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes: string | string[], opts?: GetTokenOptions): Promise<AccessToken | null> {
      made ??= import('@azure/identity').then(create).catch((err: unknown) => {
        made = undefined;
        throw err;
      });
      return await (await made).getToken(scopes, opts);
    },
  };
}

/** Fetches one access token: the source calls it in the background, at start and before each expiry. */
export function entraTokenFetcher(cred: TableEntraCredential, env: EntraEnv = process.env): (signal: AbortSignal) => Promise<Refreshable<string>> {
  let credential: TokenCredential | undefined;
  return async (signal) => {
    credential ??= entraCredential(cred, env);
    const token = await credential.getToken([...cred.scopes], { abortSignal: signal });
    if (token === null) throw new Error('Entra ID returned no access token');
    return { value: token.token, expiresAt: token.expiresOnTimestamp };
  };
}

/** The provider's token source (created on the first adapter for this provider + credential, shared afterwards). */
export function entraTokenSource(provider: TableProvider, cred: TableEntraCredential, deps: AdapterDeps): RefreshingSource<string> {
  return deps.sources.get(credentialKey(provider), () =>
    refreshingSource(entraTokenFetcher(cred), { what: `azure-openai Entra ID token for ${provider.id}`, secrets: credentialSecrets(cred), log: deps.sources.log }),
  );
}

/** The `auth` failure message when no token is in hand (names no secret: lastError() is already redacted). */
export function tokenUnavailable(source: RefreshingSource<string>): string {
  return `azure-openai credentials are not available yet: ${source.lastError() ?? 'the first Entra ID access token has not been fetched'}`;
}

/** The HTTP transport with `authorization: Bearer <token in hand>`. */
export function entraTransport(provider: TableProvider, deps: AdapterDeps, source: RefreshingSource<string>): Transport {
  const send = httpTransport(provider, deps);
  return async (req, timeouts, signal) => {
    const token = source.current();
    if (token === null) throw new UpstreamFailureError({ kind: 'auth', message: tokenUnavailable(source) });
    return await send({ ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } }, timeouts, signal);
  };
}
