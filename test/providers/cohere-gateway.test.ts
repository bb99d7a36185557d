// The cohere provider type through the real gateway on loopback, driven by the official clients: the `openai` SDK
// (chat text / stream / tools, embeddings, the Responses API) and `@anthropic-ai/sdk` (messages text / stream /
// tools), against a fake Cohere upstream (test/support/fake-cohere-server.ts). Also: errors mapped (429 with its
// retry hint, too-many-tokens as context_length_exceeded), an in-stream ERROR before content failing over, and the
// Cohere key (a canary) never appearing in logs, metrics or error bodies.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { float32FromBase64 } from '../../pkg/canonical/embeddings.ts';
import { fakeVector, startFakeCohere } from '../support/fake-cohere-server.ts';
import type { FakeCohere } from '../support/fake-cohere-server.ts';
import { NS, apiKey, postJson, route, secret, startGateway } from '../proxy/harness.ts';
import type { Gateway } from '../proxy/harness.ts';

const KEY = 'sk-swy-cohere-gw-5e1d2c3b4a59';
const CANARY = 'co-canary-8d41f0b7e29c6a53';
const BACKUP_KEY = 'co-backup-0f9e8d7c6b5a4321';

let up: FakeCohere;
let backup: FakeCohere;
/** Its own upstream: a 429 makes the gateway hold the target back for the Retry-After time. */
let limited: FakeCohere;
let gw: Gateway;
let oa: OpenAI;
let ant: Anthropic;

function cohereProvider(name: string, baseURL: string, key: string): unknown[] {
  return [
    secret(`${name}-cred`, { apiKey: key }),
    { apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name, namespace: NS }, spec: { type: 'cohere', baseURL, auth: { secretRef: { name: `${name}-cred`, key: 'apiKey' } } } },
  ];
}

beforeAll(async () => {
  up = await startFakeCohere({ apiKey: CANARY });
  backup = await startFakeCohere({ apiKey: BACKUP_KEY });
  limited = await startFakeCohere({ apiKey: BACKUP_KEY });
  gw = await startGateway([
    ...cohereProvider('co', up.url, CANARY),
    ...cohereProvider('co-backup', backup.url, BACKUP_KEY),
    ...cohereProvider('co-limited', limited.url, BACKUP_KEY),
    route('limited', { model: 'limited', retry: { attempts: 1 }, targets: [{ provider: 'co-limited', model: 'command-a-03-2025' }] }),
    route('command', { model: 'command', retry: { attempts: 1 }, targets: [{ provider: 'co', model: 'command-a-03-2025' }] }),
    route('embed', { model: 'embed', retry: { attempts: 1 }, targets: [{ provider: 'co', model: 'embed-v4.0' }] }),
    route('guarded', { model: 'guarded', retry: { attempts: 1 }, targets: [{ provider: 'co', model: 'command-a-03-2025' }], fallback: [{ provider: 'co-backup', model: 'command-r-08-2024' }] }),
    apiKey('client', KEY),
  ]);
  oa = new OpenAI({ baseURL: gw.baseURL, apiKey: KEY, maxRetries: 0 });
  ant = new Anthropic({ baseURL: gw.origin, apiKey: KEY, maxRetries: 0 });
});
afterEach(() => {
  up.setBehavior(undefined);
  up.requests.length = 0;
  backup.requests.length = 0;
});
afterAll(async () => {
  await gw.close();
  await up.close();
  await backup.close();
  await limited.close();
});

const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

function lastBody(): Record<string, unknown> {
  return up.requests.at(-1)?.body as Record<string, unknown>;
}

describe('cohere through the gateway: openai SDK', () => {
  it('chat text: the answer, billed units as usage, POST /v2/chat with the bearer key and the upstream model', async () => {
    const r = await oa.chat.completions.create({ model: 'command', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello cohere' }], max_tokens: 64 });
    expect(r.choices[0]?.message.content).toBe('Echo: hello cohere');
    expect(r.choices[0]?.finish_reason).toBe('stop');
    const billed = (lastBody().messages as unknown[]).length;
    expect(billed).toBe(2);
    expect(r.usage?.prompt_tokens).toBeGreaterThan(0);
    const rec = up.requests.at(-1);
    expect(rec?.path).toBe('/v2/chat');
    expect(rec?.headers.authorization).toBe(`Bearer ${CANARY}`);
    expect(lastBody()).toMatchObject({ model: 'command-a-03-2025', max_tokens: 64, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello cohere' }] });
  });

  it('chat stream: text deltas, finish_reason, a usage chunk', async () => {
    const stream = await oa.chat.completions.create({ model: 'command', messages: [{ role: 'user', content: 'stream me' }], stream: true, stream_options: { include_usage: true } });
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
    expect(lastBody()).toMatchObject({ stream: true });
  });

  it('chat tools: a tool call (plan text alongside), then the tool result answered', async () => {
    const first = await oa.chat.completions.create({ model: 'command', messages: [{ role: 'user', content: 'use the tool for Paris' }], tools: [weather] });
    const msg = first.choices[0]?.message;
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(msg?.content).toBe('I will use get_weather.');
    const call = msg?.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('no function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    const second = await oa.chat.completions.create({
      model: 'command', tools: [weather],
      messages: [{ role: 'user', content: 'use the tool for Paris' }, { role: 'assistant', content: msg?.content ?? null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: 'sunny' }],
    });
    expect(second.choices[0]?.message.content).toBe('Echo: tool result: sunny');
    expect((lastBody().messages as unknown[]).slice(1)).toEqual([
      { role: 'assistant', tool_plan: 'I will use get_weather.', tool_calls: [{ id: call.id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: call.id, content: 'sunny' },
    ]);
  });

  it('embeddings: float and base64 (the SDK default), dimensions → output_dimension, input_type mapped', async () => {
    const f = await oa.embeddings.create({ model: 'embed', input: ['alpha', 'beta'], encoding_format: 'float', dimensions: 16 });
    expect(f.data.map((d) => d.embedding)).toEqual([fakeVector('search_document:alpha', 16), fakeVector('search_document:beta', 16)]);
    expect(f.usage.prompt_tokens).toBe(3); // Cohere's billed units: the fake counts ceil(5/4) + ceil(4/4)
    expect(up.requests.at(-1)).toMatchObject({ path: '/v2/embed', body: { model: 'embed-v4.0', texts: ['alpha', 'beta'], input_type: 'search_document', embedding_types: ['float'], output_dimension: 16 } });
    const b = await oa.embeddings.create({ model: 'embed', input: 'gamma' });
    const got = b.data[0]?.embedding as unknown as number[];
    const want = fakeVector('search_document:gamma', 8);
    expect(got).toHaveLength(8);
    got.forEach((x, i) => expect(x).toBeCloseTo(want[i] as number, 5));
    const raw = await postJson(`${gw.baseURL}/embeddings`, { model: 'embed', input: 'delta', input_type: 'query' }, { authorization: `Bearer ${KEY}` });
    expect(raw.status).toBe(200);
    expect(lastBody()).toMatchObject({ input_type: 'search_query' });
    const viaFetch = (await raw.json()) as { data: { embedding: number[] }[] };
    expect(viaFetch.data[0]?.embedding).toEqual(fakeVector('search_query:delta', 8));
    const b64 = await postJson(`${gw.baseURL}/embeddings`, { model: 'embed', input: 'gamma', encoding_format: 'base64' }, { authorization: `Bearer ${KEY}` });
    const decoded = float32FromBase64(((await b64.json()) as { data: { embedding: string }[] }).data[0]?.embedding ?? '');
    decoded.forEach((x, i) => expect(x).toBeCloseTo(want[i] as number, 5));
  });

  it('the Responses API: text and a stream that completes with usage', async () => {
    const r = await oa.responses.create({ model: 'command', input: 'hello responses', store: false });
    expect(r.output_text).toBe('Echo: hello responses');
    expect(r.status).toBe('completed');
    const stream = await oa.responses.create({ model: 'command', input: 'stream responses', store: false, stream: true });
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

describe('cohere through the gateway: @anthropic-ai/sdk', () => {
  it('messages text: content, stop_reason end_turn, usage', async () => {
    const m = await ant.messages.create({ model: 'command', max_tokens: 100, messages: [{ role: 'user', content: 'hi from claude land' }] });
    expect(m.content).toEqual([{ type: 'text', text: 'Echo: hi from claude land' }]);
    expect(m.stop_reason).toBe('end_turn');
    expect(m.usage.input_tokens).toBeGreaterThan(0);
    expect(lastBody()).toMatchObject({ max_tokens: 100 });
  });

  it('messages stream: text events and a final message with usage', async () => {
    const stream = ant.messages.stream({ model: 'command', max_tokens: 100, messages: [{ role: 'user', content: 'count to three' }] });
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const final = await stream.finalMessage();
    expect(text).toBe('Echo: count to three');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('messages tools: the plan as text, a tool_use block (non-stream and stream), stop_reason tool_use', async () => {
    const params = {
      model: 'command', max_tokens: 200, messages: [{ role: 'user' as const, content: 'use the tool for Paris' }],
      tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }],
    };
    const m = await ant.messages.create(params);
    expect(m.stop_reason).toBe('tool_use');
    expect(m.content[0]).toMatchObject({ type: 'text', text: 'I will use get_weather.' });
    expect(m.content[1]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    const final = await ant.messages.stream(params).finalMessage();
    expect(final.content[1]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    expect(final.stop_reason).toBe('tool_use');
  });
});

describe('cohere through the gateway: failures', () => {
  it('429 → the client gets 429 with the retry hint; too many tokens → 400 context_length_exceeded', async () => {
    limited.setBehavior({ status: 429, message: 'rate limited, slow down', headers: { 'retry-after': '9' } });
    const rl = await postJson(`${gw.baseURL}/chat/completions`, { model: 'limited', messages: [{ role: 'user', content: 'x' }] }, { authorization: `Bearer ${KEY}` });
    expect(rl.status).toBe(429);
    expect(Number(rl.headers.get('retry-after'))).toBeGreaterThanOrEqual(9);
    up.setBehavior({ status: 400, message: 'too many tokens: total number of tokens in the prompt cannot exceed 256000 - received 300000' });
    const err = await oa.chat.completions.create({ model: 'command', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
  });

  it('an in-stream ERROR before the first content fails over to the fallback', async () => {
    up.setBehavior({ streamErrorBeforeContent: 'internal error' });
    const stream = await oa.chat.completions.create({ model: 'guarded', messages: [{ role: 'user', content: 'fail over please' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Echo: fail over please');
    expect(up.requests).toHaveLength(1);
    expect(backup.requests.at(-1)?.body).toMatchObject({ model: 'command-r-08-2024', stream: true });
  });

  it('the Cohere key never reaches logs, metrics or error bodies, even when the upstream echoes it', async () => {
    const bodies: string[] = [];
    up.setBehavior({ status: 401, message: `invalid api token ${CANARY}` });
    bodies.push(await (await postJson(`${gw.baseURL}/chat/completions`, { model: 'command', messages: [{ role: 'user', content: 'x' }] }, { authorization: `Bearer ${KEY}` })).text());
    up.setBehavior({ status: 400, message: `bad request for ${CANARY}` });
    bodies.push(await (await postJson(`${gw.origin}/v1/messages`, { model: 'command', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, { 'x-api-key': KEY })).text());
    up.setBehavior({ streamErrorBeforeContent: `stream failed ${CANARY}` });
    bodies.push(await (await postJson(`${gw.baseURL}/chat/completions`, { model: 'command', stream: true, messages: [{ role: 'user', content: 'x' }] }, { authorization: `Bearer ${KEY}` })).text());
    expect(bodies.join('\n')).toContain('[redacted]');
    const sinks = [...bodies, gw.logs.join('\n'), await gw.registry.metrics()];
    for (const sink of sinks) for (let i = 0; i + 8 <= CANARY.length; i++) expect(sink).not.toContain(CANARY.slice(i, i + 8));
  });
});
