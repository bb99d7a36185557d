// Google OAuth access tokens for Vertex AI, fetched with google-auth-library (the library Google maintains for
// Node): a service-account JSON key from a Secret (JWT bearer grant) or Application Default Credentials (GKE
// workload identity, the metadata server, GOOGLE_APPLICATION_CREDENTIALS). This file only fetches one token; the
// background schedule (refresh before expiry, retry with backoff, never on the request path) is refreshingSource's
// (pkg/providers/http/credential-sources.ts).
//
// `token_uri`: google-auth-library 10 sends the JWT grant to its fixed https://oauth2.googleapis.com/token and
// ignores the key's `token_uri` (checked in node_modules/google-auth-library/build/src/gtoken/getToken.js). Google's
// Python and Go libraries honour it, so we do too: a key whose token_uri differs has its token request sent there
// (a fetch wrapper handed to the library's HTTP client). Only that one URL is rewritten.
//
// Errors are rethrown with a safe message: the library's errors carry the request (the signed assertion is itself a
// credential for an hour), so neither the error object nor its cause leaves this file.
//
// google-auth-library is imported when the first token is fetched (in the background): a proxy without a Vertex AI
// provider never loads it (ADR 0025).
import type { AuthClient, GoogleAuth } from 'google-auth-library';
import type { TableGoogleCredential } from '../../table/types.ts';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** The token URL google-auth-library posts service-account grants to. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** What we use of a service-account JSON key. */
export interface ServiceAccountFields {
  readonly clientEmail: string;
  readonly privateKey: string;
  readonly privateKeyId?: string;
  readonly projectId?: string;
  readonly tokenUri?: string;
}

/** A token and when it stops working (epoch ms), the shape refreshingSource schedules on. */
export interface FetchedToken {
  readonly value: string;
  readonly expiresAt: number;
}

/** Lifetime assumed when the library reports no expiry (it always does for the grants we use; kept short to be safe). */
const ASSUMED_LIFETIME_MS = 15 * 60_000;

/**
 * The fields of a service-account key JSON, or an Error whose message names what is wrong (never a value).
 */
export function parseServiceAccount(json: string): ServiceAccountFields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error('the service-account key is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the service-account key is not a JSON object');
  const o = parsed as Record<string, unknown>;
  if (o.type !== undefined && o.type !== 'service_account') throw new Error('the key is not of type "service_account"');
  const str = (k: string): string | undefined => (typeof o[k] === 'string' && o[k] !== '' ? o[k] : undefined);
  const clientEmail = str('client_email');
  const privateKey = str('private_key');
  if (clientEmail === undefined) throw new Error('the service-account key has no client_email');
  if (privateKey === undefined) throw new Error('the service-account key has no private_key');
  const out: { -readonly [K in keyof ServiceAccountFields]: ServiceAccountFields[K] } = { clientEmail, privateKey };
  const id = str('private_key_id');
  const project = str('project_id');
  const tokenUri = str('token_uri');
  if (id !== undefined) out.privateKeyId = id;
  if (project !== undefined) out.projectId = project;
  if (tokenUri !== undefined) out.tokenUri = tokenUri;
  return out;
}

function urlOf(input: unknown): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  if (input instanceof Request) return input.url;
  return String(input);
}

/**
 * A fetch for google-auth-library's HTTP client that sends its token request to `tokenUri` (a key's token_uri)
 * instead of the library's fixed URL; every other request goes out unchanged.
 */
export function tokenUriFetch(tokenUri: () => string | undefined): typeof fetch {
  return (input, init) => {
    const to = tokenUri();
    if (to !== undefined && to !== GOOGLE_TOKEN_URL && urlOf(input) === GOOGLE_TOKEN_URL) return fetch(to, init);
    return fetch(input, init);
  };
}

/**
 * Every call asks for a fresh token: the library's "eager refresh" window is made larger than any token's life, so
 * its cache never answers — when to refresh is refreshingSource's decision, not the library's.
 */
const ALWAYS_REFRESH = Number.MAX_SAFE_INTEGER;

/** An auth client for a credential (no network yet). Exported for tests. */
export function googleAuthClient(cred: TableGoogleCredential): { client: () => Promise<AuthClient> } {
  const scopes = cred.scopes.length > 0 ? [...cred.scopes] : [CLOUD_PLATFORM_SCOPE];
  if (cred.source === 'service-account') {
    const sa = parseServiceAccount(cred.value);
    let jwt: Promise<AuthClient> | undefined;
    const make = async (): Promise<AuthClient> => {
      const { JWT } = await import('google-auth-library');
      return new JWT({
        email: sa.clientEmail,
        key: sa.privateKey,
        ...(sa.privateKeyId !== undefined ? { keyId: sa.privateKeyId } : {}),
        scopes,
        eagerRefreshThresholdMillis: ALWAYS_REFRESH,
        transporterOptions: { fetchImplementation: tokenUriFetch(() => sa.tokenUri) },
      });
    };
    return { client: () => (jwt ??= retryable(make, () => (jwt = undefined))) };
  }
  // The ADC file is only read by getClient(): its token_uri is looked up when the token request goes out.
  const holder: { auth?: GoogleAuth } = {};
  const tokenUri = (): string | undefined => {
    const json = holder.auth?.jsonContent as { token_uri?: unknown } | null | undefined;
    return typeof json?.token_uri === 'string' ? json.token_uri : undefined;
  };
  // One GoogleAuth for the credential's life (a failed getClient() is retried on it), created on first use.
  let auth: Promise<GoogleAuth> | undefined;
  const create = async (): Promise<GoogleAuth> => {
    const lib = await import('google-auth-library');
    const created = new lib.GoogleAuth({ scopes, clientOptions: { eagerRefreshThresholdMillis: ALWAYS_REFRESH, transporterOptions: { fetchImplementation: tokenUriFetch(tokenUri) } } });
    holder.auth = created;
    return created;
  };
  const make = async (): Promise<AuthClient> => (await (auth ??= retryable(create, () => (auth = undefined)))).getClient();
  let client: Promise<AuthClient> | undefined;
  return { client: () => (client ??= retryable(make, () => (client = undefined))) };
}

/** `make()`, calling `forget` when it fails so that the next call tries again. */
function retryable<T>(make: () => Promise<T>, forget: () => void): Promise<T> {
  return make().catch((err: unknown) => {
    forget();
    throw err;
  });
}

/** The OAuth error code of a failed token request ("invalid_grant"), when the library's error carries one. */
function oauthCode(err: unknown): string | undefined {
  const data = (err as { response?: { data?: unknown } } | null)?.response?.data;
  const code = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).error : undefined;
  return typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : undefined;
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown; response?: { status?: unknown } } | null)?.response?.status ?? (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

/** A message about a failed token fetch that names the kind of failure and nothing the error object holds. */
export function safeTokenError(err: unknown, source: TableGoogleCredential['source']): Error {
  const what = source === 'service-account' ? 'service-account token request' : 'Application Default Credentials token request';
  const status = statusOf(err);
  const code = oauthCode(err);
  if (status !== undefined) return new Error(`${what} failed: HTTP ${status}${code !== undefined ? ` ${code}` : ''}`);
  const name = err instanceof Error && /^[A-Za-z]{1,40}$/.test(err.name) ? err.name : 'Error';
  const ecode = (err as { code?: unknown } | null)?.code;
  const tag = typeof ecode === 'string' && /^[A-Z_]{1,40}$/.test(ecode) ? ` (${ecode})` : '';
  return new Error(`${what} failed: ${name}${tag}`);
}

/**
 * A function that fetches one fresh access token for `cred` — what refreshingSource calls in the background.
 * Throws an Error with a safe message on failure (a bad key too: the key is parsed here, not at table load).
 */
export function googleTokenFetcher(cred: TableGoogleCredential, now: () => number = Date.now): () => Promise<FetchedToken> {
  let made: ReturnType<typeof googleAuthClient> | undefined;
  return async () => {
    made ??= googleAuthClient(cred);
    let token: string | null | undefined;
    let expiry: number | null | undefined;
    try {
      const client = await made.client();
      token = (await client.getAccessToken()).token;
      expiry = client.credentials.expiry_date;
    } catch (err) {
      throw safeTokenError(err, cred.source);
    }
    if (typeof token !== 'string' || token === '') throw new Error('the token endpoint answered without an access token');
    return { value: token, expiresAt: typeof expiry === 'number' && Number.isFinite(expiry) ? expiry : now() + ASSUMED_LIFETIME_MS };
  };
}
