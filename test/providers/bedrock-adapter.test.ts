// The bedrock adapter against the fake Bedrock runtime (which verifies every SigV4 signature with the official
// signer): requests built by the pure builders and signed by the adapter's transport are accepted, with static keys
// and session tokens; the stream decodes through the provider codec; credentials from web identity come from a fake
// STS through the official fromTokenFile, in the background, and are refreshed before they expire (the token file is
// read again); without credentials in hand a request fails with kind `auth` and no secret in the message.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalRequest, StreamEvent } from '../../pkg/canonical/types.ts';
import { createBedrockAdapter } from '../../pkg/providers/bedrock/index.ts';
import { CredentialSources, credentialKey } from '../../pkg/providers/http/credential-sources.ts';
import type { RefreshingSource } from '../../pkg/providers/http/credential-sources.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import type { UpstreamPools } from '../../pkg/providers/http/pools.ts';
import type { BuildContext, ProviderAdapter, UpstreamResponse } from '../../pkg/providers/types.ts';
import { UpstreamFailureError } from '../../pkg/providers/types.ts';
import type { TableCredential, TableProvider } from '../../pkg/table/types.ts';
import { startFakeBedrock } from '../support/fake-bedrock-server.ts';
import type { FakeBedrock } from '../support/fake-bedrock-server.ts';
import { startFakeSts } from '../support/fake-sts-server.ts';
import type { FakeSts } from '../support/fake-sts-server.ts';
import { TIMEOUTS, makeProvider } from './helpers.ts';

const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

let up: FakeBedrock;
let sts: FakeSts;
let pools: UpstreamPools;
let dir: string;

beforeAll(async () => {
  up = await startFakeBedrock();
  sts = await startFakeSts({ onIssue: (c) => up.addCredentials(c) });
  dir = mkdtempSync(join(tmpdir(), 'bedrock-wi-'));
});
afterEach(async () => {
  await pools?.destroy();
  up.setFault(undefined);
  up.requests.length = 0;
  up.rejected.length = 0;
  sts.calls.length = 0;
});
afterAll(async () => {
  await up.close();
  await sts.close();
  rmSync(dir, { recursive: true, force: true });
});

function provider(credential: TableCredential, over: Partial<TableProvider> = {}): TableProvider {
  return makeProvider({ id: 'ai/bedrock', namespace: 'ai', name: 'bedrock', type: 'bedrock', baseURL: up.url, region: 'us-east-1', credential, ...over });
}

function staticCredential(over: Partial<Extract<TableCredential, { kind: 'sigv4' }>> = {}): TableCredential {
  return { kind: 'sigv4', service: 'bedrock', region: 'us-east-1', accessKeyId: up.credentials.accessKeyId, value: up.credentials.secretAccessKey, ...over };
}

function request(text: string, stream = false): CanonicalRequest {
  return { model: 'client', system: [{ type: 'text', text: 'Be brief.' }], messages: [{ role: 'user', content: [{ type: 'text', text }] }], maxTokens: 64, stream };
}

function ctx(): BuildContext {
  return { requestId: 'req-bedrock-1', bodies: new Map() };
}

async function send(adapter: ProviderAdapter, p: TableProvider, creq: CanonicalRequest): Promise<UpstreamResponse> {
  const bound = { provider: p, model: MODEL, timeouts: TIMEOUTS };
  return adapter.transport(adapter.buildCanonical(creq, bound, ctx()), TIMEOUTS, new AbortController().signal);
}

async function bytes(res: UpstreamResponse): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of res.body) chunks.push(c);
  return Buffer.concat(chunks);
}

async function events(adapter: ProviderAdapter, res: UpstreamResponse): Promise<StreamEvent[]> {
  const dec = adapter.providerCodec!.createStreamDecoder();
  const out: StreamEvent[] = [];
  for await (const c of res.body) out.push(...dec.push(c));
  return [...out, ...dec.end()];
}

function adapterFor(p: TableProvider, opts: Parameters<typeof createBedrockAdapter>[2] = {}): ProviderAdapter {
  pools = createUpstreamPools({ sources: new CredentialSources() });
  return createBedrockAdapter(p, pools, opts);
}

describe('bedrock adapter: signing with static keys', () => {
  it('signs Converse with SigV4: the fake verifies it; the answer decodes to canonical text and usage', async () => {
    const p = provider(staticCredential());
    const adapter = adapterFor(p);
    const res = await send(adapter, p, request('Hello'));
    expect(res.status).toBe(200);
    const resp = adapter.providerCodec!.decodeResponse(JSON.parse(Buffer.from(await bytes(res)).toString('utf8')));
    expect(resp.content).toEqual([{ type: 'text', text: 'Echo: Hello' }]);
    expect(resp.usage?.inputTokens).toBeGreaterThan(0);
    expect(up.rejected).toEqual([]);
    const rec = up.requests.at(-1);
    expect(rec?.path).toBe('/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse');
    expect(rec?.accessKeyId).toBe(up.credentials.accessKeyId);
    expect(rec?.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs ConverseStream; the event stream decodes (text, finish, usage, done)', async () => {
    const p = provider(staticCredential());
    const adapter = adapterFor(p);
    const res = await send(adapter, p, request('Stream me', true));
    expect(res.headers['content-type']).toBe('application/vnd.amazon.eventstream');
    const evs = await events(adapter, res);
    expect(evs.filter((e) => e.type === 'text_delta').map((e) => (e as { text: string }).text).join('')).toBe('Echo: Stream me');
    expect(evs.map((e) => e.type).slice(-3)).toEqual(['finish', 'usage', 'done']);
    expect(up.requests.at(-1)?.stream).toBe(true);
  });

  it('session tokens are sent and signed; a wrong secret is refused with 403 InvalidSignatureException, classified auth without the secret', async () => {
    const temp = { accessKeyId: 'ASIASTATICTEMP000001', secretAccessKey: 'static/Temp+Secret00000000000000000000001', sessionToken: 'FwoGZXIvYXdzSTATICTEMPTOKEN000000000000000000000' };
    up.addCredentials(temp);
    const p = provider(staticCredential({ accessKeyId: temp.accessKeyId, value: temp.secretAccessKey, sessionToken: temp.sessionToken }));
    const ok = await send(adapterFor(p), p, request('temp'));
    expect(ok.status).toBe(200);
    await ok.dump();
    expect(up.requests.at(-1)?.headers['x-amz-security-token']).toBe(temp.sessionToken);

    const wrong = provider(staticCredential({ value: 'wrong/Secret+000000000000000000000000000001' }));
    const adapter = adapterFor(wrong);
    const res = await send(adapter, wrong, request('x'));
    expect(res.status).toBe(403);
    const failure = adapter.classifyError({ provider: wrong, model: MODEL, timeouts: TIMEOUTS }, res.status, res.headers, await bytes(res));
    expect(failure).toMatchObject({ kind: 'auth', status: 403, upstreamCode: 'InvalidSignatureException' });
    expect(JSON.stringify(failure)).not.toContain('wrong/Secret');
  });

  it('the default base URL names the region: {region} is filled from spec.region', async () => {
    const p = provider(staticCredential(), { baseURL: 'https://bedrock-runtime.{region}.amazonaws.com', region: 'eu-central-1' });
    const adapter = adapterFor(p);
    const up2 = adapter.buildCanonical(request('x'), { provider: p, model: 'eu.amazon.nova-lite-v1:0', timeouts: TIMEOUTS }, ctx());
    expect(up2.origin).toBe('https://bedrock-runtime.eu-central-1.amazonaws.com');
    expect(up2.path).toBe('/model/eu.amazon.nova-lite-v1%3A0/converse');
    expect(up2.headers.authorization).toBeUndefined(); // the builder is pure: signing happens in the transport
  });

  it('no AWS credentials: the transport fails with kind auth before sending anything', async () => {
    const p = provider({ kind: 'header', header: 'authorization', value: 'Bearer nope-0000000000' });
    const err = await send(adapterFor(p), p, request('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamFailureError);
    expect((err as UpstreamFailureError).failure.kind).toBe('auth');
    expect(up.requests).toHaveLength(0);
  });
});

describe('bedrock adapter: web identity (IRSA) through a fake STS', () => {
  function webIdentity(tokenFile: string): TableCredential {
    return { kind: 'aws-web-identity', service: 'bedrock', region: 'us-east-1', roleArn: 'arn:aws:iam::123456789012:role/bedrock', tokenFile };
  }

  function sourceOf(p: TableProvider): RefreshingSource<unknown> {
    return pools.sources.get(credentialKey(p), () => {
      throw new Error('the adapter did not create its source');
    });
  }

  it('assumes the role in the background at adapter build; requests are signed with the temporary keys and session token', async () => {
    const tokenFile = join(dir, 'token-a');
    writeFileSync(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.projected-sa-token-A.sig');
    const p = provider(webIdentity(tokenFile));
    const adapter = adapterFor(p, { stsEndpoint: sts.url });
    await sourceOf(p).ready;
    expect(sts.calls).toHaveLength(1);
    expect(sts.calls[0]).toMatchObject({
      action: 'AssumeRoleWithWebIdentity',
      roleArn: 'arn:aws:iam::123456789012:role/bedrock',
      roleSessionName: 'switchyard-ai.bedrock',
      webIdentityToken: 'eyJhbGciOiJSUzI1NiJ9.projected-sa-token-A.sig',
    });
    const res = await send(adapter, p, request('via IRSA'));
    expect(res.status).toBe(200);
    await res.dump();
    const issued = sts.issued.at(-1)!;
    expect(up.requests.at(-1)?.accessKeyId).toBe(issued.accessKeyId);
    expect(up.requests.at(-1)?.headers['x-amz-security-token']).toBe(issued.sessionToken);
    expect(sts.calls).toHaveLength(1); // the request path never calls STS
  });

  it('refreshes before expiry (re-reading the token file); requests then use the new keys', async () => {
    const tokenFile = join(dir, 'token-b');
    writeFileSync(tokenFile, 'token-B-1');
    sts.setLifetimeMs(400_000);
    try {
      const p = provider(webIdentity(tokenFile));
      // Refresh 399.5 s before expiry: about half a second after each fetch.
      const adapter = adapterFor(p, { stsEndpoint: sts.url, source: { refreshBeforeMs: 399_500, minRefreshMs: 50 } });
      await sourceOf(p).ready;
      const firstKey = sts.issued.at(-1)!.accessKeyId;
      writeFileSync(tokenFile, 'token-B-2');
      await expect.poll(() => sts.calls.length, { timeout: 5000, interval: 50 }).toBeGreaterThanOrEqual(2);
      expect(sts.calls[1]?.webIdentityToken).toBe('token-B-2');
      await expect.poll(() => (sourceOf(p).current() as { accessKeyId: string } | null)?.accessKeyId, { timeout: 5000, interval: 20 }).not.toBe(firstKey);
      const res = await send(adapter, p, request('after refresh'));
      expect(res.status).toBe(200);
      await res.dump();
      expect(up.requests.at(-1)?.accessKeyId).not.toBe(firstKey);
    } finally {
      sts.setLifetimeMs(3600_000);
    }
  });

  it('STS refusing: requests fail with kind auth and a safe reason (no token), then succeed once STS answers', async () => {
    const tokenFile = join(dir, 'token-c');
    writeFileSync(tokenFile, 'secret-web-identity-token-C-0123456789');
    sts.failNext(1, 400, 'InvalidIdentityToken');
    const p = provider(webIdentity(tokenFile));
    const adapter = adapterFor(p, { stsEndpoint: sts.url, source: { retryMinMs: 100, retryMaxMs: 100 } });
    await sourceOf(p).ready;
    const err = await send(adapter, p, request('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamFailureError);
    const failure = (err as UpstreamFailureError).failure;
    expect(failure.kind).toBe('auth');
    expect(failure.message).toMatch(/^bedrock credentials are not available yet: /);
    expect(failure.message).not.toContain('secret-web-identity-token');
    await expect.poll(() => sourceOf(p).current() !== null, { timeout: 5000, interval: 50 }).toBe(true);
    const res = await send(adapter, p, request('recovered'));
    expect(res.status).toBe(200);
    await res.dump();
  });
});
