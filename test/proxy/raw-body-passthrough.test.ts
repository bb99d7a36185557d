// Issue 7 point 8: a native passthrough forwards the client's original body bytes when no field must change
// (whitespace and key order kept, compressed bodies as decoded), and a patched body otherwise (model renamed,
// stream_options.include_usage forced, a duplicate key that a first-wins upstream parser would read differently).
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { provider, route } from './harness.ts';
import { anthropicProvider, useFakePair } from '../support/upstreams.ts';

const fakes = useFakePair((oa, ant) => [
  ...provider('oa', oa.url),
  ...anthropicProvider('ant', ant.url, ant.apiKey),
  route('same', { model: 'gpt-up', targets: [{ provider: 'oa', model: 'gpt-up' }] }),
  route('renamed', { model: 'alias', targets: [{ provider: 'oa', model: 'gpt-up' }] }),
  route('claude-same', { model: 'claude-up', targets: [{ provider: 'ant', model: 'claude-up' }] }),
  route('claude-renamed', { model: 'claude-alias', targets: [{ provider: 'ant', model: 'claude-up' }] }),
], { auth: 'open' });

async function post(path: string, text: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(`${fakes.gw.origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text });
  await res.arrayBuffer();
  return res;
}

// Odd spacing, a newline, vendor fields and keys out of the usual order: a re-serialisation would change all three.
const chat = (model: string, extra = ''): string =>
  `{ "messages" : [ {"content":"hi", "role":"user"} ],\n  "x_vendor": {"b": 1, "a": [1.50, 2]}, "model":"${model}"${extra} }`;

describe('OpenAI chat native', () => {
  it('forwards the original bytes when the upstream model equals the requested one (non-stream)', async () => {
    const text = chat('gpt-up', ', "temperature": 0.50');
    expect((await post('/v1/chat/completions', text)).status).toBe(200);
    expect(fakes.oa.requests).toHaveLength(1);
    expect(fakes.oa.requests[0]?.rawBody).toBe(text);
  });

  it('forwards the original bytes of a stream that already asks for usage', async () => {
    const text = chat('gpt-up', ', "stream": true, "stream_options": {"include_usage": true}');
    expect((await post('/v1/chat/completions', text)).status).toBe(200);
    expect(fakes.oa.requests[0]?.rawBody).toBe(text);
  });

  it('forwards the decoded bytes of a gzip-compressed body', async () => {
    const text = chat('gpt-up');
    expect((await post('/v1/chat/completions', gzipSync(Buffer.from(text)), { 'content-encoding': 'gzip' })).status).toBe(200);
    expect(fakes.oa.requests[0]?.rawBody).toBe(text);
  });

  it('patches the model of a renamed target (other fields kept)', async () => {
    expect((await post('/v1/chat/completions', chat('alias'))).status).toBe(200);
    const rec = fakes.oa.requests[0];
    expect(rec?.rawBody).not.toBe(chat('alias'));
    expect(rec?.body).toEqual({ messages: [{ content: 'hi', role: 'user' }], x_vendor: { b: 1, a: [1.5, 2] }, model: 'gpt-up' });
  });

  it('patches a stream without stream_options.include_usage (usage is forced on)', async () => {
    const text = chat('gpt-up', ', "stream": true');
    expect((await post('/v1/chat/completions', text)).status).toBe(200);
    const rec = fakes.oa.requests[0];
    expect(rec?.rawBody).not.toBe(text);
    expect(rec?.body).toMatchObject({ model: 'gpt-up', stream: true, stream_options: { include_usage: true } });
  });

  it('re-serialises a body with a duplicate key, so the upstream reads the value the gateway validated', async () => {
    const text = '{"model":"gpt-up","messages":[{"role":"user","content":"hi"}],"temperature":1,"temperature":0.25}';
    expect((await post('/v1/chat/completions', text)).status).toBe(200);
    const rec = fakes.oa.requests[0];
    expect(rec?.rawBody).toBe('{"model":"gpt-up","messages":[{"role":"user","content":"hi"}],"temperature":0.25}');
  });
});

describe('Anthropic Messages native', () => {
  const messages = (model: string): string =>
    `{"max_tokens": 16,  "messages":[{"role":"user","content":"hi"}],\n"model": "${model}", "metadata": {"user_id": "u1"}}`;
  const headers = { 'anthropic-version': '2023-06-01' };

  it('forwards the original bytes when the upstream model equals the requested one', async () => {
    const text = messages('claude-up');
    expect((await post('/v1/messages', text, headers)).status).toBe(200);
    expect(fakes.ant.requests).toHaveLength(1);
    expect(fakes.ant.requests[0]?.rawBody).toBe(text);
  });

  it('patches the model of a renamed target', async () => {
    expect((await post('/v1/messages', messages('claude-alias'), headers)).status).toBe(200);
    const rec = fakes.ant.requests[0];
    expect(rec?.rawBody).not.toBe(messages('claude-alias'));
    expect(rec?.body).toEqual({ max_tokens: 16, messages: [{ role: 'user', content: 'hi' }], model: 'claude-up', metadata: { user_id: 'u1' } });
  });
});
