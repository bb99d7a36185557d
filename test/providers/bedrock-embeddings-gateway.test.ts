// Bedrock embeddings through the real gateway on loopback, driven by the official `openai` SDK's embeddings.create
// (float, and base64 — the SDK's default, decoded by it): OpenAI Embeddings requests translated to InvokeModel
// (POST /model/{modelId}/invoke, SigV4-signed like Converse and verified by the fake Bedrock runtime with the official
// signer) with the model family's body — Amazon Titan Text Embeddings V2 (one input per call; usage from
// inputTextTokenCount) and Cohere Embed v3 / v4 on Bedrock (batches; usage estimated). Also: a Titan batch refused
// with 400 naming the model, a model without embeddings refused, ThrottlingException → 429 or failover from Titan to
// Cohere, and the secret access key (a canary) never in error bodies, logs or metrics.
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cohereVector, estimateTokens, startFakeBedrock, titanVector } from '../support/fake-bedrock-server.ts';
import type { FakeBedrock } from '../support/fake-bedrock-server.ts';
import { NS, apiKey, postJson, route, secret, startGateway } from '../proxy/harness.ts';
import type { Gateway } from '../proxy/harness.ts';

const KEY = 'sk-swy-bedrock-emb-8d7c6b5a4f3e';
const ACCESS_KEY_ID = 'AKIAEMBEDTEST0000001';
/** The secret access key: a canary that must never leave the proxy except as a signature. */
const CANARY = 'embedCanary/4a9F2c7E1b0D+8e3A6b5C4d2E1f0a9B8c7D6e5F4';

const TITAN = 'amazon.titan-embed-text-v2:0';
const COHERE = 'cohere.embed-english-v3';
const COHERE_V4 = 'us.cohere.embed-v4:0';
const NOVA = 'amazon.nova-pro-v1:0';
const emb = (name: string): { name: string; capabilities: string[] } => ({ name, capabilities: ['embeddings'] });

function bedrock(name: string, models: readonly string[]): unknown {
  return {
    apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name, namespace: NS },
    spec: {
      type: 'bedrock', region: 'eu-west-1', baseURL: up.url, models: models.map(emb),
      auth: { aws: { accessKeyId: { name: 'br-cred', key: 'accessKeyId' }, secretAccessKey: { name: 'br-cred', key: 'secretAccessKey' } } },
    },
  };
}

let up: FakeBedrock;
let gw: Gateway;
let oa: OpenAI;

beforeAll(async () => {
  up = await startFakeBedrock({ region: 'eu-west-1', credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: CANARY } });
  gw = await startGateway([
    secret('br-cred', { accessKeyId: ACCESS_KEY_ID, secretAccessKey: CANARY }),
    bedrock('br', [TITAN, COHERE, COHERE_V4, NOVA]),
    route('titan', { model: 'titan', retry: { attempts: 1 }, targets: [{ provider: 'br', model: TITAN }] }),
    route('cohere', { model: 'cohere', retry: { attempts: 1 }, targets: [{ provider: 'br', model: COHERE }] }),
    route('cohere-v4', { model: 'cohere-v4', retry: { attempts: 1 }, targets: [{ provider: 'br', model: COHERE_V4 }] }),
    route('nova', { model: 'nova-emb', retry: { attempts: 1 }, targets: [{ provider: 'br', model: NOVA }] }),
    // Their own Providers: a 429 cools the target down (Retry-After), which must not touch the other routes.
    bedrock('br-limited', [TITAN]),
    bedrock('br-fo', [TITAN, COHERE]),
    route('titan-limited', { model: 'titan-limited', retry: { attempts: 1 }, targets: [{ provider: 'br-limited', model: TITAN }] }),
    route('titan-then-cohere', { model: 'titan-then-cohere', retry: { attempts: 1 }, targets: [{ provider: 'br-fo', model: TITAN }], fallback: [{ provider: 'br-fo', model: COHERE }] }),
    apiKey('client', KEY),
  ]);
  oa = new OpenAI({ baseURL: gw.baseURL, apiKey: KEY, maxRetries: 0 });
});
afterEach(() => {
  up.setFault(undefined);
  for (const m of [TITAN, COHERE, COHERE_V4, NOVA]) up.setModelFault(m, undefined);
  up.requests.length = 0;
});
afterAll(async () => {
  await gw.close();
  await up.close();
});

const f32 = (v: readonly number[]): number[] => v.map((x) => Math.fround(x));

function lastAccess(): Record<string, unknown> {
  return gw.accessLines().at(-1) ?? {};
}

async function post(body: unknown): Promise<{ status: number; body: { error: { code: string; param?: string; message: string } } }> {
  const r = await postJson(`${gw.baseURL}/embeddings`, body, { authorization: `Bearer ${KEY}` });
  return { status: r.status, body: await r.json() as { error: { code: string; param?: string; message: string } } };
}

describe('bedrock embeddings through the gateway: Amazon Titan Text Embeddings V2', () => {
  it('float: InvokeModel at /model/<encoded id>/invoke signed for eu-west-1 with {inputText, dimensions, normalize}; usage from inputTextTokenCount', async () => {
    const text = 'What is Amazon Bedrock, in one sentence?';
    const res = await oa.embeddings.create({ model: 'titan', input: text, dimensions: 256, encoding_format: 'float' });
    expect(res.model).toBe('titan');
    expect(res.data).toHaveLength(1);
    expect(res.data[0]?.embedding).toEqual(titanVector(text, 256));
    expect(res.usage).toEqual({ prompt_tokens: estimateTokens(text), total_tokens: estimateTokens(text) });
    const rec = up.requests.at(-1);
    expect(rec).toMatchObject({ action: 'invoke', modelId: TITAN, accessKeyId: ACCESS_KEY_ID, path: '/model/amazon.titan-embed-text-v2%3A0/invoke' });
    expect(String(rec?.headers.authorization)).toContain('/eu-west-1/bedrock/aws4_request');
    expect(rec?.body).toEqual({ inputText: text, dimensions: 256, normalize: true });
    const line = lastAccess();
    expect(line).toMatchObject({ route: `${NS}/titan`, provider: `${NS}/br`, status: 200, tokensIn: estimateTokens(text), tokensOut: 0 });
    expect(line.usageEstimated).not.toBe(true);
  });

  it('base64 (the SDK\'s default): the SDK decodes the little-endian float32 the gateway sent back to the same vector', async () => {
    const res = await oa.embeddings.create({ model: 'titan', input: ['just one'] });
    expect(res.data[0]?.embedding).toEqual(f32(titanVector('just one')));
    expect(res.data[0]?.embedding).toHaveLength(1024);
    const raw = await postJson(`${gw.baseURL}/embeddings`, { model: 'titan', input: 'just one', encoding_format: 'base64' }, { authorization: `Bearer ${KEY}` });
    expect(typeof ((await raw.json()) as { data: { embedding: unknown }[] }).data[0]?.embedding).toBe('string');
  });

  it('several inputs are refused with 400 invalid_request naming the model and input, before anything is sent', async () => {
    const r = await post({ model: 'titan', input: ['one', 'two', 'three'] });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'invalid_request', param: 'input' });
    expect(r.body.error.message).toContain(`The Bedrock model ${TITAN} (Amazon Titan Text Embeddings) embeds one input per request; 3 were given.`);
    expect(up.requests).toHaveLength(0);
  });

  it('a dimension Titan does not offer is Bedrock\'s ValidationException: 400 with its message, not retried', async () => {
    const err = await oa.embeddings.create({ model: 'titan', input: 'x', dimensions: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('#/dimensions: 100 is not a valid enum value');
    expect(up.requests).toHaveLength(1);
  });
});

describe('bedrock embeddings through the gateway: Cohere Embed on Bedrock', () => {
  it('a batch in one call: texts in order, input_type from input_type (query → search_query), embedding_types float; usage estimated', async () => {
    const res = await oa.embeddings.create({ model: 'cohere', input: ['reset my password', 'billing address'], encoding_format: 'float', input_type: 'query' } as OpenAI.EmbeddingCreateParams);
    expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    expect(res.data.map((d) => d.embedding)).toEqual([cohereVector('reset my password', 'search_query'), cohereVector('billing address', 'search_query')]);
    expect(up.requests).toHaveLength(1);
    expect(up.requests[0]).toMatchObject({ action: 'invoke', modelId: COHERE, path: '/model/cohere.embed-english-v3/invoke' });
    expect(up.requests[0]?.body).toEqual({ texts: ['reset my password', 'billing address'], input_type: 'search_query', embedding_types: ['float'] });
    // Bedrock gives Cohere's token count only in a response header the seam does not read: 4 characters a token.
    expect(res.usage.prompt_tokens).toBe(Math.ceil(('reset my password'.length + 'billing address'.length) / 4));
    expect(lastAccess()).toMatchObject({ route: `${NS}/cohere`, usageEstimated: true });
  });

  it('base64 with no input_type: search_document, decoded by the SDK to the same vectors', async () => {
    const res = await oa.embeddings.create({ model: 'cohere', input: ['alpha', 'beta'] });
    expect(res.data.map((d) => d.embedding)).toEqual([f32(cohereVector('alpha', 'search_document')), f32(cohereVector('beta', 'search_document'))]);
    expect(up.requests.at(-1)?.body).toMatchObject({ input_type: 'search_document' });
  });

  it('v4 through a cross-region inference profile: dimensions → output_dimension', async () => {
    const res = await oa.embeddings.create({ model: 'cohere-v4', input: ['sized'], dimensions: 512, encoding_format: 'float' });
    expect(res.data[0]?.embedding).toEqual(cohereVector('sized', 'search_document', 512));
    expect(up.requests.at(-1)).toMatchObject({ modelId: COHERE_V4, path: '/model/us.cohere.embed-v4%3A0/invoke' });
    expect(up.requests.at(-1)?.body).toMatchObject({ output_dimension: 512 });
  });

  it('v3 has a fixed size: dimensions refused with 400 param dimensions', async () => {
    const r = await post({ model: 'cohere', input: 'x', dimensions: 256 });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'invalid_request', param: 'dimensions' });
    expect(up.requests).toHaveLength(0);
  });
});

describe('bedrock embeddings through the gateway: refusals, errors and failover', () => {
  it('a Bedrock model without an embeddings body the gateway speaks is refused with 400 param model', async () => {
    const r = await post({ model: 'nova-emb', input: 'x' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'invalid_request', param: 'model' });
    expect(r.body.error.message).toContain(`The Bedrock model ${NOVA} is not an embeddings model the gateway serves`);
    expect(up.requests).toHaveLength(0);
  });

  it('ThrottlingException with nothing to fall back to is the caller\'s 429', async () => {
    up.setModelFault(TITAN, { status: 429, exception: 'ThrottlingException', message: 'Too many requests, please wait before trying again.', headers: { 'retry-after': '3' } });
    const err = await oa.embeddings.create({ model: 'titan-limited', input: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('3');
  });

  it('ThrottlingException on Titan fails over to Cohere on Bedrock within the request', async () => {
    up.setModelFault(TITAN, { status: 429, exception: 'ThrottlingException', message: 'Too many requests' });
    const res = await oa.embeddings.create({ model: 'titan-then-cohere', input: 'fall over', encoding_format: 'float' }).withResponse();
    expect(res.data.data[0]?.embedding).toEqual(cohereVector('fall over', 'search_document'));
    expect(up.requests.map((r) => r.modelId)).toEqual([TITAN, COHERE]);
    expect(res.response.headers.get('x-switchyard-attempts')).toBe('2');
  });

  it('the secret access key never reaches error bodies, logs or metrics, even when Bedrock echoes it', async () => {
    up.setModelFault(TITAN, { status: 400, exception: 'ValidationException', message: `bad request signed with ${CANARY}` });
    const body = await (await postJson(`${gw.baseURL}/embeddings`, { model: 'titan', input: 'x' }, { authorization: `Bearer ${KEY}` })).text();
    expect(body).toContain('[redacted]');
    up.setModelFault(TITAN, { status: 403, exception: 'AccessDeniedException', message: `denied for ${CANARY}` });
    const denied = await (await postJson(`${gw.baseURL}/embeddings`, { model: 'titan', input: 'x' }, { authorization: `Bearer ${KEY}` })).text();
    for (const sink of [body, denied, gw.logs.join('\n'), await gw.registry.metrics()]) {
      for (let i = 0; i + 8 <= CANARY.length; i++) expect(sink).not.toContain(CANARY.slice(i, i + 8));
    }
  });
});
