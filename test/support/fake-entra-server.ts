// A tiny fake Microsoft Entra ID token endpoint on loopback, enough for @azure/identity (MSAL) with
// `authorityHost` pointed at it and instance discovery off:
//   GET  /{tenant}/v2.0/.well-known/openid-configuration   the authority's metadata (MSAL reads token_endpoint)
//   POST /{tenant}/oauth2/v2.0/token                         client-credentials grant: client_secret, or a
//                                                            client_assertion (workload identity's federated token)
// MSAL accepts only https authorities, so the server speaks TLS with a throwaway self-signed certificate for
// 127.0.0.1 made by the openssl CLI; trustFakeEntra() adds it to this process's default CA list (in-process gateways
// then trust it too) and returns the undo. Issued tokens are JWT-shaped ("eyJ…") and numbered; `onIssue` lets a
// test hand them to the fake Azure resource.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';

export interface TokenRequest {
  readonly tenant: string;
  readonly grantType: string;
  readonly clientId: string;
  readonly scope: string;
  /** 'secret' or 'assertion'. */
  readonly proof: 'secret' | 'assertion' | 'none';
}

export interface FakeEntra {
  /** e.g. https://127.0.0.1:PORT — what spec.auth.entra.authorityHost takes. */
  readonly authorityHost: string;
  /** The server certificate (PEM), self-signed. */
  readonly ca: string;
  readonly tokenRequests: TokenRequest[];
  /** Tokens issued so far, in order. */
  readonly issued: string[];
  /** Lifetime of issued tokens, seconds (expires_in). Default 3600. */
  expiresIn: number;
  /**
   * When set, the token endpoint answers with this status: 503 as a transient outage (note: MSAL then refuses the same
   * request for 60 s, its throttling of 5xx/429), a 4xx as Entra does for an app registration not yet replicated.
   */
  failWith: number | undefined;
  /** Called with each token issued. */
  onIssue: ((token: string) => void) | undefined;
  close(): Promise<void>;
}

export interface FakeEntraOptions {
  readonly tenantId: string;
  readonly clientId: string;
  /** The client secret accepted (client-credentials grant). */
  readonly clientSecret?: string;
  /** The client assertion accepted (the federated token file's content). */
  readonly assertion?: string;
}

function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fake-entra-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Adds the fake's certificate to this process's default trusted CAs; returns the function that restores them. */
export function trustFakeEntra(entra: Pick<FakeEntra, 'ca'>): () => void {
  const before = tls.getCACertificates('default');
  tls.setDefaultCACertificates([...before, entra.ca]);
  return () => tls.setDefaultCACertificates(before);
}

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export async function startFakeEntra(opts: FakeEntraOptions): Promise<FakeEntra> {
  const { key, cert } = selfSignedCert();
  const sockets = new Set<Socket>();
  let authorityHost = '';
  const state = { expiresIn: 3600, failWith: undefined as number | undefined, onIssue: undefined as ((token: string) => void) | undefined };
  const tokenRequests: TokenRequest[] = [];
  const issued: string[] = [];

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', authorityHost);
    const m = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$/.exec(url.pathname);
    const tenant = m?.[1] ?? '';
    if (m === null || tenant !== opts.tenantId) return json(res, 400, { error: 'invalid_tenant', error_description: 'AADSTS90002: Tenant not found.' });
    const base = `${authorityHost}/${tenant}`;
    if (req.method === 'GET' && m[2]?.startsWith('v2.0')) {
      return json(res, 200, {
        issuer: `${base}/v2.0`, token_endpoint: `${base}/oauth2/v2.0/token`, authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        jwks_uri: `${base}/discovery/v2.0/keys`, end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'], tenant_region_scope: 'EU',
      });
    }
    if (req.method !== 'POST') return json(res, 405, { error: 'invalid_request' });
    const form = new URLSearchParams(await readBody(req));
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    const rec: TokenRequest = {
      tenant, grantType: form.get('grant_type') ?? '', clientId: form.get('client_id') ?? '', scope: form.get('scope') ?? '',
      proof: secret !== null ? 'secret' : assertion !== null ? 'assertion' : 'none',
    };
    tokenRequests.push(rec);
    if (state.failWith !== undefined) {
      return state.failWith >= 500
        ? json(res, state.failWith, { error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred.' })
        : json(res, state.failWith, { error: 'unauthorized_client', error_description: `AADSTS700016: Application with identifier '${rec.clientId}' was not found in the directory.`, error_codes: [700016] });
    }
    const good = rec.grantType === 'client_credentials' && rec.clientId === opts.clientId
      && ((secret !== null && secret === opts.clientSecret) || (assertion !== null && assertion === opts.assertion));
    if (!good) return json(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] });
    const n = issued.length + 1;
    const token = `eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.${b64url({ aud: 'https://cognitiveservices.azure.com', tid: tenant, appid: rec.clientId, n })}.fake-signature-${n}`;
    issued.push(token);
    state.onIssue?.(token);
    return json(res, 200, { token_type: 'Bearer', expires_in: state.expiresIn, ext_expires_in: state.expiresIn, access_token: token });
  }

  const server = createServer({ key, cert }, (req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  authorityHost = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    authorityHost, ca: cert, tokenRequests, issued,
    get expiresIn() {
      return state.expiresIn;
    },
    set expiresIn(v: number) {
      state.expiresIn = v;
    },
    get failWith() {
      return state.failWith;
    },
    set failWith(v: number | undefined) {
      state.failWith = v;
    },
    get onIssue() {
      return state.onIssue;
    },
    set onIssue(fn) {
      state.onIssue = fn;
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
