// vertex-ai through the real gateway: one Provider (a service-account key in a Secret, region + project) in front of
// the fake Vertex upstream, with a Claude route (Anthropic publisher, rawPredict) and a Gemini route (Google
// publisher, generateContent). The official `openai` SDK (chat text, stream, tools with a tool-result round trip,
// the Responses API) and `@anthropic-ai/sdk` (messages text, stream, tools, countTokens) go to both families: Anthropic
// Messages to Claude are passed through (body patched only: model out, anthropic_version in), everything else is
// translated. Tokens come from the fake Google token endpoint, fetched in the background when the table loads (no
// request waits for one, none asks for one). An in-band error before the first content of a passed-through Claude
// stream fails over to Gemini (translated) within the same request. A Vertex 429 reaches the client with its retry
// hint; the service-account private keys never appear in logs, metrics or error bodies (E11/E12).
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeServiceAccount, startFakeGoogleTokenServer } from '../support/fake-google-token-server.ts';
import type { FakeGoogleTokenServer, ServiceAccount } from '../support/fake-google-token-server.ts';
import { startFakeVertex, VERTEX_ANTHROPIC_VERSION } from '../support/fake-vertex-server.ts';
import type { FakeVertex } from '../support/fake-vertex-server.ts';
import { NS, apiKey, route, secret, startGateway } from '../proxy/harness.ts';
import type { Gateway } from '../proxy/harness.ts';

const KEY = 'sk-swy-vertex-gw-3c2b1a0f9e8d';
const CLAUDE = 'claude-sonnet-4-5@20250929';
const GEMINI = 'gemini-2.5-flash';

let tokens: FakeGoogleTokenServer;
let sa: ServiceAccount;
/** A key the token endpoint does not know (its grants are refused): the canary of the failing provider. */
let stranger: ServiceAccount;
let vx: FakeVertex;
let gw: Gateway;
let openai: OpenAI;
let anthropic: Anthropic;

function vertexProvider(name: string, secretName: string): unknown {
  return {
    apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name, namespace: NS },
    spec: { type: 'vertex-ai', baseURL: vx.url, region: vx.location, project: vx.project, auth: { googleServiceAccount: { name: secretName, key: 'key.json' } } },
  };
}

beforeAll(async () => {
  tokens = await startFakeGoogleTokenServer({ ttlSeconds: 3600 });
  sa = tokens.createServiceAccount({ project: 'switchyard-test', name: 'gateway' });
  stranger = makeServiceAccount(tokens.tokenUri, { project: 'switchyard-test', name: 'stranger' });
  vx = await startFakeVertex({ project: 'switchyard-test', location: 'us-east5', checkToken: (t) => tokens.isValid(t) });
  gw = await startGateway([
    secret('vx-sa', { 'key.json': sa.json }),
    secret('vx-stranger', { 'key.json': stranger.json }),
    vertexProvider('vx', 'vx-sa'),
    route('claude', { model: 'claude-vx', targets: [{ provider: 'vx', model: CLAUDE }] }),
    route('gemini', { model: 'gemini-vx', targets: [{ provider: 'vx', model: GEMINI }] }),
    // Their own Providers: a 429 or an auth failure cools a target down, which must not touch the other routes.
    vertexProvider('vx-limited', 'vx-sa'),
    route('limited', { model: 'claude-limited', targets: [{ provider: 'vx-limited', model: CLAUDE }] }),
    // Claude passed through on one Provider, Gemini (translated) as the fallback on another: one request, both paths.
    vertexProvider('vx-flaky', 'vx-sa'),
    route('claude-then-gemini', { model: 'claude-then-gemini', retry: { attempts: 1 }, targets: [{ provider: 'vx-flaky', model: CLAUDE }], fallback: [{ provider: 'vx', model: GEMINI }] }),
    vertexProvider('vx-stranger', 'vx-stranger'),
    route('stranger', { model: 'gemini-stranger', targets: [{ provider: 'vx-stranger', model: GEMINI }] }),
    apiKey('clients', KEY),
  ]);
  openai = new OpenAI({ baseURL: gw.baseURL, apiKey: KEY, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.origin, apiKey: KEY, maxRetries: 0 });
});
afterEach(() => {
  vx.requests.length = 0;
  vx.setFault(undefined);
  vx.anthropic.setFault(undefined);
});
afterAll(async () => {
  await gw.close();
  await vx.close();
  await tokens.close();
});

const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const WEATHER: Anthropic.Tool = { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

type Obj = Record<string, unknown>;

function last(): { path: string; body: Obj; bearer: string } {
  const r = vx.requests.at(-1);
  return { path: r?.path ?? '', body: (r?.body ?? {}) as Obj, bearer: String(r?.headers.authorization ?? '').replace(/^Bearer /, '') };
}

const CLAUDE_PATH = `/v1/projects/switchyard-test/locations/us-east5/publishers/anthropic/models/${CLAUDE}`;
const GEMINI_PATH = `/v1/projects/switchyard-test/locations/us-east5/publishers/google/models/${GEMINI}`;

describe('vertex-ai through the gateway: tokens', () => {
  it('the token was fetched in the background when the table loaded; requests carry it and never fetch one', async () => {
    const issuedForSa = (): number => tokens.issued.filter((t) => t.email === sa.key.client_email).length;
    // Both providers with this key share nothing but the key: one source each (provider id is part of the key).
    await expect.poll(issuedForSa, { timeout: 2000 }).toBeGreaterThanOrEqual(1);
    const before = tokens.issued.length;
    for (let i = 0; i < 3; i++) await openai.chat.completions.create({ model: 'gemini-vx', messages: [{ role: 'user', content: `hi ${i}` }] });
    expect(tokens.issued.length).toBe(before);
    expect(tokens.isValid(last().bearer)).toBe(true);
    expect(tokens.issued.find((t) => t.token === last().bearer)?.email).toBe(sa.key.client_email);
  });
});

describe.each([
  ['Claude (Anthropic publisher)', 'claude-vx', CLAUDE_PATH, ':rawPredict', ':streamRawPredict'],
  ['Gemini (Google publisher)', 'gemini-vx', GEMINI_PATH, ':generateContent', ':streamGenerateContent'],
])('vertex-ai %s through the gateway (openai SDK)', (_name, model, path, unary, streaming) => {
  it('chat: the echo, stop, usage', async () => {
    const chat = await openai.chat.completions.create({ model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello Vertex' }], max_tokens: 64 });
    expect(chat.choices[0]?.message.content).toBe('Echo: Hello Vertex');
    expect(chat.choices[0]?.finish_reason).toBe('stop');
    expect(chat.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(chat.usage?.completion_tokens).toBeGreaterThan(0);
    expect(last().path).toBe(path + unary);
  });

  it('stream: deltas join to the echo; usage in the last chunk', async () => {
    const stream = await openai.chat.completions.create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Stream to me' }] });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Echo: Stream to me');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(last().path).toBe(path + streaming);
  });

  it('tools: a tool call, then the tool result round trip', async () => {
    const first = await openai.chat.completions.create({ model, tools: [weather], messages: [{ role: 'user', content: 'Use the tool for Paris' }] });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' ? call.function.name : undefined).toBe('get_weather');
    const args = call?.type === 'function' ? (JSON.parse(call.function.arguments) as Obj) : {};
    expect(args).toHaveProperty('city');
    const second = await openai.chat.completions.create({
      model, tools: [weather],
      messages: [{ role: 'user', content: 'Use the tool for Paris' }, first.choices[0]!.message, { role: 'tool', tool_call_id: call!.id, content: '18C and sunny' }],
    });
    expect(second.choices[0]?.message.content).toBe('Echo: tool result: 18C and sunny');
  });

  it('the Responses API: output_text is the echo', async () => {
    const r = await openai.responses.create({ model, input: 'Responses via Vertex' });
    expect(r.output_text).toBe('Echo: Responses via Vertex');
    expect(r.usage?.input_tokens).toBeGreaterThan(0);
  });
});

describe.each([
  ['Claude (passed through)', 'claude-vx', CLAUDE_PATH, ':rawPredict', ':streamRawPredict'],
  ['Gemini (translated)', 'gemini-vx', GEMINI_PATH, ':generateContent', ':streamGenerateContent'],
])('vertex-ai %s through the gateway (@anthropic-ai/sdk)', (_name, model, path, unary, streaming) => {
  it('messages.create: the echo, end_turn, usage', async () => {
    const m = await anthropic.messages.create({ model, max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'hello vertex' }] });
    expect(m.content).toEqual([expect.objectContaining({ type: 'text', text: 'Echo: hello vertex' })]);
    expect(m.stop_reason).toBe('end_turn');
    expect(m.usage.input_tokens).toBeGreaterThan(0);
    expect(last().path).toBe(path + unary);
  });

  it('messages.stream: text events join to the echo; finalMessage carries usage', async () => {
    const stream = anthropic.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'stream please' }] });
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const final = await stream.finalMessage();
    expect(text).toBe('Echo: stream please');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    expect(last().path).toBe(path + streaming);
  });

  it('tools: tool_use, then a tool_result round trip', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'use the tool for Paris' }];
    const first = await anthropic.messages.create({ model, max_tokens: 100, tools: [WEATHER], messages });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(use?.name).toBe('get_weather');
    const second = await anthropic.messages.create({
      model, max_tokens: 100, tools: [WEATHER],
      messages: [...messages, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use!.id, content: '18C and sunny' }] }],
    });
    expect(second.content).toEqual([expect.objectContaining({ type: 'text', text: 'Echo: tool result: 18C and sunny' })]);
  });
});

describe('vertex-ai passthrough and errors', () => {
  it('Anthropic Messages to Claude is passed through: unknown fields kept, model out, anthropic_version in, anthropic-beta forwarded', async () => {
    const res = await fetch(`${gw.origin}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'context-1m-2025-08-07' },
      body: JSON.stringify({ model: 'claude-vx', max_tokens: 50, messages: [{ role: 'user', content: 'raw' }], metadata: { user_id: 'u-1' }, future_field: { kept: true } }),
    });
    expect(res.status).toBe(200);
    const body = last().body;
    expect(body).toMatchObject({ anthropic_version: VERTEX_ANTHROPIC_VERSION, future_field: { kept: true }, metadata: { user_id: 'u-1' } });
    expect(body).not.toHaveProperty('model');
    expect(vx.requests.at(-1)?.headers['anthropic-beta']).toBe('context-1m-2025-08-07');
    // The client gets the upstream's message as sent (its id is the Anthropic fake's).
    expect(((await res.json()) as { id: string }).id).toMatch(/^msg_fake_/);
  });

  it('countTokens for Claude goes to count-tokens:rawPredict; for Gemini it is refused', async () => {
    const r = await anthropic.messages.countTokens({ model: 'claude-vx', messages: [{ role: 'user', content: 'count these tokens' }] });
    expect(r.input_tokens).toBeGreaterThan(0);
    expect(last().path).toBe('/v1/projects/switchyard-test/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict');
    expect(last().body).toMatchObject({ model: CLAUDE, anthropic_version: VERTEX_ANTHROPIC_VERSION });
    const refused = await anthropic.messages.countTokens({ model: 'gemini-vx', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('an in-band overloaded_error before the first content of a passed-through Claude stream fails over to Gemini', async () => {
    vx.anthropic.setFault({ overloadedBeforeContent: true });
    const stream = anthropic.messages.stream({ model: 'claude-then-gemini', max_tokens: 100, messages: [{ role: 'user', content: 'fail over please' }] });
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const final = await stream.finalMessage();
    expect(text).toBe('Echo: fail over please');
    expect(final.stop_reason).toBe('end_turn');
    expect(vx.requests.map((r) => r.path)).toEqual([`${CLAUDE_PATH}:streamRawPredict`, `${GEMINI_PATH}:streamGenerateContent`]);
  });

  it('a Vertex 429 RESOURCE_EXHAUSTED → 429 rate_limited with Retry-After from RetryInfo', async () => {
    vx.setFault({ status: 429, message: 'Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '41s' }] });
    const res = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: 'claude-limited', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(40);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_rate_limited');
  });

  it('a key the token endpoint refuses: 502 upstream_auth_error at once (no upstream request), a safe reason in the log', async () => {
    const t0 = performance.now();
    const res = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: 'gemini-stranger', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_auth_error');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(vx.requests).toHaveLength(0);
    expect(tokens.refused.length).toBeGreaterThan(0);
  });

  it('canary: neither service-account private key nor a key id is in logs, metrics or error bodies', async () => {
    const bodies: string[] = [];
    for (const model of ['gemini-stranger', 'claude-limited']) {
      const res = await fetch(`${gw.baseURL}/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'canary' }] }),
      });
      bodies.push(await res.text());
    }
    const metrics = await gw.registry.metrics();
    const haystacks = [gw.logs.join('\n'), metrics, ...bodies];
    for (const key of [sa, stranger]) {
      const pemBody = key.key.private_key.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
      for (const h of haystacks) {
        expect(h).not.toContain(key.key.private_key_id);
        for (const line of pemBody) expect(h).not.toContain(line);
      }
    }
    // Access tokens are credentials too: none of the issued ones is logged.
    for (const t of tokens.issued) expect(gw.logs.join('\n')).not.toContain(t.token);
    expect(gw.logs.join('\n')).toContain('upstream');
  });
});
