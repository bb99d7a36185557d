// A fake Google OAuth 2.0 token endpoint on a real loopback HTTP server, for the service-account flow
// ("Using OAuth 2.0 for Server to Server Applications"): POST /token with the form fields
// grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer and assertion=<RS256 JWT signed with the service account's
// private key>, answered with {access_token, expires_in, token_type:"Bearer"}. The assertion is checked with `jose`
// against the service account's public key: signature, issuer (client_email), audience (Google's token URL, which is
// what google-auth-library signs), iat/exp and the requested scope. Tokens are short-lived on purpose so tests can
// watch background refreshes; `isValid()` lets a fake upstream accept only live tokens it handed out.
//
// `createServiceAccount()` makes a fresh RSA key pair and a service-account JSON key whose `token_uri` points here.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt, jwtVerify } from 'jose';
import { readBody, startLoopbackServer } from './fake-http.ts';

/** The audience google-auth-library puts in every service-account assertion (its fixed token URL). */
export const GOOGLE_TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** The fields of a service-account JSON key, as the Cloud console downloads it. */
export interface ServiceAccountKey {
  readonly type: 'service_account';
  readonly project_id: string;
  readonly private_key_id: string;
  readonly private_key: string;
  readonly client_email: string;
  readonly client_id: string;
  readonly auth_uri: string;
  readonly token_uri: string;
  readonly auth_provider_x509_cert_url: string;
  readonly client_x509_cert_url: string;
  readonly universe_domain: string;
}

export interface ServiceAccount {
  readonly key: ServiceAccountKey;
  /** The key as the JSON text a Secret holds. */
  readonly json: string;
  readonly publicKey: KeyObject;
}

export interface IssuedToken {
  readonly token: string;
  readonly email: string;
  readonly scope: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export interface TokenFault {
  /** Answer this status with an OAuth error body ({error, error_description}). */
  readonly status: number;
  readonly error?: string;
}

export interface FakeGoogleTokenServer {
  /** e.g. http://127.0.0.1:1234/token — the token_uri of the service accounts made with createServiceAccount(). */
  readonly tokenUri: string;
  readonly origin: string;
  /** Every token handed out, in order. */
  readonly issued: IssuedToken[];
  /** Every assertion refused, with the reason (for tests that expect a refusal). */
  readonly refused: string[];
  /** Lifetime of the tokens handed out from now on. */
  setTtlSeconds(s: number): void;
  /** Applies to every following token request until cleared. */
  setFault(f: TokenFault | undefined): void;
  /** Answer token requests this much later (a slow token endpoint). */
  setDelayMs(ms: number): void;
  /** Registers a service account whose assertions are accepted. */
  trust(sa: ServiceAccount): void;
  /** A service account with a fresh key pair, trusted, whose token_uri is this server. */
  createServiceAccount(opts?: { project?: string; name?: string }): ServiceAccount;
  /** True for a token this server handed out that has not expired (by the server's clock). */
  isValid(token: string): boolean;
  close(): Promise<void>;
}

/** A service-account key made locally: an RSA key pair and the JSON fields Google's console writes. */
export function makeServiceAccount(tokenUri: string, opts: { project?: string; name?: string } = {}): ServiceAccount {
  const project = opts.project ?? 'switchyard-test';
  const name = opts.name ?? 'gateway';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const email = `${name}@${project}.iam.gserviceaccount.com`;
  const key: ServiceAccountKey = {
    type: 'service_account',
    project_id: project,
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: email,
    client_id: String(100000000000000000000n + BigInt(randomBytes(6).readUIntBE(0, 6))),
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUri,
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
    universe_domain: 'googleapis.com',
  };
  return { key, json: JSON.stringify(key, null, 2), publicKey };
}

export async function startFakeGoogleTokenServer(opts: { ttlSeconds?: number; now?: () => number } = {}): Promise<FakeGoogleTokenServer> {
  const now = opts.now ?? Date.now;
  let ttl = opts.ttlSeconds ?? 3600;
  let fault: TokenFault | undefined;
  let delayMs = 0;
  const trusted = new Map<string, KeyObject>();
  const issued: IssuedToken[] = [];
  const live = new Map<string, IssuedToken>();
  const refused: string[] = [];

  function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error, error_description: description }));
  }

  async function verify(assertion: string): Promise<{ email: string; scope: string } | string> {
    let iss: unknown;
    try {
      iss = decodeJwt(assertion).iss;
    } catch {
      return 'assertion is not a JWT';
    }
    const key = typeof iss === 'string' ? trusted.get(iss) : undefined;
    if (key === undefined) return 'unknown issuer';
    try {
      const { payload, protectedHeader } = await jwtVerify(assertion, key, { issuer: iss as string, audience: GOOGLE_TOKEN_AUDIENCE, algorithms: ['RS256'], currentDate: new Date(now()) });
      if (protectedHeader.typ !== undefined && protectedHeader.typ !== 'JWT') return 'typ is not JWT';
      if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number') return 'iat and exp are required';
      if (payload.exp - payload.iat > 3600) return 'assertion lifetime over one hour';
      const scope = typeof payload.scope === 'string' ? payload.scope : '';
      if (scope === '') return 'no scope';
      return { email: iss as string, scope };
    } catch (err) {
      return `invalid assertion: ${(err as Error).message}`;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = (await readBody(req)).toString('utf8');
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== '/token') return oauthError(res, 404, 'not_found', 'Not found');
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (fault !== undefined) return oauthError(res, fault.status, fault.error ?? 'internal_failure', 'fake token endpoint fault');
    const form = new URLSearchParams(raw);
    if (form.get('grant_type') !== JWT_BEARER_GRANT) return oauthError(res, 400, 'unsupported_grant_type', 'Invalid grant_type');
    const result = await verify(form.get('assertion') ?? '');
    if (typeof result === 'string') {
      refused.push(result);
      return oauthError(res, 400, 'invalid_grant', 'Invalid JWT Signature.');
    }
    const token = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    const t: IssuedToken = { token, email: result.email, scope: result.scope, expiresAt: now() + ttl * 1000 };
    issued.push(t);
    live.set(token, t);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ access_token: token, expires_in: ttl, token_type: 'Bearer' }));
  }

  const http = await startLoopbackServer(handle);
  const origin = http.origin;
  const tokenUri = `${origin}/token`;
  const api: FakeGoogleTokenServer = {
    tokenUri, origin, issued, refused,
    setTtlSeconds(s) {
      ttl = s;
    },
    setFault(f) {
      fault = f;
    },
    setDelayMs(ms) {
      delayMs = ms;
    },
    trust(sa) {
      trusted.set(sa.key.client_email, sa.publicKey);
    },
    createServiceAccount(o = {}) {
      const sa = makeServiceAccount(tokenUri, o);
      api.trust(sa);
      return sa;
    },
    isValid(token) {
      const t = live.get(token);
      return t !== undefined && t.expiresAt > now();
    },
    close() {
      return http.close();
    },
  };
  return api;
}
