// B14 usage golden tests: recorded OpenAI transcripts → Usage, stream and non-stream alike.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import type { UpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createOpenAIAdapter } from '../../pkg/providers/openai/index.ts';
import type { Usage } from '../../pkg/providers/types.ts';
import { makeCtx, makeProvider, readAll, streamThrough, translateChunks, send, respond } from './helpers.ts';
import { CredentialSources } from '../../pkg/providers/http/credential-sources.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`./testdata/openai/${name}`, import.meta.url));
const noNetwork = { dispatcherFor: () => { throw new Error('no network in this test'); }, sources: new CredentialSources() };

const CACHED_REASONING: Usage = { inputTokens: 2006, outputTokens: 300, totalTokens: 2306, cachedInputTokens: 1920, reasoningTokens: 192 };

describe('B14 usage golden (recorded transcripts)', () => {
  const provider = makeProvider();
  const adapter = createOpenAIAdapter(provider, noNetwork);

  it('non-stream with cached and reasoning tokens', () => {
    const body = fixture('chat-cached-reasoning.json');
    const t = respond(adapter, makeCtx(provider), body);
    expect(t.usage).toEqual(CACHED_REASONING);
    expect(Buffer.from(t.body).equals(body)).toBe(true);
  });

  it('stream with the usage chunk (stream_options.include_usage) gives the same usage', () => {
    const { end } = translateChunks(adapter, makeCtx(provider, { stream: true }), [fixture('chat-cached-reasoning.sse')]);
    expect(end.outcome).toBe('complete');
    expect(end.usage).toEqual(CACHED_REASONING);
  });

  it('total_tokens is taken from the provider; absent details stay absent', () => {
    const t = respond(adapter, makeCtx(provider), fixture('chat-no-details.json'));
    expect(t.usage).toEqual({ inputTokens: 9, outputTokens: 2, totalTokens: 12 });
  });

  it('embeddings usage has no output tokens', () => {
    const t = respond(adapter, makeCtx(provider, { op: 'embeddings' }), fixture('embeddings.json'));
    expect(t.usage).toEqual({ inputTokens: 8, outputTokens: 0, totalTokens: 8 });
  });

  it('usage on a chunk that also carries choices (servers that always report it) is kept and the chunk passed on', () => {
    const { out, end } = translateChunks(adapter, makeCtx(provider, { stream: true }), [fixture('stream-usage-on-finish-chunk.sse')]);
    expect(end.usage).toEqual({ inputTokens: 5, outputTokens: 2, totalTokens: 7 });
    expect(out).toContain('"finish_reason":"stop"');
  });

  it('a response without usage yields null', () => {
    const body = Buffer.from(JSON.stringify({ id: 'x', choices: [] }));
    expect(respond(adapter, makeCtx(provider), body).usage).toBeNull();
  });
});

describe('B14 usage through a real upstream', () => {
  let up: FakeOpenAI;
  let pools: UpstreamPools;
  beforeAll(async () => {
    up = await startFakeOpenAI();
    up.setBehavior(() => ({
      usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70, prompt_tokens_details: { cached_tokens: 32 }, completion_tokens_details: { reasoning_tokens: 12 } },
    }));
    pools = createUpstreamPools();
  });
  afterAll(async () => {
    await pools.close();
    await up.close();
  });

  it('stream and non-stream report identical usage', async () => {
    const provider = makeProvider({ baseURL: up.url });
    const adapter = createOpenAIAdapter(provider, pools);
    const ctx = makeCtx(provider);
    const nonStream = respond(adapter, ctx, await readAll(await send(adapter, ctx))).usage;
    const { end } = await streamThrough(adapter, makeCtx(provider, { stream: true }));
    const want: Usage = { inputTokens: 50, outputTokens: 20, totalTokens: 70, cachedInputTokens: 32, reasoningTokens: 12 };
    expect(nonStream).toEqual(want);
    expect(end.usage).toEqual(want);
  });
});

describe('usage quirks of OpenAI-compatible servers', () => {
  it('DeepSeek prompt_cache_hit_tokens counts as cached input', () => {
    const provider = makeProvider({ type: 'openai-compatible', preset: 'deepseek' });
    const adapter = createOpenAIAdapter(provider, noNetwork);
    const body = Buffer.from(JSON.stringify({ choices: [], usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110, prompt_cache_hit_tokens: 64, prompt_cache_miss_tokens: 36 } }));
    expect(respond(adapter, makeCtx(provider), body).usage).toEqual({ inputTokens: 100, outputTokens: 10, totalTokens: 110, cachedInputTokens: 64 });
  });

  it('a pretty-printed usage chunk is still found', () => {
    const provider = makeProvider();
    const adapter = createOpenAIAdapter(provider, noNetwork);
    const text = 'data: {"choices": [], "usage":\t{"prompt_tokens": 3, "completion_tokens": 4}}\n\ndata: [DONE]\n\n';
    const { out, end } = translateChunks(adapter, makeCtx(provider, { stream: true }), [Buffer.from(text)]);
    expect(end.usage).toEqual({ inputTokens: 3, outputTokens: 4, totalTokens: 7 });
    expect(out).toBe('data: [DONE]\n\n');
  });
});
