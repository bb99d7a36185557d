// Translated pairs over loopback: an OpenAI chat client served by an Anthropic upstream, and an Anthropic Messages
// client served by an OpenAI-compatible upstream — non-stream, stream, tools and usage (with cache tokens).
import { describe, expect, it } from 'vitest';
import { postJson, provider, route } from './harness.ts';
import { sseEvents } from '../support/sse-text.ts';
import { anthropicProvider, useFakePair } from '../support/upstreams.ts';

const fakes = useFakePair((oa, ant) => [
  ...provider('oa', oa.url, { key: 'sk-oa-0000000000000001', models: [{ name: 'gpt-up', pricing: { input: 1, output: 2, cachedInput: 0.5 } }] }),
  ...anthropicProvider('ant', ant.url, ant.apiKey, { models: [{ name: 'claude-up', pricing: { input: 3, output: 15, cachedInput: 0.3 } }] }),
  route('to-anthropic', { model: 'chat-on-claude', targets: [{ provider: 'ant', model: 'claude-up' }] }),
  route('to-openai', { model: 'claude-on-gpt', targets: [{ provider: 'oa', model: 'gpt-up' }] }),
], { auth: 'open' });

const WEATHER_TOOL = { type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

describe('OpenAI chat client → Anthropic upstream', () => {
  it('non-stream: Messages request upstream (x-api-key, target model, max_tokens), chat.completion back with usage', async () => {
    const res = await postJson(`${fakes.gw.baseURL}/chat/completions`, { model: 'chat-on-claude', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    const body = await res.json() as { object: string; model: string; choices: { message: { content: string }; finish_reason: string }[]; usage: { prompt_tokens: number; completion_tokens: number } };
    expect(body.object).toBe('chat.completion');
    expect(body.model).toBe('chat-on-claude');
    expect(body.choices[0]?.message.content).toBe('Echo: hi');
    expect(body.choices[0]?.finish_reason).toBe('stop');
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    const up = fakes.ant.requests[0];
    expect(up?.path).toBe('/v1/messages');
    expect(up?.headers['x-api-key']).toBe(fakes.ant.apiKey);
    const sent = up?.body as { model: string; max_tokens: number; system: unknown };
    expect(sent.model).toBe('claude-up');
    expect(sent.max_tokens).toBeGreaterThan(0);
    expect(JSON.stringify(sent.system)).toContain('Be brief.');
    const line = fakes.gw.accessLines().at(-1);
    expect(line?.tokensIn).toBe(body.usage.prompt_tokens);
  });

  it('stream: chat chunks with the text, a usage chunk when asked, then [DONE]', async () => {
    const res = await postJson(`${fakes.gw.baseURL}/chat/completions`, { model: 'chat-on-claude', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hello there' }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = sseEvents(await res.text());
    expect(events.at(-1)?.data).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as { choices: { delta: { content?: string } }[]; usage?: { prompt_tokens: number } | null });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Echo: hello there');
    expect(chunks.some((c) => c.usage != null && c.usage.prompt_tokens > 0)).toBe(true);
    expect((fakes.ant.requests[0]?.body as { stream: boolean }).stream).toBe(true);
  });

  it('tools: a tool_use answer comes back as tool_calls with finish_reason tool_calls', async () => {
    const res = await postJson(`${fakes.gw.baseURL}/chat/completions`, { model: 'chat-on-claude', tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'use the tool for Paris' }] });
    const body = await res.json() as { choices: { message: { tool_calls: { type: string; function: { name: string; arguments: string } }[] }; finish_reason: string }[] };
    expect(res.status).toBe(200);
    const call = body.choices[0]?.message.tool_calls[0];
    expect(call?.function.name).toBe('get_weather');
    expect(typeof JSON.parse(call?.function.arguments ?? 'null')).toBe('object');
    expect(body.choices[0]?.finish_reason).toBe('tool_calls');
    const sentTools = (fakes.ant.requests[0]?.body as { tools: { name: string; input_schema: unknown }[] }).tools;
    expect(sentTools[0]?.name).toBe('get_weather');
  });

  it('Anthropic upstream 529 overloaded → the client gets an OpenAI error envelope', async () => {
    fakes.ant.setFault({ status: 529, errorType: 'overloaded_error', message: 'Overloaded' });
    try {
      const res = await postJson(`${fakes.gw.baseURL}/chat/completions`, { model: 'chat-on-claude', messages: [{ role: 'user', content: 'hi' }] });
      expect(res.status).toBeGreaterThanOrEqual(500);
      const body = await res.json() as { error: { code: string } };
      expect(typeof body.error.code).toBe('string');
    } finally {
      fakes.ant.setFault(undefined);
    }
  });
});

describe('Anthropic Messages client → OpenAI-compatible upstream', () => {
  const messages = (extra: Record<string, unknown> = {}): Promise<Response> =>
    postJson(`${fakes.gw.origin}/v1/messages`, { model: 'claude-on-gpt', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...extra }, { 'anthropic-version': '2023-06-01' });

  it('non-stream: chat request upstream, a Messages answer back with usage and stop_reason', async () => {
    const res = await messages({ system: 'Be brief.' });
    expect(res.status).toBe(200);
    const body = await res.json() as { type: string; role: string; model: string; content: { type: string; text: string }[]; stop_reason: string; usage: { input_tokens: number; output_tokens: number } };
    expect(body.type).toBe('message');
    expect(body.role).toBe('assistant');
    expect(body.model).toBe('claude-on-gpt');
    expect(body.content).toEqual([{ type: 'text', text: 'Hello world!' }]);
    expect(body.stop_reason).toBe('end_turn');
    expect(body.usage.output_tokens).toBe(3);
    const up = fakes.oa.requests[0];
    expect(up?.path).toBe('/v1/chat/completions');
    const sent = up?.body as { model: string; messages: { role: string; content: unknown }[] };
    expect(sent.model).toBe('gpt-up');
    expect(sent.messages[0]?.role).toBe('system');
  });

  it('stream: message_start … content_block_delta … message_stop, text intact, usage reported', async () => {
    const res = await messages({ stream: true });
    expect(res.status).toBe(200);
    const events = sseEvents(await res.text());
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('message_start');
    expect(names.at(-1)).toBe('message_stop');
    expect(names).not.toContain('error');
    const text = events.filter((e) => e.event === 'content_block_delta').map((e) => (JSON.parse(e.data) as { delta: { text?: string } }).delta.text ?? '').join('');
    expect(text).toBe('Hello world!');
    const delta = events.find((e) => e.event === 'message_delta');
    expect((JSON.parse(delta?.data ?? '{}') as { usage: { output_tokens: number } }).usage.output_tokens).toBe(3);
    // The gateway asked the upstream for stream usage.
    expect((fakes.oa.requests[0]?.body as { stream_options?: { include_usage?: boolean } }).stream_options?.include_usage).toBe(true);
  });

  it('tools: tool_calls from the upstream come back as a tool_use block, stop_reason tool_use', async () => {
    fakes.oa.setBehavior(() => ({
      rawContentType: 'application/json',
      rawBody: JSON.stringify({
        id: 'chatcmpl-t', object: 'chat.completion', created: 1, model: 'gpt-up',
        choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }, finish_reason: 'tool_calls' }],
        usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25, prompt_tokens_details: { cached_tokens: 8 } },
      }),
    }));
    const res = await messages({ tools: [{ name: 'get_weather', input_schema: WEATHER_TOOL.function.parameters }] });
    expect(res.status).toBe(200);
    const body = await res.json() as { content: { type: string; id: string; name: string; input: unknown }[]; stop_reason: string; usage: { input_tokens: number; cache_read_input_tokens?: number } };
    expect(body.content[0]).toMatchObject({ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } });
    expect(body.stop_reason).toBe('tool_use');
    const sentTools = (fakes.oa.requests[0]?.body as { tools: { type: string; function: { name: string } }[] }).tools;
    expect(sentTools[0]?.function.name).toBe('get_weather');
    // Cost from canonical usage: 12 uncached input at $1/M, 8 cached at $0.5/M, 5 output at $2/M.
    const line = fakes.gw.accessLines().at(-1);
    expect(line?.tokensIn).toBe(20);
    expect(line?.costUSD).toBeCloseTo((12 * 1 + 8 * 0.5 + 5 * 2) / 1e6, 12);
  });

  it('an upstream 500 becomes an Anthropic error envelope', async () => {
    fakes.oa.setBehavior(() => ({ status: 500 }));
    const res = await messages();
    expect(res.status).toBeGreaterThanOrEqual(500);
    const body = await res.json() as { type: string; error: { type: string } };
    expect(body.type).toBe('error');
    expect(typeof body.error.type).toBe('string');
  });
});
