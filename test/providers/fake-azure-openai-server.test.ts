// The fake Azure OpenAI resource speaks the wire format the official `openai` package's AzureOpenAI client expects
// (classic deployment URLs, api-version, api-key and Entra bearer tokens), and the plain OpenAI client on /openai/v1/.
import { ClientSecretCredential, getBearerTokenProvider } from '@azure/identity';
import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_MARKER, FILTER_MARKER, startFakeAzureOpenAI } from '../support/fake-azure-openai-server.ts';
import type { FakeAzureOpenAI } from '../support/fake-azure-openai-server.ts';
import { startFakeEntra, trustFakeEntra } from '../support/fake-entra-server.ts';

const API_VERSION = '2024-10-21';
let az: FakeAzureOpenAI;
let client: AzureOpenAI;
beforeAll(async () => {
  az = await startFakeAzureOpenAI();
  client = new AzureOpenAI({ endpoint: az.endpoint, apiKey: az.apiKey, apiVersion: API_VERSION, deployment: 'chat-dep', maxRetries: 0 });
});
afterEach(() => {
  az.requests.length = 0;
  az.setFault(undefined);
  az.setBehavior(undefined);
  az.tokens.clear();
});
afterAll(() => az.close());

describe('fake Azure OpenAI, checked with the openai package (AzureOpenAI and OpenAI on /openai/v1)', () => {
  it('chat on a deployment: classic URL with api-version, api-key header, Azure annotations in the answer', async () => {
    const chat = await client.chat.completions.create({ model: 'ignored', messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.choices[0]?.message.content).toBe('Hello world!');
    expect(chat.usage?.total_tokens).toBe(14);
    expect((chat as unknown as { prompt_filter_results: unknown[] }).prompt_filter_results).toHaveLength(1);
    expect((chat.choices[0] as unknown as { content_filter_results: object }).content_filter_results).toHaveProperty('hate');
    const rec = az.requests.at(-1);
    expect(rec?.path).toBe('/openai/deployments/chat-dep/chat/completions');
    expect(rec?.query['api-version']).toBe(API_VERSION);
    expect(rec?.headers['api-key']).toBe(az.apiKey);
    expect(rec?.headers.authorization).toBeUndefined();
    expect(az.inner.requests.at(-1)?.body).toMatchObject({ model: 'chat-dep' });
  });

  it('stream: the annotation-only first chunk (empty choices), text, and the usage chunk', async () => {
    const stream = await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: number | undefined;
    let emptyFirst: boolean | undefined;
    for await (const c of stream) {
      emptyFirst ??= c.choices.length === 0;
      text += c.choices[0]?.delta.content ?? '';
      usage = c.usage?.total_tokens ?? usage;
    }
    expect(emptyFirst).toBe(true);
    expect(text).toBe('Hello world!');
    expect(usage).toBe(14);
  });

  it('embeddings and the Responses API (not deployment-scoped: /openai/responses?api-version=…)', async () => {
    const emb = await client.embeddings.create({ model: 'emb-dep', input: ['a', 'b'], encoding_format: 'float' });
    expect(emb.data).toHaveLength(2);
    expect(az.requests.at(-1)?.path).toBe('/openai/deployments/chat-dep/embeddings');
    const resp = await client.responses.create({ model: 'resp-dep', input: 'Say hi' });
    expect(resp.output_text).toBe('Echo: Say hi');
    expect(az.requests.at(-1)?.path).toBe('/openai/responses');
    expect(az.requests.at(-1)?.query['api-version']).toBe(API_VERSION);
  });

  it('Entra ID: azureADTokenProvider sends a bearer token; an unknown token gets 401', async () => {
    az.tokens.add('entra-token-1');
    const entra = new AzureOpenAI({ endpoint: az.endpoint, azureADTokenProvider: () => Promise.resolve('entra-token-1'), apiVersion: API_VERSION, deployment: 'chat-dep', maxRetries: 0 });
    const chat = await entra.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.choices[0]?.message.content).toBe('Hello world!');
    expect(az.requests.at(-1)?.headers.authorization).toBe('Bearer entra-token-1');
    expect(az.requests.at(-1)?.headers['api-key']).toBeUndefined();
    const bad = new AzureOpenAI({ endpoint: az.endpoint, azureADTokenProvider: () => Promise.resolve('other'), apiVersion: API_VERSION, deployment: 'chat-dep', maxRetries: 0 });
    await expect(bad.chat.completions.create({ model: 'x', messages: [] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('Entra ID end to end: @azure/identity against the fake Entra, its token provider given to AzureOpenAI', async () => {
    const entra = await startFakeEntra({ tenantId: 'tenant-1', clientId: 'client-1', clientSecret: 'secret-1' });
    const untrust = trustFakeEntra(entra);
    try {
      entra.onIssue = (t) => az.tokens.add(t);
      const credential = new ClientSecretCredential('tenant-1', 'client-1', 'secret-1', { authorityHost: entra.authorityHost, disableInstanceDiscovery: true });
      const sdk = new AzureOpenAI({ endpoint: az.endpoint, apiVersion: API_VERSION, deployment: 'chat-dep', maxRetries: 0, azureADTokenProvider: getBearerTokenProvider(credential, 'https://cognitiveservices.azure.com/.default') });
      const chat = await sdk.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] });
      expect(chat.choices[0]?.message.content).toBe('Hello world!');
      expect(entra.tokenRequests[0]).toMatchObject({ grantType: 'client_credentials', clientId: 'client-1', scope: 'https://cognitiveservices.azure.com/.default', proof: 'secret' });
      expect(az.requests.at(-1)?.headers.authorization).toBe(`Bearer ${entra.issued[0]}`);
      expect(entra.issued[0]).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    } finally {
      untrust();
      await entra.close();
    }
  });

  it('v1 paths with the plain OpenAI client: model = deployment, no api-version; classic paths without api-version get 400', async () => {
    const v1 = new OpenAI({ baseURL: `${az.endpoint}/openai/v1`, apiKey: az.apiKey, maxRetries: 0 });
    const chat = await v1.chat.completions.create({ model: 'my-gpt', messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.choices[0]?.message.content).toBe('Hello world!');
    const rec = az.requests.at(-1);
    expect(rec).toMatchObject({ path: '/openai/v1/chat/completions', style: 'v1', deployment: 'my-gpt', query: {} });
    const res = await fetch(`${az.endpoint}/openai/deployments/d/chat/completions`, { method: 'POST', headers: { 'api-key': az.apiKey, 'content-type': 'application/json' }, body: '{"messages":[]}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'BadRequest' } });
  });

  it('content filter: a blocked prompt is a 400 content_filter with innererror; a filtered answer ends with finish_reason content_filter', async () => {
    const err = await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: `say ${BLOCK_MARKER}` }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.code).toBe('content_filter');
    expect(e.error).toMatchObject({ innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: { hate: { filtered: true, severity: 'high' } } } });
    const chat = await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: FILTER_MARKER }] });
    expect(chat.choices[0]?.finish_reason).toBe('content_filter');
    expect((chat.choices[0] as unknown as { content_filter_results: object }).content_filter_results).toMatchObject({ violence: { filtered: true } });
  });

  it('faults: 429 with retry-after and retry-after-ms reaches the SDK as RateLimitError', async () => {
    az.setFault(() => ({ status: 429, headers: { 'retry-after': '2', 'retry-after-ms': '1500' } }));
    const err = await client.chat.completions.create({ model: 'x', messages: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after-ms')).toBe('1500');
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('429');
  });
});
