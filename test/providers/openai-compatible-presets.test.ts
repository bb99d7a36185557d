// The openai-compatible presets: a golden of every preset's effective descriptor (testdata/openai-compatible/
// presets.json; UPDATE_GOLDEN=1 rewrites it), the request each preset's adapter builds (output-cap field,
// stream_options, native Anthropic Messages) on a real loopback upstream, and the decoding of reasoning fields
// (`reasoning_content`, `reasoning`) into canonical thinking parts, streamed and not.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientCodec as anthropicClient } from '../../pkg/dialects/anthropic-messages/index.ts';
import { providerCodec as chatCodec } from '../../pkg/dialects/openai-chat/index.ts';
import type { StreamEvent } from '../../pkg/canonical/types.ts';
import { descriptorFor, effectiveDescriptor, presetNames } from '../../pkg/providers/descriptors.ts';
import { OPENAI_COMPATIBLE_PRESETS } from '../../pkg/providers/openai-compatible/descriptor.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import type { ProviderAdapter, UpstreamRequest } from '../../pkg/providers/types.ts';
import { FAKE_CREATED, sseEvents } from '../support/fake-openai-server.ts';
import { makeCtx, makeProvider, readAll, send, streamThrough, useFakeUpstream } from './helpers.ts';

const fake = useFakeUpstream();
const GOLDEN = join(import.meta.dirname, 'testdata', 'openai-compatible', 'presets.json');
const PRESETS = presetNames('openai-compatible');
const D = descriptorFor('openai-compatible');

function effective(name: string): Record<string, unknown> {
  if (D === undefined) throw new Error('no openai-compatible descriptor');
  const p = OPENAI_COMPATIBLE_PRESETS[name];
  return { title: p?.title, ...effectiveDescriptor(D, name), maxTokensField: p?.maxTokensField };
}

describe('openai-compatible presets: the table', () => {
  it('golden: every preset\'s effective descriptor', () => {
    const table = Object.fromEntries(PRESETS.map((name) => [name, effective(name)]));
    const text = `${JSON.stringify(table, null, 2)}\n`;
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, text);
    }
    expect(existsSync(GOLDEN), 'presets.json is missing; run with UPDATE_GOLDEN=1').toBe(true);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('covers the twelve known servers besides generic', () => {
    expect(PRESETS.filter((n) => n !== 'generic').sort()).toEqual(
      ['deepseek', 'fireworks', 'groq', 'lmstudio', 'mistral', 'ollama', 'openrouter', 'perplexity', 'sglang', 'together', 'vllm', 'xai'],
    );
  });

  it.each(PRESETS)('%s: native and translated APIs are disjoint, chat is native, operations follow the native APIs', (name) => {
    const e = effectiveDescriptor(D as NonNullable<typeof D>, name);
    expect(e.nativeApis).toContain('openai-chat');
    expect(e.nativeApis.filter((a) => e.translatedApis.includes(a))).toEqual([]);
    expect(e.operations.includes('embeddings')).toBe(e.nativeApis.includes('openai-embeddings'));
    expect(e.operations.includes('completions')).toBe(e.nativeApis.includes('openai-completions'));
  });

  it('self-hosted servers have no default base URL; hosted ones are https', () => {
    for (const name of ['generic', 'vllm', 'sglang', 'ollama', 'lmstudio']) expect(OPENAI_COMPATIBLE_PRESETS[name]?.defaultBaseURL, name).toBeNull();
    for (const name of PRESETS.filter((n) => !['generic', 'vllm', 'sglang', 'ollama', 'lmstudio'].includes(n))) {
      expect(OPENAI_COMPATIBLE_PRESETS[name]?.defaultBaseURL, name).toMatch(/^https:\/\//);
    }
  });
});

function adapterFor(preset: string): { adapter: ProviderAdapter; provider: ReturnType<typeof makeProvider> } {
  const provider = makeProvider({ type: 'openai-compatible', preset, baseURL: fake.up.url });
  return { adapter: createAdapter(provider, fake.pools), provider };
}

function sentBody(): Record<string, unknown> {
  return fake.up.requests[0]?.body as Record<string, unknown>;
}

describe('openai-compatible presets: the output-cap field (max_completion_tokens vs max_tokens)', () => {
  it.each(PRESETS)('%s: a native chat body carries the cap in the preset\'s field', async (preset) => {
    const { adapter, provider } = adapterFor(preset);
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 77 };
    await readAll(await send(adapter, makeCtx(provider, { body })));
    const sent = sentBody();
    if (OPENAI_COMPATIBLE_PRESETS[preset]?.maxTokensField === 'max_tokens') {
      expect(sent.max_tokens).toBe(77);
      expect(sent).not.toHaveProperty('max_completion_tokens');
    } else {
      expect(sent.max_completion_tokens).toBe(77);
      expect(sent).not.toHaveProperty('max_tokens');
    }
  });

  it.each(PRESETS)('%s: a translated request (Anthropic Messages client) uses the preset\'s field', (preset) => {
    const { adapter, provider } = adapterFor(preset);
    const creq = anthropicClient.decodeRequest({ model: 'm', max_tokens: 55, messages: [{ role: 'user', content: 'hi' }] });
    const up = adapter.buildCanonical(creq, makeCtx(provider).target, { requestId: 'r1', bodies: new Map() });
    const body = JSON.parse(String(up.body)) as Record<string, unknown>;
    const field = OPENAI_COMPATIBLE_PRESETS[preset]?.maxTokensField ?? 'missing';
    expect(body[field]).toBe(55);
    expect(Object.keys(body).filter((k) => k === 'max_tokens' || k === 'max_completion_tokens')).toEqual([field]);
    expect(up.path.endsWith('/chat/completions')).toBe(true);
  });

  it('max_completion_tokens wins over a max_tokens sent with it; null stays null', async () => {
    const { adapter, provider } = adapterFor('deepseek');
    await readAll(await send(adapter, makeCtx(provider, { body: { model: 'm', messages: [], max_tokens: 5, max_completion_tokens: 9 } })));
    expect(sentBody()).toMatchObject({ max_tokens: 9 });
    expect(sentBody()).not.toHaveProperty('max_completion_tokens');
    fake.up.requests.length = 0;
    await readAll(await send(adapter, makeCtx(provider, { body: { model: 'm', messages: [], max_completion_tokens: null } })));
    expect(sentBody()).toMatchObject({ max_tokens: null });
  });

  it('legacy completions keep max_tokens untouched; a body without a cap is forwarded byte for byte', async () => {
    const { adapter, provider } = adapterFor('vllm');
    await readAll(await send(adapter, makeCtx(provider, { api: 'openai-completions', op: 'chat', body: { model: 'gpt-4o-mini', prompt: 'x', max_tokens: 3 } })));
    expect(fake.up.requests[0]?.path).toBe('/v1/completions');
    expect(sentBody()).toEqual({ model: 'gpt-4o-mini', prompt: 'x', max_tokens: 3 });
    fake.up.requests.length = 0;
    const raw = '{"model":"gpt-4o-mini",  "messages":[{"role":"user","content":"x"}]}';
    const ctx = makeCtx(provider, { body: JSON.parse(raw) as Record<string, unknown> });
    const req = { ...ctx.req, rawBody: new TextEncoder().encode(raw) };
    const up = adapter.buildNative(req, ctx.target, { requestId: 'r', bodies: new Map() });
    expect(Buffer.from(up.body as Uint8Array).toString('utf8')).toBe(raw);
  });

  it('the renamed body is not the client\'s bytes (raw bytes are not forwarded when the cap must move)', () => {
    const { adapter, provider } = adapterFor('ollama');
    const raw = '{"model":"gpt-4o-mini","messages":[],"max_completion_tokens":4}';
    const ctx = makeCtx(provider, { body: JSON.parse(raw) as Record<string, unknown> });
    const up = adapter.buildNative({ ...ctx.req, rawBody: new TextEncoder().encode(raw) }, ctx.target, { requestId: 'r', bodies: new Map() });
    expect(JSON.parse(typeof up.body === 'string' ? up.body : Buffer.from(up.body).toString('utf8'))).toEqual({ model: 'gpt-4o-mini', messages: [], max_tokens: 4 });
  });
});

describe('openai-compatible presets: stream usage (stream_options)', () => {
  it.each(PRESETS)('%s: a chat stream asks for usage only where the server takes stream_options', async (preset) => {
    const { adapter, provider } = adapterFor(preset);
    const mode = OPENAI_COMPATIBLE_PRESETS[preset]?.streamUsage;
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: false } };
    const { end } = await streamThrough(adapter, makeCtx(provider, { body, stream: true }));
    const sent = sentBody();
    if (mode === 'stream_options') {
      expect(sent.stream_options).toEqual({ include_usage: true });
      expect(end.usage?.inputTokens).toBe(11);
    } else {
      expect(mode).toBe('always');
      expect(sent).not.toHaveProperty('stream_options');
    }
  });

  it('an "always" server (Mistral-like) reports usage in its finish chunk unasked: the gateway reads it', async () => {
    const { adapter, provider } = adapterFor('mistral');
    fake.up.setBehavior(() => ({ usageInFinishChunk: true }));
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true };
    const { end, out } = await streamThrough(adapter, makeCtx(provider, { body, stream: true }));
    expect(end.outcome).toBe('complete');
    expect(end.usage).toMatchObject({ inputTokens: 11, outputTokens: 3 });
    expect(out).toContain('"finish_reason":"stop"');
  });

  it('legacy completions streams get stream_options too (vLLM)', () => {
    const { adapter, provider } = adapterFor('vllm');
    const ctx = makeCtx(provider, { api: 'openai-completions', op: 'chat', stream: true, body: { model: 'gpt-4o-mini', prompt: 'x', stream: true } });
    const up = adapter.buildNative(ctx.req, ctx.target, { requestId: 'r', bodies: new Map() });
    expect(JSON.parse(String(up.body))).toMatchObject({ stream_options: { include_usage: true } });
  });
});

describe('openai-compatible presets: native Anthropic Messages (servers that document /v1/messages)', () => {
  const MESSAGES_NATIVE = PRESETS.filter((n) => OPENAI_COMPATIBLE_PRESETS[n]?.nativeApis.includes('anthropic-messages'));

  it('is vLLM, Ollama, LM Studio and Fireworks', () => {
    expect([...MESSAGES_NATIVE].sort()).toEqual(['fireworks', 'lmstudio', 'ollama', 'vllm']);
  });

  it.each(MESSAGES_NATIVE)('%s: POST <baseURL>/messages with anthropic-version, the credential and only model patched', (preset) => {
    const { adapter, provider } = adapterFor(preset);
    const body = { model: 'client', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], metadata: { user_id: 'u' } };
    const ctx = makeCtx(provider, { api: 'anthropic-messages', body });
    const up: UpstreamRequest = adapter.buildNative({ ...ctx.req, forwardHeaders: { 'anthropic-beta': 'b1' } }, ctx.target, { requestId: 'r', bodies: new Map() });
    expect(up.path).toBe('/v1/messages');
    expect(up.headers['anthropic-version']).toBe('2023-06-01');
    expect(up.headers['anthropic-beta']).toBe('b1');
    expect(up.headers.authorization).toMatch(/^Bearer /);
    expect(JSON.parse(String(up.body))).toEqual({ ...body, model: 'gpt-4o-mini' });
    const countCtx = { ...ctx.req, countTokens: true };
    expect(adapter.buildNative(countCtx, ctx.target, { requestId: 'r', bodies: new Map() }).path).toBe('/v1/messages/count_tokens');
  });

  it('reads usage from an Anthropic answer and passes Anthropic stream events through', () => {
    const { adapter, provider } = adapterFor('vllm');
    const ctx = makeCtx(provider, { api: 'anthropic-messages', body: { model: 'm', max_tokens: 5, messages: [] } });
    const answer = { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', usage: { input_tokens: 7, output_tokens: 2 } };
    const r = adapter.nativeResponse(ctx.req, ctx.target, new TextEncoder().encode(JSON.stringify(answer)));
    expect(r.usage).toMatchObject({ inputTokens: 7, outputTokens: 2 });
    const t = adapter.nativeStream({ ...ctx.req, stream: true }, ctx.target);
    const events = [
      `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { ...answer, content: [], stop_reason: null, usage: { input_tokens: 7, output_tokens: 0 } } })}\n\n`,
      `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n`,
      `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } })}\n\n`,
      `event: content_block_stop\ndata: ${JSON.stringify({ type: 'content_block_stop', index: 0 })}\n\n`,
      `event: message_delta\ndata: ${JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } })}\n\n`,
      `event: message_stop\ndata: ${JSON.stringify({ type: 'message_stop' })}\n\n`,
    ];
    let out = '';
    for (const e of events) out += t.push(new TextEncoder().encode(e));
    const end = t.end();
    expect(out + end.tail).toContain('"text":"hi"');
    expect(end.outcome).toBe('complete');
    expect(end.usage).toMatchObject({ inputTokens: 7, outputTokens: 2 });
  });

  it('presets without a documented /v1/messages translate Messages to chat', () => {
    const { adapter } = adapterFor('groq');
    expect(adapter.nativeApis.has('anthropic-messages')).toBe(false);
    expect(adapter.nativeApis.has('openai-chat')).toBe(true);
  });
});

function decodeStream(text: string, split = 7): StreamEvent[] {
  const d = chatCodec.createStreamDecoder();
  const bytes = new TextEncoder().encode(text);
  const out: StreamEvent[] = [];
  for (let i = 0; i < bytes.length; i += split) out.push(...d.push(bytes.subarray(i, i + split)));
  out.push(...d.end());
  return out;
}

function thinkingText(events: readonly StreamEvent[]): string {
  return events.flatMap((e) => (e.type === 'thinking_delta' ? [e.text] : [])).join('');
}

describe('reasoning fields decoded into canonical thinking parts', () => {
  const FIELDS = [
    ['reasoning_content', 'DeepSeek / vLLM / SGLang'],
    ['reasoning', 'OpenRouter / Groq'],
  ] as const;

  it.each(FIELDS)('non-stream: message.%s (%s) → a thinking part before the text', (field) => {
    const body = { id: 'c1', object: 'chat.completion', created: FAKE_CREATED, model: 'm', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Answer.', [field]: 'Because.' } }], usage: { prompt_tokens: 3, completion_tokens: 4, completion_tokens_details: { reasoning_tokens: 2 } } };
    const r = chatCodec.decodeResponse(body);
    expect(r.content).toEqual([{ type: 'thinking', text: 'Because.' }, { type: 'text', text: 'Answer.' }]);
    expect(r.usage?.reasoningTokens).toBe(2);
  });

  it.each(FIELDS)('stream: delta.%s (%s) → a thinking block, for any byte split', (field) => {
    const text = sseEvents('m', { reasoning: 'Let me think.', reasoningField: field, content: ['Hi'] }, true).join('');
    for (const split of [1, 5, 64, text.length]) {
      const events = decodeStream(text, split);
      expect(thinkingText(events)).toBe('Let me think.');
      const starts = events.filter((e) => e.type === 'block_start');
      expect(starts.map((e) => (e.type === 'block_start' ? e.block.type : ''))).toEqual(['thinking', 'text']);
      expect(events.at(-1)?.type).toBe('done');
    }
  });

  it('a server sending both fields with the same text yields it once; an empty reasoning_content does not hide reasoning', () => {
    const chunk = (delta: object): string => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
    const both = decodeStream(chunk({ reasoning_content: 'abc', reasoning: 'abc' }) + 'data: [DONE]\n\n');
    expect(thinkingText(both)).toBe('abc');
    const empty = decodeStream(chunk({ reasoning_content: '', reasoning: 'xyz' }) + chunk({ reasoning_content: null, reasoning: '!' }) + 'data: [DONE]\n\n');
    expect(thinkingText(empty)).toBe('xyz!');
    const body = { choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'A', reasoning_content: '', reasoning: 'R' } }] };
    expect(chatCodec.decodeResponse(body).content[0]).toEqual({ type: 'thinking', text: 'R' });
  });
});
