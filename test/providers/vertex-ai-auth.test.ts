// The vertex-ai adapter's credentials, end to end over loopback: google-auth-library gets OAuth tokens from the fake
// Google token endpoint (JWT assertions verified against the service account's public key), the adapter's transport
// puts the token in hand on requests to the fake Vertex upstream, and the token is refreshed in the background: a
// request never waits for the token endpoint, a failing endpoint gives a fast `auth` failure with a safe reason, and
// the source recovers by itself. Also Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS) and keys that
// are not service-account keys. The schedule is shortened through the adapter's tokenSource option.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalRequest } from '../../pkg/canonical/types.ts';
import { credentialKey } from '../../pkg/providers/http/credential-sources.ts';
import type { RefreshingSource } from '../../pkg/providers/http/credential-sources.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import type { UpstreamPools } from '../../pkg/providers/http/pools.ts';
import { UpstreamFailureError } from '../../pkg/providers/types.ts';
import type { UpstreamFailure } from '../../pkg/providers/types.ts';
import { VERTEX_AI_DESCRIPTOR } from '../../pkg/providers/vertex-ai/descriptor.ts';
import { createVertexAIAdapter } from '../../pkg/providers/vertex-ai/index.ts';
import type { VertexAdapterOptions } from '../../pkg/providers/vertex-ai/index.ts';
import type { TableCredential, TableProvider } from '../../pkg/table/types.ts';
import { startFakeGoogleTokenServer } from '../support/fake-google-token-server.ts';
import type { FakeGoogleTokenServer, ServiceAccount } from '../support/fake-google-token-server.ts';
import { startFakeVertex } from '../support/fake-vertex-server.ts';
import type { FakeVertex } from '../support/fake-vertex-server.ts';
import { makeProvider, TIMEOUTS } from './helpers.ts';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const FAST: VertexAdapterOptions['tokenSource'] = { refreshBeforeMs: 1500, minRefreshMs: 100, retryMinMs: 100, retryMaxMs: 200, fetchTimeoutMs: 5000 };

let tokens: FakeGoogleTokenServer;
let sa: ServiceAccount;
let vx: FakeVertex;
let pools: UpstreamPools;

beforeAll(async () => {
  tokens = await startFakeGoogleTokenServer({ ttlSeconds: 2 });
  sa = tokens.createServiceAccount();
  vx = await startFakeVertex({ checkToken: (t) => tokens.isValid(t) });
});
afterEach(async () => {
  await pools.destroy();
  tokens.setFault(undefined);
  tokens.setDelayMs(0);
});
afterAll(async () => {
  await vx.close();
  await tokens.close();
});

let n = 0;
function provider(credential: TableCredential | null): TableProvider {
  n += 1;
  return makeProvider({
    id: `team-a/vertex-${n}`, name: `vertex-${n}`, type: 'vertex-ai', baseURL: vx.url, region: vx.location, project: vx.project, credential,
    nativeApis: VERTEX_AI_DESCRIPTOR.nativeApis, translatedApis: VERTEX_AI_DESCRIPTOR.translatedApis,
  });
}

const saCredential = (json: string = sa.json): TableCredential => ({ kind: 'google', source: 'service-account', value: json, scopes: [SCOPE] });

const CREQ: CanonicalRequest = { model: 'claude-gw', system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }], maxTokens: 32, stream: false };

/** Builds and sends one translated request through the adapter's transport, as the core does; the status and the bearer the upstream saw. */
async function send(p: TableProvider, opts: VertexAdapterOptions = { tokenSource: FAST }): Promise<{ status: number; bearer: string; ms: number }> {
  pools = pools ?? createUpstreamPools();
  const adapter = createVertexAIAdapter(p, pools, opts);
  const t0 = performance.now();
  const up = adapter.buildCanonical(CREQ, { provider: p, model: 'claude-sonnet-4-5@20250929', timeouts: TIMEOUTS }, { requestId: 'r', bodies: new Map() });
  const res = await adapter.transport(up, TIMEOUTS, AbortSignal.timeout(5000));
  await res.dump();
  const auth = String(vx.requests.at(-1)?.headers.authorization ?? '');
  return { status: res.status, bearer: auth.replace(/^Bearer /, ''), ms: performance.now() - t0 };
}

function sourceOf(p: TableProvider): RefreshingSource<string> {
  return pools.sources.get(credentialKey(p), () => {
    throw new Error('no source was created for this provider');
  });
}

async function failure(p: Promise<unknown>): Promise<UpstreamFailure> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (e instanceof UpstreamFailureError) return e.failure;
  throw new Error(`expected an UpstreamFailureError, got ${String(e)}`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('vertex-ai token source', () => {
  it('fetches at adapter creation, puts the token on requests, refreshes before expiry in the background', async () => {
    pools = createUpstreamPools();
    const p = provider(saCredential());
    createVertexAIAdapter(p, pools, { tokenSource: FAST });
    const before = tokens.issued.length;
    await sourceOf(p).ready;
    expect(tokens.issued.length).toBe(before + 1);
    const first = await send(p);
    expect(first.status).toBe(200);
    expect(first.bearer).toBe(tokens.issued.at(-1)?.token);
    // 2 s tokens, refreshed 1.5 s before expiry: a new token arrives without any request asking for it.
    await sleep(900);
    expect(tokens.issued.length).toBeGreaterThanOrEqual(before + 2);
    const second = await send(p);
    expect(second.status).toBe(200);
    expect(second.bearer).not.toBe(first.bearer);
    expect(second.bearer).toBe(tokens.issued.at(-1)?.token);
    expect(tokens.refused).toEqual([]);
  });

  it('a slow token endpoint never delays a request: the token in hand is used while the refresh waits', async () => {
    pools = createUpstreamPools();
    const p = provider(saCredential());
    createVertexAIAdapter(p, pools, { tokenSource: FAST });
    await sourceOf(p).ready;
    tokens.setDelayMs(1500);
    await sleep(600); // a refresh is now in flight, held by the endpoint
    const r = await send(p);
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(500);
  });

  it('token endpoint failing: a fast auth failure with a safe reason, then recovery in the background', async () => {
    tokens.setFault({ status: 500, error: 'internal_failure' });
    pools = createUpstreamPools();
    const p = provider(saCredential());
    createVertexAIAdapter(p, pools, { tokenSource: FAST });
    await sourceOf(p).ready;
    const f = await failure(send(p));
    expect(f.kind).toBe('auth');
    expect(f.message).toMatch(/^vertex-ai credentials are not available yet: service-account token request failed: HTTP 500/);
    for (const secret of [sa.key.private_key, sa.key.private_key_id, sa.key.private_key.split('\n')[1]!]) expect(f.message).not.toContain(secret);
    tokens.setFault(undefined);
    await sleep(400);
    expect((await send(p)).status).toBe(200);
  });

  it('a Secret that holds no service-account key: auth failure naming what is wrong, not the value', async () => {
    pools = createUpstreamPools();
    const p = provider(saCredential('{"type":"authorized_user","client_id":"x","client_secret":"canary-client-secret-77"}'));
    createVertexAIAdapter(p, pools, { tokenSource: FAST });
    await sourceOf(p).ready;
    const f = await failure(send(p));
    expect(f).toMatchObject({ kind: 'auth' });
    expect(f.message).toContain('the key is not of type "service_account"');
    expect(f.message).not.toContain('canary-client-secret-77');
    pools.sources.stopAll();
  });

  it('no Google credential at all: auth failure, no token request', async () => {
    pools = createUpstreamPools();
    const before = tokens.issued.length;
    const f = await failure(send(provider(null)));
    expect(f).toMatchObject({ kind: 'auth' });
    expect(f.message).toContain('has no Google credentials');
    expect(tokens.issued.length).toBe(before);
  });

  it('Application Default Credentials: a key file named by GOOGLE_APPLICATION_CREDENTIALS (its token_uri honoured)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vertex-adc-'));
    const file = join(dir, 'sa.json');
    const adc = tokens.createServiceAccount({ name: 'adc' });
    writeFileSync(file, adc.json);
    const saved = process.env.GOOGLE_APPLICATION_CREDENTIALS;
    process.env.GOOGLE_APPLICATION_CREDENTIALS = file;
    try {
      pools = createUpstreamPools();
      const p = provider({ kind: 'google', source: 'default', scopes: [SCOPE] });
      createVertexAIAdapter(p, pools, { tokenSource: FAST });
      await sourceOf(p).ready;
      const r = await send(p);
      expect(r.status).toBe(200);
      expect(tokens.issued.at(-1)).toMatchObject({ token: r.bearer, email: adc.key.client_email, scope: SCOPE });
    } finally {
      if (saved === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      else process.env.GOOGLE_APPLICATION_CREDENTIALS = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
