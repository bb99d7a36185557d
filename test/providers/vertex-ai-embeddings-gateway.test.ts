// vertex-ai embeddings through the real gateway on loopback, driven by the official `openai` SDK's embeddings.create
// (float, and base64 — the SDK's default, decoded by it): OpenAI Embeddings requests translated to :predict on
// Google's text embedding models (…/publishers/google/models/{model}:predict, {instances, parameters}), with the
// bearer token fetched in the background from the fake Google token endpoint. Also: usage from the predictions'
// token counts, gemini-embedding-001's one-instance limit and Claude models refused with 400 naming the model, a
// Vertex 429 with its retry hint, and the same model giving the same vectors through the gemini provider type and
// through Vertex when one fails over to the other.
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGoogleTokenServer } from '../support/fake-google-token-server.ts';
import type { FakeGoogleTokenServer, ServiceAccount } from '../support/fake-google-token-server.ts';
import { startFakeVertex, vertexVector } from '../support/fake-vertex-server.ts';
import type { FakeVertex } from '../support/fake-vertex-server.ts';
import { NS, apiKey, eventually, postJson, route, secret, startGateway } from '../proxy/harness.ts';
import type { Gateway } from '../proxy/harness.ts';

const KEY = 'sk-swy-vertex-emb-1a2b3c4d5e6f';
const TEXT_EMB = 'text-embedding-005';
const GEMINI_EMB = 'gemini-embedding-001';
const CLAUDE = 'claude-sonnet-4-5@20250929';
const PREDICT = (model: string): string => `/v1/projects/switchyard-test/locations/us-east5/publishers/google/models/${model}:predict`;
const emb = (name: string): { name: string; capabilities: string[] } => ({ name, capabilities: ['embeddings'] });

let tokens: FakeGoogleTokenServer;
let sa: ServiceAccount;
let vx: FakeVertex;
let gw: Gateway;
let openai: OpenAI;

function vertexProvider(name: string): unknown {
  return {
    apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name, namespace: NS },
    spec: {
      type: 'vertex-ai', baseURL: vx.url, region: vx.location, project: vx.project, models: [emb(TEXT_EMB), emb(GEMINI_EMB), emb(CLAUDE)],
      auth: { googleServiceAccount: { name: 'vx-sa', key: 'key.json' } },
    },
  };
}

beforeAll(async () => {
  tokens = await startFakeGoogleTokenServer({ ttlSeconds: 3600 });
  sa = tokens.createServiceAccount({ project: 'switchyard-test', name: 'embeddings' });
  vx = await startFakeVertex({ project: 'switchyard-test', location: 'us-east5', checkToken: (t) => tokens.isValid(t) });
  gw = await startGateway([
    secret('vx-sa', { 'key.json': sa.json }),
    secret('gem-key', { apiKey: vx.gemini.apiKey }),
    vertexProvider('vx'),
    // Its own Provider: a 429 cools the target down, which must not touch the other routes.
    vertexProvider('vx-limited'),
    // The Gemini API (the fake behind the fake Vertex) first, Vertex as the fallback, for the same model.
    {
      apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'gem', namespace: NS },
      spec: { type: 'gemini', baseURL: vx.gemini.url, auth: { secretRef: { name: 'gem-key', key: 'apiKey' } }, models: [emb(GEMINI_EMB)] },
    },
    route('text-emb', { model: 'text-emb', retry: { attempts: 1 }, targets: [{ provider: 'vx', model: TEXT_EMB }] }),
    route('gemini-emb', { model: 'gemini-emb', retry: { attempts: 1 }, targets: [{ provider: 'vx', model: GEMINI_EMB }] }),
    route('claude-emb', { model: 'claude-emb', retry: { attempts: 1 }, targets: [{ provider: 'vx', model: CLAUDE }] }),
    route('limited', { model: 'limited-emb', retry: { attempts: 1 }, targets: [{ provider: 'vx-limited', model: TEXT_EMB }] }),
    route('gem-then-vx', { model: 'gem-then-vx', retry: { attempts: 1 }, targets: [{ provider: 'gem', model: GEMINI_EMB }], fallback: [{ provider: 'vx', model: GEMINI_EMB }] }),
    apiKey('clients', KEY),
  ]);
  openai = new OpenAI({ baseURL: gw.baseURL, apiKey: KEY, maxRetries: 0 });
  // Tokens are fetched in the background when the table loads (one source per Provider); requests never wait for one.
  await eventually(() => tokens.issued.filter((t) => t.email === sa.key.client_email).length >= 2, 5000);
});
afterEach(() => {
  vx.requests.length = 0;
  vx.setFault(undefined);
  vx.gemini.setFault(undefined);
  vx.gemini.requests.length = 0;
});
afterAll(async () => {
  await gw.close();
  await vx.close();
  await tokens.close();
});

const f32 = (v: readonly number[]): number[] => v.map((x) => Math.fround(x));

async function post(body: unknown): Promise<{ status: number; error: { code: string; param?: string; message: string } }> {
  const r = await postJson(`${gw.baseURL}/embeddings`, body, { authorization: `Bearer ${KEY}` });
  return { status: r.status, error: ((await r.json()) as { error: { code: string; param?: string; message: string } }).error };
}

describe('vertex-ai embeddings through the gateway', () => {
  it('float: one :predict with an instance per input, task_type from input_type, outputDimensionality from dimensions; usage from the token counts', async () => {
    const res = await openai.embeddings.create({ model: 'text-emb', input: ['rotate the keys', 'quota'], dimensions: 16, encoding_format: 'float', input_type: 'query' } as OpenAI.EmbeddingCreateParams);
    expect(res.model).toBe('text-emb');
    expect(res.data.map((d) => d.embedding)).toEqual([vertexVector('rotate the keys', 'RETRIEVAL_QUERY', 16), vertexVector('quota', 'RETRIEVAL_QUERY', 16)]);
    // The fake counts 4 characters a token per instance: 4 + 2; Vertex's own counts, not the gateway's estimate.
    expect(res.usage).toEqual({ prompt_tokens: 6, total_tokens: 6 });
    const rec = vx.requests.at(-1);
    expect(rec?.path).toBe(PREDICT(TEXT_EMB));
    expect(rec?.body).toEqual({ instances: [{ content: 'rotate the keys', task_type: 'RETRIEVAL_QUERY' }, { content: 'quota', task_type: 'RETRIEVAL_QUERY' }], parameters: { outputDimensionality: 16 } });
    expect(tokens.isValid(String(rec?.headers.authorization).replace(/^Bearer /, ''))).toBe(true);
    const line = gw.accessLines().at(-1) ?? {};
    expect(line).toMatchObject({ route: `${NS}/text-emb`, provider: `${NS}/vx`, status: 200, tokensIn: 6, tokensOut: 0 });
    expect(line.usageEstimated).not.toBe(true);
  });

  it('base64 (the SDK\'s default): gemini-embedding-001 at its 3072 dimensions, decoded by the SDK to the same vector', async () => {
    const res = await openai.embeddings.create({ model: 'gemini-emb', input: 'one document' });
    expect(res.data).toHaveLength(1);
    expect(res.data[0]?.embedding).toEqual(f32(vertexVector('one document', '', 3072)));
    expect(vx.requests.at(-1)?.path).toBe(PREDICT(GEMINI_EMB));
    const raw = await postJson(`${gw.baseURL}/embeddings`, { model: 'gemini-emb', input: 'one document', encoding_format: 'base64' }, { authorization: `Bearer ${KEY}` });
    expect(typeof ((await raw.json()) as { data: { embedding: unknown }[] }).data[0]?.embedding).toBe('string');
  });

  it('gemini-embedding-001 takes one input per request on Vertex: a batch is refused with 400 naming the model and input, before sending', async () => {
    const r = await post({ model: 'gemini-emb', input: ['one', 'two'] });
    expect(r.status).toBe(400);
    expect(r.error).toMatchObject({ code: 'invalid_request', param: 'input', message: `The Vertex AI model ${GEMINI_EMB} embeds one input per request; 2 were given.` });
    expect(vx.requests).toHaveLength(0);
  });

  it('a Claude model does not embed: 400 param model, nothing sent', async () => {
    const r = await post({ model: 'claude-emb', input: 'x' });
    expect(r.status).toBe(400);
    expect(r.error).toMatchObject({ code: 'invalid_request', param: 'model' });
    expect(vx.requests).toHaveLength(0);
  });

  it('a Vertex 429 RESOURCE_EXHAUSTED → the caller\'s 429 with Retry-After from RetryInfo', async () => {
    vx.setFault({ status: 429, publisher: 'google', message: 'Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12s' }] });
    const err = await openai.embeddings.create({ model: 'limited-emb', input: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(Number((err as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after'))).toBeGreaterThanOrEqual(11);
  });

  it('the same model gives the same vectors through the Gemini API and, after a Gemini 429, through Vertex', async () => {
    const ask = { model: 'gem-then-vx', input: 'same everywhere', dimensions: 64, encoding_format: 'float', input_type: 'document' } as OpenAI.EmbeddingCreateParams;
    const direct = await openai.embeddings.create(ask);
    expect(vx.gemini.requests.filter((r) => r.action === 'batchEmbedContents')).toHaveLength(1);
    expect(vx.requests).toHaveLength(0);
    vx.gemini.setFault({ status: 429, retryDelay: '0s' });
    const viaVertex = await openai.embeddings.create(ask).withResponse();
    expect(viaVertex.response.headers.get('x-switchyard-provider')).toContain('vx');
    expect(vx.requests.at(-1)?.path).toBe(PREDICT(GEMINI_EMB));
    expect(vx.requests.at(-1)?.body).toEqual({ instances: [{ content: 'same everywhere', task_type: 'RETRIEVAL_DOCUMENT' }], parameters: { outputDimensionality: 64 } });
    expect(viaVertex.data.data[0]?.embedding).toHaveLength(64);
    expect(viaVertex.data.data[0]?.embedding).toEqual(direct.data[0]?.embedding);
  });
});
