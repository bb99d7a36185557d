// One test per openai-compatible quirk family through the real gateway, with the official openai SDK (maxRetries 0)
// against the fake OpenAI upstream scripted to behave like the preset's server (by upstream model name):
//   - output cap: a DeepSeek-like server that answers 400 to max_completion_tokens (as servers that know only
//     max_tokens do) — the deepseek preset renames it; the generic preset, which forwards bodies as sent, gets the 400;
//   - stream usage: a Mistral-like server that answers 400 to stream_options and reports usage in its finish chunk
//     unasked; a Groq-like server asked for usage with stream_options even when the client did not ask;
//   - reasoning: `reasoning_content` (DeepSeek) and `reasoning` (Groq) answers decoded into Responses API reasoning
//     items / reasoning summary events (the Responses API is translated to chat for both presets).
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { Behavior, FakeOpenAI, RecordedRequest } from '../support/fake-openai-server.ts';
import { apiKey, NS, route, secret, startGateway } from '../proxy/harness.ts';
import type { Gateway } from '../proxy/harness.ts';

const KEY = 'sk-swy-oac-presets-5a6b7c8d9e0f1122';
const UPSTREAM_KEY = 'sk-upstream-presets-0011223344556677';

/** Upstream model name → the server it emulates. */
const SERVERS = {
  deepseek: 'deepseek-chat',
  mistral: 'mistral-small-latest',
  groq: 'openai/gpt-oss-20b',
} as const;

function badRequest(message: string, param: string): Behavior {
  return { status: 400, errorBody: { error: { message, type: 'invalid_request_error', param, code: null } } };
}

/** The fake upstream behaving like the server each upstream model belongs to. */
function serverBehavior(req: RecordedRequest): Behavior | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  if (body === undefined || req.path !== '/v1/chat/completions') return undefined;
  if (body.model === SERVERS.deepseek) {
    if ('max_completion_tokens' in body) return badRequest('Unrecognized request argument supplied: max_completion_tokens', 'max_completion_tokens');
    return { reasoning: 'The user greets me.', content: ['Hello', '!'] };
  }
  if (body.model === SERVERS.mistral) {
    if ('stream_options' in body) return badRequest('Extra inputs are not permitted: stream_options', 'stream_options');
    return { usageInFinishChunk: true, content: ['Bonjour', '!'] };
  }
  if (body.model === SERVERS.groq) return { reasoning: 'Considering the request.', reasoningField: 'reasoning', content: ['Hi'] };
  return undefined;
}

function presetProvider(name: string, preset: string, baseURL: string): unknown {
  return {
    apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name, namespace: NS },
    spec: { type: 'openai-compatible', preset, baseURL, auth: { secretRef: { name: 'upstream', key: 'apiKey' } } },
  };
}

let up: FakeOpenAI;
let gw: Gateway;
let client: OpenAI;

beforeAll(async () => {
  up = await startFakeOpenAI({ behavior: serverBehavior });
  gw = await startGateway([
    secret('upstream', { apiKey: UPSTREAM_KEY }),
    presetProvider('deepseek', 'deepseek', up.url),
    presetProvider('generic', 'generic', up.url),
    presetProvider('mistral', 'mistral', up.url),
    presetProvider('groq', 'groq', up.url),
    route('ds', { model: 'ds', targets: [{ provider: 'deepseek', model: SERVERS.deepseek }] }),
    route('ds-generic', { model: 'ds-generic', targets: [{ provider: 'generic', model: SERVERS.deepseek }] }),
    route('mistral', { model: 'mistral', targets: [{ provider: 'mistral', model: SERVERS.mistral }] }),
    route('groq', { model: 'groq', targets: [{ provider: 'groq', model: SERVERS.groq }] }),
    apiKey('client', KEY),
  ]);
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: KEY, maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
  await up.close();
});
afterEach(() => {
  up.requests.length = 0;
});

function chatBodies(): Record<string, unknown>[] {
  return up.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body as Record<string, unknown>);
}

describe('output cap: a server that knows only max_tokens (deepseek preset)', () => {
  it('chat with max_completion_tokens reaches it as max_tokens and succeeds', async () => {
    const r = await client.chat.completions.create({ model: 'ds', max_completion_tokens: 50, messages: [{ role: 'user', content: 'hello' }] });
    expect(r.choices[0]?.message.content).toBe('Hello!');
    expect(chatBodies()[0]).toMatchObject({ model: SERVERS.deepseek, max_tokens: 50 });
    expect(chatBodies()[0]).not.toHaveProperty('max_completion_tokens');
  });

  it('the generic preset forwards max_completion_tokens as sent, and the same server answers 400', async () => {
    const err = await client.chat.completions.create({ model: 'ds-generic', max_completion_tokens: 50, messages: [{ role: 'user', content: 'hello' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(chatBodies()[0]).toMatchObject({ max_completion_tokens: 50 });
  });

  it('a translated request (Responses API max_output_tokens) is built with max_tokens', async () => {
    const r = await client.responses.create({ model: 'ds', max_output_tokens: 40, input: 'hello' });
    expect(r.output_text).toBe('Hello!');
    expect(chatBodies()[0]).toMatchObject({ max_tokens: 40 });
    expect(chatBodies()[0]).not.toHaveProperty('max_completion_tokens');
  });
});

describe('stream usage', () => {
  it('mistral preset: stream_options is not sent; the usage the server puts in its finish chunk reaches the client', async () => {
    const stream = await client.chat.completions.create({ model: 'mistral', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'salut' }] });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Bonjour!');
    expect(usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 2 });
    expect(chatBodies()[0]).not.toHaveProperty('stream_options');
  });

  it('groq preset: usage is asked for with stream_options even when the client does not ask; the client gets no usage chunk', async () => {
    const stream = await client.chat.completions.create({ model: 'groq', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chatBodies()[0]?.stream_options).toEqual({ include_usage: true });
    expect(chunks.some((c) => c.usage !== undefined && c.usage !== null)).toBe(false);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hi');
  });
});

describe('reasoning fields decoded when translating', () => {
  it('deepseek preset: reasoning_content becomes a Responses reasoning item before the message', async () => {
    const r = await client.responses.create({ model: 'ds', input: 'hello' });
    const reasoning = r.output.find((o) => o.type === 'reasoning');
    expect(reasoning?.type === 'reasoning' ? reasoning.summary.map((s) => s.text).join('') : '').toBe('The user greets me.');
    expect(r.output.findIndex((o) => o.type === 'reasoning')).toBeLessThan(r.output.findIndex((o) => o.type === 'message'));
    expect(r.output_text).toBe('Hello!');
  });

  it('groq preset: a streamed `reasoning` field becomes reasoning summary events', async () => {
    const stream = await client.responses.create({ model: 'groq', input: 'hi', stream: true });
    let summary = '';
    let text = '';
    for await (const ev of stream) {
      if (ev.type === 'response.reasoning_summary_text.delta') summary += ev.delta;
      if (ev.type === 'response.output_text.delta') text += ev.delta;
    }
    expect(summary).toBe('Considering the request.');
    expect(text).toBe('Hi');
  });
});
