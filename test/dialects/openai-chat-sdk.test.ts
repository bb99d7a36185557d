// The encoders speak the real wire format: their output, served from a loopback HTTP server, is consumed by the
// official `openai` SDK (its SSE parser, its stream accumulator, its error handling).
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { EncodeContext } from '../../pkg/canonical/codec.ts';
import type { CanonicalResponse, StreamEvent } from '../../pkg/canonical/types.ts';
import { clientCodec } from '../../pkg/dialects/openai-chat/index.ts';
import { errorOut } from '../../pkg/proxy/error-reply.ts';
import { useCannedOpenAI } from './support/canned-openai.ts';

const CTX: EncodeContext = { model: 'gpt-4o-mini', requestId: 'req_sdk', nowSec: 1_760_000_000, streamUsage: true };

const sdk = useCannedOpenAI();

const STREAM: StreamEvent[] = [
  { type: 'start', id: 'msg_1', model: 'claude-sonnet' },
  { type: 'block_start', index: 0, block: { type: 'thinking' } },
  { type: 'thinking_delta', index: 0, text: 'Paris, then the tool.' },
  { type: 'block_stop', index: 0 },
  { type: 'block_start', index: 1, block: { type: 'text' } },
  { type: 'text_delta', index: 1, text: 'Looking it ' },
  { type: 'text_delta', index: 1, text: 'up… ✓' },
  { type: 'block_stop', index: 1 },
  { type: 'block_start', index: 2, block: { type: 'tool_use', id: 'toolu_9', name: 'get_weather' } },
  { type: 'tool_input_delta', index: 2, json: '{"city":' },
  { type: 'tool_input_delta', index: 2, json: '"Paris"}' },
  { type: 'block_stop', index: 2 },
  { type: 'finish', stopReason: 'tool_use' },
  { type: 'usage', usage: { inputTokens: 30, outputTokens: 12, cachedInputTokens: 20, reasoningTokens: 5 } },
  { type: 'done' },
];

function encodeStream(events: readonly StreamEvent[], ctx: EncodeContext = CTX): string {
  const enc = clientCodec.createStreamEncoder(ctx);
  return events.map((ev) => enc.encode(ev)).join('');
}

const params = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Weather in Paris?' }] };

describe('openai-chat encoders against the official openai SDK', () => {
  it('stream: chunks reassemble into the text, the tool call and the usage', async () => {
    sdk.server.answer({ sse: encodeStream(STREAM) });
    const stream = await sdk.client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    let content = '';
    const args: string[] = [];
    const ids: string[] = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.id).toBe('chatcmpl-req_sdk');
      const choice = chunk.choices[0];
      if (choice === undefined) usage = chunk.usage;
      content += choice?.delta.content ?? '';
      for (const t of choice?.delta.tool_calls ?? []) {
        if (t.id !== undefined) ids[t.index] = t.id;
        args[t.index] = (args[t.index] ?? '') + (t.function?.arguments ?? '');
      }
      finish = choice?.finish_reason ?? finish;
    }
    expect(content).toBe('Looking it up… ✓');
    expect(ids).toEqual(['toolu_9']);
    expect(JSON.parse(args[0] ?? '')).toEqual({ city: 'Paris' });
    expect(finish).toBe('tool_calls');
    expect(usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 12, total_tokens: 42, prompt_tokens_details: { cached_tokens: 20 } });
  });

  it('stream: the SDK\'s accumulator builds the final chat completion', async () => {
    sdk.server.answer({ sse: encodeStream(STREAM) });
    const final = await sdk.client.chat.completions.stream({ ...params, stream_options: { include_usage: true } }).finalChatCompletion();
    const message = final.choices[0]?.message;
    expect(message?.content).toBe('Looking it up… ✓');
    expect(message?.tool_calls?.[0]).toMatchObject({ id: 'toolu_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(final.usage?.completion_tokens_details?.reasoning_tokens).toBe(5);
  });

  it('stream without usage asked: no usage chunk, still terminated by [DONE]', async () => {
    sdk.server.answer({ sse: encodeStream(STREAM, { ...CTX, streamUsage: false }) });
    const stream = await sdk.client.chat.completions.create({ ...params, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.choices.length === 1 && c.usage == null)).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('stream: the terminal error event surfaces as an APIError with the gateway\'s message', async () => {
    const enc = clientCodec.createStreamEncoder(CTX);
    sdk.server.answer({ sse: STREAM.slice(0, 7).map((ev) => enc.encode(ev)).join('') + enc.error(errorOut('upstream_stream_interrupted')) });
    const stream = await sdk.client.chat.completions.create({ ...params, stream: true });
    let content = '';
    const failure = await (async () => {
      try {
        for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(content).toBe('Looking it up… ✓');
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toContain('The upstream stream was interrupted.');
  });

  it('non-stream: the chat.completion parses with content, tool calls, finish reason and usage', async () => {
    const resp: CanonicalResponse = {
      id: 'msg_2',
      model: 'claude-sonnet',
      content: [
        { type: 'text', text: 'Calling.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Rome', days: 2 } },
      ],
      stopReason: 'tool_use',
      usage: { inputTokens: 10, outputTokens: 4, cachedInputTokens: 3 },
    };
    sdk.server.answer({ json: clientCodec.encodeResponse(resp, CTX) });
    const out = await sdk.client.chat.completions.create(params);
    expect(out.id).toBe('chatcmpl-req_sdk');
    expect(out.model).toBe('gpt-4o-mini');
    expect(out.choices[0]?.message.content).toBe('Calling.');
    const call = out.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? JSON.parse(call.function.arguments) : null).toEqual({ city: 'Rome', days: 2 });
    expect(out.choices[0]?.finish_reason).toBe('tool_calls');
    expect(out.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 4, total_tokens: 14, prompt_tokens_details: { cached_tokens: 3 } });
  });
});
