// Translated embeddings end to end (issue 9): the official `openai` SDK's embeddings.create against the gateway, whose
// route sends them to a Gemini Provider (the fake Gemini API on loopback, test/support/fake-gemini-server.ts) through
// the canonical embeddings form — float and base64 answers, dimensions, refusals of token input, usage estimated when
// Gemini reports none (and settled against a token quota), fallback in both directions between Gemini (translated)
// and an OpenAI-compatible upstream (native), and the compiler's view of such routes.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compile } from '../../pkg/compiler/index.ts';
import { startFakeGemini, fakeVector } from '../support/fake-gemini-server.ts';
import type { FakeGemini } from '../support/fake-gemini-server.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { isObj } from '../support/message-text.ts';
import { apiKey, NS, postJson, provider, route, secret, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';
import { quota } from './quota-support.ts';

const KEY = 'sk-swy-emb-gemini-5e1f0a9b7c3d2468';
const UP = 'gemini-embedding-001';
const PRICE = { input: 1000 }; // USD per 1M tokens: 0.001 per input token

function gemini(name: string, g: FakeGemini, models: readonly unknown[]): unknown[] {
  return [
    secret(`${name}-cred`, { apiKey: g.apiKey }),
    {
      apiVersion: 'switchyard.dev/v1alpha1',
      kind: 'Provider',
      metadata: { name, namespace: NS },
      spec: { type: 'gemini', baseURL: g.url, auth: { secretRef: { name: `${name}-cred`, key: 'apiKey' } }, models },
    },
  ];
}

function manifests(g: FakeGemini, oa: FakeOpenAI): unknown[] {
  return [
    apiKey('caller', KEY, { team: 'search', user: 'ana' }),
    ...gemini('gem', g, [{ name: UP, capabilities: ['embeddings'], pricing: PRICE }, { name: 'gemini-2.5-flash', capabilities: ['chat'] }]),
    ...provider('oac', oa.url, { key: 'sk-up-oac-0000000001', models: [{ name: 'emb-up', capabilities: ['embeddings'] }, { name: 'status-500', capabilities: ['embeddings'] }] }),
    route('emb', { model: 'emb', targets: [{ provider: 'gem', model: UP }] }),
    route('emb-chat-only', { model: 'emb-chat-only', targets: [{ provider: 'gem', model: 'gemini-2.5-flash' }] }),
    route('emb-gem-first', { model: 'emb-gem-first', targets: [{ provider: 'gem', model: UP }], fallback: [{ provider: 'oac', model: 'emb-up' }] }),
    route('emb-oac-first', { model: 'emb-oac-first', targets: [{ provider: 'oac', model: 'status-500' }], fallback: [{ provider: 'gem', model: UP }] }),
    route('emb-quota', { model: 'emb-quota', targets: [{ provider: 'gem', model: UP }] }),
    quota('emb-tokens', { subject: { kind: 'user', name: 'ana' }, models: ['emb-quota'], limits: [{ window: '1h', tokens: 10 }] }),
  ];
}

let g: FakeGemini;
let oa: FakeOpenAI;
let gw: Gateway;
let client: OpenAI;

beforeAll(async () => {
  g = await startFakeGemini();
  oa = await startFakeOpenAI();
  gw = await startGateway(manifests(g, oa));
  client = new OpenAI({ apiKey: KEY, baseURL: gw.baseURL, maxRetries: 0 });
});

afterAll(async () => {
  await gw.close();
  await g.close();
  await oa.close();
});

beforeEach(() => {
  g.setFault(undefined);
  g.requests.length = 0;
  oa.requests.length = 0;
});

const f32 = (v: readonly number[]): number[] => v.map((x) => Math.fround(x));

function embedRequests(): Record<string, unknown>[] {
  return g.requests.filter((r) => r.action === 'batchEmbedContents' || r.action === 'embedContent').map((r) => r.body as Record<string, unknown>);
}

function lastAccess(): Record<string, unknown> {
  const lines = gw.accessLines();
  return lines[lines.length - 1] ?? {};
}

describe('OpenAI SDK embeddings through the gateway to Gemini', () => {
  it('float: one vector per input, in order, as Gemini computed them; the upstream gets batchEmbedContents for the upstream model', async () => {
    const res = await client.embeddings.create({ model: 'emb', input: ['first text', 'second'], encoding_format: 'float' });
    expect(res.object).toBe('list');
    expect(res.model).toBe('emb');
    expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    expect(res.data[0]?.embedding).toEqual(fakeVector('first text'));
    expect(res.data[1]?.embedding).toEqual(fakeVector('second'));
    const sent = g.requests.at(-1);
    expect(sent?.model).toBe(UP);
    expect(sent?.headers['x-goog-api-key']).toBe(g.apiKey);
    const reqs = embedRequests()[0]?.requests;
    expect(Array.isArray(reqs) ? reqs.length : 0).toBe(2);
  });

  it('base64 (the SDK\'s default): the SDK decodes little-endian float32 back to the same vectors', async () => {
    const res = await client.embeddings.create({ model: 'emb', input: 'hello base64' });
    expect(res.data).toHaveLength(1);
    expect(res.data[0]?.embedding).toEqual(f32(fakeVector('hello base64')));
    // On the wire the gateway answered base64, not a float array.
    const raw = await postJson(`${gw.baseURL}/embeddings`, { model: 'emb', input: 'hello base64', encoding_format: 'base64' }, { authorization: `Bearer ${KEY}` });
    const body = await raw.json() as { data: { embedding: unknown }[] };
    expect(typeof body.data[0]?.embedding).toBe('string');
  });

  it('dimensions reach Gemini as outputDimensionality and shape the answer', async () => {
    const res = await client.embeddings.create({ model: 'emb', input: ['short'], dimensions: 4, encoding_format: 'float' });
    expect(res.data[0]?.embedding).toEqual(fakeVector('short', 4));
    const first = embedRequests()[0]?.requests;
    expect(Array.isArray(first) && isObj(first[0]) ? first[0].outputDimensionality : undefined).toBe(4);
  });

  it('usage: Gemini reports no token count, so the input is estimated (4 characters a token), reported, logged as estimated and priced', async () => {
    const input = 'abcdefghijklmnopqrstuvwxyz0123456789'; // 36 characters → 9 tokens
    const res = await client.embeddings.create({ model: 'emb', input, encoding_format: 'float' });
    expect(res.usage).toEqual({ prompt_tokens: 9, total_tokens: 9 });
    const line = lastAccess();
    expect(line).toMatchObject({ route: `${NS}/emb`, provider: `${NS}/gem`, tokensIn: 9, tokensOut: 0, usageEstimated: true, status: 200 });
    expect(line.costUSD).toBeCloseTo(0.009, 9);
  });

  it('token-id input is refused with 400 invalid_request param input before anything goes upstream', async () => {
    for (const input of [[15339, 1917], [[15339], [1917]]]) {
      const r = await postJson(`${gw.baseURL}/embeddings`, { model: 'emb', input }, { authorization: `Bearer ${KEY}` });
      expect(r.status).toBe(400);
      const body = await r.json() as { error: { code: string; param: string; message: string } };
      expect(body.error.code).toBe('invalid_request');
      expect(body.error.param).toBe('input');
      expect(body.error.message).toMatch(/not token ids: send input as a string or an array of strings/);
    }
    expect(embedRequests()).toHaveLength(0);
  });

  it('a model that declares only chat refuses embeddings with 400 unsupported_operation', async () => {
    const r = await postJson(`${gw.baseURL}/embeddings`, { model: 'emb-chat-only', input: 'x' }, { authorization: `Bearer ${KEY}` });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('unsupported_operation');
    expect(g.requests).toHaveLength(0);
  });
});

describe('retries, fallback and quota settlement like chat', () => {
  it('Gemini 429 (retried like chat) → the OpenAI-compatible fallback serves the same request natively', async () => {
    g.setFault({ status: 429, retryDelay: '0s' });
    const res = await client.embeddings.create({ model: 'emb-gem-first', input: 'fall over', encoding_format: 'float' }).withResponse();
    expect(res.response.headers.get('x-switchyard-provider')).toContain('oac');
    expect(res.data.data).toHaveLength(1);
    const native = oa.requests.filter((r) => r.path === '/v1/embeddings');
    expect(native).toHaveLength(1);
    expect(embedRequests().length).toBeGreaterThanOrEqual(1);
    expect(res.response.headers.get('x-switchyard-attempts')).toBe(String(embedRequests().length + 1));
    // The native attempt got the client's body, not a translation.
    expect(native[0]?.body).toMatchObject({ model: 'emb-up', input: 'fall over', encoding_format: 'float' });
  });

  it('OpenAI-compatible 500 → the Gemini fallback serves it through translation', async () => {
    const res = await client.embeddings.create({ model: 'emb-oac-first', input: ['a b', 'c'], encoding_format: 'float' }).withResponse();
    expect(res.response.headers.get('x-switchyard-provider')).toContain('gem');
    const failed = oa.requests.filter((r) => r.path === '/v1/embeddings').length;
    expect(failed).toBeGreaterThanOrEqual(1);
    expect(embedRequests()).toHaveLength(1);
    expect(res.response.headers.get('x-switchyard-attempts')).toBe(String(failed + 1));
    expect(res.data.data.map((d) => d.embedding)).toEqual([fakeVector('a b'), fakeVector('c')]);
  });

  it('a Gemini failure with nothing to fall back to is the caller\'s 429 in the OpenAI envelope', async () => {
    g.setFault({ status: 429, retryDelay: '0s' });
    const err = await client.embeddings.create({ model: 'emb', input: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('the token quota settles the (estimated) input tokens of each answer: 10 tokens allow one 40-character input', async () => {
    const input = 'abcdefghijklmnopqrstuvwxyz0123456789abcd'; // 40 characters → 10 tokens
    const first = await client.embeddings.create({ model: 'emb-quota', input, encoding_format: 'float' });
    expect(first.usage.prompt_tokens).toBe(10);
    const second = await client.embeddings.create({ model: 'emb-quota', input, encoding_format: 'float' }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(OpenAI.RateLimitError);
    expect((second as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('quota_exceeded');
    expect(embedRequests()).toHaveLength(1);
  });
});

describe('compiler', () => {
  it('accepts an embeddings-only Gemini route; the same on a provider type without embeddings is ClientApiUnsupported', () => {
    const { statuses } = compile([
      ...gemini('gem', g, [{ name: UP, capabilities: ['embeddings'] }]),
      secret('ant-cred', { apiKey: 'sk-ant-test' }),
      { apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'ant', namespace: NS }, spec: { type: 'anthropic', auth: { secretRef: { name: 'ant-cred', key: 'apiKey' } }, models: [{ name: 'claude-emb', capabilities: ['embeddings'] }] } },
      route('only-emb', { model: 'only-emb', targets: [{ provider: 'gem', model: UP }] }),
      route('ant-emb', { model: 'ant-emb', targets: [{ provider: 'ant', model: 'claude-emb' }] }),
    ], { version: 1 });
    const refs = (name: string) => statuses.find((s) => s.kind === 'ModelRoute' && s.name === name)?.conditions.find((c) => c.type === 'ResolvedRefs');
    expect(refs('only-emb')?.status).toBe('True');
    expect(refs('ant-emb')).toMatchObject({ status: 'False', reason: 'ClientApiUnsupported' });
  });
});
