// The official @anthropic-ai/sdk against the gateway over loopback (maxRetries 0): messages.create, messages.stream
// (text events, finalMessage, usage with cache fields), a tool_result round trip, thinking, countTokens, typed error
// classes — natively to the Anthropic upstream (unknown fields, thinking signatures and anthropic-beta reach it
// unchanged; the client gets the upstream's bytes) and translated to the OpenAI-shaped upstream.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KEY, MODELS, startWorld, UPSTREAM_MODELS } from '../support/gateway-world.ts';
import type { World } from '../support/gateway-world.ts';

let w: World;
let client: Anthropic;

beforeAll(async () => {
  w = await startWorld();
  client = new Anthropic({ baseURL: w.gw.origin, apiKey: KEY, maxRetries: 0 });
});
afterAll(async () => w.close());
afterEach(() => w.reset());

const WEATHER: Anthropic.Tool = { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

async function caught(p: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (e instanceof Anthropic.APIError) return e;
  throw new Error(`expected an Anthropic APIError, got ${String(e)}`);
}

describe.each([
  ['Anthropic upstream (native)', MODELS.anthropic],
  ['OpenAI-shaped upstream (translated)', MODELS.openaiCompat],
])('@anthropic-ai/sdk → %s', (_name, model) => {
  it('messages.create: the echo, end_turn, usage', async () => {
    const m = await client.messages.create({ model, max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'hello claude' }] });
    expect(m.type).toBe('message');
    expect(m.content).toEqual([expect.objectContaining({ type: 'text', text: 'Echo: hello claude' })]);
    expect(m.stop_reason).toBe('end_turn');
    expect(m.usage.input_tokens).toBeGreaterThan(0);
    expect(m.usage.output_tokens).toBeGreaterThan(0);
  });

  it('messages.stream: text events join to the echo; finalMessage carries usage', async () => {
    const stream = client.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'stream please' }] });
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const final = await stream.finalMessage();
    expect(text).toBe('Echo: stream please');
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: 'Echo: stream please' })]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    expect(final.usage.input_tokens).toBeGreaterThan(0);
  });

  it('tools: tool_use, then a tool_result round trip answered with its content', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'use the tool for Paris' }];
    const first = await client.messages.create({ model, max_tokens: 100, tools: [WEATHER], messages });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(use?.name).toBe('get_weather');
    expect(use?.input).toEqual({ city: 'Paris' });
    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use!.id, content: 'sunny, 21C' }] });
    const second = await client.messages.create({ model, max_tokens: 100, tools: [WEATHER], messages });
    expect(second.content).toEqual([expect.objectContaining({ type: 'text', text: 'Echo: tool result: sunny, 21C' })]);
  });

  it('a streamed tool call: input_json deltas accumulate into the tool input', async () => {
    const final = await client.messages.stream({ model, max_tokens: 100, tools: [WEATHER], messages: [{ role: 'user', content: 'call the tool' }] }).finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
  });
});

describe('@anthropic-ai/sdk → Anthropic upstream: native passthrough', () => {
  it('unknown fields and anthropic-beta reach the upstream unchanged; only the model is patched', async () => {
    const params = { model: MODELS.anthropic, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], future_field: { nested: [1, 'two'] } } as unknown as Anthropic.MessageCreateParamsNonStreaming;
    await client.messages.create(params, { headers: { 'anthropic-beta': 'fancy-feature-2099-01-01,other-beta' } });
    const up = w.ant.requests[0]!;
    expect(up.headers['anthropic-beta']).toBe('fancy-feature-2099-01-01,other-beta');
    expect(up.headers['anthropic-version']).toBe('2023-06-01');
    expect(up.headers['x-api-key']).toBe(w.ant.apiKey);
    expect(JSON.stringify(up.headers)).not.toContain(KEY);
    expect(up.body).toEqual({ ...(params as object), model: UPSTREAM_MODELS.anthropic });
  });

  it('client.beta.messages with betas: the anthropic-beta header reaches the upstream', async () => {
    const m = await client.beta.messages.create({ model: MODELS.anthropic, max_tokens: 50, betas: ['context-management-2025-06-27'], messages: [{ role: 'user', content: 'beta' }] });
    expect(m.content).toEqual([expect.objectContaining({ type: 'text', text: 'Echo: beta' })]);
    expect(w.ant.requests[0]?.headers['anthropic-beta']).toBe('context-management-2025-06-27');
  });

  it('the client gets the upstream\'s bytes (its id and model name)', async () => {
    const res = await client.messages.create({ model: MODELS.anthropic, max_tokens: 50, messages: [{ role: 'user', content: 'bytes' }] }).asResponse();
    const text = await res.text();
    const id = (JSON.parse(text) as { id: string }).id;
    expect(id).toMatch(/^msg_fake_\d+$/);
    expect(text).toBe(JSON.stringify({ id, type: 'message', role: 'assistant', model: UPSTREAM_MODELS.anthropic, content: [{ type: 'text', text: 'Echo: bytes' }], stop_reason: 'end_turn', stop_sequence: null, usage: (JSON.parse(text) as { usage: unknown }).usage }));
  });

  it('thinking: the block and its signature come back; sent back, the signature reaches the upstream unchanged', async () => {
    const thinking = { type: 'enabled', budget_tokens: 1024 } as const;
    const first = await client.messages.stream({ model: MODELS.anthropic, max_tokens: 2048, thinking, tools: [WEATHER], messages: [{ role: 'user', content: 'think, then use the tool' }] }).finalMessage();
    const block = first.content.find((b): b is Anthropic.ThinkingBlock => b.type === 'thinking');
    expect(block?.thinking).toBe('The user wrote: think, then use the tool');
    expect(block?.signature).toMatch(/^sig-/);
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    await client.messages.create({
      model: MODELS.anthropic, max_tokens: 2048, thinking, tools: [WEATHER],
      messages: [{ role: 'user', content: 'think, then use the tool' }, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'rain' }] }],
    });
    const sent = w.ant.requests[1]?.body as { messages: { content: unknown }[] };
    expect(sent.messages[1]?.content).toEqual(first.content);
  });

  it('usage with cache fields: a cache write, then a cache read (stream and non-stream agree)', async () => {
    const system: Anthropic.TextBlockParam[] = [{ type: 'text', text: 'A long shared system prompt. '.repeat(20), cache_control: { type: 'ephemeral' } }];
    const params = { model: MODELS.anthropic, max_tokens: 50, system, messages: [{ role: 'user' as const, content: 'cache me' }] };
    const first = await client.messages.stream(params).finalMessage();
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    const second = await client.messages.create(params);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
  });

  it('countTokens is answered by the upstream natively', async () => {
    const r = await client.messages.countTokens({ model: MODELS.anthropic, messages: [{ role: 'user', content: 'count these tokens' }] });
    expect(r.input_tokens).toBeGreaterThan(0);
    expect(w.ant.requests.map((q) => q.path)).toEqual(['/v1/messages/count_tokens']);
    expect((w.ant.requests[0]?.body as { model: string }).model).toBe(UPSTREAM_MODELS.anthropic);
  });
});

describe('@anthropic-ai/sdk → OpenAI-shaped upstream: images (translated)', () => {
  it('a base64 image and an image URL become image_url parts, the text part stays', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
    await client.messages.create({
      model: MODELS.openaiCompat, max_tokens: 50,
      messages: [{ role: 'user', content: [
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } },
        { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        { type: 'text', text: 'what is this?' },
      ] }],
    });
    const sent = w.oa.requests[0]?.body as { messages: { role: string; content: { type: string; image_url?: { url: string }; text?: string }[] }[] };
    const parts = sent.messages.at(-1)?.content ?? [];
    expect(parts.map((c) => c.type)).toEqual(['image_url', 'image_url', 'text']);
    expect(parts[0]?.image_url?.url).toBe(`data:image/png;base64,${png}`);
    expect(parts[1]?.image_url?.url).toBe('https://example.com/cat.jpg');
  });
});

describe('@anthropic-ai/sdk → OpenAI-shaped upstream: thinking (translated)', () => {
  const params = {
    model: MODELS.openaiCompat, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, output_config: { effort: 'low' },
    messages: [{ role: 'user', content: 'think first' }],
  } as unknown as Anthropic.MessageCreateParamsNonStreaming;

  it('output_config.effort becomes reasoning_effort; reasoning_content comes back as a thinking block before the text', async () => {
    const m = await client.messages.create(params);
    expect((w.oa.requests[0]?.body as { reasoning_effort?: string }).reasoning_effort).toBe('low');
    expect(m.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(m.content[0]).toMatchObject({ type: 'thinking', thinking: 'The user wrote: think first' });
    expect(m.content[1]).toMatchObject({ type: 'text', text: 'Echo: think first' });
  });

  it('streamed: thinking events, then text; finalMessage holds both blocks', async () => {
    const stream = client.messages.stream(params as unknown as Anthropic.MessageStreamParams);
    let thinking = '';
    stream.on('thinking', (t) => {
      thinking += t;
    });
    const final = await stream.finalMessage();
    expect(thinking).toBe('The user wrote: think first');
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text']);
  });
});

describe('@anthropic-ai/sdk typed errors', () => {
  it('the gateway\'s own: a wrong key → AuthenticationError, an unknown model → NotFoundError', async () => {
    const bad = new Anthropic({ baseURL: w.gw.origin, apiKey: 'sk-wrong', maxRetries: 0 });
    expect(await caught(bad.messages.create({ model: MODELS.anthropic, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }))).toBeInstanceOf(Anthropic.AuthenticationError);
    const nf = await caught(client.messages.create({ model: 'nope', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }));
    expect(nf).toBeInstanceOf(Anthropic.NotFoundError);
    expect(nf.error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('the upstream\'s 529 overloaded, failover exhausted → an InternalServerError-class error in the Anthropic envelope', async () => {
    w.ant.setFault({ status: 529, errorType: 'overloaded_error', message: 'Overloaded' });
    const err = await caught(client.messages.create({ model: MODELS.anthropic, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(err.status).toBeGreaterThanOrEqual(500);
    expect(err.error).toMatchObject({ type: 'error', error: { type: expect.stringMatching(/overloaded_error|api_error/), message: expect.any(String) } });
    expect(err.requestID).toEqual(expect.any(String));
  });

  it('the upstream\'s 400 (native) → BadRequestError with the upstream\'s message, not retried', async () => {
    w.ant.setFault({ status: 400, errorType: 'invalid_request_error', message: 'messages.0: bad thing' });
    const err = await caught(client.messages.create({ model: MODELS.anthropic, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('bad thing') } });
    expect(w.ant.requests).toHaveLength(1);
  });

  it('the OpenAI-shaped upstream\'s 503 (translated) → an InternalServerError-class error in the Anthropic envelope', async () => {
    w.oa.setBehavior(() => ({ status: 503 }));
    const err = await caught(client.messages.create({ model: MODELS.openaiCompat, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(err.error).toMatchObject({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } });
  });

  it.each([
    ['native', MODELS.anthropic],
    ['translated', MODELS.openaiCompat],
  ])('a stream cut after content (%s): the SDK raises the terminal error event, the text so far was delivered', async (_m, model) => {
    w.ant.setFault({ cutAfterEvents: 5, cutMode: 'destroy', gapMs: 10 });
    w.oa.setBehavior(() => ({ content: ['Echo: ', 'partial', ' never'], resetAfter: 3 }));
    const stream = client.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'cut me short' }] });
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const err = await stream.finalMessage().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as Error).message).toContain('The upstream stream was interrupted.');
    expect(text.startsWith('Echo: ')).toBe(true);
  });

  it('countTokens to a translated target → BadRequestError', async () => {
    const err = await caught(client.messages.countTokens({ model: MODELS.openaiCompat, messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  });
});
