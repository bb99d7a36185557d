// The cross-provider matrix, official SDKs: for every served provider type (test/support/provider-matrix.ts — openai,
// anthropic, gemini, vertex-ai with Claude and with Gemini, bedrock, azure-openai, cohere, an openai-compatible preset)
// through one gateway on loopback, the `openai` SDK (chat text, stream, a tool call and its result; embeddings where
// the type offers them) and `@anthropic-ai/sdk` (messages text, stream, a tool_use and its result). One assertion set
// per cell, the same for every type: the echo, the stop reason, usage, and the request reaching that type's fake.
// Type-specific behaviour (wire bodies, auth, errors) is in each <type>-gateway.test.ts.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../proxy/harness.ts';
import type { Gateway } from '../proxy/harness.ts';
import { MATRIX_KEY, MATRIX_KITS, startProviderMatrix } from '../support/provider-matrix.ts';
import type { Kit, ProviderMatrix } from '../support/provider-matrix.ts';

import { onlyIf } from '../support/only-if.ts';

let m: ProviderMatrix;
let gw: Gateway;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  m = await startProviderMatrix();
  gw = await startGateway(m.manifests);
  openai = new OpenAI({ baseURL: gw.baseURL, apiKey: MATRIX_KEY, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.origin, apiKey: MATRIX_KEY, maxRetries: 0 });
});
afterEach(() => m.reset());
afterAll(async () => {
  await gw.close();
  await m.close();
});

const WEATHER_FN = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const WEATHER_TOOL: Anthropic.Tool = { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

/** Runs `fn` and checks that it reached the kit's upstream (and so no other). */
async function reaching<T>(kit: Kit, fn: () => Promise<T>): Promise<T> {
  const before = kit.requests();
  const out = await fn();
  expect(kit.requests()).toBeGreaterThan(before);
  return out;
}

describe.each(MATRIX_KITS)('$name: openai SDK', ({ model, embedModel }) => {
  it('chat: the echo, finish_reason stop, usage', async () => {
    const r = await reaching(m.kit(model), () => openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello matrix' }], max_tokens: 64 }));
    expect(r.choices[0]?.message.content).toBe('Echo: hello matrix');
    expect(r.choices[0]?.finish_reason).toBe('stop');
    expect(r.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(r.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('stream: deltas join to the echo, finish_reason stop, a usage chunk', async () => {
    const stream = await reaching(m.kit(model), () => openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'stream matrix' }], stream: true, stream_options: { include_usage: true } }));
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('Echo: stream matrix');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('tools: a tool call with its arguments, then the tool result answered', async () => {
    const kit = m.kit(model);
    const question: OpenAI.ChatCompletionMessageParam = { role: 'user', content: 'use the tool for Paris' };
    const first = await reaching(kit, () => openai.chat.completions.create({ model, messages: [question], tools: [WEATHER_FN] }));
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    const call = first.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('no function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    const second = await reaching(kit, () => openai.chat.completions.create({
      model, tools: [WEATHER_FN],
      messages: [question, { role: 'assistant', content: first.choices[0]?.message.content ?? null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: 'sunny' }],
    }));
    expect(second.choices[0]?.message.content).toBe('Echo: tool result: sunny');
    expect(second.choices[0]?.finish_reason).toBe('stop');
  });

  onlyIf(!(embedModel === undefined))('embeddings: one vector per input, float and base64', async () => {
    const name = embedModel ?? '';
    const float = await reaching(m.kit(model), () => openai.embeddings.create({ model: name, input: ['alpha', 'beta'], encoding_format: 'float' }));
    expect(float.data.map((d) => d.index)).toEqual([0, 1]);
    expect(float.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(float.data[0]?.embedding).not.toEqual(float.data[1]?.embedding);
    // The SDK asks for base64 by default and decodes it: the same vectors (float32 precision).
    const b64 = await openai.embeddings.create({ model: name, input: ['alpha', 'beta'] });
    expect(b64.data).toHaveLength(2);
    b64.data[0]?.embedding.forEach((v, i) => expect(v).toBeCloseTo(float.data[0]?.embedding[i] ?? NaN, 5));
  });
});

describe.each(MATRIX_KITS)('$name: @anthropic-ai/sdk', ({ model }) => {
  it('messages: the echo, end_turn, usage', async () => {
    const r = await reaching(m.kit(model), () => anthropic.messages.create({ model, max_tokens: 64, messages: [{ role: 'user', content: 'hello claude client' }] }));
    expect(r.content).toEqual([{ type: 'text', text: 'Echo: hello claude client' }]);
    expect(r.stop_reason).toBe('end_turn');
    expect(r.usage.input_tokens).toBeGreaterThan(0);
    expect(r.usage.output_tokens).toBeGreaterThan(0);
  });

  it('stream: text events join to the echo; the final message has end_turn and usage', async () => {
    const kit = m.kit(model);
    const before = kit.requests();
    const stream = anthropic.messages.stream({ model, max_tokens: 64, messages: [{ role: 'user', content: 'stream claude client' }] });
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const final = await stream.finalMessage();
    expect(kit.requests()).toBeGreaterThan(before);
    expect(text).toBe('Echo: stream claude client');
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });

  it('tools: a tool_use block, stop_reason tool_use, then the tool_result answered', async () => {
    const kit = m.kit(model);
    const question: Anthropic.MessageParam = { role: 'user', content: 'use the tool for Paris' };
    const first = await reaching(kit, () => anthropic.messages.create({ model, max_tokens: 200, tools: [WEATHER_TOOL], messages: [question] }));
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b) => b.type === 'tool_use');
    if (use?.type !== 'tool_use') throw new Error('no tool_use block');
    expect(use).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
    const second = await reaching(kit, () => anthropic.messages.create({
      model, max_tokens: 200, tools: [WEATHER_TOOL],
      messages: [question, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] }],
    }));
    expect(second.content).toEqual([{ type: 'text', text: 'Echo: tool result: sunny' }]);
    expect(second.stop_reason).toBe('end_turn');
  });
});
