// Entra ID for azure-openai: tokens fetched through @azure/identity from a local fake Entra token endpoint (client
// secret and workload identity), held by a background RefreshingSource and put on requests as a bearer token by the
// adapter's transport. The source runs on manual timers here, so a refresh happens exactly when the test fires it:
// requests never fetch a token, a request without one fails at once with kind `auth`, and neither the client secret
// nor a token reaches a failure message.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AZURE_COGNITIVE_SCOPE } from '../../pkg/providers/azure-openai/descriptor.ts';
import { entraCredential, entraTokenFetcher } from '../../pkg/providers/azure-openai/entra.ts';
import { createAzureOpenAIAdapter } from '../../pkg/providers/azure-openai/index.ts';
import { CredentialSources, credentialKey, refreshingSource } from '../../pkg/providers/http/credential-sources.ts';
import type { RefreshingSource, SourceTimers } from '../../pkg/providers/http/credential-sources.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { UpstreamFailureError } from '../../pkg/providers/types.ts';
import type { ProviderAdapter, UpstreamResponse } from '../../pkg/providers/types.ts';
import type { TableEntraCredential, TableProvider } from '../../pkg/table/types.ts';
import { startFakeAzureOpenAI } from '../support/fake-azure-openai-server.ts';
import type { FakeAzureOpenAI } from '../support/fake-azure-openai-server.ts';
import { startFakeEntra, trustFakeEntra } from '../support/fake-entra-server.ts';
import type { FakeEntra } from '../support/fake-entra-server.ts';
import { makeCtx, makeProvider, readAll } from './helpers.ts';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const CLIENT_SECRET = 'entra-canary-secret-Qx7~p2Lr9vT4';
const FEDERATED = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Z3c6cHJveHkifQ.federated-sig';

let entra: FakeEntra;
let az: FakeAzureOpenAI;
let untrust: () => void;
let dir: string;
const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  entra = await startFakeEntra({ tenantId: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, assertion: FEDERATED });
  untrust = trustFakeEntra(entra);
  az = await startFakeAzureOpenAI();
  entra.onIssue = (t) => az.tokens.add(t);
  dir = mkdtempSync(join(tmpdir(), 'azure-wi-'));
});
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
  entra.failWith = undefined;
  entra.expiresIn = 3600;
  entra.tokenRequests.length = 0;
  entra.issued.length = 0;
  az.requests.length = 0;
});
afterAll(async () => {
  untrust();
  await az.close();
  await entra.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Timers that fire only when the test says so. */
function manualTimers(): SourceTimers & { pending(): number[]; fire(ms: number): void } {
  let next = 0;
  const timers = new Map<number, { fn: () => void; ms: number }>();
  return {
    set(fn, ms) {
      timers.set(++next, { fn, ms });
      return next;
    },
    clear(h) {
      timers.delete(h as number);
    },
    pending: () => [...timers.values()].map((t) => t.ms),
    /** Runs the pending timer set for `ms` (fetch timeouts are set too; they are left alone). */
    fire(ms) {
      const hit = [...timers.entries()].find(([, t]) => t.ms === ms);
      if (hit === undefined) throw new Error(`no timer of ${ms} ms pending (${[...timers.values()].map((t) => t.ms).join(', ')})`);
      timers.delete(hit[0]);
      hit[1].fn();
    },
  };
}

function entraCred(over: Partial<TableEntraCredential> = {}): TableEntraCredential {
  return { kind: 'entra', tenantId: TENANT, clientId: CLIENT_ID, authorityHost: entra.authorityHost, scopes: [AZURE_COGNITIVE_SCOPE], value: CLIENT_SECRET, ...over };
}

function azureProvider(cred: TableEntraCredential): TableProvider {
  return makeProvider({ id: 'team-a/azure-entra', name: 'azure-entra', type: 'azure-openai', baseURL: az.endpoint, apiVersion: '2024-10-21', credential: cred });
}

/** An adapter whose token source (pre-seeded under the adapter's own key) runs on manual timers. */
async function setup(cred: TableEntraCredential): Promise<{ adapter: ProviderAdapter; provider: TableProvider; timers: ReturnType<typeof manualTimers>; source: RefreshingSource<string> }> {
  const provider = azureProvider(cred);
  const timers = manualTimers();
  const sources = new CredentialSources();
  const source = sources.get(credentialKey(provider), () => refreshingSource(entraTokenFetcher(cred), { timers, secrets: [CLIENT_SECRET] }));
  const pools = createUpstreamPools({ sources });
  cleanup.push(() => pools.destroy());
  await source.ready;
  return { adapter: createAzureOpenAIAdapter(provider, pools), provider, timers, source };
}

/** Resolves once the source holds a token other than `not`. */
async function tokenOtherThan(source: RefreshingSource<string>, not: string | null): Promise<string> {
  for (;;) {
    const t = source.current();
    if (t !== null && t !== not) return t;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function chat(adapter: ProviderAdapter, provider: TableProvider): Promise<UpstreamResponse> {
  const ctx = makeCtx(provider, { model: 'chat-dep' });
  return await adapter.transport(adapter.buildNative(ctx.req, ctx.target, { requestId: 'r1', bodies: new Map() }), ctx.target.timeouts, ctx.signal);
}

describe('azure-openai Entra ID tokens (background source, @azure/identity, fake Entra)', () => {
  it('client secret: the token is fetched before any request, sent as a bearer, and requests never fetch', async () => {
    const { adapter, provider } = await setup(entraCred());
    expect(entra.tokenRequests).toHaveLength(1);
    expect(entra.tokenRequests[0]).toMatchObject({ tenant: TENANT, grantType: 'client_credentials', clientId: CLIENT_ID, scope: AZURE_COGNITIVE_SCOPE, proof: 'secret' });
    for (let i = 0; i < 4; i++) {
      const res = await chat(adapter, provider);
      expect(res.status).toBe(200);
      await readAll(res);
    }
    expect(entra.tokenRequests).toHaveLength(1);
    expect(az.requests.map((r) => r.headers.authorization)).toEqual(Array(4).fill(`Bearer ${entra.issued[0]}`));
    expect(az.requests.every((r) => r.headers['api-key'] === undefined)).toBe(true);
  });

  it('refresh: a new token arrives in the background when the refresh timer fires; the next request carries it', async () => {
    entra.expiresIn = 200; // under MSAL's 5-minute renewal margin: every getToken reaches the endpoint
    const { adapter, provider, timers, source } = await setup(entraCred());
    const first = source.current();
    expect(first).toBe(entra.issued[0]);
    expect((await chat(adapter, provider)).status).toBe(200);
    // Refresh 5 minutes before expiry, but never sooner than 30 s after the last fetch.
    expect(timers.pending()).toContain(30_000);
    timers.fire(30_000);
    const second = await tokenOtherThan(source, first);
    expect(second).toBe(entra.issued[1]);
    const res = await chat(adapter, provider);
    await readAll(res);
    expect(az.requests.at(-1)?.headers.authorization).toBe(`Bearer ${second}`);
    expect(entra.tokenRequests).toHaveLength(2);
  });

  it('no token yet (Entra refuses, e.g. an app registration not yet replicated): the request fails at once with kind auth, naming no secret; a background retry recovers', async () => {
    entra.failWith = 400;
    const { adapter, provider, timers, source } = await setup(entraCred());
    const err = await chat(adapter, provider).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamFailureError);
    const f = (err as UpstreamFailureError).failure;
    expect(f.kind).toBe('auth');
    expect(f.message).toMatch(/^azure-openai credentials are not available yet: /);
    expect(f.message).not.toContain(CLIENT_SECRET);
    expect(az.requests).toHaveLength(0);
    const before = entra.tokenRequests.length;
    entra.failWith = undefined;
    timers.fire(1000); // the first retry, 1 s after the failure
    await tokenOtherThan(source, null);
    const res = await chat(adapter, provider);
    await readAll(res);
    expect(res.status).toBe(200);
    expect(entra.tokenRequests.length).toBe(before + 1);
  });

  it('workload identity: the federated token file is the client assertion (file from the credential or AZURE_FEDERATED_TOKEN_FILE)', async () => {
    const file = join(dir, 'azure-identity-token');
    writeFileSync(file, FEDERATED);
    const { adapter, provider } = await setup(entraCred({ value: undefined, federatedTokenFile: file }));
    expect(entra.tokenRequests.at(-1)).toMatchObject({ proof: 'assertion', clientId: CLIENT_ID });
    const res = await chat(adapter, provider);
    await readAll(res);
    expect(res.status).toBe(200);
    expect(az.requests.at(-1)?.headers.authorization).toBe(`Bearer ${entra.issued.at(-1)}`);
    const fromEnv = await entraTokenFetcher(entraCred({ value: undefined }), { AZURE_FEDERATED_TOKEN_FILE: file })(new AbortController().signal);
    expect(fromEnv.value).toBe(entra.issued.at(-1));
    expect(fromEnv.expiresAt).toBeGreaterThan(Date.now());
  });

  it('workload identity without a token file is a fetch failure with a clear reason', () => {
    expect(() => entraCredential(entraCred({ value: undefined }), {})).toThrow(/federatedTokenFile or AZURE_FEDERATED_TOKEN_FILE/);
  });

  it('a wrong client secret: the source reports why without the secret, and requests fail with kind auth', async () => {
    const { adapter, provider } = await setup(entraCred({ value: 'wrong-secret-value-123' }));
    const err = await chat(adapter, provider).catch((e: unknown) => e);
    expect((err as UpstreamFailureError).failure.kind).toBe('auth');
    expect((err as UpstreamFailureError).failure.message).not.toContain('wrong-secret-value-123');
  });
});
