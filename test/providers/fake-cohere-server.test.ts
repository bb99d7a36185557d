// The fake Cohere upstream speaks the v2 wire format the official `cohere-ai` SDK expects: CohereClientV2 pointed
// at it parses its chat answers, streams (text, thinking, tool plan, tool calls, citations), embeddings and errors.
import { Cohere, CohereClientV2, CohereError } from 'cohere-ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PREAMBLE_TOKENS, startFakeCohere } from '../support/fake-cohere-server.ts';
import type { FakeCohere } from '../support/fake-cohere-server.ts';

let up: FakeCohere;
let co: CohereClientV2;
beforeAll(async () => {
  up = await startFakeCohere();
  co = new CohereClientV2({ token: up.apiKey, environment: up.url, maxRetries: 0 });
});
afterEach(() => {
  up.setBehavior(undefined);
  up.requests.length = 0;
});
afterAll(() => up.close());

const weather: Cohere.ToolV2 = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

async function collect(stream: AsyncIterable<Cohere.V2ChatStreamResponse>): Promise<Cohere.V2ChatStreamResponse[]> {
  const out: Cohere.V2ChatStreamResponse[] = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

describe('fake Cohere upstream, checked with cohere-ai CohereClientV2', () => {
  it('chat answers deterministic text with billed units and tokens, and records the bearer key and snake_case body', async () => {
    const res = await co.chat({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Say hi' }], maxTokens: 50, stopSequences: ['END'] });
    expect(res.finishReason).toBe('COMPLETE');
    expect(res.message.content).toEqual([{ type: 'text', text: 'Echo: Say hi' }]);
    const billed = res.usage?.billedUnits?.inputTokens ?? 0;
    expect(billed).toBeGreaterThan(0);
    expect(res.usage?.tokens?.inputTokens).toBe(billed + PREAMBLE_TOKENS);
    const rec = up.requests.at(-1);
    expect(rec?.path).toBe('/v2/chat');
    expect(rec?.headers.authorization).toBe(`Bearer ${up.apiKey}`);
    expect(rec?.body).toMatchObject({ model: 'command-a-03-2025', max_tokens: 50, stop_sequences: ['END'] });
  });

  it('chatStream gives message-start, content events and message-end with usage', async () => {
    const events = await collect(await co.chatStream({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Count to three' }] }));
    expect(events[0]?.type).toBe('message-start');
    const text = events.filter((e) => e.type === 'content-delta').map((e) => (e.type === 'content-delta' ? e.delta?.message?.content?.text ?? '' : '')).join('');
    expect(text).toBe('Echo: Count to three');
    const end = events.at(-1);
    expect(end?.type).toBe('message-end');
    if (end?.type !== 'message-end') throw new Error('no message-end');
    expect(end.delta?.finishReason).toBe('COMPLETE');
    expect(end.delta?.usage?.billedUnits?.outputTokens).toBeGreaterThan(0);
    expect(up.requests.at(-1)?.body).toMatchObject({ stream: true });
  });

  it('tools: a tool plan and a tool call (non-stream and stream, arguments assembled from tool-call-delta)', async () => {
    const params = { model: 'command-a-03-2025', tools: [weather], messages: [{ role: 'user' as const, content: 'Use the tool for Paris' }] };
    const res = await co.chat(params);
    expect(res.finishReason).toBe('TOOL_CALL');
    expect(res.message.toolPlan).toBe('I will use get_weather.');
    expect(res.message.toolCalls?.[0]).toMatchObject({ id: 'get_weather_fake01', type: 'function', function: { name: 'get_weather' } });
    expect(JSON.parse(res.message.toolCalls?.[0]?.function?.arguments ?? '')).toEqual({ city: 'Paris' });
    const events = await collect(await co.chatStream(params));
    const start = events.find((e) => e.type === 'tool-call-start');
    expect(start?.type === 'tool-call-start' ? start.delta?.message?.toolCalls?.function?.name : undefined).toBe('get_weather');
    const args = events.map((e) => (e.type === 'tool-call-delta' ? e.delta?.message?.toolCalls?.function?.arguments ?? '' : '')).join('');
    expect(JSON.parse(args)).toEqual({ city: 'Paris' });
    const plan = events.map((e) => (e.type === 'tool-plan-delta' ? e.delta?.message?.toolPlan ?? '' : '')).join('');
    expect(plan).toBe('I will use get_weather.');
  });

  it('a tool result turn answers from the tool message', async () => {
    const res = await co.chat({
      model: 'command-a-03-2025', tools: [weather],
      messages: [
        { role: 'user', content: 'Use the tool for Paris' },
        { role: 'assistant', toolPlan: 'I will use get_weather.', toolCalls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', toolCallId: 'c1', content: 'sunny' },
      ],
    });
    expect(res.message.content).toEqual([{ type: 'text', text: 'Echo: tool result: sunny' }]);
    expect((up.requests.at(-1)?.body as { messages: unknown[] }).messages[2]).toEqual({ role: 'tool', tool_call_id: 'c1', content: 'sunny' });
  });

  it('thinking: a thinking item first (non-stream), a thinking content block (stream)', async () => {
    const params = { model: 'command-a-reasoning-08-2025', thinking: { type: 'enabled' as const, tokenBudget: 500 }, messages: [{ role: 'user' as const, content: 'Why?' }] };
    const res = await co.chat(params);
    expect(res.message.content?.[0]).toEqual({ type: 'thinking', thinking: 'The user wrote: Why?' });
    expect(up.requests.at(-1)?.body).toMatchObject({ thinking: { type: 'enabled', token_budget: 500 } });
    const events = await collect(await co.chatStream(params));
    const first = events.find((e) => e.type === 'content-start');
    expect(first?.type === 'content-start' ? first.delta?.message?.content?.type : undefined).toBe('thinking');
  });

  it('citations ride along (answer and stream) without breaking the SDK', async () => {
    up.setBehavior({ citations: true });
    const res = await co.chat({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'cite' }] });
    expect(res.message.citations?.[0]?.text).toBe('Echo');
    const events = await collect(await co.chatStream({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'cite' }] }));
    expect(events.map((e) => e.type)).toContain('citation-start');
  });

  it('embed: float embeddings by type, input_type and output_dimension on the wire, billed units in meta', async () => {
    const res = await co.embed({ model: 'embed-v4.0', texts: ['a', 'bb'], inputType: 'search_query', embeddingTypes: ['float'], outputDimension: 256 });
    expect(res.embeddings.float).toHaveLength(2);
    expect(res.embeddings.float?.[0]).toHaveLength(256);
    expect(res.embeddings.float?.[0]).not.toEqual(res.embeddings.float?.[1]);
    expect(res.meta?.billedUnits?.inputTokens).toBe(2);
    expect(up.requests.at(-1)).toMatchObject({ path: '/v2/embed', body: { input_type: 'search_query', embedding_types: ['float'], output_dimension: 256 } });
  });

  it('typed errors: 401 UnauthorizedError, 429 TooManyRequestsError with retry-after, 400 BadRequestError, 500 InternalServerError', async () => {
    const bad = new CohereClientV2({ token: 'wrong', environment: up.url, maxRetries: 0 });
    const params = { model: 'command-a-03-2025', messages: [{ role: 'user' as const, content: 'x' }] };
    await expect(bad.chat(params)).rejects.toBeInstanceOf(Cohere.UnauthorizedError);
    up.setBehavior({ status: 429, message: 'You are using a Trial key, which is limited to 20 API calls / minute.' });
    const rl = await co.chat(params).catch((e: unknown) => e);
    expect(rl).toBeInstanceOf(Cohere.TooManyRequestsError);
    expect((rl as CohereError).body).toMatchObject({ message: expect.stringContaining('Trial key') });
    expect((rl as CohereError & { rawResponse?: { headers: Headers } }).rawResponse?.headers.get('retry-after')).toBe('1');
    up.setBehavior({ status: 400, message: 'too many tokens: size limit exceeded by 1000 tokens.' });
    await expect(co.chat(params)).rejects.toBeInstanceOf(Cohere.BadRequestError);
    up.setBehavior({ status: 500 });
    await expect(co.chat(params)).rejects.toBeInstanceOf(Cohere.InternalServerError);
  });

  it('an ERROR finish before any content reaches the SDK stream as message-end with finish_reason ERROR', async () => {
    up.setBehavior({ streamErrorBeforeContent: 'internal error' });
    const events = await collect(await co.chatStream({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'x' }] }));
    expect(events.map((e) => e.type)).toEqual(['message-start', 'message-end']);
    const end = events[1];
    expect(end?.type === 'message-end' ? end.delta : undefined).toMatchObject({ finishReason: 'ERROR', error: 'internal error' });
  });
});
