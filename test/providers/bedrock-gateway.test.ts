// The bedrock provider type through the real gateway on loopback, driven by the official clients: the `openai` SDK
// (chat text / stream / tools, the Responses API) and `@anthropic-ai/sdk` (messages text / stream / tools), against
// the fake Bedrock runtime (test/support/fake-bedrock-server.ts), which verifies every SigV4 signature the gateway
// makes with the official signer. Also: errors mapped (ThrottlingException 429 with its retry hint, an input-too-long
// ValidationException as context_length_exceeded), an in-stream throttlingException before the first token failing
// over to the second target, and the secret access key (a canary) never in logs, metrics or error bodies.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBedrock } from '../support/fake-bedrock-server.ts';
import type { FakeBedrock } from '../support/fake-bedrock-server.ts';
import { NS, apiKey, postJson, route, secret, startGateway } from '../proxy/harness.ts';
import type { Gateway } from '../proxy/harness.ts';

const KEY = 'sk-swy-bedrock-gw-3f9a1c7e5d20';
const ACCESS_KEY_ID = 'AKIAGATEWAYTEST00001';
/** The secret access key: a canary that must never leave the proxy except as a signature. */
const CANARY = 'bedrockCanary/9f3E7a1c0B4d+6e2A8b5C3d1E0f7a9B2c4D6e8F0';

const SONNET = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const HAIKU = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const NOVA = 'amazon.nova-pro-v1:0';
const LIMITED = 'meta.llama3-3-70b-instruct-v1:0';

let up: FakeBedrock;
let gw: Gateway;
let oa: OpenAI;
let ant: Anthropic;

beforeAll(async () => {
  up = await startFakeBedrock({ region: 'us-west-2', credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: CANARY } });
  gw = await startGateway([
    secret('br-cred', { accessKeyId: ACCESS_KEY_ID, secretAccessKey: CANARY }),
    {
      apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'br', namespace: NS },
      spec: {
        type: 'bedrock', region: 'us-west-2', baseURL: up.url,
        auth: { aws: { accessKeyId: { name: 'br-cred', key: 'accessKeyId' }, secretAccessKey: { name: 'br-cred', key: 'secretAccessKey' } } },
      },
    },
    route('claude', { model: 'claude-br', retry: { attempts: 1 }, targets: [{ provider: 'br', model: SONNET }] }),
    route('limited', { model: 'limited', retry: { attempts: 1 }, targets: [{ provider: 'br', model: LIMITED }] }),
    route('guarded', { model: 'guarded', retry: { attempts: 1 }, targets: [{ provider: 'br', model: HAIKU }], fallback: [{ provider: 'br', model: NOVA }] }),
    apiKey('client', KEY),
  ]);
  oa = new OpenAI({ baseURL: gw.baseURL, apiKey: KEY, maxRetries: 0 });
  ant = new Anthropic({ baseURL: gw.origin, apiKey: KEY, maxRetries: 0 });
});
afterEach(() => {
  up.setFault(undefined);
  for (const m of [SONNET, HAIKU, NOVA, LIMITED]) up.setModelFault(m, undefined);
  up.requests.length = 0;
});
afterAll(async () => {
  await gw.close();
  await up.close();
});

const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

function lastBody(): Record<string, unknown> {
  return up.requests.at(-1)?.body as Record<string, unknown>;
}

describe('bedrock through the gateway: openai SDK', () => {
  it('chat text: the answer and usage; Converse at /model/<encoded id>/converse, signed for us-west-2 with the Secret\'s keys', async () => {
    const r = await oa.chat.completions.create({ model: 'claude-br', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello bedrock' }], max_tokens: 64, temperature: 0.3 });
    expect(r.choices[0]?.message.content).toBe('Echo: hello bedrock');
    expect(r.choices[0]?.finish_reason).toBe('stop');
    expect(r.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(r.usage?.completion_tokens).toBeGreaterThan(0);
    const rec = up.requests.at(-1);
    expect(rec?.path).toBe('/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse');
    expect(rec?.accessKeyId).toBe(ACCESS_KEY_ID);
    expect(String(rec?.headers.authorization)).toContain('/us-west-2/bedrock/aws4_request');
    expect(lastBody()).toEqual({
      messages: [{ role: 'user', content: [{ text: 'hello bedrock' }] }],
      system: [{ text: 'Be brief.' }],
      inferenceConfig: { maxTokens: 64, temperature: 0.3 },
    });
  });

  it('chat stream: text deltas, finish_reason, a usage chunk (ConverseStream decoded from the event stream)', async () => {
    const stream = await oa.chat.completions.create({ model: 'claude-br', messages: [{ role: 'user', content: 'stream me' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('Echo: stream me');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(up.requests.at(-1)?.path).toMatch(/\/converse-stream$/);
  });

  it('chat tools: a tool call (stream and not), then the tool result as a toolResult block answered', async () => {
    const first = await oa.chat.completions.create({ model: 'claude-br', messages: [{ role: 'user', content: 'use the tool for Paris' }], tools: [weather] });
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    const call = first.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('no function call');
    expect(call.id).toBe('tooluse_fake_get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    expect(lastBody().toolConfig).toEqual({ tools: [{ toolSpec: { name: 'get_weather', description: 'Weather for a city', inputSchema: { json: weather.function.parameters } } }] });

    const stream = await oa.chat.completions.create({ model: 'claude-br', messages: [{ role: 'user', content: 'use the tool for Paris' }], tools: [weather], stream: true });
    let args = '';
    let name = '';
    for await (const chunk of stream) {
      const tc = chunk.choices[0]?.delta.tool_calls?.[0];
      name = tc?.function?.name ?? name;
      args += tc?.function?.arguments ?? '';
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ city: 'Paris' });

    const second = await oa.chat.completions.create({
      model: 'claude-br', tools: [weather],
      messages: [{ role: 'user', content: 'use the tool for Paris' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: 'sunny' }],
    });
    expect(second.choices[0]?.message.content).toBe('Echo: tool result: sunny');
    expect((lastBody().messages as unknown[]).slice(1)).toEqual([
      { role: 'assistant', content: [{ toolUse: { toolUseId: call.id, name: 'get_weather', input: { city: 'Paris' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: call.id, content: [{ text: 'sunny' }] } }] },
    ]);
  });

  it('the Responses API: text and a stream that completes with usage', async () => {
    const r = await oa.responses.create({ model: 'claude-br', input: 'hello responses', store: false });
    expect(r.output_text).toBe('Echo: hello responses');
    expect(r.status).toBe('completed');
    const stream = await oa.responses.create({ model: 'claude-br', input: 'stream responses', store: false, stream: true });
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const ev of stream) {
      if (ev.type === 'response.output_text.delta') text += ev.delta;
      if (ev.type === 'response.completed') completed = ev.response;
    }
    expect(text).toBe('Echo: stream responses');
    expect(completed?.usage?.output_tokens).toBeGreaterThan(0);
  });
});

describe('bedrock through the gateway: @anthropic-ai/sdk', () => {
  it('messages text: content, stop_reason end_turn, usage with cache reads and writes from cachePoint', async () => {
    const params = {
      model: 'claude-br', max_tokens: 100,
      system: [{ type: 'text' as const, text: 'A long shared instruction block. '.repeat(30), cache_control: { type: 'ephemeral' as const } }],
      messages: [{ role: 'user' as const, content: 'hi from claude land' }],
    };
    const m = await ant.messages.create(params);
    expect(m.content).toEqual([{ type: 'text', text: 'Echo: hi from claude land' }]);
    expect(m.stop_reason).toBe('end_turn');
    expect(m.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(lastBody().system).toEqual([{ text: params.system[0]!.text }, { cachePoint: { type: 'default' } }]);
    const again = await ant.messages.create(params);
    expect(again.usage.cache_read_input_tokens).toBe(m.usage.cache_creation_input_tokens);
  });

  it('messages stream: text events and a final message with usage', async () => {
    const stream = ant.messages.stream({ model: 'claude-br', max_tokens: 100, messages: [{ role: 'user', content: 'count to three' }] });
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const final = await stream.finalMessage();
    expect(text).toBe('Echo: count to three');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('messages tools: a tool_use block (non-stream and stream), stop_reason tool_use; thinking as reasoningContent', async () => {
    const params = {
      model: 'claude-br', max_tokens: 200, messages: [{ role: 'user' as const, content: 'use the tool for Paris' }],
      tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }],
    };
    const m = await ant.messages.create(params);
    expect(m.stop_reason).toBe('tool_use');
    expect(m.content[0]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    const final = await ant.messages.stream(params).finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    expect(final.stop_reason).toBe('tool_use');

    const think = await ant.messages.create({ model: 'claude-br', max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'Why?' }] });
    expect(lastBody().additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 1024 } });
    expect(think.content[0]).toMatchObject({ type: 'thinking', thinking: 'The user wrote: Why?' });
    expect((think.content[0] as { signature: string }).signature).toMatch(/^sig-/);
  });
});

describe('bedrock through the gateway: failures', () => {
  it('ThrottlingException → 429 with the retry hint; an input-too-long ValidationException → 400 context_length_exceeded', async () => {
    up.setModelFault(LIMITED, { status: 429, exception: 'ThrottlingException', message: 'Too many requests, please wait before trying again.', headers: { 'retry-after': '9' } });
    const rl = await postJson(`${gw.baseURL}/chat/completions`, { model: 'limited', messages: [{ role: 'user', content: 'x' }] }, { authorization: `Bearer ${KEY}` });
    expect(rl.status).toBe(429);
    expect(Number(rl.headers.get('retry-after'))).toBeGreaterThanOrEqual(9);
    up.setModelFault(SONNET, { status: 400, exception: 'ValidationException', message: 'Input is too long for requested model.' });
    const err = await oa.chat.completions.create({ model: 'claude-br', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
    const aerr = await ant.messages.create({ model: 'claude-br', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(aerr).toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('an in-stream throttlingException before the first token fails over to the second target', async () => {
    up.setModelFault(HAIKU, { streamException: { type: 'throttlingException', message: 'Too many tokens, please wait before trying again.' } });
    const stream = await oa.chat.completions.create({ model: 'guarded', messages: [{ role: 'user', content: 'fail over please' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Echo: fail over please');
    expect(up.requests.map((r) => [r.modelId, r.stream])).toEqual([[HAIKU, true], [NOVA, true]]);
    // The fallback is Nova: no Anthropic-only fields in its body.
    expect(lastBody().additionalModelRequestFields).toBeUndefined();
  });

  it('the secret access key never reaches logs, metrics or error bodies, even when the upstream echoes it', async () => {
    const bodies: string[] = [];
    up.setModelFault(SONNET, { status: 403, exception: 'AccessDeniedException', message: `denied for ${CANARY}` });
    bodies.push(await (await postJson(`${gw.baseURL}/chat/completions`, { model: 'claude-br', messages: [{ role: 'user', content: 'x' }] }, { authorization: `Bearer ${KEY}` })).text());
    up.setModelFault(SONNET, { status: 400, exception: 'ValidationException', message: `bad request signed with ${CANARY}` });
    bodies.push(await (await postJson(`${gw.origin}/v1/messages`, { model: 'claude-br', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, { 'x-api-key': KEY })).text());
    up.setModelFault(SONNET, { streamException: { type: 'validationException', message: `stream failed ${CANARY}` } });
    bodies.push(await (await postJson(`${gw.baseURL}/chat/completions`, { model: 'claude-br', stream: true, messages: [{ role: 'user', content: 'x' }] }, { authorization: `Bearer ${KEY}` })).text());
    expect(bodies[1]).toContain('[redacted]');
    const sinks = [...bodies, gw.logs.join('\n'), await gw.registry.metrics()];
    for (const sink of sinks) for (let i = 0; i + 8 <= CANARY.length; i++) expect(sink).not.toContain(CANARY.slice(i, i + 8));
  });
});
