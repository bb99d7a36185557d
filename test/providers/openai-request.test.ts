import { describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import { createAdapter, UnsupportedProviderError } from '../../pkg/providers/registry.ts';
import { useFakeUpstream, makeCtx, makeProvider, readAll, SECRET, send, classify } from './helpers.ts';

const fake = useFakeUpstream();

describe('OpenAI adapter request building', () => {
  it('posts chat to baseURL + /chat/completions with headers and the credential', async () => {
    const provider = makeProvider({ baseURL: fake.up.url, headers: { 'openai-organization': 'org-1' } });
    const adapter = createAdapter(provider, fake.pools);
    const res = await send(adapter, makeCtx(provider));
    expect(res.status).toBe(200);
    await readAll(res);
    const req = fake.up.requests[0];
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/v1/chat/completions');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers.accept).toBe('application/json');
    expect(req?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(req?.headers['openai-organization']).toBe('org-1');
    expect(req?.headers['x-request-id']).toBe('req-test-1');
    expect(req?.headers['accept-encoding']).toBe('identity');
  });

  it('posts embeddings to baseURL + /embeddings and keeps a base path prefix', async () => {
    const provider = makeProvider({ baseURL: `${fake.up.origin}/v1` });
    const adapter = createAdapter(provider, fake.pools);
    await readAll(await send(adapter, makeCtx(provider, { op: 'embeddings' })));
    expect(fake.up.requests[0]?.path).toBe('/v1/embeddings');
  });

  it('A14 the model name goes only into the JSON body, never the URL', async () => {
    const provider = makeProvider({ baseURL: fake.up.url });
    const adapter = createAdapter(provider, fake.pools);
    await readAll(await send(adapter, makeCtx(provider, { model: '../../etc/passwd?x=%2e%2e#frag' })));
    expect(fake.up.requests[0]?.path).toBe('/v1/chat/completions');
    expect((fake.up.requests[0]?.body as { model: string }).model).toBe('../../etc/passwd?x=%2e%2e#frag');
  });

  it('a provider header cannot override framing headers, content-type or the credential', async () => {
    const provider = makeProvider({ baseURL: fake.up.url, headers: { host: 'evil.example', 'content-type': 'text/plain', authorization: 'Bearer other', 'content-length': '1' } });
    const adapter = createAdapter(provider, fake.pools);
    await readAll(await send(adapter, makeCtx(provider)));
    const h = fake.up.requests[0]?.headers;
    expect(h?.host).toBe(new URL(fake.up.origin).host);
    expect(h?.['content-type']).toBe('application/json');
    expect(h?.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('patches the body: model replaced, unknown fields kept, client object untouched', async () => {
    const provider = makeProvider({ baseURL: fake.up.url });
    const adapter = createAdapter(provider, fake.pools);
    const body = { model: 'alias', messages: [{ role: 'user', content: 'x' }], temperature: 0.2, some_new_field: { a: [1, 2] } };
    const snapshot = structuredClone(body);
    await readAll(await send(adapter, makeCtx(provider, { body })));
    expect(fake.up.requests[0]?.body).toEqual({ ...snapshot, model: 'gpt-4o-mini' });
    expect(body).toEqual(snapshot);
  });

  it('streams: asks for usage (merged into client stream_options) and accepts SSE', async () => {
    const provider = makeProvider({ baseURL: fake.up.url });
    const adapter = createAdapter(provider, fake.pools);
    const body = { model: 'a', messages: [], stream: true, stream_options: { include_obfuscation: false } };
    await readAll(await send(adapter, makeCtx(provider, { body, stream: true })));
    const req = fake.up.requests[0];
    expect(req?.headers.accept).toBe('text/event-stream');
    expect((req?.body as Record<string, unknown>).stream_options).toEqual({ include_obfuscation: false, include_usage: true });
  });

  it('streams without provider stream usage leave stream_options alone', async () => {
    const provider = makeProvider({ baseURL: fake.up.url, streamUsage: false });
    const adapter = createAdapter(provider, fake.pools);
    await readAll(await send(adapter, makeCtx(provider, { stream: true })));
    expect((fake.up.requests[0]?.body as Record<string, unknown>).stream_options).toBeUndefined();
  });

  it('openai-compatible preset without stream_options support strips it', async () => {
    const provider = makeProvider({ baseURL: fake.up.url, type: 'openai-compatible', preset: 'mistral' });
    const adapter = createAdapter(provider, fake.pools);
    expect(adapter.type).toBe('openai-compatible');
    const body = { model: 'a', messages: [], stream: true, stream_options: { include_usage: true } };
    await readAll(await send(adapter, makeCtx(provider, { body, stream: true })));
    expect((fake.up.requests[0]?.body as Record<string, unknown>).stream_options).toBeUndefined();
  });

  it('openai-compatible generic preset behaves like openai and sends a custom credential header', async () => {
    const provider = makeProvider({ baseURL: fake.up.url, type: 'openai-compatible', credential: { kind: 'header', header: 'api-key', value: SECRET } });
    const adapter = createAdapter(provider, fake.pools);
    await readAll(await send(adapter, makeCtx(provider, { stream: true })));
    const req = fake.up.requests[0];
    expect(req?.headers['api-key']).toBe(SECRET);
    expect(req?.headers.authorization).toBeUndefined();
    expect((req?.body as Record<string, unknown>).stream_options).toEqual({ include_usage: true });
  });

  it('E12 redirects are never followed: the other host sees nothing, the 302 classifies as invalid', async () => {
    const attacker = await startFakeOpenAI();
    try {
      fake.up.setBehavior(() => ({ status: 302, headers: { location: `${attacker.url}/chat/completions` }, errorBody: '' }));
      const provider = makeProvider({ baseURL: fake.up.url });
      const adapter = createAdapter(provider, fake.pools);
      const ctx = makeCtx(provider);
      const res = await send(adapter, ctx);
      expect(res.status).toBe(302);
      const failure = classify(adapter, ctx, res.status, res.headers, await readAll(res));
      expect(failure.kind).toBe('invalid');
      expect(attacker.connections).toBe(0);
    } finally {
      await attacker.close();
    }
  });
});

describe('registry', () => {
  it('dispatches on provider.type and rejects unsupported types', () => {
    expect(createAdapter(makeProvider({ type: 'openai' }), fake.pools).type).toBe('openai');
    expect(createAdapter(makeProvider({ type: 'openai-compatible', preset: 'vllm' }), fake.pools).type).toBe('openai-compatible');
    expect(createAdapter(makeProvider({ type: 'fake', baseURL: '' }), fake.pools).type).toBe('fake');
    expect(createAdapter(makeProvider({ type: 'anthropic' }), fake.pools).type).toBe('anthropic');
    expect(createAdapter(makeProvider({ type: 'gemini' }), fake.pools).type).toBe('gemini');
    expect(() => createAdapter(makeProvider({ type: 'no-such-type' }), fake.pools)).toThrow(UnsupportedProviderError);
  });
});

describe('native client APIs and request building', () => {
  it('openai serves chat, completions, embeddings and responses natively; openai-compatible all but responses; fake chat and embeddings', () => {
    const apis = (type: string, over = {}) => [...createAdapter(makeProvider({ type, ...over }), fake.pools).nativeApis].sort();
    expect(apis('openai')).toEqual(['openai-chat', 'openai-completions', 'openai-embeddings', 'openai-responses']);
    expect(apis('openai-compatible')).toEqual(['openai-chat', 'openai-completions', 'openai-embeddings']);
    expect(apis('fake', { baseURL: '' })).toEqual(['openai-chat', 'openai-embeddings']);
    expect(apis('anthropic')).toEqual(['anthropic-messages']);
  });

  it('routes each native API to its endpoint; a Responses body keeps previous_response_id and store', () => {
    const provider = makeProvider({ baseURL: 'https://api.example/v1' });
    const adapter = createAdapter(provider, fake.pools);
    const build = (api: 'openai-completions' | 'openai-responses', body: Record<string, unknown>) =>
      adapter.buildNative({ ...makeCtx(provider).req, api, body }, makeCtx(provider).target, { requestId: 'r', bodies: new Map() });
    expect(build('openai-completions', { model: 'x', prompt: 'hi' }).path).toBe('/v1/completions');
    const r = build('openai-responses', { model: 'x', input: 'hi', previous_response_id: 'resp_1', store: true });
    expect(r.path).toBe('/v1/responses');
    expect(JSON.parse(String(r.body))).toEqual({ model: 'gpt-4o-mini', input: 'hi', previous_response_id: 'resp_1', store: true });
  });

  it('serialises a body once per upstream model: a second attempt on the same model reuses the text', () => {
    const provider = makeProvider({ baseURL: 'https://api.example/v1' });
    const adapter = createAdapter(provider, fake.pools);
    const ctx = makeCtx(provider);
    const build = { requestId: 'r', bodies: new Map<string, string>() };
    const first = adapter.buildNative(ctx.req, ctx.target, build);
    const second = adapter.buildNative(ctx.req, ctx.target, build);
    expect(second.body).toBe(first.body);
    expect(build.bodies.size).toBe(1);
    adapter.buildNative(ctx.req, { ...ctx.target, model: 'other' }, build);
    expect(build.bodies.size).toBe(2);
  });
});
