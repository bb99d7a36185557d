// gemini through the real gateway: the official `openai` SDK (chat text, stream, tools with a tool-result round trip,
// JSON mode, images, embeddings, the Responses API), `@anthropic-ai/sdk` (messages text, stream, tools, thinking) and
// Vercel `ai` (generateText, streamText, a two-step tool) against our
// endpoints, translated to generateContent / streamGenerateContent?alt=sse on a fake Gemini upstream. The main route
// targets a Gemini 3 model, whose fake refuses a function call that lost its thought signature: the tool round trips
// prove signatures survive the client. A 429 RESOURCE_EXHAUSTED reaches the client with Retry-After from RetryInfo; a
// safety block is a content_filter stop; a canary API key never appears in logs, metrics or error bodies.
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import Anthropic from '@anthropic-ai/sdk';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import type { LanguageModel } from 'ai';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { float32FromBase64 } from '../../pkg/canonical/embeddings.ts';
import { startFakeAnthropic } from '../support/fake-anthropic-server.ts';
import type { FakeAnthropic } from '../support/fake-anthropic-server.ts';
import { fakeVector, startFakeGemini } from '../support/fake-gemini-server.ts';
import type { FakeGemini } from '../support/fake-gemini-server.ts';
import { NS, apiKey, eventually, route, secret, startGateway } from '../proxy/harness.ts';
import type { Gateway } from '../proxy/harness.ts';

const KEY = 'sk-swy-gemini-gw-5a4b3c2d1e0f';
const GEMINI_KEY = 'AIzaCanaryGemini-7e6d5c4b3a29181706f5e4';
const MODEL = 'gemini-3-flash-preview';

let gem: FakeGemini;
let ant: FakeAnthropic;
let gw: Gateway;
let openai: OpenAI;
let anthropic: Anthropic;

function geminiProvider(name: string): unknown {
  return {
    apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name, namespace: NS },
    spec: { type: 'gemini', baseURL: gem.url, auth: { secretRef: { name: 'gem-cred', key: 'apiKey' } } },
  };
}

beforeAll(async () => {
  gem = await startFakeGemini({ apiKey: GEMINI_KEY });
  ant = await startFakeAnthropic();
  gw = await startGateway([
    secret('gem-cred', { apiKey: GEMINI_KEY }),
    geminiProvider('gem'),
    route('gemini', { model: 'gemini-gw', targets: [{ provider: 'gem', model: MODEL }] }),
    route('gemini25', { model: 'gemini-25', targets: [{ provider: 'gem', model: 'gemini-2.5-flash' }] }),
    route('embed', { model: 'gemini-embed', targets: [{ provider: 'gem', model: 'gemini-embedding-001' }] }),
    // Their own Providers: a 429 or 401 cools a target down, which must not touch the other tests' routes.
    geminiProvider('gem-limited'),
    route('limited', { model: 'gemini-limited', targets: [{ provider: 'gem-limited', model: 'gemini-2.5-flash' }] }),
    geminiProvider('gem-canary'),
    route('canary', { model: 'gemini-canary', targets: [{ provider: 'gem-canary', model: 'gemini-2.5-flash' }] }),
    // Failover: Anthropic primary, Gemini fallback; and Gemini primary, Gemini 2.5 on another Provider as fallback.
    secret('ant-cred', { apiKey: ant.apiKey }),
    { apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'ant', namespace: NS }, spec: { type: 'anthropic', baseURL: ant.url, auth: { secretRef: { name: 'ant-cred', key: 'apiKey' } } } },
    route('claude-then-gemini', { model: 'claude-then-gemini', retry: { attempts: 1 }, targets: [{ provider: 'ant', model: 'claude-up' }], fallback: [{ provider: 'gem', model: 'gemini-2.5-flash' }] }),
    geminiProvider('gem-primary'),
    route('gemini-then-gemini', { model: 'gemini-then-gemini', retry: { attempts: 1 }, targets: [{ provider: 'gem-primary', model: 'gemini-3-pro-preview' }], fallback: [{ provider: 'gem', model: 'gemini-2.5-flash' }] }),
    apiKey('clients', KEY),
  ]);
  openai = new OpenAI({ baseURL: gw.baseURL, apiKey: KEY, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.origin, apiKey: KEY, maxRetries: 0 });
});
afterEach(() => {
  gem.requests.length = 0;
  gem.setFault(undefined);
  ant.requests.length = 0;
  ant.setFault(undefined);
});
afterAll(async () => {
  await gw.close();
  await gem.close();
  await ant.close();
});

const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const WEATHER: Anthropic.Tool = { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

type Obj = Record<string, unknown>;

function lastBody(): Obj {
  return gem.requests.at(-1)?.body as Obj;
}

describe('gemini through the gateway (openai SDK)', () => {
  it('chat: the echo and usage; generateContent with the key in x-goog-api-key and the system instruction', async () => {
    const chat = await openai.chat.completions.create({ model: 'gemini-gw', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello Gemini' }], max_tokens: 64 });
    expect(chat.choices[0]?.message.content).toBe('Echo: Hello Gemini');
    expect(chat.choices[0]?.finish_reason).toBe('stop');
    expect(chat.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(chat.usage?.completion_tokens).toBeGreaterThan(0);
    const rec = gem.requests.at(-1);
    expect(rec?.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
    expect(rec?.headers['x-goog-api-key']).toBe(GEMINI_KEY);
    expect(rec?.query.get('key')).toBeNull();
    expect(rec?.body).toMatchObject({ systemInstruction: { parts: [{ text: 'Be brief.' }] }, contents: [{ role: 'user', parts: [{ text: 'Hello Gemini' }] }], generationConfig: { maxOutputTokens: 64 } });
  });

  it('stream: deltas join to the echo, usage in the last chunk; streamGenerateContent?alt=sse upstream', async () => {
    const stream = await openai.chat.completions.create({ model: 'gemini-gw', messages: [{ role: 'user', content: 'Stream it please' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    let finish: string | null | undefined;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe('Echo: Stream it please');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(gem.requests.at(-1)?.path).toBe(`/v1beta/models/${MODEL}:streamGenerateContent`);
    expect(gem.requests.at(-1)?.query.get('alt')).toBe('sse');
  });

  it('tools: a tool call, then the tool result answered; the thought signature survives the client (Gemini 3)', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'use the tool for Paris' }];
    const first = await openai.chat.completions.create({ model: 'gemini-gw', messages, tools: [weather] });
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? call.function : undefined).toMatchObject({ name: 'get_weather' });
    expect(JSON.parse(call?.type === 'function' ? call.function.arguments : '{}')).toEqual({ city: 'Paris' });
    expect(lastBody().tools).toEqual([{ functionDeclarations: [{ name: 'get_weather', description: 'Weather for a city', parametersJsonSchema: weather.function.parameters }] }]);
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call!.id, content: 'sunny, 21°C' });
    const second = await openai.chat.completions.create({ model: 'gemini-gw', messages, tools: [weather] });
    expect(second.choices[0]?.message.content).toBe('Echo: tool result: sunny, 21°C');
    const contents = lastBody().contents as Obj[];
    expect(contents[1]).toEqual({ role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: gem.issuedSignatures.at(-1) }] });
    expect(contents[2]).toEqual({ role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: 'sunny, 21°C' } } }] });
  });

  it('streamed tool call: one delta with the whole arguments, finish tool_calls', async () => {
    const stream = await openai.chat.completions.create({ model: 'gemini-gw', messages: [{ role: 'user', content: 'tool time' }], tools: [weather], stream: true });
    let args = '';
    let name = '';
    let finish: string | null | undefined;
    for await (const c of stream) {
      for (const t of c.choices[0]?.delta.tool_calls ?? []) {
        args += t.function?.arguments ?? '';
        name = t.function?.name ?? name;
      }
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ city: 'Paris' });
    expect(finish).toBe('tool_calls');
  });

  it('JSON mode: response_format json_schema → responseMimeType + responseJsonSchema; the answer is JSON', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const chat = await openai.chat.completions.create({ model: 'gemini-gw', messages: [{ role: 'user', content: 'Where?' }], response_format: { type: 'json_schema', json_schema: { name: 'where', schema } } });
    expect(JSON.parse(chat.choices[0]?.message.content ?? '')).toEqual({ city: 'Paris' });
    expect(lastBody().generationConfig).toEqual({ responseMimeType: 'application/json', responseJsonSchema: schema });
  });

  it('images: a data URL as inlineData, an https URL as fileData; plain http is refused with a 400', async () => {
    await openai.chat.completions.create({
      model: 'gemini-gw',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }, { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } }] }],
    });
    expect((lastBody().contents as Obj[])[0]?.parts).toEqual([
      { text: 'What is this?' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }, { fileData: { fileUri: 'https://example.com/cat.jpg', mimeType: 'image/jpeg' } },
    ]);
    const n = gem.requests.length;
    const err = await openai.chat.completions.create({ model: 'gemini-gw', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://example.com/cat.jpg' } }] }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toContain('HTTPS');
    expect(gem.requests.length).toBe(n);
  });

  it('reasoning effort on Gemini 3 → thinkingLevel; thoughts come back as reasoning, counted in reasoning_tokens', async () => {
    const chat = await openai.chat.completions.create({ model: 'gemini-gw', messages: [{ role: 'user', content: 'Think first' }], reasoning_effort: 'low' });
    expect(lastBody().generationConfig).toEqual({ thinkingConfig: { includeThoughts: true, thinkingLevel: 'LOW' } });
    expect(chat.choices[0]?.message.content).toBe('Echo: Think first');
    expect(chat.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
    await openai.chat.completions.create({ model: 'gemini-25', messages: [{ role: 'user', content: 'Think first' }], reasoning_effort: 'medium' });
    expect(lastBody().generationConfig).toEqual({ thinkingConfig: { includeThoughts: true, thinkingBudget: 8192 } });
  });

  it('embeddings: batchEmbedContents, one vector per input; float and base64 (the SDK default), dimensions and input_type mapped', async () => {
    const f = await openai.embeddings.create({ model: 'gemini-embed', input: ['alpha', 'beta'], encoding_format: 'float', dimensions: 16 });
    expect(f.data.map((d) => d.embedding)).toEqual([fakeVector('alpha', 16), fakeVector('beta', 16)]);
    expect(f.usage.prompt_tokens).toBeGreaterThan(0);
    const rec = gem.requests.at(-1);
    expect(rec?.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(rec?.body).toEqual({ requests: [
      { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'alpha' }] }, outputDimensionality: 16 },
      { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'beta' }] }, outputDimensionality: 16 },
    ] });
    const b = await openai.embeddings.create({ model: 'gemini-embed', input: 'gamma' });
    const got = b.data[0]?.embedding as unknown as number[];
    expect(got.map((v) => Math.fround(v))).toEqual(fakeVector('gamma').map((v) => Math.fround(v)));
    const raw = await fetch(`${gw.baseURL}/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gemini-embed', input: 'delta', input_type: 'query', encoding_format: 'base64' }) });
    const b64 = ((await raw.json()) as { data: { embedding: string }[] }).data[0]?.embedding ?? '';
    expect(float32FromBase64(b64)).toEqual(fakeVector('RETRIEVAL_QUERYdelta').map((v) => Math.fround(v)));
    expect((gem.requests.at(-1)?.body as { requests: Obj[] }).requests[0]?.taskType).toBe('RETRIEVAL_QUERY');
  });

  it('the Responses API: text and stream', async () => {
    const r = await openai.responses.create({ model: 'gemini-gw', input: 'Hello responses', instructions: 'Be kind.' });
    expect(r.output_text).toBe('Echo: Hello responses');
    expect(r.usage?.input_tokens).toBeGreaterThan(0);
    expect(lastBody().systemInstruction).toEqual({ parts: [{ text: 'Be kind.' }] });
    const stream = await openai.responses.create({ model: 'gemini-gw', input: 'Stream responses', stream: true });
    let text = '';
    let completed = false;
    for await (const ev of stream) {
      if (ev.type === 'response.output_text.delta') text += ev.delta;
      if (ev.type === 'response.completed') completed = true;
    }
    expect(text).toBe('Echo: Stream responses');
    expect(completed).toBe(true);
  });

  it('a safety block: finish_reason content_filter (prompt blocked, and a SAFETY stop in a stream)', async () => {
    gem.setFault({ blockReason: 'PROHIBITED_CONTENT' });
    const blocked = await openai.chat.completions.create({ model: 'gemini-gw', messages: [{ role: 'user', content: 'x' }] });
    expect(blocked.choices[0]?.finish_reason).toBe('content_filter');
    expect(blocked.choices[0]?.message.content ?? '').toBe('');
    gem.setFault({ finishReason: 'SAFETY' });
    const stream = await openai.chat.completions.create({ model: 'gemini-gw', messages: [{ role: 'user', content: 'x' }], stream: true });
    let finish: string | null | undefined;
    for await (const c of stream) finish = c.choices[0]?.finish_reason ?? finish;
    expect(finish).toBe('content_filter');
  });

  it('usage and cost (B14): cached and thought tokens at the list prices, the same for a stream and a JSON answer', async () => {
    gem.setFault({ usage: { promptTokenCount: 1000, cachedContentTokenCount: 600, candidatesTokenCount: 100, thoughtsTokenCount: 50, totalTokenCount: 1150 } });
    const lines: Record<string, unknown>[] = [];
    for (const stream of [false, true]) {
      const res = await fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gemini-gw', messages: [{ role: 'user', content: 'cost' }], stream, ...(stream ? { stream_options: { include_usage: true } } : {}) }) });
      const text = await res.text();
      expect(text).toContain('"cached_tokens":600');
      expect(text).toContain('"reasoning_tokens":50');
      const id = res.headers.get('x-request-id');
      await eventually(() => gw.accessLines().some((l) => l.requestId === id));
      lines.push(gw.accessLines().find((l) => l.requestId === id) as Record<string, unknown>);
    }
    // gemini-3-flash-preview list prices: input 0.5, cached 0.05, output 3 (thinking billed as output) per 1M tokens.
    // By hand: 400 × 0.5 + 600 × 0.05 + 150 × 3 = 200 + 30 + 450 = 680 µ$.
    for (const line of lines) expect(line).toMatchObject({ tokensIn: 1000, tokensOut: 150, usageEstimated: false, costUSD: 0.00068 });
  });

  it('a 429 RESOURCE_EXHAUSTED: the client gets 429 with Retry-After from RetryInfo', async () => {
    gem.setFault({ status: 429, retryDelay: '17s', message: 'You exceeded your current quota.' });
    const res = await fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gemini-limited', messages: [{ role: 'user', content: 'x' }] }) });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(17);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe('upstream_rate_limited');
  });

  it('a context-length 400 reaches the client as 400 context_length_exceeded, without failover or retry', async () => {
    gem.setFault({ status: 400, message: 'The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).' });
    const err = await openai.chat.completions.create({ model: 'gemini-gw', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
    expect(gem.requests.length).toBe(1);
  });
});

describe('gemini through the gateway (@anthropic-ai/sdk)', () => {
  it('messages.create: the echo, end_turn, usage', async () => {
    const m = await anthropic.messages.create({ model: 'gemini-gw', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'hello from claude clients' }] });
    expect(m.content).toEqual([expect.objectContaining({ type: 'text', text: 'Echo: hello from claude clients' })]);
    expect(m.stop_reason).toBe('end_turn');
    expect(m.usage.input_tokens).toBeGreaterThan(0);
    expect(m.usage.output_tokens).toBeGreaterThan(0);
    expect(lastBody()).toMatchObject({ systemInstruction: { parts: [{ text: 'Be brief.' }] }, generationConfig: { maxOutputTokens: 100 } });
  });

  it('messages.stream: text events join to the echo; finalMessage carries usage', async () => {
    const stream = anthropic.messages.stream({ model: 'gemini-gw', max_tokens: 100, messages: [{ role: 'user', content: 'stream to claude' }] });
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const final = await stream.finalMessage();
    expect(text).toBe('Echo: stream to claude');
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });

  it('tools: tool_use, then a tool_result round trip (stream and non-stream) with the signature kept', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'use the tool for Paris' }];
    const first = await anthropic.messages.create({ model: 'gemini-gw', max_tokens: 100, tools: [WEATHER], messages });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(use).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
    expect(use?.id).toMatch(/^[A-Za-z0-9_-]+$/);
    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use!.id, content: 'rainy' }] });
    const second = await anthropic.messages.stream({ model: 'gemini-gw', max_tokens: 100, tools: [WEATHER], messages }).finalMessage();
    expect(second.content).toEqual([expect.objectContaining({ type: 'text', text: 'Echo: tool result: rainy' })]);
    const model = (lastBody().contents as Obj[])[1];
    expect((model?.parts as Obj[])[0]?.thoughtSignature).toBe(gem.issuedSignatures.at(-1));
  });
  it('thinking: a thinking block with a Gemini signature, replayed to Gemini as a thought part on the next turn', async () => {
    const params = { model: 'gemini-25', max_tokens: 4000, thinking: { type: 'enabled' as const, budget_tokens: 2048 } };
    const first = await anthropic.messages.create({ ...params, messages: [{ role: 'user', content: 'Why?' }] });
    expect(lastBody().generationConfig).toMatchObject({ thinkingConfig: { includeThoughts: true, thinkingBudget: 2048 } });
    const thinking = first.content.find((b): b is Anthropic.ThinkingBlock => b.type === 'thinking');
    expect(thinking?.thinking).toBe('The user wrote: Why?');
    expect(thinking?.signature).toMatch(/^gemini-ts:/);
    await anthropic.messages.create({ ...params, messages: [{ role: 'user', content: 'Why?' }, { role: 'assistant', content: first.content }, { role: 'user', content: 'And then?' }] });
    const model = (lastBody().contents as Obj[])[1];
    expect((model?.parts as Obj[])[0]).toEqual({ text: 'The user wrote: Why?', thought: true, thoughtSignature: thinking?.signature.slice('gemini-ts:'.length) });
  });
});

const vercelWeather = tool({ description: 'Weather for a city', inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => `18C in ${city}` });

describe.each([
  ['@ai-sdk/openai Responses', (): LanguageModel => createOpenAI({ baseURL: gw.baseURL, apiKey: KEY })('gemini-gw')],
  ['@ai-sdk/openai .chat', (): LanguageModel => createOpenAI({ baseURL: gw.baseURL, apiKey: KEY }).chat('gemini-gw')],
  ['@ai-sdk/anthropic', (): LanguageModel => createAnthropic({ baseURL: `${gw.origin}/v1`, apiKey: KEY })('gemini-gw')],
])('gemini through the gateway (Vercel ai, %s)', (_name, model) => {
  const providerOptions = { openai: { store: false } };

  it('generateText and streamText: the echo and usage', async () => {
    const r = await generateText({ model: model(), prompt: 'hello vercel', maxRetries: 0, providerOptions });
    expect(r.text).toBe('Echo: hello vercel');
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    const s = streamText({ model: model(), prompt: 'stream vercel', maxRetries: 0, providerOptions });
    let text = '';
    for await (const t of s.textStream) text += t;
    expect(text).toBe('Echo: stream vercel');
    expect((await s.usage).outputTokens).toBeGreaterThan(0);
  });

  it('a tool with execute: two steps on Gemini 3, the signature kept, the answer uses the result', async () => {
    const r = await generateText({ model: model(), prompt: 'Use the tool for Paris', tools: { get_weather: vercelWeather }, stopWhen: stepCountIs(3), maxRetries: 0, providerOptions });
    expect(r.steps[0]?.toolCalls.map((c) => c.toolName)).toEqual(['get_weather']);
    expect(r.text).toMatch(/^Echo: tool result: .*18C in Paris/);
    const model3 = (lastBody().contents as Obj[]).find((c) => c.role === 'model');
    expect((model3?.parts as Obj[])[0]?.thoughtSignature).toBe(gem.issuedSignatures.at(-1));
  });
});

describe('failover with gemini', () => {
  it('Anthropic primary answers 429 before the first token: the stream fails over to Gemini', async () => {
    ant.setFault({ status: 429 });
    const stream = anthropic.messages.stream({ model: 'claude-then-gemini', max_tokens: 50, messages: [{ role: 'user', content: 'fail over please' }] });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: 'Echo: fail over please' })]);
    expect(ant.requests.length).toBe(1);
    expect(gem.requests.at(-1)?.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
  });

  it('an in-band Gemini error before the first content fails over; so does a 503 UNAVAILABLE', async () => {
    gem.setFault((r) => (r.model === 'gemini-3-pro-preview' ? { errorBeforeContent: true } : undefined));
    const stream = await openai.chat.completions.create({ model: 'gemini-then-gemini', messages: [{ role: 'user', content: 'hop' }], stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('Echo: hop');
    expect(gem.requests.map((r) => r.model)).toEqual(['gemini-3-pro-preview', 'gemini-2.5-flash']);
    gem.requests.length = 0;
    gem.setFault((r) => (r.model === 'gemini-3-pro-preview' ? { status: 503, message: 'The model is overloaded. Please try again later.' } : undefined));
    const chat = await openai.chat.completions.create({ model: 'gemini-then-gemini', messages: [{ role: 'user', content: 'hop again' }] });
    expect(chat.choices[0]?.message.content).toBe('Echo: hop again');
    expect(gem.requests.map((r) => r.model)).toEqual(['gemini-3-pro-preview', 'gemini-2.5-flash']);
  });
});

describe('gemini canary credential (E11)', () => {
  it('the API key appears in no log line, metric or error body, even when the upstream echoes it', async () => {
    const bodies: string[] = [];
    const post = async (body: Obj): Promise<number> => {
      const res = await fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      bodies.push(await res.text());
      return res.status;
    };
    expect(await post({ model: 'gemini-canary', messages: [{ role: 'user', content: 'ok' }] })).toBe(200);
    expect(await post({ model: 'gemini-canary', messages: [{ role: 'user', content: 'ok' }], stream: true })).toBe(200);
    gem.setFault({ status: 400, message: `API key not valid: ${GEMINI_KEY} (${GEMINI_KEY.slice(4, 20)})` });
    expect(await post({ model: 'gemini-canary', messages: [{ role: 'user', content: 'x' }] })).toBe(400);
    gem.setFault({ errorBeforeContent: true, message: `overloaded for key ${GEMINI_KEY}` });
    expect(await post({ model: 'gemini-canary', messages: [{ role: 'user', content: 'x' }], stream: true })).toBeGreaterThanOrEqual(500);
    gem.setFault({ status: 403, statusName: 'PERMISSION_DENIED', message: `Consumer 'api_key:${GEMINI_KEY}' has been suspended.` });
    expect(await post({ model: 'gemini-canary', messages: [{ role: 'user', content: 'x' }] })).toBe(502);
    const sinks = [...bodies, ...gw.logs, await gw.registry.metrics()].join('\n');
    for (let i = 0; i + 8 <= GEMINI_KEY.length; i++) expect(sinks).not.toContain(GEMINI_KEY.slice(i, i + 8));
    expect(gem.requests.length).toBeGreaterThanOrEqual(5);
    expect(gem.requests.every((r) => r.headers['x-goog-api-key'] === GEMINI_KEY)).toBe(true);
  });
});
