// The official openai SDK against the gateway over loopback (maxRetries 0): chat (non-stream, stream with
// include_usage, a tool round trip) to an OpenAI-shaped upstream and translated to the Anthropic upstream; the
// Responses API (create and stream) translated to Anthropic and to an openai-compatible upstream, and passed through
// to an openai-type Provider (previous_response_id reaches it unchanged; refused with a 400 elsewhere); legacy
// completions translated and passed through.
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { responsesEvents } from '../support/fake-openai-apis.ts';
import { KEY, MODELS, startWorld, UPSTREAM_MODELS } from '../support/gateway-world.ts';
import type { World } from '../support/gateway-world.ts';

let w: World;
let client: OpenAI;

beforeAll(async () => {
  w = await startWorld();
  client = new OpenAI({ baseURL: w.gw.baseURL, apiKey: KEY, maxRetries: 0 });
});
afterAll(async () => w.close());
afterEach(() => w.reset());

const WEATHER: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

// A passthrough answer carries the upstream's bytes (its model name); a translated one names the model asked for.
const CHAT_TARGETS = [
  ['OpenAI-shaped upstream', MODELS.openaiCompat, UPSTREAM_MODELS.openai],
  ['Anthropic upstream (translated)', MODELS.anthropic, MODELS.anthropic],
] as const;

describe.each(CHAT_TARGETS)('openai SDK chat → %s', (_name, model, answeredModel) => {
  it('chat.completions.create: the echo, usage, finish_reason stop', async () => {
    const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello there' }] });
    expect(r.object).toBe('chat.completion');
    expect(r.model).toBe(answeredModel);
    expect(r.choices[0]?.message.content).toBe('Echo: hello there');
    expect(r.choices[0]?.finish_reason).toBe('stop');
    expect(r.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(r.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('stream with include_usage: deltas join to the echo, one usage chunk, finish_reason stop', async () => {
    const stream = await client.chat.completions.create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream me' }] });
    let text = '';
    let finish: string | null = null;
    const usages: OpenAI.CompletionUsage[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usages.push(chunk.usage);
    }
    expect(text).toBe('Echo: stream me');
    expect(finish).toBe('stop');
    expect(usages).toHaveLength(1);
    expect(usages[0]?.total_tokens).toBe((usages[0]?.prompt_tokens ?? 0) + (usages[0]?.completion_tokens ?? 0));
  });

  it('tool round trip: tool_calls, then the tool result goes back and the answer uses it', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'use the tool for Paris' }];
    const first = await client.chat.completions.create({ model, tools: [WEATHER], messages });
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    const call = first.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function tool call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 21C' });
    const second = await client.chat.completions.create({ model, tools: [WEATHER], messages });
    expect(second.choices[0]?.message.content).toBe('Echo: tool result: sunny, 21C');
  });

  it('a streamed tool call accumulates through the SDK helper', async () => {
    const runner = client.chat.completions.stream({ model, tools: [WEATHER], messages: [{ role: 'user', content: 'call the tool please' }] });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? call.function.name : undefined).toBe('get_weather');
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
  });
});

describe('openai SDK chat → Anthropic upstream: reasoning_effort', () => {
  it('becomes a thinking budget upstream; the thinking text comes back as reasoning, the answer as content', async () => {
    const r = await client.chat.completions.create({ model: MODELS.anthropic, reasoning_effort: 'low', max_completion_tokens: 8000, messages: [{ role: 'user', content: 'think' }] });
    const sent = w.ant.requests[0]?.body as { thinking?: { type: string; budget_tokens: number } };
    expect(sent.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(r.choices[0]?.message.content).toBe('Echo: think');
    expect(JSON.stringify(r.choices[0]?.message)).toContain('The user wrote: think');
  });
});

const RESPONSES_TARGETS = [
  ['Anthropic upstream (translated)', MODELS.anthropic, 'ant'],
  ['openai-compatible upstream (translated)', MODELS.openaiCompat, 'oa-chat'],
  ['openai Provider (passthrough)', MODELS.openai, 'oa-responses'],
] as const;

describe.each(RESPONSES_TARGETS)('openai SDK Responses API → %s', (_name, model, upstream) => {
  function upstreamPaths(): string[] {
    return upstream === 'ant' ? w.ant.requests.map((r) => r.path) : w.oa.requests.map((r) => r.path);
  }

  it('responses.create: output_text, usage, status completed; the upstream path of the pair', async () => {
    const r = await client.responses.create({ model, input: 'hello responses', store: false });
    expect(r.object).toBe('response');
    expect(r.status).toBe('completed');
    expect(r.output_text).toBe('Echo: hello responses');
    expect(r.usage?.input_tokens).toBeGreaterThan(0);
    expect(r.usage?.output_tokens).toBeGreaterThan(0);
    expect(upstreamPaths()).toEqual([upstream === 'ant' ? '/v1/messages' : upstream === 'oa-chat' ? '/v1/chat/completions' : '/v1/responses']);
  });

  it('responses.stream: text deltas, then finalResponse with the text and usage', async () => {
    const stream = client.responses.stream({ model, input: [{ role: 'user', content: 'stream responses' }], store: false });
    const deltas: string[] = [];
    const types = new Set<string>();
    stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
    for await (const e of stream) types.add(e.type);
    const final = await stream.finalResponse();
    expect(deltas.join('')).toBe('Echo: stream responses');
    expect(final.output_text).toBe('Echo: stream responses');
    expect(final.usage?.total_tokens).toBeGreaterThan(0);
    for (const t of ['response.created', 'response.output_text.delta', 'response.completed']) expect(types).toContain(t);
  });
});

describe('openai SDK Responses API → Anthropic upstream (translated): function tools', () => {
  const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_weather', description: 'Weather for a city', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];

  it('a function_call comes back; its function_call_output goes back and the answer uses it', async () => {
    const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'use the tool for Paris' }];
    const first = await client.responses.create({ model: MODELS.anthropic, input, tools, store: false });
    const call = first.output.find((o) => o.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('expected a function_call item');
    expect(call.name).toBe('get_weather');
    expect(JSON.parse(call.arguments)).toEqual({ city: 'Paris' });
    const second = await client.responses.create({ model: MODELS.anthropic, tools, store: false, input: [...input, call, { type: 'function_call_output', call_id: call.call_id, output: 'sunny' }] });
    expect(second.output_text).toBe('Echo: tool result: sunny');
    const sent = w.ant.requests[1]?.body as { messages: { role: string; content: { type: string }[] }[] };
    expect(sent.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(sent.messages[2]?.content[0]?.type).toBe('tool_result');
  });
});

describe('openai SDK: a stream cut after content', () => {
  it('chat → Anthropic: the SDK raises the terminal error; the text so far was delivered', async () => {
    w.ant.setFault({ cutAfterEvents: 5, cutMode: 'destroy', gapMs: 10 });
    const stream = await client.chat.completions.create({ model: MODELS.anthropic, stream: true, messages: [{ role: 'user', content: 'cut me short' }] });
    let text = '';
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    })().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain('The upstream stream was interrupted.');
    expect(text.startsWith('Echo: ')).toBe(true);
  });

  it('responses.stream → Anthropic: finalResponse rejects with the terminal error', async () => {
    w.ant.setFault({ cutAfterEvents: 5, cutMode: 'destroy', gapMs: 10 });
    const stream = client.responses.stream({ model: MODELS.anthropic, input: 'cut me short', store: false });
    await expect(stream.finalResponse()).rejects.toThrow('The upstream stream was interrupted.');
  });
});

describe('openai SDK Responses API: previous_response_id', () => {
  it('a passthrough stream reaches the client byte for byte as the upstream sent it', async () => {
    const res = await fetch(`${w.gw.baseURL}/responses`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify({ model: MODELS.openai, input: 'bytes please', stream: true }) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(responsesEvents(w.oa.requests[0]?.body as Record<string, unknown>).join(''));
  });

  it('passes through unchanged to an openai Provider (the client\'s body bytes reach it)', async () => {
    const r = await client.responses.create({ model: MODELS.openai, input: 'again', previous_response_id: 'resp_abc123' });
    expect(r.previous_response_id).toBe('resp_abc123');
    const sent = w.oa.requests[0]?.body as { previous_response_id: string; model: string };
    expect(sent.previous_response_id).toBe('resp_abc123');
    expect(sent.model).toBe(UPSTREAM_MODELS.openai);
  });

  it('store: true to a translated target → 400 naming store; to the openai Provider it passes through', async () => {
    const err = await client.responses.create({ model: MODELS.anthropic, input: 'keep this', store: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/store/);
    const ok = await client.responses.create({ model: MODELS.openai, input: 'keep this', store: true });
    expect(ok.output_text).toBe('Echo: keep this');
    expect((w.oa.requests[0]?.body as { store: boolean }).store).toBe(true);
  });

  it.each([MODELS.anthropic, MODELS.openaiCompat])('to a translated target (%s) → 400 naming previous_response_id', async (model) => {
    const err = await client.responses.create({ model, input: 'again', previous_response_id: 'resp_abc123' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/previous_response_id/);
    expect(w.ant.requests).toHaveLength(0);
    expect(w.oa.requests).toHaveLength(0);
  });
});

describe('openai SDK legacy completions', () => {
  it.each([
    ['translated to the Anthropic upstream', MODELS.anthropic, '/v1/messages'],
    ['passed through to the openai-compatible upstream', MODELS.openaiCompat, '/v1/completions'],
  ])('completions.create %s', async (_name, model, path) => {
    const r = await client.completions.create({ model, prompt: 'Say this', max_tokens: 20 });
    expect(r.object).toBe('text_completion');
    expect(r.choices[0]?.text).toBe('Echo: Say this');
    expect(r.usage?.total_tokens).toBeGreaterThan(0);
    const paths = [...w.ant.requests, ...w.oa.requests].map((q) => q.path);
    expect(paths).toEqual([path]);
  });

  it.each([MODELS.anthropic, MODELS.openaiCompat])('completions stream (%s): text joins to the echo', async (model) => {
    const stream = await client.completions.create({ model, prompt: 'Say this', max_tokens: 20, stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.text ?? '';
    expect(text).toBe('Echo: Say this');
  });
});
