// The test upstream itself speaks the OpenAI wire format the official SDK expects.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitBytes, startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';

let up: FakeOpenAI;
let client: OpenAI;
beforeAll(async () => {
  up = await startFakeOpenAI();
  client = new OpenAI({ baseURL: up.url, apiKey: 'sk-test', maxRetries: 0 });
});
afterAll(() => up.close());

describe('fake OpenAI upstream', () => {
  it('answers chat, streams with a usage chunk, embeddings and models, and records requests', async () => {
    const chat = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.choices[0]?.message.content).toBe('Hello world!');
    expect(chat.usage?.total_tokens).toBe(14);

    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: number | undefined;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      usage = c.usage?.total_tokens ?? usage;
    }
    expect(text).toBe('Hello world!');
    expect(usage).toBe(14);

    const emb = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'], encoding_format: 'float' });
    expect(emb.data).toHaveLength(2);
    expect((await client.models.list()).data[0]?.id).toBe('gpt-4o-mini');

    const rec = up.requests.find((r) => r.path === '/v1/chat/completions');
    expect(rec?.headers.authorization).toBe('Bearer sk-test');
    expect(rec?.body).toMatchObject({ model: 'gpt-4o-mini' });
  });

  it('the model name selects a fault: status-429 carries Retry-After and an OpenAI error body', async () => {
    const err = await client.chat.completions.create({ model: 'status-429', messages: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('1');
  });

  it('splitBytes cuts at a fixed size or at explicit offsets', () => {
    const buf = Buffer.from('abcdefghij');
    expect(splitBytes(buf, 4).map(String)).toEqual(['abcd', 'efgh', 'ij']);
    expect(splitBytes(buf, [7, 2, 2, 50]).map(String)).toEqual(['ab', 'cdefg', 'hij']);
  });
});
