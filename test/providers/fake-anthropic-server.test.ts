// The fake Anthropic upstream speaks the Messages API wire format the official SDK expects.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../support/fake-anthropic-server.ts';
import type { FakeAnthropic } from '../support/fake-anthropic-server.ts';

let up: FakeAnthropic;
let client: Anthropic;
beforeAll(async () => {
  up = await startFakeAnthropic();
  client = new Anthropic({ baseURL: up.origin, apiKey: up.apiKey, maxRetries: 0 });
});
afterEach(() => up.setFault(undefined));
afterAll(() => up.close());

const weather = { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } };

describe('fake Anthropic upstream, checked with @anthropic-ai/sdk', () => {
  it('messages.create answers deterministic text with usage, and records headers and raw body', async () => {
    const msg = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Say hi' }] });
    expect(msg.type).toBe('message');
    expect(msg.content).toEqual([{ type: 'text', text: 'Echo: Say hi' }]);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    expect(msg.usage.cache_read_input_tokens).toBe(0);
    const rec = up.requests.at(-1);
    // The SDK 1.x sends the key as a bearer token and its own anthropic-version; the fake requires a version.
    expect(rec?.headers.authorization).toBe(`Bearer ${up.apiKey}`);
    expect(rec?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(JSON.parse(rec?.rawBody ?? '')).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 100 });
  });

  it('messages.stream gives text events and a final message with usage', async () => {
    const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Count to three' }] });
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const final = await stream.finalMessage();
    expect(text).toBe('Echo: Count to three');
    expect(final.content).toEqual([{ type: 'text', text: 'Echo: Count to three' }]);
    expect(final.usage.output_tokens).toBeGreaterThan(1);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('tools: a tool_use block (non-stream and stream, input assembled from input_json_delta)', async () => {
    const params = { model: 'claude-sonnet-4-5', max_tokens: 100, tools: [weather], messages: [{ role: 'user' as const, content: 'Use the tool for Paris' }] };
    const msg = await client.messages.create(params);
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content[0]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    const final = await client.messages.stream(params).finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
  });

  it('thinking: a thinking block with its signature first, streamed too', async () => {
    const params = { model: 'claude-sonnet-4-5', max_tokens: 4000, thinking: { type: 'enabled' as const, budget_tokens: 1024 }, messages: [{ role: 'user' as const, content: 'Why?' }] };
    const msg = await client.messages.create(params);
    expect(msg.content[0]).toMatchObject({ type: 'thinking', thinking: 'The user wrote: Why?' });
    expect((msg.content[0] as { signature: string }).signature).toMatch(/^sig-/);
    const final = await client.messages.stream(params).finalMessage();
    expect(final.content[0]).toEqual(msg.content[0]);
    expect(final.content[1]).toEqual({ type: 'text', text: 'Echo: Why?', citations: undefined });
  });

  it('countTokens answers input_tokens; cache_control makes a cache write, then a cache read', async () => {
    const count = await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hello there' }] });
    expect(count.input_tokens).toBeGreaterThan(0);
    expect(up.requests.at(-1)?.path).toBe('/v1/messages/count_tokens');
    const params = { model: 'claude-sonnet-4-5', max_tokens: 50, system: [{ type: 'text' as const, text: 'A long system prompt '.repeat(20), cache_control: { type: 'ephemeral' as const } }], messages: [{ role: 'user' as const, content: 'Hi' }] };
    const first = await client.messages.create(params);
    const second = await client.messages.create(params);
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
  });

  it('typed errors: AuthenticationError, RateLimitError (retry-after), InternalServerError and OverloadedError (529)', async () => {
    const bad = new Anthropic({ baseURL: up.origin, apiKey: 'wrong', maxRetries: 0 });
    const params = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user' as const, content: 'x' }] };
    await expect(bad.messages.create(params)).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    up.setFault({ status: 429 });
    const rl = await client.messages.create(params).catch((e: unknown) => e);
    expect(rl).toBeInstanceOf(Anthropic.RateLimitError);
    expect((rl as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toBe('1');
    expect((rl as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    up.setFault({ status: 500 });
    await expect(client.messages.create(params)).rejects.toBeInstanceOf(Anthropic.InternalServerError);
    up.setFault({ status: 529 });
    const ov = await client.messages.create(params).catch((e: unknown) => e);
    expect(ov).toBeInstanceOf(Anthropic.OverloadedError);
    expect(ov).toBeInstanceOf(Anthropic.InternalServerError);
    expect((ov as { status: number }).status).toBe(529);
    expect((ov as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ error: { type: 'overloaded_error' } });
  });

  it('an in-band overloaded_error before the first content event fails the SDK stream', async () => {
    up.setFault({ overloadedBeforeContent: true });
    const err = await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(String((err as Error).message)).toContain('overloaded_error');
  });

  it('a stream cut short (clean end before message_stop) is an error for the SDK', async () => {
    up.setFault({ cutAfterEvents: 4 });
    const err = await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'one two three' }] }).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
  });
});
